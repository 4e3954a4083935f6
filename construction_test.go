package bearerkit_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Issue 9, point 1: NewClient checks everything it can, and names the
// field at fault.
func TestNewClientValidatesAuthenticators(t *testing.T) {
	t.Parallel()
	const api = "https://api.example.com/v1"
	for _, c := range []struct {
		auth  bearerkit.Authenticator
		field string
	}{
		{bearerkit.Dataddo{BaseURL: api, Password: "p"}, "Dataddo.Email"},
		{bearerkit.Dataddo{BaseURL: api, Email: "e@example.com"}, "Dataddo.Password"},
		{bearerkit.OneData{Username: "u", Password: "p"}, "OneData.BaseURL"},
		{bearerkit.OneData{BaseURL: api, Password: "p"}, "OneData.Username"},
		{bearerkit.AuthAPI{BaseURL: api, Username: "u"}, "AuthAPI.Password"},
		{bearerkit.Keycloak{Realm: "r", Username: "u", Password: "p"}, "Keycloak.ServerURL"},
		{bearerkit.Keycloak{ServerURL: "https://sso.example.com", Username: "u", Password: "p"}, "Keycloak.Realm"},
		{bearerkit.Keycloak{ServerURL: "https://sso.example.com/realms/acme", Realm: "acme", Username: "u", Password: "p"}, "Keycloak.ServerURL holds /realms/"},
		{bearerkit.Keycloak{ServerURL: "https://sso.example.com/auth/realms/acme/", Realm: "acme", Username: "u", Password: "p"}, "Keycloak.ServerURL holds /realms/"},
		{bearerkit.Keycloak{ServerURL: "https://sso.example.com", Realm: "r", Username: "u"}, "Keycloak.Password"},
		{bearerkit.Keycloak{ServerURL: "https://sso.example.com", Realm: "r", ClientID: "svc"}, "Keycloak.ClientSecret"},
		{bearerkit.PasswordGrant{Username: "u", Password: "p"}, "PasswordGrant.TokenURL"},
		{bearerkit.PasswordGrant{TokenURL: "/token", Username: "u", Password: "p"}, "PasswordGrant.TokenURL"},
		{bearerkit.PasswordGrant{TokenURL: "https://a:b@auth.example.com/token", Username: "u", Password: "p"}, "PasswordGrant.TokenURL must not hold user information"},
		{bearerkit.PasswordGrant{TokenURL: tokenURL, Password: "p"}, "PasswordGrant.Username"},
		{bearerkit.RefreshGrant{}, "RefreshGrant.TokenURL"},
		{bearerkit.ClientCredentials{TokenURL: tokenURL}, "ClientCredentials.ClientID"},
		{bearerkit.StaticToken{}, "StaticToken.AccessToken"},
		{bearerkit.StaticToken{AccessToken: "Bearer "}, "StaticToken.AccessToken"},
		{bearerkit.Fallback(bearerkit.RefreshGrant{TokenURL: tokenURL}, bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "u"}), "Fallback step 1: invalid option: PasswordGrant.Password"},
	} {
		_, err := bearerkit.NewClient(api, c.auth)
		require.ErrorIs(t, err, bearerkit.ErrInvalidOption, c.field)
		assert.Contains(t, err.Error(), c.field)
		assert.Equal(t, 1, strings.Count(err.Error(), "bearerkit: "), "stutter: %s", err)
		if v, ok := c.auth.(bearerkit.Validator); ok {
			assert.ErrorIs(t, v.Validate(), bearerkit.ErrInvalidOption, c.field)
		}
	}
	// A preset endpoint on plain http while the API is https.
	_, err := bearerkit.NewClient(api, bearerkit.AuthAPI{BaseURL: "http://auth.example.com", Username: "u", Password: "p"})
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
	assert.Contains(t, err.Error(), "http://auth.example.com")
	_, err = bearerkit.NewClient(api, bearerkit.Keycloak{ServerURL: "http://sso.example.com", Realm: "r", Username: "u", Password: "p"})
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
	// …allowed with WithInsecureHTTP, and always on loopback.
	_, err = bearerkit.NewClient(api, bearerkit.AuthAPI{BaseURL: "http://auth.example.com", Username: "u", Password: "p"}, bearerkit.WithInsecureHTTP())
	assert.NoError(t, err)
	_, err = bearerkit.NewClient(api, bearerkit.AuthAPI{BaseURL: "http://127.0.0.1:8080", Username: "u", Password: "p"})
	assert.NoError(t, err)
	// Valid configurations pass.
	for _, a := range []bearerkit.Authenticator{
		bearerkit.Dataddo{BaseURL: api, Email: "e@example.com", Password: "p"},
		bearerkit.Keycloak{ServerURL: "https://sso.example.com/auth", Realm: "r", Username: "u", Password: "p"},
		bearerkit.Keycloak{ServerURL: "https://sso.example.com", Realm: "r", ClientID: "svc", ClientSecret: "s"},
		bearerkit.StaticToken{AccessToken: "Bearer abc"},
		&bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "u", Password: "p"},
	} {
		_, err := bearerkit.NewClient(api, a)
		assert.NoError(t, err, "%T", a)
	}
}

