package bearerkittest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// dataddoLogin logs the default user in and returns the token response.
func dataddoLogin(t *testing.T, d *bearerkittest.Dataddo) map[string]any {
	t.Helper()
	r := postJSON(t, d.Client(), d.URL()+"/auth", map[string]string{
		"email": bearerkittest.DefaultEmail, "password": bearerkittest.DefaultPassword})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	return r.JSON(t)
}

// dataddoHdr is what a server-to-server API call sends.
func dataddoHdr(access string) []string {
	return []string{"Authorization", "Bearer " + access,
		"X-Realm-Id", bearerkittest.DefaultRealmID, "X-Provider", bearerkittest.DefaultProvider}
}

func TestDataddoLogin(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithUser("bob@example.com", "builder"))
	for _, tc := range []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"default user", "application/json", `{"email":"alice@example.com","password":"wonderland-42"}`, 200, ""},
		{"added user", "application/json", `{"email":"bob@example.com","password":"builder"}`, 200, ""},
		{"wrong password", "application/json", `{"email":"alice@example.com","password":"nope"}`, 401, "invalid_grant"},
		{"unknown user", "application/json", `{"email":"eve@example.com","password":"wonderland-42"}`, 401, "invalid_grant"},
		{"missing password", "application/json", `{"email":"alice@example.com"}`, 400, "invalid_request"},
		{"form body", "application/x-www-form-urlencoded", "email=alice%40example.com&password=wonderland-42", 400, "invalid_request"},
		{"broken json", "application/json", `{"email":`, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, d.Client(), http.MethodPost, d.URL()+"/auth", strings.NewReader(tc.body), "Content-Type", tc.ctype)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
			m := r.JSON(t)
			if tc.code == "" {
				assert.NotEmpty(t, m["access_token"])
				assert.NotEmpty(t, m["refresh_token"])
				assert.EqualValues(t, 3600, m["expires_in"])
				assert.EqualValues(t, 1, m["realm_id"])
				assert.Equal(t, bearerkittest.DefaultProvider, m["provider"])
				return
			}
			assert.Equal(t, tc.code, m["error"])
			assert.EqualValues(t, tc.status, m["statusCode"])
			assert.NotEmpty(t, m["message"])
		})
	}
}

func TestDataddoResponseShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  []bearerkittest.Option
		check func(t *testing.T, m map[string]any)
	}{
		{"realm as number", nil, func(t *testing.T, m map[string]any) {
			assert.Equal(t, float64(1), m["realm_id"])
		}},
		{"realm as string", []bearerkittest.Option{bearerkittest.WithRealmIDAsString(), bearerkittest.WithRealmID("77")},
			func(t *testing.T, m map[string]any) { assert.Equal(t, "77", m["realm_id"]) }},
		{"older response", []bearerkittest.Option{bearerkittest.WithoutRealmInfo()}, func(t *testing.T, m map[string]any) {
			assert.NotContains(t, m, "realm_id")
			assert.NotContains(t, m, "provider")
		}},
		{"expires_in string", []bearerkittest.Option{bearerkittest.WithExpiresIn(bearerkittest.ExpiresInString)},
			func(t *testing.T, m map[string]any) { assert.Equal(t, "3600", m["expires_in"]) }},
		{"expires_in omitted", []bearerkittest.Option{bearerkittest.WithExpiresIn(bearerkittest.ExpiresInOmitted)},
			func(t *testing.T, m map[string]any) { assert.NotContains(t, m, "expires_in") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, dataddoLogin(t, bearerkittest.NewDataddo(t, tc.opts...)))
		})
	}
}

