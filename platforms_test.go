package bearerkit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// The whole life of a session, per platform, against its emulator
// (issue 3, "Tests: the whole life of a session, per platform"): login →
// the right headers → the server kills the token early → 401 → exactly one
// renewal → the request replayed with its body → the refresh token expires
// → exactly one password login → a wrong password → a typed *AuthError, no
// loop, no second password send within the cool-down → after it, one login.
// Every step asserts every counter of the emulator exactly, serially and
// with lcConcurrency callers at once.

type lcMaker func(t *testing.T, opts ...bearerkittest.Option) *lcPlatform

func TestLifecycleDataddo(t *testing.T) { lcLifecycle(t, lcDataddo) }

func TestLifecycleOneData(t *testing.T) { lcLifecycle(t, lcOneData) }

func TestLifecycleAuthAPI(t *testing.T) { lcLifecycle(t, lcAuthAPI) }

func TestLifecycleKeycloakPassword(t *testing.T) { lcLifecycle(t, lcKeycloak) }

func TestLifecycleKeycloakClientCredentials(t *testing.T) {
	t.Parallel()
	for name, style := range map[string]bearerkit.AuthStyle{"basic": bearerkit.AuthStyleBasic, "params": bearerkit.AuthStyleParams} {
		t.Run(name, func(t *testing.T) { lcLifecycle(t, lcKeycloakClientCredentials(style)) })
	}
}

func lcLifecycle(t *testing.T, mk lcMaker) {
	t.Parallel()
	for _, n := range []int{1, lcConcurrency} {
		name := "serial"
		if n > 1 {
			name = "concurrent"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lcRunLifecycle(t, mk(t), n)
		})
	}
}

func lcRunLifecycle(t *testing.T, p *lcPlatform, n int) {
	s := lcStart(t, p, nil)

	// 1. First use: exactly one login, however many callers.
	lcNoErrors(t, s.calls(t, n), "login")
	s.login()
	s.want.APICalls += n
	s.want.APIOK += n
	s.check(t, "login")
	tok1 := s.token(t)
	for _, h := range s.wire.since(0) {
		p.headers(t, h, tok1)
	}
	if p.refresh {
		require.NotEmpty(t, tok1.RefreshToken)
	} else {
		require.Empty(t, tok1.RefreshToken)
	}

	// The token is reused: no authentication traffic.
	lcNoErrors(t, s.calls(t, 1), "reuse")
	s.want.APICalls++
	s.want.APIOK++
	s.check(t, "reuse")

	// 2. The server kills the access token early: 401, exactly one
	// renewal (a refresh; a login where there is no refresh token), the
	// request replayed.
	mark := s.wire.len()
	p.core.KillAccessTokens()
	lcNoErrors(t, s.calls(t, n), "kill")
	s.renewal()
	d := s.took401s(t, n, "kill")
	s.check(t, "kill")
	tok2 := s.token(t)
	require.NotEqual(t, tok1.AccessToken, tok2.AccessToken)
	if p.refresh {
		require.NotEqual(t, tok1.RefreshToken, tok2.RefreshToken, "rotated")
	}
	sent := s.wire.since(mark)
	old := 0
	for _, h := range sent {
		if h.Get("Authorization") == "Bearer "+tok1.AccessToken {
			p.headers(t, h, tok1)
			old++
		} else {
			p.headers(t, h, tok2)
		}
	}
	require.Equal(t, d, old, "each 401 was for the killed token, each replay carried the new one")
	if n == 1 {
		require.Len(t, sent, 2)
		p.headers(t, sent[1], tok2)
	}

	// 3. The refresh token expires too: exactly one password login (after
	// one refused refresh).
	p.core.ExpireRefreshTokens()
	p.core.KillAccessTokens()
	lcNoErrors(t, s.calls(t, n), "refresh expired")
	if p.refresh {
		s.want.RefreshFailures++
	}
	s.login()
	s.took401s(t, n, "refresh expired")
	s.check(t, "refresh expired")
	tok3 := s.token(t)
	require.NotEqual(t, tok2.AccessToken, tok3.AccessToken)

	// 4. The password is now wrong: a typed error, one password send, no
	// loop, no replay.
	s.sw.set(p.auth(lcWrongSecret))
	p.core.ExpireRefreshTokens()
	p.core.KillAccessTokens()
	errs := s.calls(t, n)
	var first *bearerkit.AuthError
	for i, err := range errs {
		ae := lcAuthErr(t, err)
		require.Equal(t, http.StatusUnauthorized, ae.StatusCode, "caller %d: %v", i, err)
		require.True(t, ae.Rejected(), "caller %d: %v", i, err)
		require.False(t, ae.Temporary(), "caller %d: %v", i, err)
		if first == nil {
			first = ae
		}
	}
	if p.refresh {
		s.want.RefreshFailures++
	}
	s.want.LoginAttempts++
	s.want.PasswordSends += p.passwords
	d = p.core.Stats().APIUnauthorized - s.want.APIUnauthorized
	require.GreaterOrEqual(t, d, 1)
	require.LessOrEqual(t, d, n)
	if n == 1 {
		require.Equal(t, 1, d)
	}
	s.want.APIUnauthorized += d
	s.want.APICalls += d
	s.check(t, "wrong password")

	// Within the cool-down, every call gets the same error from memory:
	// nothing reaches the token endpoint or the API.
	s.clk.advance(30 * time.Second)
	for range 3 {
		for i, err := range s.calls(t, n) {
			ae := lcAuthErr(t, err)
			require.Equal(t, first.StatusCode, ae.StatusCode, "caller %d", i)
			require.Equal(t, first.Code, ae.Code, "caller %d", i)
		}
	}
	s.check(t, "within the cool-down")

	// 5. The password is fixed and the cool-down is over: one login.
	s.sw.set(p.auth(p.secret))
	s.clk.advance(31 * time.Second)
	lcNoErrors(t, s.calls(t, n), "after the cool-down")
	if p.refresh {
		s.want.RefreshFailures++ // the dead token's refresh token, tried first
	}
	s.login()
	s.want.APICalls += n
	s.want.APIOK += n
	s.check(t, "after the cool-down")
}