// Point 2: the Dataddo URL is typed once, on either side.
func TestNewClientBaseURLTypedOnce(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"))
	for name, mk := range map[string]func() (*bearerkit.Client, error){
		"from the preset": func() (*bearerkit.Client, error) {
			return bearerkit.NewClient("", bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword}, bearerkit.WithHTTPClient(d.Client()))
		},
		"into the preset": func() (*bearerkit.Client, error) {
			return bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword}, bearerkit.WithHTTPClient(d.Client()))
		},
		"into a Fallback's preset": func() (*bearerkit.Client, error) {
			return bearerkit.NewClient(d.URL(), bearerkit.Fallback(bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword}), bearerkit.WithHTTPClient(d.Client()))
		},
	} {
		c, err := mk()
		require.NoError(t, err, name)
		assert.Equal(t, d.URL()+"/", c.BaseURL().String(), name)
		_, _, err = c.Sources.List(context.Background())
		require.NoError(t, err, name)
	}
	_, err := bearerkit.NewClient("", bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "u", Password: "p"})
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
}

// Point 3: WithHTTPClient's transport also carries the token requests of
// every Authenticator whose own HTTPClient is nil, a user's own included
// (through the context); an Authenticator's own HTTPClient still wins.
func TestOneHTTPClientForEverything(t *testing.T) {
	t.Parallel()
	kc := bearerkittest.NewKeycloak(t)
	var through atomic.Int32
	counting := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		through.Add(1)
		return kc.Client().Transport.RoundTrip(r)
	})}
	k := bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: bearerkittest.DefaultClientSecret,
		Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword}
	c, err := bearerkit.NewClient(kc.URL(), k, bearerkit.WithHTTPClient(counting))
	require.NoError(t, err)
	_, err = c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(1), through.Load(), "the token request went through WithHTTPClient's client")

	// A user's Authenticator finds it in the context.
	var seen *http.Client
	custom := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
		seen = bearerkit.HTTPClientFromContext(ctx)
		return &bearerkit.Token{AccessToken: "custom"}, nil
	})
	c2, err := bearerkit.NewClient(kc.URL(), custom, bearerkit.WithHTTPClient(counting))
	require.NoError(t, err)
	_, err = c2.Token(context.Background())
	require.NoError(t, err)
	assert.Same(t, counting, seen)

	// An Authenticator's own client wins.
	var own atomic.Int32
	k.HTTPClient = &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		own.Add(1)
		return kc.Client().Transport.RoundTrip(r)
	})}
	through.Store(0)
	c3, err := bearerkit.NewClient(kc.URL(), k, bearerkit.WithHTTPClient(counting))
	require.NoError(t, err)
	_, err = c3.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(1), own.Load())
	assert.Zero(t, through.Load())

	// Discover with a nil client uses the context's.
	through.Store(0)
	_, err = bearerkit.Discover(bearerkit.WithHTTPClientContext(context.Background(), counting), kc.Issuer(), nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1), through.Load())
}