func TestDataddoAPIAuth(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	at := dataddoLogin(t, d)["access_token"].(string)
	rt := dataddoLogin(t, d)["refresh_token"].(string)
	cookies := "accessToken=" + at + "; refreshToken=" + rt + "; realmId=1; provider=dataddo"
	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
	}{
		{"headers", dataddoHdr(at), 200},
		{"lower-case header names", []string{"authorization", "Bearer " + at, "x-realm-id", "1", "x-provider", "dataddo"}, 200},
		{"lower-case scheme", []string{"Authorization", "bearer " + at, "X-realm-id", "1", "X-provider", "dataddo"}, 200},
		{"cookies", []string{"Cookie", cookies}, 200},
		{"no auth", nil, 401},
		{"no realm", []string{"Authorization", "Bearer " + at, "X-Provider", "dataddo"}, 401},
		{"no provider", []string{"Authorization", "Bearer " + at, "X-Realm-Id", "1"}, 401},
		{"wrong realm", []string{"Authorization", "Bearer " + at, "X-Realm-Id", "2", "X-Provider", "dataddo"}, 401},
		{"wrong provider", []string{"Authorization", "Bearer " + at, "X-Realm-Id", "1", "X-Provider", "google"}, 401},
		{"doubled prefix", []string{"Authorization", "Bearer Bearer " + at, "X-Realm-Id", "1", "X-Provider", "dataddo"}, 401},
		{"refresh token as access", dataddoHdr(rt), 401},
		{"unknown token", dataddoHdr("nope"), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, d.Client(), d.URL()+"/sources", tc.hdr...)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			if tc.status == 401 {
				assert.Equal(t, `Bearer error="invalid_token"`, r.Header.Get("WWW-Authenticate"))
				assert.JSONEq(t, `{"statusCode":401,"message":"Unauthorized"}`, string(r.Body))
			}
		})
	}
}

func TestDataddoWithoutRealmInfoAcceptsBareBearer(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithoutRealmInfo())
	at := dataddoLogin(t, d)["access_token"].(string)
	assert.Equal(t, 200, get(t, d.Client(), d.URL()+"/sources", bearerHdr(at)...).Status)
	assert.Equal(t, 401, get(t, d.Client(), d.URL()+"/sources", append(bearerHdr(at), "X-Realm-Id", "9")...).Status)
}

func TestDataddoRefresh(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	tok := dataddoLogin(t, d)
	at, rt := tok["access_token"].(string), tok["refresh_token"].(string)
	d.KillAccessTokens()
	require.Equal(t, 401, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...).Status)

	// POST with the dead access token.
	r := postJSON(t, d.Client(), d.URL()+"/refresh", map[string]string{"refresh_token": rt}, bearerHdr(at)...)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	m := r.JSON(t)
	at2, rt2 := m["access_token"].(string), m["refresh_token"].(string)
	require.NotEqual(t, rt, rt2, "rotated")
	assert.EqualValues(t, 1, m["realm_id"])
	require.Equal(t, 200, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at2)...).Status)

	// GET with headers.
	r = get(t, d.Client(), d.URL()+"/refresh", "X-Realm-Id", "1", "X-Provider", "dataddo", "X-Refresh-Token", rt2)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	rt3 := r.JSON(t)["refresh_token"].(string)
	r = get(t, d.Client(), d.URL()+"/refresh", "X-Realm-Id", "2", "X-Provider", "dataddo", "X-Refresh-Token", rt3)
	requireOAuthError(t, r, 401, "invalid_grant", "")
	requireOAuthError(t, get(t, d.Client(), d.URL()+"/refresh", "X-Realm-Id", "1", "X-Provider", "dataddo"), 400, "invalid_request", "")

	// Reuse of rt (rotated out twice) kills the grant.
	r = postJSON(t, d.Client(), d.URL()+"/refresh", map[string]string{"refresh_token": rt}, bearerHdr(at)...)
	requireOAuthError(t, r, 401, "invalid_grant", "refresh token was already used")
	r = get(t, d.Client(), d.URL()+"/refresh", "X-Realm-Id", "1", "X-Provider", "dataddo", "X-Refresh-Token", rt3)
	requireOAuthError(t, r, 401, "invalid_grant", "refresh token was revoked")
	assert.Equal(t, 401, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at2)...).Status)

	s := d.Stats()
	assert.Equal(t, 2, s.Refreshes)
	assert.Equal(t, 4, s.RefreshFailures)
	assert.Equal(t, 1, s.ReuseDetections)
}

