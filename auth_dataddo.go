package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// Dataddo authenticates a Dataddo account (the public and headless APIs):
// JSON POST /auth with e-mail and password, renewal with POST /refresh
// (the expired access token as bearer plus the refresh token; GET /refresh
// with X-Refresh-Token when there is no access token), rotating the
// refresh token. It logs in with the password again only when the refresh
// token is dead (the server answers 400 or 401 to it); a network error or
// 5xx is returned, never answered with the password.
//
// The token's RealmID and Provider come from the login answer (realm_id
// as a number or a string), so X-realm-id and X-provider go out with every
// request. Dataddo is safe for concurrent use; printing it never shows the
// password. Only username+password ("system") users can log in this way,
// not SSO accounts.
type Dataddo struct {
	// BaseURL is the API root, e.g. https://headless.dataddo.com/customer-api/v1
	// or https://public-api.dataddo.com/api/v2.
	BaseURL string

	Email, Password string

	// HTTPClient calls the authentication endpoints; nil means
	// http.DefaultClient, looked up at call time.
	HTTPClient *http.Client
}

// Authenticate refreshes prev when it has a refresh token, and logs in
// otherwise or when the refresh token is dead.
func (d Dataddo) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if prev != nil && prev.RefreshToken != "" {
		tok, err := d.refresh(ctx, prev)
		if err == nil || !(isDead(err) || statusIs(err, http.StatusBadRequest)) {
			return tok, err
		}
	}
	return d.login(ctx, prev)
}

func (d Dataddo) login(ctx context.Context, prev *Token) (*Token, error) {
	const grant = "dataddo login"
	u, err := presetURL(grant, d.BaseURL, "/auth")
	if err != nil {
		return nil, err
	}
	if err := ownCredential(ctx, grant, u); err != nil {
		return nil, err
	}
	if d.Email == "" || d.Password == "" {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: Dataddo needs Email and Password", ErrInvalidOption)}
	}
	req, err := jsonRequest(ctx, grant, u, map[string]string{"email": d.Email, "password": d.Password})
	if err != nil {
		return nil, err
	}
	return exchange(req, d.HTTPClient, grant, append(d.secrets(), tokenSecrets(prev)...))
}

func (d Dataddo) refresh(ctx context.Context, prev *Token) (*Token, error) {
	const grant = "dataddo refresh"
	u, err := presetURL(grant, d.BaseURL, "/refresh")
	if err != nil {
		return nil, err
	}
	var req *http.Request
	if access := accessValue(prev.AccessToken); access != "" {
		req, err = jsonRequest(ctx, grant, u, map[string]string{"refresh_token": prev.RefreshToken})
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+access)
	} else {
		// No access token to send (a web session whose access-token
		// cookie has expired, see CookieSession): the API description's
		// form, GET /refresh with X-Refresh-Token.
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u, http.NoBody)
		if err != nil {
			return nil, &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: invalid BaseURL", ErrInvalidOption)}
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Refresh-Token", prev.RefreshToken)
	}
	if prev.RealmID != "" {
		req.Header.Set("X-Realm-Id", prev.RealmID)
	}
	if prev.Provider != "" {
		req.Header.Set("X-Provider", prev.Provider)
	}
	tok, err := exchange(req, d.HTTPClient, grant, append(d.secrets(), tokenSecrets(prev)...))
	if err != nil {
		return nil, err
	}
	return inherit(tok, prev), nil
}

// Revoke ends tok's session: POST /revoke with its access token.
func (d Dataddo) Revoke(ctx context.Context, tok *Token) error {
	const grant = "dataddo revoke"
	u, err := presetURL(grant, d.BaseURL, "/revoke")
	if err != nil {
		return err
	}
	if tok == nil || tok.AccessToken == "" {
		return &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: no token to revoke", ErrInvalidOption)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, http.NoBody)
	if err != nil {
		return &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: invalid BaseURL", ErrInvalidOption)}
	}
	for _, h := range tokenHeaders(tok, nil) {
		req.Header[h.key] = h.val
	}
	return expectOK(req, d.HTTPClient, grant, append(d.secrets(), tokenSecrets(tok)...))
}

func (d Dataddo) fields() []redact.Field {
	return []redact.Field{
		{Name: "BaseURL", Value: d.BaseURL, URL: true},
		{Name: "Email", Value: d.Email},
		{Name: "Password", Value: d.Password, Secret: true},
		{Name: "HTTPClient", Value: d.HTTPClient},
	}
}

// String describes the preset without the password.
func (d Dataddo) String() string { return redact.String("bearerkit.Dataddo", d.fields()...) }

// GoString is the %#v form, with the password redacted.
func (d Dataddo) GoString() string { return redact.GoString("bearerkit.Dataddo", d.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (d Dataddo) Format(f fmt.State, verb rune) { redact.Format(f, verb, d.String(), d.GoString()) }

// LogValue is the slog form, with the password redacted.
func (d Dataddo) LogValue() slog.Value { return redact.LogValue(d.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (d Dataddo) MarshalJSON() ([]byte, error) { return redact.JSON(d.fields()...) }
