package bearerkit_test

// Tests against a real OpenID Provider (oidc-provider, run by
// internal/oidcprovider): every grant and preset of bearerkit that speaks
// OAuth 2 / OpenID Connect, with real expiry, rotation and revocation.
// Each test starts its own provider.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/oidcprovider"
)

const oidcRealm = "bearerkit" // oidcprovider's default realm

// oidcKeycloak is the Keycloak preset pointed at a provider started with
// KeycloakLayout.
func oidcKeycloak(p *oidcprovider.Provider) bearerkit.Keycloak {
	return bearerkit.Keycloak{ServerURL: p.BaseURL(), Realm: oidcRealm}
}

func TestOIDCPasswordGrant(t *testing.T) {
	t.Parallel()
	p := oidcprovider.Start(t, oidcprovider.Config{})
	ctx := t.Context()

	t.Run("PublicClient", func(t *testing.T) {
		var cnt oidcCounter
		g := bearerkit.PasswordGrant{
			TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID,
			Username: oidcprovider.User, Password: oidcprovider.Password,
			HTTPClient: cnt.client(),
		}
		before := time.Now()
		tok, err := g.Authenticate(ctx, nil)
		require.NoError(t, err)
		require.NotEmpty(t, tok.AccessToken)
		assert.NotEmpty(t, tok.RefreshToken, "the password grant should return a refresh token, as Keycloak does")
		assert.Equal(t, "Bearer", tok.Type())
		assert.WithinRange(t, tok.Expiry, before.Add(4*time.Minute), time.Now().Add(5*time.Minute+time.Second), "default AccessTTL is 5 min")

		call := cnt.last(t)
		assert.Equal(t, "password", call.Key)
		assert.False(t, call.Basic, "a public client sends no HTTP Basic")
		assert.True(t, call.FormID, "a public client sends client_id as a form field")
		assert.False(t, call.FormSecret)

		me := oidcRequireAPI(t, p, tok.AccessToken)
		assert.Equal(t, oidcprovider.User, me.Sub)
		assert.Equal(t, oidcprovider.PublicClientID, me.ClientID)
	})

	t.Run("ConfidentialClientBasic", func(t *testing.T) {
		// BasicClientSecret ("s3cr3t/+%:") must be form-encoded inside HTTP
		// Basic, and Password2 holds characters that need form encoding.
		var cnt oidcCounter
		g := bearerkit.PasswordGrant{
			TokenURL: p.TokenURL(), ClientID: oidcprovider.BasicClientID, ClientSecret: oidcprovider.BasicClientSecret,
			Username: oidcprovider.User2, Password: oidcprovider.Password2,
			AuthStyle: bearerkit.AuthStyleBasic, HTTPClient: cnt.client(),
		}
		tok, err := g.Authenticate(ctx, nil)
		require.NoError(t, err)
		call := cnt.last(t)
		assert.True(t, call.Basic, "the secret goes as HTTP Basic")
		assert.False(t, call.FormSecret)

		me := oidcRequireAPI(t, p, tok.AccessToken)
		assert.Equal(t, oidcprovider.User2, me.Sub)
		assert.Equal(t, oidcprovider.BasicClientID, me.ClientID)
	})

	t.Run("ThroughClient", func(t *testing.T) {
		c, err := bearerkit.NewClient(p.BaseURL(), bearerkit.PasswordGrant{
			TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID,
			Username: oidcprovider.User, Password: oidcprovider.Password,
		})
		require.NoError(t, err)
		status, me, err := oidcGet(t, c, p.APIURL())
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, oidcprovider.User, me.Sub)
	})
}

