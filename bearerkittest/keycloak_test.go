package bearerkittest_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func kcPassword(t *testing.T, k *bearerkittest.Keycloak) map[string]any {
	t.Helper()
	r := postForm(t, k.Client(), k.TokenURL(), url.Values{"grant_type": {"password"}, "client_id": {"dc-ui"},
		"username": {bearerkittest.DefaultUsername}, "password": {bearerkittest.DefaultPassword}})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	return r.JSON(t)
}

func kcRefresh(t *testing.T, k *bearerkittest.Keycloak, rt string) reply {
	t.Helper()
	return postForm(t, k.Client(), k.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {rt}})
}

func TestKeycloakPasswordGrant(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t)
	m := kcPassword(t, k)
	for _, f := range []string{"access_token", "refresh_token", "id_token", "session_state", "scope", "not-before-policy", "refresh_expires_in"} {
		assert.Contains(t, m, f)
	}
	assert.Equal(t, "Bearer", m["token_type"])
	assert.EqualValues(t, 300, m["expires_in"])
	assert.EqualValues(t, 1800, m["refresh_expires_in"])
	c := claims(t, m["access_token"].(string))
	assert.Equal(t, k.Issuer(), c["iss"])
	assert.Equal(t, "dc-ui", c["azp"])
	assert.InDelta(t, float64(time.Now().Add(300*time.Second).Unix()), c["exp"], 5)
	assert.Equal(t, "HS256", jwtHeader(t, m["access_token"].(string))["alg"])

	// Login by e-mail works too, and the token opens the API.
	r := postForm(t, k.Client(), k.TokenURL(), url.Values{"grant_type": {"password"}, "client_id": {"dc-ui"},
		"username": {bearerkittest.DefaultEmail}, "password": {bearerkittest.DefaultPassword}})
	require.Equal(t, 200, r.Status)
	api := get(t, k.Client(), k.APIURL(), bearerHdr(m["access_token"].(string))...)
	require.Equal(t, 200, api.Status)
	assert.Contains(t, string(api.Body), "openai")
	api = get(t, k.Client(), k.APIURL(), bearerHdr("nope")...)
	require.Equal(t, 401, api.Status)
	assert.Contains(t, api.Header.Get("WWW-Authenticate"), `error="invalid_token"`)

	lower := bearerkittest.NewKeycloak(t, bearerkittest.WithLowercaseTokenType(), bearerkittest.WithAccessTokenTTL(30*time.Minute))
	m = kcPassword(t, lower)
	assert.Equal(t, "bearer", m["token_type"])
	assert.EqualValues(t, 1800, m["expires_in"])
}

