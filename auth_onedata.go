package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bearerkit/bearerkit/internal/jwtexp"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// OneData authenticates a ONE DATA user: JSON POST /api/v1/users/login
// with username and password. The token comes back in the Authorization
// response header (or the legacy X-Auth-Token), with or without a
// "Bearer " prefix, which is never sent twice. It is a JWT whose exp claim
// gives the expiry (24 h by default).
//
// ONE DATA has no refresh token: every renewal, at expiry or after a 401,
// logs in again (the Transport's cool-down keeps a wrong password from
// being sent again and again). Its logout does not invalidate tokens, so it
// is not offered. A token copied from the browser instead goes in a
// StaticToken. OneData is safe for concurrent use; printing it never shows
// the password.
type OneData struct {
	// BaseURL is the instance's root, e.g. https://onedata.example.com.
	BaseURL string

	Username, Password string

	// HTTPClient calls the login endpoint; nil means http.DefaultClient,
	// looked up at call time.
	HTTPClient *http.Client
}

// Authenticate logs in; prev is not needed.
func (o OneData) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	const grant = "onedata login"
	u, err := presetURL(grant, o.BaseURL, "/api/v1/users/login")
	if err != nil {
		return nil, err
	}
	if err := ownCredential(ctx, grant, u); err != nil {
		return nil, err
	}
	if o.Username == "" || o.Password == "" {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: OneData needs Username and Password", ErrInvalidOption)}
	}
	req, err := jsonRequest(ctx, grant, u, map[string]string{"username": o.Username, "password": o.Password})
	if err != nil {
		return nil, err
	}
	secrets := append(o.secrets(), tokenSecrets(prev)...)
	resp, err := send(req, o.HTTPClient, grant, secrets)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, err := parseTokenResponse(resp, grant, redact.URL(u), secrets)
		return nil, err
	}
	raw := resp.Header.Get("Authorization")
	if raw == "" {
		raw = resp.Header.Get("X-Auth-Token")
	}
	access := accessValue(strings.TrimSpace(raw))
	if access == "" || !validHeaderToken(access) {
		e := newAuthError(resp, grant, redact.URL(u), errors.New("no token in the Authorization or X-Auth-Token response header"), secrets)
		e.ContentType = contentType(resp, secrets)
		return nil, e
	}
	tok := &Token{AccessToken: access, TokenType: "Bearer"}
	if exp, ok := jwtexp.Expiry(access); ok {
		tok.Expiry = exp
	}
	return tok, nil
}

func (o OneData) fields() []redact.Field {
	return []redact.Field{
		{Name: "BaseURL", Value: o.BaseURL, URL: true},
		{Name: "Username", Value: o.Username},
		{Name: "Password", Value: o.Password, Secret: true},
		{Name: "HTTPClient", Value: o.HTTPClient},
	}
}

// String describes the preset without the password.
func (o OneData) String() string { return redact.String("bearerkit.OneData", o.fields()...) }

// GoString is the %#v form, with the password redacted.
func (o OneData) GoString() string { return redact.GoString("bearerkit.OneData", o.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (o OneData) Format(f fmt.State, verb rune) { redact.Format(f, verb, o.String(), o.GoString()) }

// LogValue is the slog form, with the password redacted.
func (o OneData) LogValue() slog.Value { return redact.LogValue(o.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (o OneData) MarshalJSON() ([]byte, error) { return redact.JSON(o.fields()...) }
