package bearerkit_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Issue 9, point 6: Logout revokes where the platform can, clears the
// store, forgets the token; the next request logs in again.
func TestLogoutDataddo(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"))
	store := &bearerkit.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(d.Client()), bearerkit.WithTokenStore(store))
	require.NoError(t, err)
	old, err := c.Token(context.Background())
	require.NoError(t, err)

	require.NoError(t, c.Logout(context.Background()))
	assert.Equal(t, 1, d.Stats().Revocations)
	stored, err := store.Load(context.Background())
	require.NoError(t, err)
	assert.Nil(t, stored, "the store was cleared")
	// The revoked token is dead at the platform.
	req, _ := http.NewRequest(http.MethodGet, d.URL()+"/sources", nil)
	req.Header.Set("Authorization", "Bearer "+old.AccessToken)
	resp, err := d.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// The next request logs in again.
	_, _, err = c.Sources.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, d.Stats().PasswordSends)
	now, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, old.AccessToken, now.AccessToken)
}

// Keycloak revokes the refresh token (ending the session) and the access
// token; Discover's grants revoke through WithRevoker.
func TestLogoutKeycloak(t *testing.T) {
	t.Parallel()
	kc := bearerkittest.NewKeycloak(t)
	k := bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: bearerkittest.DefaultClientSecret,
		Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword}
	c, err := bearerkit.NewClient(kc.URL(), k, bearerkit.WithHTTPClient(kc.Client()), bearerkit.WithTokenStore(&bearerkit.MemoryStore{}))
	require.NoError(t, err)
	_, err = c.Token(context.Background())
	require.NoError(t, err)
	require.NoError(t, c.Logout(context.Background()))
	assert.Equal(t, 2, kc.Stats().Revocations)

	cfg, err := bearerkit.Discover(context.Background(), kc.Issuer(), kc.Client())
	require.NoError(t, err)
	login := cfg.PasswordLogin(bearerkittest.DefaultConfidentialClient, bearerkittest.DefaultClientSecret, bearerkittest.DefaultUsername, bearerkittest.DefaultPassword)
	c2, err := bearerkit.NewClient(kc.URL(), login, bearerkit.WithHTTPClient(kc.Client()))
	require.NoError(t, err)
	_, err = c2.Token(context.Background())
	require.NoError(t, err)
	err = c2.Logout(context.Background())
	assert.ErrorIs(t, err, bearerkit.ErrNoRevoker, "the grants cannot revoke")
	c3, err := bearerkit.NewClient(kc.URL(), login, bearerkit.WithHTTPClient(kc.Client()),
		bearerkit.WithRevoker(cfg.Revoker(bearerkittest.DefaultConfidentialClient, bearerkittest.DefaultClientSecret)))
	require.NoError(t, err)
	_, err = c3.Token(context.Background())
	require.NoError(t, err)
	require.NoError(t, c3.Logout(context.Background()))
	assert.Equal(t, 4, kc.Stats().Revocations)
}

// ONE DATA cannot revoke: the token is forgotten and the store cleared,
// and the error says nothing was revoked. Without a token there is nothing
// to revoke and no error.
func TestLogoutWithoutRevoker(t *testing.T) {
	t.Parallel()
	o := bearerkittest.NewOneData(t)
	store := &bearerkit.MemoryStore{}
	c, err := bearerkit.NewClient(o.URL(), bearerkit.OneData{BaseURL: o.URL(), Username: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(o.Client()), bearerkit.WithTokenStore(store))
	require.NoError(t, err)
	require.NoError(t, c.Logout(context.Background()), "nothing to revoke")
	_, err = c.Token(context.Background())
	require.NoError(t, err)
	err = c.Logout(context.Background())
	require.ErrorIs(t, err, bearerkit.ErrNoRevoker)
	stored, _ := store.Load(context.Background())
	assert.Nil(t, stored)
	assert.Equal(t, 1, o.Stats().PasswordSends)
	_, err = c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, o.Stats().PasswordSends)
	_, err = bearerkit.NewClient(o.URL(), &issuer{}, bearerkit.WithRevoker(nil))
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
}

// A renewal under way when Logout runs is discarded: its token is not
// published.
func TestLogoutDiscardsRenewalInFlight(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	entered := make(chan struct{})
	var n int
	auth := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
		n++
		if n == 1 {
			close(entered)
			<-gate
		}
		return &bearerkit.Token{AccessToken: "tok"}, nil
	})
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}))
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { _, err := c.Token(context.Background()); errc <- err }()
	<-entered
	require.NoError(t, c.Logout(context.Background()), "no token yet: nothing to revoke")
	close(gate)
	err = <-errc
	assert.ErrorContains(t, err, "logged out during this renewal")
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok", tok.AccessToken)
	assert.Equal(t, 2, n, "a new login after the logout")
}
