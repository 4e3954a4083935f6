package bearerkittest_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestStatsAreExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	a := bearerkittest.NewAuthAPI(t)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pw := bearerkittest.DefaultPassword
			if i%4 == 0 {
				pw = "wrong"
			}
			r := postForm(t, a.Client(), a.URL()+"/auth/password", url.Values{"username": {"alice"}, "password": {pw}})
			if r.Status != 200 {
				return
			}
			m := r.JSON(t)
			get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(m["access_token"].(string))...)
			aaRefresh(t, a, m["refresh_token"].(string))
			aaRefresh(t, a, m["refresh_token"].(string)) // reuse
			_ = a.Stats()
			_ = a.Events()
		})
	}
	wg.Wait()
	assert.Equal(t, bearerkittest.Stats{
		LoginAttempts: n, Logins: n * 3 / 4, PasswordSends: n,
		Refreshes: n * 3 / 4, RefreshFailures: n * 3 / 4, ReuseDetections: n * 3 / 4,
		APICalls: n * 3 / 4, APIOK: n * 3 / 4,
	}, a.Stats())
	assert.Len(t, a.Events(), n+3*(n*3/4))
}

func TestEventsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	a := bearerkittest.NewAuthAPI(t)
	m := aaLogin(t, a)
	at, rt := m["access_token"].(string), m["refresh_token"].(string)
	get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at)...)
	aaRefresh(t, a, rt)
	postForm(t, a.Client(), a.URL()+"/auth/password", url.Values{"username": {"alice"}, "password": {"wrong-secret"}})

	ev := a.Events()
	require.Len(t, ev, 4)
	dump := fmt.Sprintf("%+v %#v", ev, ev)
	for _, secret := range []string{bearerkittest.DefaultPassword, "wrong-secret", at, rt} {
		assert.NotContains(t, dump, secret)
	}
	assert.Equal(t, bearerkittest.Event{
		Time: ev[0].Time, Endpoint: bearerkittest.EndpointLogin, Method: "POST", Path: "/auth/password",
		Status: 200, Outcome: bearerkittest.OutcomeOK, User: "alice", Token: bearerkittest.Fingerprint(at),
	}, ev[0])
	assert.Equal(t, bearerkittest.Fingerprint(at), ev[1].Token)
	assert.Equal(t, bearerkittest.EndpointAPI, ev[1].Endpoint)
	assert.Equal(t, bearerkittest.EndpointRefresh, ev[2].Endpoint)
	assert.Equal(t, bearerkittest.OutcomeBadCredentials, ev[3].Outcome)
	assert.Equal(t, 401, ev[3].Status)
	assert.WithinDuration(t, time.Now(), ev[3].Time, time.Minute)
	assert.Len(t, bearerkittest.Fingerprint("x"), 12)
	assert.Empty(t, bearerkittest.Fingerprint(""))

	a.Reset()
	assert.Equal(t, bearerkittest.Stats{}, a.Stats())
	assert.Empty(t, a.Events())
	assert.Equal(t, 200, get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at)...).Status, "tokens survive Reset")
}

