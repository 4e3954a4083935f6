package bearerkittest_test

import (
	"net/http"
	"net/url"
	"syscall"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestRegisterDataddoAuth(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	const base = "https://headless.dataddo.com/customer-api/v1"
	m := bearerkittest.RegisterDataddoAuth(mt, base+"/")
	assert.Equal(t, base, m.URL())
	mt.RegisterResponder("GET", base+"/sources", m.Protect(httpmock.NewStringResponder(200, `[]`)))
	c := m.Client()

	r := postJSON(t, c, base+"/auth", map[string]string{"email": bearerkittest.DefaultEmail, "password": bearerkittest.DefaultPassword})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	tok := r.JSON(t)
	at := tok["access_token"].(string)
	assert.Equal(t, at, m.AccessToken())
	assert.Equal(t, 200, get(t, c, base+"/sources", dataddoHdr(at)...).Status)
	r = get(t, c, base+"/sources", bearerHdr(at)...)
	assert.Equal(t, 401, r.Status, "no realm headers")
	assert.JSONEq(t, `{"statusCode":401,"message":"Unauthorized"}`, string(r.Body))

	r = postJSON(t, c, base+"/refresh", map[string]any{"refresh_token": tok["refresh_token"]}, bearerHdr(at)...)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	rt := r.JSON(t)["refresh_token"].(string)
	r = get(t, c, base+"/refresh", "X-Realm-Id", "1", "X-Provider", "dataddo", "X-Refresh-Token", rt)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)

	m.FailNext(bearerkittest.EndpointLogin, 1, bearerkittest.Failure{Kind: bearerkittest.FailReset})
	_, err := c.Post(base+"/auth", "application/json", nil)
	require.ErrorIs(t, err, syscall.ECONNRESET)

	s := m.Stats()
	assert.Equal(t, 2, s.LoginAttempts)
	assert.Equal(t, 1, s.Logins)
	assert.Equal(t, 2, s.Refreshes)
	assert.Equal(t, 2, s.APICalls)
	assert.Equal(t, 1, s.APIUnauthorized)
	assert.Equal(t, 1, mt.GetCallCountInfo()["POST "+base+"/refresh"])
}

func TestRegisterOtherPlatforms(t *testing.T) {
	t.Parallel()
	t.Run("onedata", func(t *testing.T) {
		t.Parallel()
		mt := httpmock.NewMockTransport()
		m := bearerkittest.RegisterOneDataAuth(mt, "https://onedata.example.com", bearerkittest.WithLegacyTokenHeader())
		r := postJSON(t, m.Client(), "https://onedata.example.com/api/v1/users/login",
			map[string]string{"username": bearerkittest.DefaultEmail, "password": bearerkittest.DefaultPassword})
		require.Equal(t, 200, r.Status)
		assert.Equal(t, "Bearer "+m.AccessToken(), r.Header.Get("X-Auth-Token"))
		req, _ := http.NewRequest("GET", "https://onedata.example.com/api/v1/users/me", nil)
		req.Header.Set("Authorization", "Bearer "+m.AccessToken())
		assert.True(t, m.Authorized(req))
		req.Header.Set("Authorization", "Bearer Bearer "+m.AccessToken())
		assert.False(t, m.Authorized(req))
	})
	t.Run("authapi", func(t *testing.T) {
		t.Parallel()
		mt := httpmock.NewMockTransport()
		m := bearerkittest.RegisterAuthAPIAuth(mt, "https://auth-stg.example.com")
		tok := postForm(t, m.Client(), "https://auth-stg.example.com/auth/password", aliceForm).JSON(t)
		r := postForm(t, m.Client(), "https://auth-stg.example.com/auth/refresh", url.Values{"refresh_token": {tok["refresh_token"].(string)}})
		require.Equal(t, 200, r.Status)
		r = postForm(t, m.Client(), "https://auth-stg.example.com/auth/refresh", url.Values{"refresh_token": {tok["refresh_token"].(string)}})
		requireOAuthError(t, r, 401, "invalid_grant", "")
		assert.Equal(t, 1, m.Stats().ReuseDetections)
		assert.Empty(t, m.AccessToken(), "reuse killed the grant")
	})
	t.Run("keycloak", func(t *testing.T) {
		t.Parallel()
		mt := httpmock.NewMockTransport()
		m := bearerkittest.RegisterKeycloakAuth(mt, "https://dc.example.com", bearerkittest.WithLegacyAuthPrefix())
		u := "https://dc.example.com/auth/realms/dataclarity/protocol/openid-connect/token"
		r := postForm(t, m.Client(), u, url.Values{"grant_type": {"password"}, "client_id": {"dc-ui"},
			"username": {"alice"}, "password": {"wonderland-42"}})
		require.Equal(t, 200, r.Status, "body: %s", r.Body)
		rt := r.JSON(t)["refresh_token"].(string)
		r = postForm(t, m.Client(), u, url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {rt}})
		require.Equal(t, 200, r.Status, "body: %s", r.Body)
		r = postForm(t, m.Client(), u, url.Values{"grant_type": {"client_credentials"}, "client_id": {"dc-backend"}, "client_secret": {"dc-backend-secret"}})
		require.Equal(t, 200, r.Status, "body: %s", r.Body)
		assert.Equal(t, 1, mt.NumResponders())
	})
	t.Run("bad input panics", func(t *testing.T) {
		t.Parallel()
		mt := httpmock.NewMockTransport()
		assert.Panics(t, func() { bearerkittest.RegisterAuthAPIAuth(mt, "not a url") })
		assert.Panics(t, func() { bearerkittest.RegisterAuthAPIAuth(mt, "https://x.example", bearerkittest.WithRealm("r")) })
	})
}