// StaticToken: a token pasted from the browser (ONE DATA's, minted by the
// emulator), used as is; when the server kills it, an error wrapping
// ErrTokenRejected that says to replace it, and never a loop.
func TestLifecycleStaticToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefix string
		n      int
	}{
		{"pasted with Bearer prefix", "Bearer ", 1},
		{"bare", "", 1},
		{"concurrent", "Bearer ", lcConcurrency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := bearerkittest.NewOneData(t)
			p, o := lcOneDataFrom(em), em.Core
			pasted := em.MintToken(bearerkittest.DefaultEmail)
			s := lcStart(t, p, bearerkit.StaticToken{AccessToken: tc.prefix + pasted})

			lcNoErrors(t, s.calls(t, tc.n), "use")
			s.want.APICalls += tc.n
			s.want.APIOK += tc.n
			s.check(t, "use") // no login of any kind
			tok := s.token(t)
			require.Equal(t, pasted, tok.AccessToken)
			require.Empty(t, tok.RefreshToken)
			require.WithinDuration(t, o.Now().Add(24*time.Hour), tok.Expiry, 2*time.Second, "expiry from the JWT exp")
			for _, h := range s.wire.since(0) {
				require.Equal(t, []string{"Bearer " + pasted}, h.Values("Authorization"))
			}

			o.KillAccessTokens()
			for i, err := range s.calls(t, tc.n) {
				require.ErrorIs(t, err, bearerkit.ErrTokenRejected, "caller %d", i)
				require.Contains(t, err.Error(), "replace", "caller %d", i)
				var ae *bearerkit.AuthError
				require.False(t, errors.As(err, &ae), "not an authentication server's answer")
			}
			d := o.Stats().APIUnauthorized
			require.GreaterOrEqual(t, d, 1)
			require.LessOrEqual(t, d, tc.n)
			s.want.APICalls += d
			s.want.APIUnauthorized += d
			s.check(t, "killed")

			// No loop: later calls, also after the cool-down, fail at once
			// without sending the dead token again.
			for _, step := range []time.Duration{0, 2 * time.Minute} {
				s.clk.advance(step)
				for i, err := range s.calls(t, tc.n) {
					require.ErrorIs(t, err, bearerkit.ErrTokenRejected, "caller %d", i)
				}
			}
			s.check(t, "no loop")
		})
	}
}

