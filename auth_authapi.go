package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// AuthAPI authenticates against a token service with form-encoded
// POST /auth/password (username, password) and POST /auth/refresh
// (refresh_token), which answers a new access token and a new refresh
// token, the old one dead. Production and staging hosts are separate, each
// with its own credentials: one AuthAPI per host.
//
// It sends the password only when it has no refresh token or when
// /auth/refresh answers 401 (the refresh token itself has expired), never
// because of a network error or 5xx, so that the password is not sent on
// every 401 or every start of a process that stores its token. AuthAPI is
// safe for concurrent use; printing it never shows the password.
type AuthAPI struct {
	// BaseURL is the service's root, e.g. https://auth.example.com.
	BaseURL string

	Username, Password string

	// HTTPClient calls the token service; nil means http.DefaultClient,
	// looked up at call time.
	HTTPClient *http.Client
}

// Authenticate refreshes prev when it has a refresh token, and logs in
// with the password otherwise or when the refresh answers 401.
func (a AuthAPI) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if prev != nil && prev.RefreshToken != "" {
		tok, err := a.post(ctx, "authapi refresh", "/auth/refresh", url.Values{"refresh_token": {prev.RefreshToken}}, append(a.secrets(), tokenSecrets(prev)...))
		if err == nil {
			return inherit(tok, prev), nil
		}
		if !statusIs(err, http.StatusUnauthorized) {
			return nil, err
		}
	}
	if err := ownCredential(ctx, "authapi login", strings.TrimRight(a.BaseURL, "/")+"/auth/password"); err != nil {
		return nil, err
	}
	if a.Username == "" || a.Password == "" {
		return nil, &AuthError{Grant: "authapi login", Err: fmt.Errorf("%w: AuthAPI needs Username and Password", ErrInvalidOption)}
	}
	return a.post(ctx, "authapi login", "/auth/password", url.Values{"username": {a.Username}, "password": {a.Password}}, append(a.secrets(), tokenSecrets(prev)...))
}

func (a AuthAPI) post(ctx context.Context, grant, path string, form url.Values, secrets []string) (*Token, error) {
	u, err := presetURL(grant, a.BaseURL, path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: invalid BaseURL", ErrInvalidOption)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return exchange(req, a.HTTPClient, grant, secrets)
}

func (a AuthAPI) fields() []redact.Field {
	return []redact.Field{
		{Name: "BaseURL", Value: a.BaseURL, URL: true},
		{Name: "Username", Value: a.Username},
		{Name: "Password", Value: a.Password, Secret: true},
		{Name: "HTTPClient", Value: a.HTTPClient},
	}
}

// String describes the preset without the password.
func (a AuthAPI) String() string { return redact.String("bearerkit.AuthAPI", a.fields()...) }

// GoString is the %#v form, with the password redacted.
func (a AuthAPI) GoString() string { return redact.GoString("bearerkit.AuthAPI", a.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (a AuthAPI) Format(f fmt.State, verb rune) { redact.Format(f, verb, a.String(), a.GoString()) }

// LogValue is the slog form, with the password redacted.
func (a AuthAPI) LogValue() slog.Value { return redact.LogValue(a.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (a AuthAPI) MarshalJSON() ([]byte, error) { return redact.JSON(a.fields()...) }
