package bearerkit

import (
	"context"
	"errors"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// ErrRefreshOnly is matched (errors.Is) by the error of an Authenticator of
// this package asked, under a RefreshOnly context, for a token it would get
// with a credential of its own (a password, a client secret, a static
// token) instead of the refresh token it was given.
var ErrRefreshOnly = errors.New("bearerkit: only a renewal with the session's own refresh token is allowed here")

type refreshOnlyKey struct{}

// RefreshOnly returns a context under which Authenticators may renew a
// token only with the refresh token of the token they replace: the grants
// and presets of this package then send no password and no client
// credentials, and StaticToken hands out nothing; they fail with an error
// wrapping ErrRefreshOnly instead. CookieSession.Client renews under it, so
// that cookies a browser made up can never be exchanged for a token of the
// application's own account. An Authenticator of your own that holds a
// credential should check IsRefreshOnly.
func RefreshOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, refreshOnlyKey{}, true)
}

// IsRefreshOnly reports whether ctx comes from RefreshOnly.
func IsRefreshOnly(ctx context.Context) bool {
	v, _ := ctx.Value(refreshOnlyKey{}).(bool)
	return v
}

// ownCredential refuses, under a RefreshOnly context, a request made with
// an Authenticator's own credential.
func ownCredential(ctx context.Context, grant, rawURL string) error {
	if !IsRefreshOnly(ctx) {
		return nil
	}
	return &AuthError{Grant: grant, Endpoint: redact.URL(rawURL), Err: ErrRefreshOnly}
}