// A transient token-endpoint failure on refresh is retried and never
// answered with the password (docs/platforms/authapi.md: the password only when the
// refresh token itself is refused).
func TestLifecycleDataddoTransientRefresh(t *testing.T) { lcTransientRefresh(t, lcDataddo) }

func TestLifecycleAuthAPITransientRefresh(t *testing.T) { lcTransientRefresh(t, lcAuthAPI) }

func TestLifecycleKeycloakTransientRefresh(t *testing.T) { lcTransientRefresh(t, lcKeycloak) }

func lcTransientRefresh(t *testing.T, mk lcMaker) {
	t.Parallel()
	const attempts = 3 // one try and maxRetries (renew.go) more
	for _, tc := range []struct {
		name     string
		failure  bearerkittest.Failure
		failures int
		minWait  time.Duration
	}{
		{"503 Retry-After 1", bearerkittest.Failure{Status: http.StatusServiceUnavailable, RetryAfter: "1"}, 1, time.Second},
		{"connection reset", bearerkittest.Failure{Kind: bearerkittest.FailReset}, 1, 0},
		{"502 twice", bearerkittest.Failure{Status: http.StatusBadGateway}, 2, 0},
		{"reset on every attempt", bearerkittest.Failure{Kind: bearerkittest.FailReset}, attempts, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mk(t)
			s := lcStart(t, p, nil)
			lcNoErrors(t, s.calls(t, 1), "login")
			s.login()
			s.want.APICalls++
			s.want.APIOK++
			s.check(t, "login")

			p.core.FailNext(bearerkittest.EndpointRefresh, tc.failures, tc.failure)
			p.core.KillAccessTokens()
			start := time.Now()
			err := s.p.do(t.Context(), s.c, 0)
			took := time.Since(start)
			s.want.RefreshFailures += tc.failures
			s.want.Injected += tc.failures
			if tc.failures < attempts {
				require.NoError(t, err)
				require.GreaterOrEqual(t, took, tc.minWait, "Retry-After is honoured")
				s.want.Refreshes++
				s.want.APICalls += 2
				s.want.APIUnauthorized++
				s.want.APIOK++
				s.checkEventually(t, "retried")
				return
			}

			// Every attempt failed: the error says it is temporary, and
			// still no password went out.
			ae := lcAuthErr(t, err)
			require.True(t, ae.Temporary(), "%v", err)
			require.False(t, ae.Rejected(), "%v", err)
			s.want.APICalls++
			s.want.APIUnauthorized++
			s.checkEventually(t, "all attempts failed")

			// The next call renews with the same, still valid refresh token.
			require.NoError(t, s.p.do(t.Context(), s.c, 0))
			s.want.Refreshes++
			s.want.APICalls++
			s.want.APIOK++
			s.check(t, "recovered")
			require.Equal(t, 1, s.want.PasswordSends)
		})
	}
}

// docs/platforms/authapi.md: a restarted process that stored its token reuses the
// refresh token instead of sending the password again.
func TestLifecycleAuthAPIStore(t *testing.T) { lcStore(t, lcAuthAPI) }

func TestLifecycleDataddoStore(t *testing.T) { lcStore(t, lcDataddo) }

func TestLifecycleKeycloakStore(t *testing.T) { lcStore(t, lcKeycloak) }

func TestLifecycleOneDataStore(t *testing.T) { lcStore(t, lcOneData) }