func TestOIDCRefreshRotation(t *testing.T) {
	t.Parallel()
	p := oidcprovider.Start(t, oidcprovider.Config{})
	ctx := t.Context()
	var cnt oidcCounter
	login := bearerkit.PasswordGrant{
		TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID,
		Username: oidcprovider.User, Password: oidcprovider.Password, HTTPClient: cnt.client(),
	}
	refresh := bearerkit.RefreshGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, HTTPClient: cnt.client()}

	tok1, err := login.Authenticate(ctx, nil)
	require.NoError(t, err)
	require.NotEmpty(t, tok1.RefreshToken)
	tok1Copy := *tok1

	// Refresh: a new access token and a new (rotated) refresh token.
	tok2, err := refresh.Authenticate(ctx, tok1)
	require.NoError(t, err)
	assert.Equal(t, tok1Copy, *tok1, "Authenticate must not modify prev")
	require.NotEmpty(t, tok2.RefreshToken)
	assert.NotEqual(t, tok1.RefreshToken, tok2.RefreshToken, "the provider rotates refresh tokens")
	assert.NotEqual(t, tok1.AccessToken, tok2.AccessToken)
	assert.False(t, tok2.Expiry.IsZero())
	assert.Equal(t, oidcprovider.User, oidcRequireAPI(t, p, tok2.AccessToken).Sub)
	assert.Equal(t, "refresh_token", cnt.last(t).Key)
	assert.True(t, cnt.last(t).FormID, "a public client sends client_id on refresh")

	// Reusing the rotated-out refresh token is refused ...
	_, err = refresh.Authenticate(ctx, tok1)
	ae := oidcAuthError(t, err)
	assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
	assert.Equal(t, "invalid_grant", ae.Code)
	assert.Equal(t, "refresh_token", ae.Grant)
	assert.True(t, ae.Rejected())
	assert.False(t, ae.Temporary())
	assert.NotContains(t, err.Error(), tok1.RefreshToken, "the error must not hold the refresh token")

	// ... and kills the whole grant: the newest refresh token and its
	// access token are dead too.
	_, err = refresh.Authenticate(ctx, tok2)
	ae = oidcAuthError(t, err)
	assert.Equal(t, "invalid_grant", ae.Code)
	assert.True(t, ae.Rejected())
	oidcRequireDead(t, p, tok2.AccessToken)

	// Fallback(Refresh, Password) recovers from the dead grant with one
	// password login.
	pw := cnt.count("password")
	tok3, err := bearerkit.Fallback(refresh, login).Authenticate(ctx, tok2)
	require.NoError(t, err)
	assert.Equal(t, pw+1, cnt.count("password"))
	oidcRequireAPI(t, p, tok3.AccessToken)
	assert.Equal(t, 4, cnt.count("refresh_token"), "refresh calls: ok, reuse, dead, fallback's try")
}

func TestOIDCClientCredentials(t *testing.T) {
	t.Parallel()
	p := oidcprovider.Start(t, oidcprovider.Config{})
	ctx := t.Context()

	for _, tc := range []struct {
		name, id, secret string
		style            bearerkit.AuthStyle
		basic            bool
	}{
		{"Basic", oidcprovider.BasicClientID, oidcprovider.BasicClientSecret, bearerkit.AuthStyleBasic, true},
		{"Params", oidcprovider.PostClientID, oidcprovider.PostClientSecret, bearerkit.AuthStyleParams, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cnt oidcCounter
			g := bearerkit.ClientCredentials{TokenURL: p.TokenURL(), ClientID: tc.id, ClientSecret: tc.secret, AuthStyle: tc.style, HTTPClient: cnt.client()}
			tok, err := g.Authenticate(ctx, nil)
			require.NoError(t, err)
			assert.Empty(t, tok.RefreshToken, "client credentials come without a refresh token")
			assert.False(t, tok.Expiry.IsZero())

			call := cnt.last(t)
			assert.Equal(t, "client_credentials", call.Key)
			assert.Equal(t, tc.basic, call.Basic, "HTTP Basic")
			assert.Equal(t, !tc.basic, call.FormSecret, "client_secret form field")
			assert.Equal(t, !tc.basic, call.FormID, "client_id form field")

			me := oidcRequireAPI(t, p, tok.AccessToken)
			assert.Equal(t, tc.id, me.ClientID)
			assert.Equal(t, "ClientCredentials", me.TokenKind)

			// A wrong secret is a rejected credential.
			bad := g
			bad.ClientSecret = "wrong-secret-123"
			_, err = bad.Authenticate(ctx, nil)
			ae := oidcAuthError(t, err)
			assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
			assert.Equal(t, "invalid_client", ae.Code)
			assert.True(t, ae.Rejected())
			assert.NotContains(t, err.Error(), "wrong-secret-123")

			// Through a Client: renewal simply asks again.
			c, err := bearerkit.NewClient(p.BaseURL(), g)
			require.NoError(t, err)
			status, me, err := oidcGet(t, c, p.APIURL())
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, tc.id, me.ClientID)
		})
	}
}

