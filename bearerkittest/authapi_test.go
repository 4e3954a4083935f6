package bearerkittest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func aaLogin(t *testing.T, a *bearerkittest.AuthAPI) map[string]any {
	t.Helper()
	r := postForm(t, a.Client(), a.URL()+"/auth/password",
		url.Values{"username": {bearerkittest.DefaultUsername}, "password": {bearerkittest.DefaultPassword}})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	return r.JSON(t)
}

func aaRefresh(t *testing.T, a *bearerkittest.AuthAPI, rt string) reply {
	t.Helper()
	return postForm(t, a.Client(), a.URL()+"/auth/refresh", url.Values{"refresh_token": {rt}})
}

func TestAuthAPILogin(t *testing.T) {
	t.Parallel()
	a := bearerkittest.NewAuthAPI(t)
	m := aaLogin(t, a)
	assert.Equal(t, "bearer", m["token_type"])
	assert.EqualValues(t, 3600, m["expires_in"])
	assert.NotEmpty(t, m["refresh_token"])
	u := a.URL() + "/auth/password"
	for _, tc := range []struct {
		name   string
		r      reply
		status int
		code   string
	}{
		{"wrong password", postForm(t, a.Client(), u, url.Values{"username": {"alice"}, "password": {"x"}}), 401, "invalid_grant"},
		{"unknown user", postForm(t, a.Client(), u, url.Values{"username": {"bob"}, "password": {"wonderland-42"}}), 401, "invalid_grant"},
		{"missing password", postForm(t, a.Client(), u, url.Values{"username": {"alice"}}), 400, "invalid_request"},
		{"json body", postJSON(t, a.Client(), u, map[string]string{"username": "alice", "password": "wonderland-42"}), 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) { requireOAuthError(t, tc.r, tc.status, tc.code, "") })
	}
	s := a.Stats()
	assert.Equal(t, 5, s.LoginAttempts)
	assert.Equal(t, 1, s.Logins)
	assert.Equal(t, 4, s.PasswordSends, "JSON passwords count too; the missing one does not")
}

func TestAuthAPIRefresh(t *testing.T) {
	t.Parallel()
	a := bearerkittest.NewAuthAPI(t)
	m := aaLogin(t, a)
	at0, rt0 := m["access_token"].(string), m["refresh_token"].(string)
	a.KillAccessTokens()
	require.Equal(t, 401, get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at0)...).Status)

	r := aaRefresh(t, a, rt0)
	require.Equal(t, 200, r.Status)
	m = r.JSON(t)
	at1, rt1 := m["access_token"].(string), m["refresh_token"].(string)
	require.NotEqual(t, rt0, rt1)
	me := get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at1)...)
	require.Equal(t, 200, me.Status)
	assert.Equal(t, bearerkittest.DefaultUsername, me.JSON(t)["username"])

	requireOAuthError(t, aaRefresh(t, a, rt0), 401, "invalid_grant", "refresh token was already used")
	requireOAuthError(t, aaRefresh(t, a, rt1), 401, "invalid_grant", "refresh token was revoked")
	assert.Equal(t, 401, get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at1)...).Status)
	requireOAuthError(t, aaRefresh(t, a, "junk"), 401, "invalid_grant", "refresh token is invalid")
	requireOAuthError(t, aaRefresh(t, a, ""), 400, "invalid_request", "")

	rt := aaLogin(t, a)["refresh_token"].(string)
	a.ExpireRefreshTokens()
	requireOAuthError(t, aaRefresh(t, a, rt), 401, "invalid_grant", "refresh token has expired")
	s := a.Stats()
	assert.Equal(t, 1, s.Refreshes)
	assert.Equal(t, 5, s.RefreshFailures)
	assert.Equal(t, 1, s.ReuseDetections)
	assert.Equal(t, 2, s.PasswordSends)
}

func TestAuthAPIEcho(t *testing.T) {
	t.Parallel()
	a := bearerkittest.NewAuthAPI(t, bearerkittest.WithBasePath("/stg"))
	at := aaLogin(t, a)["access_token"].(string)
	body := `{"replay":"me","n":[1,2,3]}`
	r := do(t, a.Client(), http.MethodPost, a.URL()+"/v1/echo", strings.NewReader(body),
		append(bearerHdr(at), "Content-Type", "application/json")...)
	require.Equal(t, 200, r.Status)
	assert.Equal(t, body, string(r.Body))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	r = do(t, a.Client(), http.MethodPost, a.URL()+"/v1/echo", strings.NewReader("raw"), bearerHdr(at)...)
	assert.Equal(t, "raw", string(r.Body))
	assert.Equal(t, "application/octet-stream", r.Header.Get("Content-Type"))
	r = do(t, a.Client(), http.MethodPost, a.URL()+"/v1/echo", strings.NewReader(body))
	require.Equal(t, 401, r.Status)
	assert.Equal(t, "invalid_token", r.JSON(t)["error"])
}