func lcStore(t *testing.T, mk lcMaker) {
	t.Parallel()
	p := mk(t)
	store := &bearerkit.MemoryStore{}
	var want bearerkittest.Stats
	process := func(step string) *bearerkit.Token {
		t.Helper()
		c, err := bearerkit.NewClient(p.baseURL, p.auth(p.secret), bearerkit.WithHTTPClient(p.hc), bearerkit.WithTokenStore(store))
		require.NoError(t, err)
		require.NoError(t, p.do(t.Context(), c, 0), step)
		tok, err := c.Token(t.Context())
		require.NoError(t, err)
		saved, err := store.Load(t.Context())
		require.NoError(t, err)
		require.Equal(t, tok, saved, "%s: the store holds the newest token", step)
		return tok
	}
	check := func(step string) {
		t.Helper()
		require.Equal(t, want, p.core.Stats(), step)
	}

	tok1 := process("first process")
	want = bearerkittest.Stats{LoginAttempts: 1, Logins: 1, PasswordSends: 1, APICalls: 1, APIOK: 1}
	check("first process")

	// Restart while the stored token is good: it is used as is.
	tok := process("restart, token good")
	require.Equal(t, tok1, tok)
	want.APICalls++
	want.APIOK++
	check("restart, token good")

	// Restart after the server killed it: 401, then the stored refresh
	// token, not the password.
	p.core.KillAccessTokens()
	tok2 := process("restart, token killed")
	require.NotEqual(t, tok1.AccessToken, tok2.AccessToken)
	want.APICalls += 2
	want.APIUnauthorized++
	want.APIOK++
	if p.refresh {
		require.NotEqual(t, tok1.RefreshToken, tok2.RefreshToken, "the rotated refresh token is stored")
		want.Refreshes++
	} else {
		want.LoginAttempts++
		want.Logins++
		want.PasswordSends++ // ONE DATA has no refresh token: logging in is the only way
	}
	check("restart, token killed")

	// Restart after the stored access token expired: renewed before the
	// first request, with the refresh token.
	stale := *tok2
	stale.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(t.Context(), &stale))
	tok3 := process("restart, token expired")
	require.NotEqual(t, tok2.AccessToken, tok3.AccessToken)
	want.APICalls++
	want.APIOK++
	if p.refresh {
		want.Refreshes++
		require.Equal(t, 1, want.PasswordSends)
	} else {
		want.LoginAttempts++
		want.Logins++
		want.PasswordSends++
	}
	check("restart, token expired")
}

// Dataddo's realm_id comes as a number or a string and ends up in
// X-realm-id; older responses have neither realm_id nor provider.
func TestLifecycleDataddoRealm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		opts            []bearerkittest.Option
		realm, provider string
		rawRealm        string // realm_id in the /auth answer, as JSON
	}{
		{"realm_id number", []bearerkittest.Option{bearerkittest.WithRealmID("42")}, "42", bearerkittest.DefaultProvider, `42`},
		{"realm_id numeric string", []bearerkittest.Option{bearerkittest.WithRealmID("42"), bearerkittest.WithRealmIDAsString()}, "42", bearerkittest.DefaultProvider, `"42"`},
		{"realm_id string", []bearerkittest.Option{bearerkittest.WithRealmID("eu-7"), bearerkittest.WithRealmIDAsString(), bearerkittest.WithProvider("google")}, "eu-7", "google", `"eu-7"`},
		{"without realm info", []bearerkittest.Option{bearerkittest.WithoutRealmInfo()}, "", "", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := lcDataddo(t, tc.opts...)

			// What the emulator answers, so the case tests what it says.
			body := `{"email":"` + bearerkittest.DefaultEmail + `","password":"` + bearerkittest.DefaultPassword + `"}`
			resp, err := p.hc.Post(p.baseURL+"/auth", "application/json", strings.NewReader(body))
			require.NoError(t, err)
			var raw map[string]json.RawMessage
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw))
			resp.Body.Close()
			require.Equal(t, tc.rawRealm, string(raw["realm_id"]))
			p.core.Reset()

			p.headers = func(t *testing.T, h http.Header, tok *bearerkit.Token) {
				t.Helper()
				lcBearerOnly(t, h, tok)
				if tc.realm == "" {
					require.Empty(t, h.Values("X-Realm-Id"))
					require.Empty(t, h.Values("X-Provider"))
					return
				}
				require.Equal(t, []string{tc.realm}, h.Values("X-Realm-Id"))
				require.Equal(t, []string{tc.provider}, h.Values("X-Provider"))
			}
			s := lcStart(t, p, nil)
			lcNoErrors(t, s.calls(t, 1), "login")
			s.login()
			s.want.APICalls++
			s.want.APIOK++
			s.check(t, "login")
			tok1 := s.token(t)
			require.Equal(t, tc.realm, tok1.RealmID)
			require.Equal(t, tc.provider, tok1.Provider)
			p.headers(t, s.wire.since(0)[0], tok1)

			p.core.KillAccessTokens()
			lcNoErrors(t, s.calls(t, 1), "refresh")
			s.want.Refreshes++
			s.took401s(t, 1, "refresh")
			s.check(t, "refresh")
			tok2 := s.token(t)
			require.Equal(t, tc.realm, tok2.RealmID)
			require.Equal(t, tc.provider, tok2.Provider)
			sent := s.wire.since(1)
			require.Len(t, sent, 2)
			p.headers(t, sent[0], tok1)
			p.headers(t, sent[1], tok2)
		})
	}
}