// TestOIDCExpiryRenewal lets an access token really expire at the provider
// and shows the Client renews it with exactly one refresh and no password.
func TestOIDCExpiryRenewal(t *testing.T) {
	t.Parallel()
	for _, keycloak := range []bool{false, true} {
		name := "Fallback"
		if keycloak {
			name = "Keycloak"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := oidcprovider.Start(t, oidcprovider.Config{AccessTTL: 2 * time.Second, KeycloakLayout: keycloak})
			var cnt oidcCounter
			var auth bearerkit.Authenticator
			if keycloak {
				k := oidcKeycloak(p)
				k.ClientID = oidcprovider.PublicClientID
				k.Username, k.Password = oidcprovider.User, oidcprovider.Password
				k.HTTPClient = cnt.client()
				require.Equal(t, p.TokenURL(), k.TokenURL(), "Keycloak's token URL")
				auth = k
			} else {
				auth = bearerkit.Fallback(
					bearerkit.RefreshGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, HTTPClient: cnt.client()},
					bearerkit.PasswordGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, Username: oidcprovider.User, Password: oidcprovider.Password, HTTPClient: cnt.client()},
				)
			}
			var toks oidcTokens
			var api oidcStatusRecorder
			c, err := bearerkit.NewClient(p.BaseURL(), auth, bearerkit.WithOnToken(toks.add), bearerkit.WithHTTPClient(&http.Client{Transport: &api}))
			require.NoError(t, err)

			status, me, err := oidcGet(t, c, p.APIURL())
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, oidcprovider.User, me.Sub)
			require.Len(t, toks.all(), 1)
			old := toks.all()[0]
			require.Equal(t, 1, cnt.count("password"))
			require.Equal(t, 0, cnt.count("refresh_token"))

			waited := oidcWaitExpired(t, p, old.AccessToken, 10*time.Second)
			t.Logf("the access token died at the provider after %v more", waited.Round(time.Millisecond))

			status, me, err = oidcGet(t, c, p.APIURL())
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status, "the request after expiry should succeed")
			assert.Equal(t, oidcprovider.User, me.Sub)
			assert.Equal(t, 1, cnt.count("refresh_token"), "exactly one refresh")
			assert.Equal(t, 1, cnt.count("password"), "no extra password login")
			assert.Equal(t, 2, cnt.total())
			// The provider truncates iat to the second, so the token may die
			// there before the Client's Expiry: then the Client renews on the
			// 401 instead of by the clock. Either way: one refresh.
			seen := api.seen()
			assert.Contains(t, [][]int{{200, 200}, {200, 401, 200}}, seen)
			t.Logf("API answers through the Client: %v", seen)
			got := toks.all()
			require.Len(t, got, 2)
			assert.NotEqual(t, old.AccessToken, got[1].AccessToken)
			assert.NotEqual(t, old.RefreshToken, got[1].RefreshToken, "the newest (rotated) refresh token is kept")
		})
	}
}

