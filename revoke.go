package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// Revoker revokes tokens at an RFC 7009 revocation endpoint, with client
// authentication as in the grants (HTTP Basic when ClientSecret is set,
// client_id alone for a public client). Servers answer 200 even for
// unknown tokens, so a nil error means "no longer valid", not "was valid".
// A Revoker is safe for concurrent use; printing it never shows the secret.
type Revoker struct {
	URL, ClientID, ClientSecret string

	// AuthStyle is how the client secret is sent; zero is HTTP Basic.
	AuthStyle AuthStyle

	// HTTPClient calls the endpoint; nil means http.DefaultClient, looked
	// up at call time.
	HTTPClient *http.Client
}

// Revoke revokes one token; hint is "access_token", "refresh_token" or "".
func (r Revoker) Revoke(ctx context.Context, token, hint string) error {
	return r.revoke(ctx, token, hint, nil)
}

// revoke revokes one token; others are secrets that the server's answer
// must not show either (the rest of the token being revoked).
func (r Revoker) revoke(ctx context.Context, token, hint string, others []string) error {
	const grant = "revocation"
	if r.URL == "" {
		return &AuthError{Grant: grant, Err: fmt.Errorf("%w: Revoker has no URL", ErrInvalidOption)}
	}
	if token == "" {
		return &AuthError{Grant: grant, Endpoint: redact.URL(r.URL), Err: fmt.Errorf("%w: no token to revoke", ErrInvalidOption)}
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	if r.ClientID != "" && (r.ClientSecret == "" || r.AuthStyle == AuthStyleParams) {
		form.Set("client_id", r.ClientID)
	}
	if r.ClientSecret != "" && r.AuthStyle == AuthStyleParams {
		form.Set("client_secret", r.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return &AuthError{Grant: grant, Endpoint: redact.URL(r.URL), Err: fmt.Errorf("%w: invalid URL", ErrInvalidOption)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r.ClientSecret != "" && r.AuthStyle != AuthStyleParams {
		req.Header.Set("Authorization", "Basic "+basicAuth(r.ClientID, r.ClientSecret))
	}
	return expectOK(req, r.HTTPClient, grant, append(append(r.secrets(), token), others...))
}

// RevokeToken revokes tok's refresh token (ending its session on most
// servers) and then its access token, and returns what failed.
func (r Revoker) RevokeToken(ctx context.Context, tok *Token) error {
	return r.revokeToken(ctx, tok, nil)
}

// revokeToken is RevokeToken, with more secrets to keep out of errors (those
// of the preset that revokes).
func (r Revoker) revokeToken(ctx context.Context, tok *Token, others []string) error {
	if tok == nil {
		return &AuthError{Grant: "revocation", Err: fmt.Errorf("%w: nil token", ErrInvalidOption)}
	}
	var errs []error
	both := append(tokenSecrets(tok), others...)
	if tok.RefreshToken != "" {
		errs = append(errs, r.revoke(ctx, tok.RefreshToken, "refresh_token", both))
	}
	if tok.AccessToken != "" {
		errs = append(errs, r.revoke(ctx, accessValue(tok.AccessToken), "access_token", both))
	}
	return errors.Join(errs...)
}

func (r Revoker) fields() []redact.Field {
	return []redact.Field{
		{Name: "URL", Value: r.URL, URL: true},
		{Name: "ClientID", Value: r.ClientID},
		{Name: "ClientSecret", Value: r.ClientSecret, Secret: true},
		{Name: "AuthStyle", Value: r.AuthStyle},
		{Name: "HTTPClient", Value: r.HTTPClient},
	}
}

// String describes the revoker without its secret.
func (r Revoker) String() string { return redact.String("bearerkit.Revoker", r.fields()...) }

// GoString is the %#v form, with the secret redacted.
func (r Revoker) GoString() string { return redact.GoString("bearerkit.Revoker", r.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (r Revoker) Format(f fmt.State, verb rune) { redact.Format(f, verb, r.String(), r.GoString()) }

// LogValue is the slog form, with the secret redacted.
func (r Revoker) LogValue() slog.Value { return redact.LogValue(r.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (r Revoker) MarshalJSON() ([]byte, error) { return redact.JSON(r.fields()...) }
