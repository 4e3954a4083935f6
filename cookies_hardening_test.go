package bearerkit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Issue 8, points 13 and 14: web sessions.

// The application's own account, as a careless app would hand it to
// CookieSession.Client.
func appAccount(d *bearerkittest.Dataddo) bearerkit.Dataddo {
	return bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword, HTTPClient: d.Client()}
}

// Point 13: a browser presenting made-up cookies gets an error, never a
// token of the account whose password the Authenticator holds: a cookie
// session renews only with the refresh token its cookies carry.
func TestCookieSessionNeverLogsInForMadeUpCookies(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"))
	var s bearerkit.CookieSession
	for name, cookie := range map[string]string{
		"made-up access and refresh tokens": "accessToken=forged-access; refreshToken=forged-refresh; realmId=1",
		"made-up refresh token only":        "refreshToken=forged-refresh",
		"made-up access token only":         "accessToken=forged-access",
	} {
		for _, auth := range []bearerkit.Authenticator{
			appAccount(d),
			bearerkit.Fallback(bearerkit.Dataddo{BaseURL: d.URL(), HTTPClient: d.Client()}, appAccount(d)),
			bearerkit.PasswordGrant{TokenURL: d.URL() + "/auth", Username: "a", Password: bearerkittest.DefaultPassword, HTTPClient: d.Client()},
			bearerkit.StaticToken{AccessToken: "the-apps-own-static-token"},
		} {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
			r.Header.Set("Cookie", cookie)
			c, err := s.Client(rec, r, d.URL(), auth, bearerkit.WithHTTPClient(d.Client()))
			if err == nil {
				_, _, err = c.Sources.List(context.Background())
			}
			require.Error(t, err, "%s, %T", name, auth)
			assert.True(t, errors.Is(err, bearerkit.ErrRefreshOnly) || errors.Is(err, bearerkit.ErrNoSession), "%s, %T: %v", name, auth, err)
			assert.Empty(t, setCookies(rec), "%s, %T: cookies were set", name, auth)
		}
	}
	assert.Zero(t, d.Stats().PasswordSends, "a password was sent for a browser's made-up cookies")
	assert.Zero(t, d.Stats().Logins)
}

// A real session whose refresh token is dead fails the same way, without a
// password login; with AllowPasswordLogin (opted into, at its documented
// risk) the app's credentials log in again.
func TestCookieSessionDeadRefreshToken(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, _ := loggedIn(t, &s)
	d.ExpireRefreshTokens()
	d.KillAccessTokens()
	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), appAccount(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	_, _, err = c.Sources.List(context.Background())
	require.ErrorIs(t, err, bearerkit.ErrRefreshOnly)
	assert.Equal(t, 1, d.Stats().PasswordSends, "only the login of the setup")

	allow := bearerkit.CookieSession{AllowPasswordLogin: true}
	rec = httptest.NewRecorder()
	c, err = allow.Client(rec, b.request("http://127.0.0.1/"), d.URL(), appAccount(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	_, _, err = c.Sources.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, d.Stats().PasswordSends)
	assert.Contains(t, setCookies(rec), "accessToken")
}

// Point 14: a renewed token that cannot be written back as a cookie fails
// the request (and every later call of that Client), instead of letting
// the browser keep the refresh token it replaced.
func TestCookieSessionRenewalTooLargeForCookies(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, tok := loggedIn(t, &s)
	d.KillAccessTokens()
	huge := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
		t, err := bearerkit.Dataddo{BaseURL: d.URL(), HTTPClient: d.Client()}.Authenticate(ctx, prev)
		if err != nil {
			return nil, err
		}
		t.RefreshToken += strings.Repeat("x", bearerkit.MaxCookieSize) // rotated, and now too large
		return t, nil
	})
	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), huge, bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	_, _, err = c.Sources.List(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
	assert.Contains(t, err.Error(), "cannot be written back to the browser")
	assert.NotContains(t, err.Error(), tok.RefreshToken)
	assert.Empty(t, setCookies(rec), "no cookies for a token the browser cannot hold")
	_, _, err = c.Sources.List(context.Background())
	assert.Error(t, err, "every later call fails too")

	// The same when the renewal happens in Client itself (an expired
	// access-token cookie).
	delete(b.vals, "accessToken")
	rec = httptest.NewRecorder()
	_, err = s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), huge, bearerkit.WithHTTPClient(d.Client()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot be written back to the browser")
}
