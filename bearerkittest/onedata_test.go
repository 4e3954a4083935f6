package bearerkittest_test

import (
	"crypto/hmac"
	"crypto/sha512"
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

func odLogin(t *testing.T, o *bearerkittest.OneData) reply {
	t.Helper()
	return postJSON(t, o.Client(), o.URL()+"/api/v1/users/login",
		map[string]string{"username": bearerkittest.DefaultEmail, "password": bearerkittest.DefaultPassword})
}

func TestOneDataLogin(t *testing.T) {
	t.Parallel()
	key := []byte("test-key")
	o := bearerkittest.NewOneData(t, bearerkittest.WithSigningKey(key))
	r := odLogin(t, o)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	assert.NotContains(t, string(r.Body), "eyJ", "the token is not in the body")
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	h := r.Header.Get("Authorization")
	require.True(t, strings.HasPrefix(h, "Bearer "), h)
	jwt := strings.TrimPrefix(h, "Bearer ")

	// A proper HS512 JWT.
	assert.Equal(t, map[string]any{"alg": "HS512", "typ": "JWT"}, jwtHeader(t, jwt))
	parts := strings.Split(jwt, ".")
	mac := hmac.New(sha512.New, key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), parts[2])
	c := claims(t, jwt)
	assert.Equal(t, bearerkittest.DefaultEmail, c["sub"])
	assert.Equal(t, float64(24*3600), c["exp"].(float64)-c["iat"].(float64))

	me := get(t, o.Client(), o.URL()+"/api/v1/users/me", "Authorization", h)
	require.Equal(t, 200, me.Status)
	assert.Equal(t, bearerkittest.DefaultEmail, me.JSON(t)["email"])

	// Form login is accepted too (choice); wrong password and empty bodies are not.
	f := postForm(t, o.Client(), o.URL()+"/api/v1/users/login", url.Values{"username": {bearerkittest.DefaultEmail}, "password": {bearerkittest.DefaultPassword}})
	assert.Equal(t, 200, f.Status)
	bad := postJSON(t, o.Client(), o.URL()+"/api/v1/users/login", map[string]string{"username": bearerkittest.DefaultEmail, "password": "x"})
	requireOAuthError(t, bad, 401, "invalid_grant", "Bad credentials")
	assert.Empty(t, bad.Header.Get("Authorization"))
	requireOAuthError(t, postJSON(t, o.Client(), o.URL()+"/api/v1/users/login", map[string]string{}), 400, "invalid_request", "")
	assert.Equal(t, 404, postJSON(t, o.Client(), o.URL()+"/api/v1/users/refresh", map[string]string{}).Status, "no refresh")
}

func TestOneDataTokenHeaderVariants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   []bearerkittest.Option
		header string
		prefix string
	}{
		{"authorization", nil, "Authorization", "Bearer "},
		{"legacy header", []bearerkittest.Option{bearerkittest.WithLegacyTokenHeader()}, "X-Auth-Token", "Bearer "},
		{"no prefix", []bearerkittest.Option{bearerkittest.WithoutBearerPrefix()}, "Authorization", ""},
		{"legacy, no prefix", []bearerkittest.Option{bearerkittest.WithLegacyTokenHeader(), bearerkittest.WithoutBearerPrefix()}, "X-Auth-Token", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := bearerkittest.NewOneData(t, tc.opts...)
			r := odLogin(t, o)
			require.Equal(t, 200, r.Status)
			v := r.Header.Get(tc.header)
			require.NotEmpty(t, v)
			jwt, ok := strings.CutPrefix(v, tc.prefix)
			require.True(t, ok)
			require.False(t, strings.HasPrefix(jwt, "Bearer"))
			assert.Equal(t, 200, get(t, o.Client(), o.URL()+"/api/v1/datasets", bearerHdr(jwt)...).Status)
		})
	}
}

func TestOneDataAPIAuthIsStrict(t *testing.T) {
	t.Parallel()
	o := bearerkittest.NewOneData(t)
	jwt := strings.TrimPrefix(odLogin(t, o).Header.Get("Authorization"), "Bearer ")
	other := bearerkittest.NewOneData(t)
	foreign := other.MintToken(bearerkittest.DefaultEmail)
	for _, tc := range []struct {
		name   string
		auth   string
		status int
	}{
		{"exact", "Bearer " + jwt, 200},
		{"doubled prefix", "Bearer Bearer " + jwt, 401},
		{"no prefix", jwt, 401},
		{"lower-case scheme", "bearer " + jwt, 401},
		{"tampered", "Bearer " + jwt[:len(jwt)-2] + "xx", 401},
		{"signed by another server", "Bearer " + foreign, 401},
		{"none", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			r := get(t, o.Client(), o.URL()+"/api/v1/users/me", hdr...)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			if tc.status == 401 {
				assert.Equal(t, `Bearer error="invalid_token"`, r.Header.Get("WWW-Authenticate"))
				assert.Equal(t, float64(401), r.JSON(t)["status"])
			}
		})
	}
}

func TestOneDataDataAndLogout(t *testing.T) {
	t.Parallel()
	o := bearerkittest.NewOneData(t, bearerkittest.WithBasePath("/onedata"))
	tok := o.MintToken("pasted@example.com")
	assert.Equal(t, 0, o.Stats().Logins, "a minted token is no login")
	hdr := bearerHdr(tok)
	m := get(t, o.Client(), o.URL()+"/api/v1/datasets", hdr...).JSON(t)
	assert.EqualValues(t, 2, m["totalElements"])
	assert.Equal(t, 200, get(t, o.Client(), o.URL()+"/api/v1/datasets/ds-churn", hdr...).Status)
	assert.Equal(t, 404, get(t, o.Client(), o.URL()+"/api/v1/datasets/nope", hdr...).Status)
	assert.Equal(t, "pasted@example.com", get(t, o.Client(), o.URL()+"/api/v1/users/me", hdr...).JSON(t)["email"])

	assert.Equal(t, 200, do(t, o.Client(), http.MethodPost, o.URL()+"/api/v1/users/logout", nil, hdr...).Status)
	assert.Equal(t, 200, get(t, o.Client(), o.URL()+"/api/v1/users/me", hdr...).Status, "logout invalidates nothing")
	assert.Equal(t, 0, o.Stats().Revocations)

	o.Advance(24*time.Hour + time.Second)
	assert.Equal(t, 401, get(t, o.Client(), o.URL()+"/api/v1/users/me", hdr...).Status, "24 h later")
}