// TestOIDCRenewalOn401 kills the access token at the provider before it
// expires: the next request gets 401, the Client renews once and replays it.
func TestOIDCRenewalOn401(t *testing.T) {
	t.Parallel()
	newAuth := func(p *oidcprovider.Provider, cnt *oidcCounter) bearerkit.Authenticator {
		return bearerkit.Fallback(
			bearerkit.RefreshGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, HTTPClient: cnt.client()},
			bearerkit.PasswordGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, Username: oidcprovider.User, Password: oidcprovider.Password, HTTPClient: cnt.client()},
		)
	}

	// Revoker on the access token. oidc-provider 9 then revokes every token
	// of the grant (lib/actions/revocation.js: revoke(ctx, token.grantId)),
	// the refresh token included, so the one renewal is a refused refresh
	// followed by one password login.
	t.Run("RevokedAccessToken", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{})
		ctx := t.Context()
		var cnt oidcCounter
		var api oidcStatusRecorder
		var toks oidcTokens
		c, err := bearerkit.NewClient(p.BaseURL(), newAuth(p, &cnt),
			bearerkit.WithHTTPClient(&http.Client{Transport: &api}), bearerkit.WithOnToken(toks.add))
		require.NoError(t, err)

		status, _, err := oidcGet(t, c, p.APIURL())
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.Len(t, toks.all(), 1)
		old := toks.all()[0]

		rv := bearerkit.Revoker{URL: p.RevocationURL(), ClientID: oidcprovider.PublicClientID, HTTPClient: cnt.client()}
		require.NoError(t, rv.Revoke(ctx, old.AccessToken, "access_token"))
		oidcRequireDead(t, p, old.AccessToken)

		status, me, err := oidcGet(t, c, p.APIURL())
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, oidcprovider.User, me.Sub)
		assert.Equal(t, []int{200, 401, 200}, api.seen(), "API answers: first, revoked token, replay")
		got := toks.all()
		require.Len(t, got, 2, "one renewal")
		assert.NotEqual(t, old.AccessToken, got[1].AccessToken)

		var seq []string
		for _, call := range cnt.all() {
			seq = append(seq, call.Key+" "+http.StatusText(call.Status))
		}
		assert.Equal(t, []string{"password OK", "revocation OK", "refresh_token Bad Request", "password OK"}, seq,
			"the refresh token died with the grant: one refused refresh, one password login")
	})

	// A dead access token with a live refresh token (loaded from a store):
	// 401, then exactly one refresh and no password.
	t.Run("LiveRefreshToken", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{})
		ctx := t.Context()
		seed, err := bearerkit.PasswordGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, Username: oidcprovider.User, Password: oidcprovider.Password}.Authenticate(ctx, nil)
		require.NoError(t, err)
		var store bearerkit.MemoryStore
		require.NoError(t, store.Save(ctx, &bearerkit.Token{AccessToken: "killed-early-by-the-server", RefreshToken: seed.RefreshToken}))

		var cnt oidcCounter
		var api oidcStatusRecorder
		c, err := bearerkit.NewClient(p.BaseURL(), newAuth(p, &cnt),
			bearerkit.WithHTTPClient(&http.Client{Transport: &api}), bearerkit.WithTokenStore(&store))
		require.NoError(t, err)

		status, me, err := oidcGet(t, c, p.APIURL())
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, oidcprovider.User, me.Sub)
		assert.Equal(t, []int{401, 200}, api.seen())
		assert.Equal(t, 1, cnt.count("refresh_token"), "exactly one refresh")
		assert.Equal(t, 0, cnt.count("password"), "no password login")
		saved, err := store.Load(ctx)
		require.NoError(t, err)
		assert.NotEqual(t, seed.RefreshToken, saved.RefreshToken, "the rotated refresh token was saved")
		oidcRequireAPI(t, p, saved.AccessToken)
	})
}