func TestKnobs(t *testing.T) {
	t.Parallel()
	t.Run("access TTL and Advance", func(t *testing.T) {
		t.Parallel()
		a := bearerkittest.NewAuthAPI(t, bearerkittest.WithAccessTokenTTL(90*time.Second), bearerkittest.WithRefreshTokenTTL(time.Hour))
		m := aaLogin(t, a)
		assert.EqualValues(t, 90, m["expires_in"])
		at := m["access_token"].(string)
		assert.Equal(t, 200, get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at)...).Status)
		before := a.Now()
		a.Advance(91 * time.Second)
		assert.GreaterOrEqual(t, a.Now().Sub(before), 91*time.Second)
		assert.Equal(t, 401, get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at)...).Status)
		assert.Equal(t, 200, aaRefresh(t, a, m["refresh_token"].(string)).Status)
		a.Advance(2 * time.Hour)
		rt := aaLogin(t, a)["refresh_token"].(string)
		a.Advance(time.Hour)
		requireOAuthError(t, aaRefresh(t, a, rt), 401, "invalid_grant", "refresh token has expired")
	})
	t.Run("kill access tokens", func(t *testing.T) {
		t.Parallel()
		k := bearerkittest.NewKeycloak(t)
		before := kcPassword(t, k)
		k.KillAccessTokens()
		assert.Equal(t, 401, get(t, k.Client(), k.APIURL(), bearerHdr(before["access_token"].(string))...).Status)
		after := kcRefresh(t, k, before["refresh_token"].(string)).JSON(t)
		assert.Equal(t, 200, get(t, k.Client(), k.APIURL(), bearerHdr(after["access_token"].(string))...).Status)
	})
	t.Run("expire refresh tokens", func(t *testing.T) {
		t.Parallel()
		d := bearerkittest.NewDataddo(t)
		m := dataddoLogin(t, d)
		d.ExpireRefreshTokens()
		at := m["access_token"].(string)
		assert.Equal(t, 200, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...).Status, "access tokens live on")
		r := postJSON(t, d.Client(), d.URL()+"/refresh", map[string]any{"refresh_token": m["refresh_token"]}, bearerHdr(at)...)
		requireOAuthError(t, r, 401, "invalid_grant", "refresh token has expired")
		m = dataddoLogin(t, d)
		r = postJSON(t, d.Client(), d.URL()+"/refresh", map[string]any{"refresh_token": m["refresh_token"]}, bearerHdr(m["access_token"].(string))...)
		assert.Equal(t, 200, r.Status, "new tokens are fine")
	})
	t.Run("sub-second TTL rounds up", func(t *testing.T) {
		t.Parallel()
		a := bearerkittest.NewAuthAPI(t, bearerkittest.WithAccessTokenTTL(100*time.Millisecond))
		assert.EqualValues(t, 1, aaLogin(t, a)["expires_in"])
	})
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		start func() error
		want  string
	}{
		{"dataddo option on keycloak", func() error { _, err := bearerkittest.StartKeycloak(bearerkittest.WithRealmID("2")); return err }, "WithRealmID does not apply to Keycloak"},
		{"keycloak option on dataddo", func() error { _, err := bearerkittest.StartDataddo(bearerkittest.WithRealm("x")); return err }, "WithRealm does not apply to Dataddo"},
		{"onedata option on authapi", func() error { _, err := bearerkittest.StartAuthAPI(bearerkittest.WithLegacyTokenHeader()); return err }, "does not apply"},
		{"refresh TTL on onedata", func() error {
			_, err := bearerkittest.StartOneData(bearerkittest.WithRefreshTokenTTL(time.Hour))
			return err
		}, "does not apply to OneData"},
		{"rotation on onedata", func() error { _, err := bearerkittest.StartOneData(bearerkittest.WithoutRotation()); return err }, "does not apply"},
		{"base path without slash", func() error { _, err := bearerkittest.StartAuthAPI(bearerkittest.WithBasePath("api")); return err }, "invalid base path"},
		{"base path with trailing slash", func() error { _, err := bearerkittest.StartAuthAPI(bearerkittest.WithBasePath("/api/")); return err }, "invalid base path"},
		{"realm id not a number", func() error { _, err := bearerkittest.StartDataddo(bearerkittest.WithRealmID("abc")); return err }, "not an integer"},
		{"empty user", func() error { _, err := bearerkittest.StartAuthAPI(bearerkittest.WithUser("", "x")); return err }, "login and a password"},
		{"zero TTL", func() error { _, err := bearerkittest.StartAuthAPI(bearerkittest.WithAccessTokenTTL(0)); return err }, "positive"},
		{"client without id", func() error {
			_, err := bearerkittest.StartKeycloak(bearerkittest.WithKeycloakClient(bearerkittest.KeycloakClient{}))
			return err
		}, "without ID"},
		{"empty key", func() error { _, err := bearerkittest.StartOneData(bearerkittest.WithSigningKey(nil)); return err }, "empty signing key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.start()
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "bearerkittest: "), err.Error())
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// A string realm id is fine with WithRealmIDAsString, in any order; nil options are ignored.
	d, err := bearerkittest.StartDataddo(bearerkittest.WithRealmID("abc"), nil, bearerkittest.WithRealmIDAsString())
	require.NoError(t, err)
	d.Close()
	d.Close() // twice is fine
}