func TestDataddoRefreshRequests(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	a, b := dataddoLogin(t, d), dataddoLogin(t, d)
	u := d.URL() + "/refresh"
	for _, tc := range []struct {
		name   string
		r      reply
		status int
		code   string
	}{
		{"no authorization", postJSON(t, d.Client(), u, map[string]any{"refresh_token": a["refresh_token"]}), 401, ""},
		{"other grant's access token", postJSON(t, d.Client(), u, map[string]any{"refresh_token": a["refresh_token"]},
			bearerHdr(b["access_token"].(string))...), 401, "invalid_grant"},
		{"unknown refresh token", postJSON(t, d.Client(), u, map[string]any{"refresh_token": "x"},
			bearerHdr(a["access_token"].(string))...), 401, "invalid_grant"},
		{"no body", do(t, d.Client(), http.MethodPost, u, nil, bearerHdr(a["access_token"].(string))...), 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.status, tc.r.Status, "body: %s", tc.r.Body)
			if tc.code != "" {
				assert.Equal(t, tc.code, tc.r.JSON(t)["error"])
			}
		})
	}
}

func TestDataddoRevoke(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		tok := dataddoLogin(t, d)
		at := tok["access_token"].(string)
		r := do(t, d.Client(), method, d.URL()+"/revoke", nil, bearerHdr(at)...)
		require.Equal(t, http.StatusNoContent, r.Status, method)
		assert.Equal(t, 401, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...).Status)
		r = postJSON(t, d.Client(), d.URL()+"/refresh", map[string]any{"refresh_token": tok["refresh_token"]}, bearerHdr(at)...)
		requireOAuthError(t, r, 401, "invalid_grant", "refresh token was revoked")
	}
	assert.Equal(t, 204, do(t, d.Client(), http.MethodPost, d.URL()+"/revoke", nil, bearerHdr("unknown")...).Status)
	assert.Equal(t, 401, do(t, d.Client(), http.MethodPost, d.URL()+"/revoke", nil).Status)
	assert.Equal(t, 3, d.Stats().Revocations, "an unknown token is revoked too; no token is not")
}

func TestDataddoBasePath(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"), bearerkittest.WithTLS())
	require.True(t, strings.HasPrefix(d.URL(), "https://127.0.0.1:"))
	require.True(t, strings.HasSuffix(d.URL(), "/api/v2"))
	at := dataddoLogin(t, d)["access_token"].(string)
	assert.Equal(t, 200, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...).Status)
	root := strings.TrimSuffix(d.URL(), "/api/v2")
	r := postJSON(t, d.Client(), root+"/auth", map[string]string{"email": bearerkittest.DefaultEmail, "password": bearerkittest.DefaultPassword})
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, float64(404), r.JSON(t)["statusCode"])
}

func TestDataddoProviderAndNoRotation(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithProvider("google"), bearerkittest.WithRealmID("0"),
		bearerkittest.WithoutRotation())
	tok := dataddoLogin(t, d)
	assert.Equal(t, "google", tok["provider"])
	assert.Equal(t, float64(0), tok["realm_id"])
	at, rt := tok["access_token"].(string), tok["refresh_token"].(string)
	hdr := []string{"Authorization", "Bearer " + at, "X-Realm-Id", "0", "X-Provider", "google"}
	assert.Equal(t, 200, get(t, d.Client(), d.URL()+"/logged-member", hdr...).Status)
	assert.Equal(t, 401, get(t, d.Client(), d.URL()+"/logged-member", dataddoHdr(at)...).Status)
	for range 2 {
		r := get(t, d.Client(), d.URL()+"/refresh", "X-Realm-Id", "0", "X-Provider", "google", "X-Refresh-Token", rt)
		require.Equal(t, 200, r.Status, "body: %s", r.Body)
		assert.NotContains(t, r.JSON(t), "refresh_token", "keep the old one")
	}
}

func TestDataddoServiceMethods(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	require.NoError(t, d.FixService(2))
	s, ok := d.Service(2)
	require.True(t, ok)
	assert.True(t, s.Status)
	require.NoError(t, d.BreakService(2, bearerkittest.BrokenGoogleDetail))
	s, _ = d.Service(2)
	assert.Equal(t, bearerkittest.BrokenGoogleDetail, s.StatusDetail)
	_, ok = d.Service(999)
	assert.False(t, ok)
	assert.Error(t, d.FixService(999))
	assert.Equal(t, 400, get(t, d.Client(), d.URL()+"/oauth/authorize?request_id=nope").Status)
	_, err := d.ApproveOAuth("::not a url")
	assert.Error(t, err)
}