func TestOIDCRevocation(t *testing.T) {
	t.Parallel()

	t.Run("Revoker", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{})
		ctx := t.Context()
		var cnt oidcCounter
		public := bearerkit.Revoker{URL: p.RevocationURL(), ClientID: oidcprovider.PublicClientID, HTTPClient: cnt.client()}
		basic := bearerkit.Revoker{URL: p.RevocationURL(), ClientID: oidcprovider.BasicClientID, ClientSecret: oidcprovider.BasicClientSecret, HTTPClient: cnt.client()}
		post := bearerkit.Revoker{URL: p.RevocationURL(), ClientID: oidcprovider.PostClientID, ClientSecret: oidcprovider.PostClientSecret, AuthStyle: bearerkit.AuthStyleParams, HTTPClient: cnt.client()}

		// RFC 7009: 200 even for a token the server does not know.
		for name, r := range map[string]bearerkit.Revoker{"public": public, "basic": basic, "post": post} {
			assert.NoError(t, r.Revoke(ctx, "no-such-token", "access_token"), name)
			assert.NoError(t, r.Revoke(ctx, "no-such-token", ""), name)
		}
		assert.Equal(t, 6, cnt.count("revocation"))
		for _, c := range cnt.all() {
			require.Equal(t, http.StatusOK, c.Status)
		}

		// Revoker with a wrong secret: a rejected client.
		bad := basic
		bad.ClientSecret = "nope"
		ae := oidcAuthError(t, bad.Revoke(ctx, "no-such-token", ""))
		assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
		assert.Equal(t, "invalid_client", ae.Code)

		// RevokeToken: the refresh token (ending the grant), then the access
		// token. Afterwards the API refuses the access token and the refresh
		// token no longer renews.
		login := bearerkit.PasswordGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, Username: oidcprovider.User, Password: oidcprovider.Password}
		tok, err := login.Authenticate(ctx, nil)
		require.NoError(t, err)
		oidcRequireAPI(t, p, tok.AccessToken)
		before := cnt.count("revocation")
		require.NoError(t, public.RevokeToken(ctx, tok))
		assert.Equal(t, before+2, cnt.count("revocation"), "refresh token, then access token")
		oidcRequireDead(t, p, tok.AccessToken)
		_, err = bearerkit.RefreshGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID}.Authenticate(ctx, tok)
		ae = oidcAuthError(t, err)
		assert.Equal(t, "invalid_grant", ae.Code)
		assert.True(t, ae.Rejected())

		// Revoking only the refresh token ends the grant, access token included.
		tok, err = login.Authenticate(ctx, nil)
		require.NoError(t, err)
		require.NoError(t, public.Revoke(ctx, tok.RefreshToken, "refresh_token"))
		oidcRequireDead(t, p, tok.AccessToken)

		// Revoking a confidential client's client-credentials token.
		cc, err := bearerkit.ClientCredentials{TokenURL: p.TokenURL(), ClientID: oidcprovider.BasicClientID, ClientSecret: oidcprovider.BasicClientSecret}.Authenticate(ctx, nil)
		require.NoError(t, err)
		oidcRequireAPI(t, p, cc.AccessToken)
		require.NoError(t, basic.RevokeToken(ctx, cc))
		oidcRequireDead(t, p, cc.AccessToken)
	})

	t.Run("Keycloak", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{KeycloakLayout: true})
		ctx := t.Context()
		var cnt oidcCounter
		k := oidcKeycloak(p)
		k.Username, k.Password = oidcprovider.User, oidcprovider.Password
		k.HTTPClient = cnt.client()
		require.Equal(t, p.RevocationURL(), k.RevocationURL(), "Keycloak's revocation URL")

		tok, err := k.Authenticate(ctx, nil)
		require.NoError(t, err)
		oidcRequireAPI(t, p, tok.AccessToken)
		require.NoError(t, k.Revoke(ctx, tok))
		assert.Equal(t, 2, cnt.count("revocation"))
		oidcRequireDead(t, p, tok.AccessToken)

		// The refresh token is dead: the preset falls back to the password.
		tok2, err := k.Authenticate(ctx, tok)
		require.NoError(t, err)
		assert.Equal(t, 1, cnt.count("refresh_token"))
		assert.Equal(t, 2, cnt.count("password"))
		oidcRequireAPI(t, p, tok2.AccessToken)

		// An unknown token: still 200.
		assert.NoError(t, k.Revoke(ctx, &bearerkit.Token{AccessToken: "no-such-token", RefreshToken: "no-such-refresh"}))
	})
}