func TestKeycloakErrorTable(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t,
		bearerkittest.WithKeycloakClient(bearerkittest.KeycloakClient{ID: "no-direct", DisableDirectGrants: true}),
		bearerkittest.WithKeycloakClient(bearerkittest.KeycloakClient{ID: "no-sa", Secret: "s", DisableServiceAccount: true}))
	pw := func(client, user, pass string) url.Values {
		return url.Values{"grant_type": {"password"}, "client_id": {client}, "username": {user}, "password": {pass}}
	}
	// Refresh tokens in each state.
	expired := kcPassword(t, k)["refresh_token"].(string)
	k.ExpireRefreshTokens()
	stale := kcPassword(t, k)["refresh_token"].(string)
	rotated := kcRefresh(t, k, stale).JSON(t)["refresh_token"].(string)
	revoked := kcPassword(t, k)["refresh_token"].(string)
	require.Equal(t, 200, postForm(t, k.Client(), k.RevokeURL(), url.Values{"client_id": {"dc-ui"}, "token": {revoked}}).Status)
	fresh := kcPassword(t, k)["refresh_token"].(string)
	_ = rotated

	for _, tc := range []struct {
		name   string
		form   url.Values
		hdr    []string
		status int
		code   string
		desc   string
	}{
		{"bad password", pw("dc-ui", "alice", "nope"), nil, 401, "invalid_grant", "Invalid user credentials"},
		{"unknown user", pw("dc-ui", "eve", "wonderland-42"), nil, 401, "invalid_grant", "Invalid user credentials"},
		{"expired refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {expired}}, nil, 400, "invalid_grant", "Token is not active"},
		{"reused refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {stale}}, nil, 400, "invalid_grant", "Stale token"},
		{"ended session", url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {revoked}}, nil, 400, "invalid_grant", "Session not active"},
		{"unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {"junk"}}, nil, 400, "invalid_grant", "Invalid refresh token"},
		{"refresh by other client", url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-backend"}, "client_secret": {"dc-backend-secret"}, "refresh_token": {fresh}}, nil, 400, "invalid_grant", ""},
		{"missing refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}}, nil, 400, "invalid_request", ""},
		{"unknown client", pw("nobody", "alice", "wonderland-42"), nil, 401, "invalid_client", ""},
		{"no client", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"wonderland-42"}}, nil, 401, "invalid_client", ""},
		{"wrong secret (form)", url.Values{"grant_type": {"client_credentials"}, "client_id": {"dc-backend"}, "client_secret": {"x"}}, nil, 401, "unauthorized_client", "Invalid client secret"},
		{"wrong secret (basic)", url.Values{"grant_type": {"client_credentials"}}, []string{"Authorization", basic("dc-backend", "x")}, 401, "unauthorized_client", "Invalid client secret"},
		{"missing secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"dc-backend"}}, nil, 401, "unauthorized_client", ""},
		{"direct grants disabled", pw("no-direct", "alice", "wonderland-42"), nil, 400, "unauthorized_client", "Client not allowed for direct access grants"},
		{"public client_credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {"dc-ui"}}, nil, 401, "unauthorized_client", ""},
		{"no service account", url.Values{"grant_type": {"client_credentials"}, "client_id": {"no-sa"}, "client_secret": {"s"}}, nil, 401, "unauthorized_client", ""},
		{"no grant_type", url.Values{"client_id": {"dc-ui"}}, nil, 400, "invalid_request", "Missing form parameter: grant_type"},
		{"unsupported grant", url.Values{"grant_type": {"implicit"}, "client_id": {"dc-ui"}}, nil, 400, "unsupported_grant_type", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireOAuthError(t, postForm(t, k.Client(), k.TokenURL(), tc.form, tc.hdr...), tc.status, tc.code, tc.desc)
		})
	}
	// JSON is not a form: Keycloak sees no grant_type.
	r := postJSON(t, k.Client(), k.TokenURL(), map[string]string{"grant_type": "password"})
	requireOAuthError(t, r, 400, "invalid_request", "Missing form parameter: grant_type")
	// Another realm does not exist.
	r = postForm(t, k.Client(), strings.Replace(k.TokenURL(), "/realms/dataclarity/", "/realms/other/", 1), pw("dc-ui", "alice", "wonderland-42"))
	require.Equal(t, 404, r.Status)
	assert.Equal(t, "Realm does not exist", r.JSON(t)["error"])
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func TestKeycloakClientCredentials(t *testing.T) {
	t.Parallel()
	const id, secret = "svc:reports", "p+ss/w=rd é"
	k := bearerkittest.NewKeycloak(t, bearerkittest.WithKeycloakClient(bearerkittest.KeycloakClient{ID: id, Secret: secret}))
	cc := url.Values{"grant_type": {"client_credentials"}}
	encoded := basic(url.QueryEscape(id), url.QueryEscape(secret))
	for _, tc := range []struct {
		name   string
		form   url.Values
		hdr    []string
		status int
	}{
		{"basic, url-encoded", cc, []string{"Authorization", encoded}, 200},
		{"form fields", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, nil, 200},
		{"basic, not encoded", cc, []string{"Authorization", basic(id, secret)}, 401},
		{"default client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"dc-backend"}, "client_secret": {"dc-backend-secret"}}, nil, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := postForm(t, k.Client(), k.TokenURL(), tc.form, tc.hdr...)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			if tc.status == 200 {
				m := r.JSON(t)
				assert.NotContains(t, m, "refresh_token")
				assert.NotContains(t, m, "id_token")
				assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
				assert.Equal(t, 200, get(t, k.Client(), k.APIURL(), bearerHdr(m["access_token"].(string))...).Status)
			}
		})
	}
}

func TestKeycloakRotationAndReuse(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t)
	m := kcPassword(t, k)
	rt0 := m["refresh_token"].(string)
	r1 := kcRefresh(t, k, rt0).JSON(t)
	rt1 := r1["refresh_token"].(string)
	require.NotEqual(t, rt0, rt1)
	assert.Equal(t, m["session_state"], r1["session_state"], "same session")
	r2 := kcRefresh(t, k, rt1).JSON(t)
	rt2, at2 := r2["refresh_token"].(string), r2["access_token"].(string)
	require.Equal(t, 200, get(t, k.Client(), k.APIURL(), bearerHdr(at2)...).Status)

	requireOAuthError(t, kcRefresh(t, k, rt1), 400, "invalid_grant", "Stale token")
	requireOAuthError(t, kcRefresh(t, k, rt2), 400, "invalid_grant", "Session not active")
	assert.Equal(t, 401, get(t, k.Client(), k.APIURL(), bearerHdr(at2)...).Status, "reuse kills the session's access tokens")
	assert.Equal(t, 1, k.Stats().ReuseDetections)

	// Another session is untouched, and without detection a reuse only fails.
	nd := bearerkittest.NewKeycloak(t, bearerkittest.WithoutReuseDetection())
	old := kcPassword(t, nd)["refresh_token"].(string)
	cur := kcRefresh(t, nd, old).JSON(t)["refresh_token"].(string)
	requireOAuthError(t, kcRefresh(t, nd, old), 400, "invalid_grant", "Stale token")
	assert.Equal(t, 200, kcRefresh(t, nd, cur).Status)
	assert.Equal(t, 0, nd.Stats().ReuseDetections)

	// Without rotation the old refresh token keeps working.
	nr := bearerkittest.NewKeycloak(t, bearerkittest.WithoutRotation())
	keep := kcPassword(t, nr)["refresh_token"].(string)
	for range 2 {
		r := kcRefresh(t, nr, keep)
		require.Equal(t, 200, r.Status)
		assert.NotContains(t, r.JSON(t), "refresh_token")
		assert.Contains(t, r.JSON(t), "id_token")
	}
}