// ONE DATA: the token comes in Authorization or the legacy X-Auth-Token,
// with or without "Bearer ", and is sent back with exactly one "Bearer ".
func TestLifecycleOneDataTokenHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []bearerkittest.Option
	}{
		{"Authorization with Bearer", nil},
		{"Authorization without Bearer", []bearerkittest.Option{bearerkittest.WithoutBearerPrefix()}},
		{"X-Auth-Token with Bearer", []bearerkittest.Option{bearerkittest.WithLegacyTokenHeader()}},
		{"X-Auth-Token without Bearer", []bearerkittest.Option{bearerkittest.WithLegacyTokenHeader(), bearerkittest.WithoutBearerPrefix()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := lcOneData(t, tc.opts...)
			s := lcStart(t, p, nil)
			lcNoErrors(t, s.calls(t, 1), "login")
			s.login()
			s.want.APICalls++
			s.want.APIOK++
			s.check(t, "login")
			tok1 := s.token(t)
			require.Empty(t, tok1.RefreshToken)
			require.WithinDuration(t, p.core.Now().Add(24*time.Hour), tok1.Expiry, 2*time.Second, "expiry from the JWT exp")
			h := s.wire.since(0)[0]
			p.headers(t, h, tok1)
			require.Equal(t, 1, strings.Count(strings.ToLower(h.Get("Authorization")), "bearer"))

			// No refresh token: a 401 logs in again, once.
			p.core.KillAccessTokens()
			lcNoErrors(t, s.calls(t, 1), "re-login")
			s.login()
			s.took401s(t, 1, "re-login")
			s.check(t, "re-login")
			tok2 := s.token(t)
			require.NotEqual(t, tok1.AccessToken, tok2.AccessToken)
			p.headers(t, s.wire.since(2)[0], tok2)
		})
	}
}