func TestOIDCDiscovery(t *testing.T) {
	t.Parallel()

	t.Run("Root", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{})
		ctx := t.Context()
		cfg, err := bearerkit.Discover(ctx, p.Issuer(), nil)
		require.NoError(t, err)
		assert.Equal(t, p.Issuer(), cfg.Issuer)
		assert.Equal(t, p.TokenURL(), cfg.TokenEndpoint)
		assert.Equal(t, p.RevocationURL(), cfg.RevocationEndpoint)
		assert.Equal(t, p.IntrospectionURL(), cfg.IntrospectionEndpoint)
		assert.Equal(t, p.JWKSURL(), cfg.JWKSURI)
		assert.Subset(t, cfg.GrantTypesSupported, []string{"client_credentials", "refresh_token", "password"})

		// A trailing slash on the issuer is tolerated.
		cfg2, err := bearerkit.Discover(ctx, p.Issuer()+"/", nil)
		require.NoError(t, err)
		assert.Equal(t, cfg.TokenEndpoint, cfg2.TokenEndpoint)

		// PasswordLogin: log in, then renew with the refresh token.
		login := cfg.PasswordLogin(oidcprovider.PublicClientID, "", oidcprovider.User, oidcprovider.Password)
		tok, err := login.Authenticate(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, oidcprovider.User, oidcRequireAPI(t, p, tok.AccessToken).Sub)
		tok2, err := login.Authenticate(ctx, tok)
		require.NoError(t, err)
		assert.NotEqual(t, tok.RefreshToken, tok2.RefreshToken, "renewed by refresh (rotated)")
		oidcRequireAPI(t, p, tok2.AccessToken)

		// PasswordLogin with a confidential client (HTTP Basic, encoded secret).
		tok3, err := cfg.PasswordLogin(oidcprovider.BasicClientID, oidcprovider.BasicClientSecret, oidcprovider.User2, oidcprovider.Password2).Authenticate(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, oidcprovider.User2, oidcRequireAPI(t, p, tok3.AccessToken).Sub)

		// ClientCredentials.
		cc, err := cfg.ClientCredentials(oidcprovider.BasicClientID, oidcprovider.BasicClientSecret).Authenticate(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, oidcprovider.BasicClientID, oidcRequireAPI(t, p, cc.AccessToken).ClientID)

		// Revoker.
		require.NoError(t, cfg.Revoker(oidcprovider.PublicClientID, "").RevokeToken(ctx, tok2))
		oidcRequireDead(t, p, tok2.AccessToken)

		// The discovered grants drive a Client.
		c, err := bearerkit.NewClient(p.BaseURL(), login)
		require.NoError(t, err)
		status, _, err := oidcGet(t, c, p.APIURL())
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status)
	})

	t.Run("WrongIssuer", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{})
		ctx := t.Context()

		// No discovery document there.
		_, err := bearerkit.Discover(ctx, p.Issuer()+"/x", nil)
		ae := oidcAuthError(t, err)
		assert.Equal(t, http.StatusNotFound, ae.StatusCode)

		// A document that names another issuer (same server, other spelling).
		other := strings.Replace(p.Issuer(), "127.0.0.1", "localhost", 1)
		require.NotEqual(t, p.Issuer(), other)
		_, err = bearerkit.Discover(ctx, other, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "names issuer")

		// Nothing listening.
		_, err = bearerkit.Discover(ctx, "http://127.0.0.1:1", nil)
		ae = oidcAuthError(t, err)
		assert.Zero(t, ae.StatusCode)
	})

	t.Run("Keycloak", func(t *testing.T) {
		t.Parallel()
		p := oidcprovider.Start(t, oidcprovider.Config{KeycloakLayout: true})
		ctx := t.Context()
		k := oidcKeycloak(p)
		require.Equal(t, p.Issuer(), k.Issuer())
		cfg, err := bearerkit.Discover(ctx, k.Issuer(), nil)
		require.NoError(t, err)
		assert.Equal(t, k.TokenURL(), cfg.TokenEndpoint)
		assert.Equal(t, k.RevocationURL(), cfg.RevocationEndpoint)
		assert.True(t, strings.HasSuffix(cfg.TokenEndpoint, "/realms/"+oidcRealm+"/protocol/openid-connect/token"), cfg.TokenEndpoint)
		tok, err := cfg.PasswordLogin(bearerkit.DataClarityClientID, "", oidcprovider.User, oidcprovider.Password).Authenticate(ctx, nil)
		require.NoError(t, err)
		oidcRequireAPI(t, p, tok.AccessToken)
	})
}