func TestKeycloakRevoke(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t)
	m := kcPassword(t, k)
	at, rt := m["access_token"].(string), m["refresh_token"].(string)
	rev := func(f url.Values, hdr ...string) reply { return postForm(t, k.Client(), k.RevokeURL(), f, hdr...) }

	assert.Equal(t, 200, rev(url.Values{"client_id": {"dc-ui"}, "token": {"unknown"}}).Status)
	requireOAuthError(t, rev(url.Values{"client_id": {"dc-ui"}}), 400, "invalid_request", "")
	requireOAuthError(t, rev(url.Values{"client_id": {"nobody"}, "token": {rt}}), 401, "invalid_client", "")
	requireOAuthError(t, rev(url.Values{"token": {rt}}, "Authorization", basic("dc-backend", "dc-backend-secret")), 400, "unauthorized_client", "")

	assert.Equal(t, 200, rev(url.Values{"client_id": {"dc-ui"}, "token": {at}, "token_type_hint": {"access_token"}}).Status)
	assert.Equal(t, 401, get(t, k.Client(), k.APIURL(), bearerHdr(at)...).Status)
	assert.Equal(t, 200, kcRefresh(t, k, rt).Status, "revoking an access token leaves the session")

	m = kcPassword(t, k)
	assert.Equal(t, 200, rev(url.Values{"client_id": {"dc-ui"}, "token": {m["refresh_token"].(string)}, "token_type_hint": {"refresh_token"}}).Status)
	requireOAuthError(t, kcRefresh(t, k, m["refresh_token"].(string)), 400, "invalid_grant", "Session not active")
	assert.Equal(t, 401, get(t, k.Client(), k.APIURL(), bearerHdr(m["access_token"].(string))...).Status)

	cc := postForm(t, k.Client(), k.TokenURL(), url.Values{"grant_type": {"client_credentials"}},
		"Authorization", basic("dc-backend", "dc-backend-secret")).JSON(t)
	assert.Equal(t, 200, rev(url.Values{"token": {cc["access_token"].(string)}}, "Authorization", basic("dc-backend", "dc-backend-secret")).Status)
	assert.Equal(t, 4, k.Stats().Revocations)
}

func TestKeycloakDiscovery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   []bearerkittest.Option
		suffix string
	}{
		{"keycloak 17+", nil, "/realms/dataclarity"},
		{"legacy /auth", []bearerkittest.Option{bearerkittest.WithLegacyAuthPrefix()}, "/auth/realms/dataclarity"},
		{"base path and realm", []bearerkittest.Option{bearerkittest.WithBasePath("/kc"), bearerkittest.WithRealm("acme")}, "/kc/realms/acme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := bearerkittest.NewKeycloak(t, tc.opts...)
			require.True(t, strings.HasSuffix(k.Issuer(), tc.suffix), k.Issuer())
			require.True(t, strings.HasSuffix(tc.suffix, "/"+k.Realm()))
			r := get(t, k.Client(), k.DiscoveryURL())
			require.Equal(t, 200, r.Status, "body: %s", r.Body)
			d := r.JSON(t)
			assert.Equal(t, k.Issuer(), d["issuer"])
			assert.Equal(t, k.TokenURL(), d["token_endpoint"])
			assert.Equal(t, k.RevokeURL(), d["revocation_endpoint"])
			assert.Contains(t, d, "jwks_uri")
			assert.Equal(t, 200, get(t, k.Client(), d["jwks_uri"].(string)).Status)
			m := kcPassword(t, k)
			assert.Equal(t, 200, get(t, k.Client(), k.APIURL(), bearerHdr(m["access_token"].(string))...).Status)
		})
	}
	legacy := bearerkittest.NewKeycloak(t, bearerkittest.WithLegacyAuthPrefix())
	r := postForm(t, legacy.Client(), legacy.URL()+"/realms/dataclarity/protocol/openid-connect/token", url.Values{"grant_type": {"password"}})
	assert.Equal(t, 404, r.Status, "no unprefixed path with the legacy prefix")
	assert.Equal(t, 404, get(t, legacy.Client(), legacy.URL()+"/auth/realms/x/.well-known/openid-configuration").Status)
}

func TestKeycloakTLS(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t, bearerkittest.WithTLS())
	require.True(t, strings.HasPrefix(k.TokenURL(), "https://"))
	kcPassword(t, k)
	_, err := http.Get(k.DiscoveryURL()) // the default client does not trust the certificate
	assert.Error(t, err)
}