// Keycloak before version 17 serves the realm under /auth: the preset's
// ServerURL then includes /auth. Older servers also send token_type
// "bearer".
func TestLifecycleKeycloakLegacy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      []bearerkittest.Option
		prefix    string // appended to the emulator's URL for ServerURL
		tokenType string
	}{
		{"legacy /auth prefix", []bearerkittest.Option{bearerkittest.WithLegacyAuthPrefix()}, "/auth", "Bearer"},
		{"lowercase token_type", []bearerkittest.Option{bearerkittest.WithLowercaseTokenType()}, "", "bearer"},
		{"both", []bearerkittest.Option{bearerkittest.WithLegacyAuthPrefix(), bearerkittest.WithLowercaseTokenType()}, "/auth", "bearer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := bearerkittest.NewKeycloak(t, tc.opts...)
			p := &lcPlatform{
				core: k.Core, baseURL: k.URL() + "/dp/api/v1", hc: k.Client(),
				auth: func(pw string) bearerkit.Authenticator {
					return lcKeycloakPreset(k, k.URL()+tc.prefix, pw)
				},
				secret: bearerkittest.DefaultPassword, passwords: 1, refresh: true,
				do: lcGet("aiconnections/types"), headers: lcBearerOnly,
			}
			preset := p.auth(p.secret).(bearerkit.Keycloak)
			require.Equal(t, k.TokenURL(), preset.TokenURL())
			require.Equal(t, k.Issuer(), preset.Issuer())
			require.Equal(t, k.RevokeURL(), preset.RevocationURL())

			s := lcStart(t, p, nil)
			lcNoErrors(t, s.calls(t, 1), "login")
			s.login()
			s.want.APICalls++
			s.want.APIOK++
			s.check(t, "login")
			tok1 := s.token(t)
			require.Equal(t, tc.tokenType, tok1.TokenType)
			require.Equal(t, "Bearer", tok1.Type())
			p.headers(t, s.wire.since(0)[0], tok1)

			p.core.KillAccessTokens()
			lcNoErrors(t, s.calls(t, 1), "refresh")
			s.want.Refreshes++
			s.took401s(t, 1, "refresh")
			s.check(t, "refresh")
			p.headers(t, s.wire.since(2)[0], s.token(t))
		})
	}

	// A legacy server with a ServerURL that lacks /auth: a 404 from the
	// token endpoint, as an *AuthError.
	t.Run("ServerURL without /auth", func(t *testing.T) {
		t.Parallel()
		k := bearerkittest.NewKeycloak(t, bearerkittest.WithLegacyAuthPrefix())
		c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", lcKeycloakPreset(k, k.URL(), bearerkittest.DefaultPassword), bearerkit.WithHTTPClient(k.Client()))
		require.NoError(t, err)
		err = lcGet("aiconnections/types")(t.Context(), c, 0)
		ae := lcAuthErr(t, err)
		require.Equal(t, http.StatusNotFound, ae.StatusCode)
		require.Equal(t, bearerkittest.Stats{}, k.Stats(), "nothing reached a served endpoint")
	})
}

// The replay after a 401 carries the request's body, whether it comes from
// NewRequest or from a plain http.Request on HTTPClient; a body that cannot
// be rewound is not replayed (the 401 is returned) but the token is still
// renewed.
func TestLifecycleAuthAPIBodyReplay(t *testing.T) {
	t.Parallel()
	p := lcAuthAPI(t)
	s := lcStart(t, p, nil)
	lcNoErrors(t, s.calls(t, 1), "login")
	s.login()
	s.want.APICalls++
	s.want.APIOK++
	s.check(t, "login")

	post := func(body io.Reader) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.baseURL+"/v1/echo", body)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		resp, err := s.c.HTTPClient().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}

	// A plain request with a rewindable body (strings.Reader: GetBody set).
	const text = "a plain body, sent twice"
	p.core.KillAccessTokens()
	resp, got := post(strings.NewReader(text))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, text, got)
	require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	s.want.Refreshes++
	s.took401s(t, 1, "rewindable")
	s.check(t, "rewindable")

	// A body without GetBody: the 401 comes back, the token is renewed
	// anyway, and the next request goes through with the new one.
	p.core.KillAccessTokens()
	resp, _ = post(struct{ io.Reader }{bytes.NewReader([]byte(text))})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	s.want.Refreshes++
	s.want.APICalls++
	s.want.APIUnauthorized++
	s.check(t, "not rewindable")
	resp, got = post(struct{ io.Reader }{bytes.NewReader([]byte(text))})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, text, got)
	s.want.APICalls++
	s.want.APIOK++
	s.check(t, "after not rewindable")
	assert.Equal(t, 1, s.want.PasswordSends)
}