func TestOIDCWrongPassword(t *testing.T) {
	t.Parallel()
	const wrong = "not-the-password-7f3a"

	for _, status := range []int{0, http.StatusUnauthorized} {
		name := "Default400"
		if status != 0 {
			name = "Keycloak401"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			keycloak := status != 0
			p := oidcprovider.Start(t, oidcprovider.Config{BadCredentialsStatus: status, KeycloakLayout: keycloak})
			ctx := t.Context()
			want := http.StatusBadRequest
			if keycloak {
				want = http.StatusUnauthorized
			}

			// The grant itself.
			g := bearerkit.PasswordGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, Username: oidcprovider.User, Password: wrong}
			_, err := g.Authenticate(ctx, nil)
			ae := oidcAuthError(t, err)
			assert.Equal(t, want, ae.StatusCode)
			assert.Equal(t, "invalid_grant", ae.Code)
			assert.Equal(t, "password", ae.Grant)
			assert.True(t, ae.Rejected())
			assert.False(t, ae.Temporary())
			assert.NotContains(t, err.Error(), wrong, "the error must not hold the password")

			// Through a Client: refused once, then answered from memory
			// during the cool-down.
			var cnt oidcCounter
			var auth bearerkit.Authenticator
			if keycloak {
				k := oidcKeycloak(p)
				k.Username, k.Password = oidcprovider.User, wrong
				k.HTTPClient = cnt.client()
				auth = k
			} else {
				auth = bearerkit.Fallback(
					bearerkit.RefreshGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, HTTPClient: cnt.client()},
					bearerkit.PasswordGrant{TokenURL: p.TokenURL(), ClientID: oidcprovider.PublicClientID, Username: oidcprovider.User, Password: wrong, HTTPClient: cnt.client()},
				)
			}
			var api oidcStatusRecorder
			c, err := bearerkit.NewClient(p.BaseURL(), auth, bearerkit.WithHTTPClient(&http.Client{Transport: &api}))
			require.NoError(t, err)

			_, _, err1 := oidcGet(t, c, p.APIURL())
			ae1 := oidcAuthError(t, err1)
			assert.Equal(t, want, ae1.StatusCode)
			assert.Equal(t, "invalid_grant", ae1.Code)
			assert.NotContains(t, err1.Error(), wrong)
			require.Equal(t, 1, cnt.count("password"))

			_, _, err2 := oidcGet(t, c, p.APIURL())
			ae2 := oidcAuthError(t, err2)
			assert.Equal(t, "invalid_grant", ae2.Code)
			assert.Equal(t, 1, cnt.count("password"), "within the cool-down the token endpoint is not asked again")
			assert.Equal(t, 1, cnt.total(), "no refresh either: there is no refresh token")
			assert.Empty(t, api.seen(), "no request reached the API without a token")
			assert.Equal(t, ae1.Error(), ae2.Error(), "the same error, from memory")
		})
	}
}
