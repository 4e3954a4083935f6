package bearerkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Helpers of platforms_test.go: one description per platform (its emulator,
// its preset, one API call), a session that drives a Client through a whole
// life while it keeps the exact counters the emulator must show, a recorder
// of what went out on the wire, a switchable Authenticator (the password
// "changes" mid-life) and a clock for the Transport's cool-down.

// lcConcurrency is how many callers run at once in the concurrent variants.
const lcConcurrency = 50

// lcWrongSecret is the password (or client secret) that the emulators refuse.
const lcWrongSecret = "not-the-password"

// lcPlatform describes one platform under test.
type lcPlatform struct {
	core    *bearerkittest.Core
	baseURL string       // the Client's base URL: the API root
	hc      *http.Client // reaches the emulator
	// auth builds the preset with this password (client secret for client
	// credentials).
	auth   func(secret string) bearerkit.Authenticator
	secret string // the right one
	// passwords is how many password sends one login makes: 1, or 0 for
	// client credentials.
	passwords int
	// refresh says the preset renews with a refresh token; without one
	// every renewal is a login.
	refresh bool
	// do makes one API call; i tells concurrent callers apart.
	do func(ctx context.Context, c *bearerkit.Client, i int) error
	// headers checks the credentials of one API request that carried tok.
	headers func(t *testing.T, h http.Header, tok *bearerkit.Token)
}

// lcGet is a do that GETs path (relative to the base URL) and wants a JSON
// body.
func lcGet(path string) func(context.Context, *bearerkit.Client, int) error {
	return func(ctx context.Context, c *bearerkit.Client, _ int) error {
		req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		var out json.RawMessage
		if _, err := c.Do(req, &out); err != nil {
			return err
		}
		if len(out) == 0 {
			return fmt.Errorf("GET %s: empty body", path)
		}
		return nil
	}
}

// lcEcho is AuthAPI's do: a POST of a JSON body to /v1/echo, which answers
// the body it received, so a replayed request proves it carried its body.
func lcEcho(ctx context.Context, c *bearerkit.Client, i int) error {
	in := map[string]any{"caller": float64(i), "note": "replay me with my body"}
	req, err := c.NewRequest(ctx, http.MethodPost, "v1/echo", in)
	if err != nil {
		return err
	}
	var out map[string]any
	resp, err := c.Do(req, &out)
	if err != nil {
		return err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("echo: Content-Type %q, want application/json", ct)
	}
	if out["caller"] != in["caller"] || out["note"] != in["note"] {
		return fmt.Errorf("echo: got body %v, want %v", out, in)
	}
	return nil
}

// lcBearerOnly checks the Authorization header: exactly one, exactly
// "Bearer <access token>".
func lcBearerOnly(t *testing.T, h http.Header, tok *bearerkit.Token) {
	t.Helper()
	require.Equal(t, []string{"Bearer " + tok.AccessToken}, h.Values("Authorization"))
}

func lcDataddo(t *testing.T, opts ...bearerkittest.Option) *lcPlatform {
	d := bearerkittest.NewDataddo(t, opts...)
	return &lcPlatform{
		core: d.Core, baseURL: d.URL(), hc: d.Client(),
		auth: func(pw string) bearerkit.Authenticator {
			return bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: pw, HTTPClient: d.Client()}
		},
		secret: bearerkittest.DefaultPassword, passwords: 1, refresh: true,
		do: lcGet("logged-member"),
		headers: func(t *testing.T, h http.Header, tok *bearerkit.Token) {
			t.Helper()
			lcBearerOnly(t, h, tok)
			require.Equal(t, []string{bearerkittest.DefaultRealmID}, h.Values("X-Realm-Id"))
			require.Equal(t, []string{bearerkittest.DefaultProvider}, h.Values("X-Provider"))
		},
	}
}

func lcOneData(t *testing.T, opts ...bearerkittest.Option) *lcPlatform {
	return lcOneDataFrom(bearerkittest.NewOneData(t, opts...))
}

func lcOneDataFrom(o *bearerkittest.OneData) *lcPlatform {
	return &lcPlatform{
		core: o.Core, baseURL: o.URL() + "/api/v1", hc: o.Client(),
		auth: func(pw string) bearerkit.Authenticator {
			return bearerkit.OneData{BaseURL: o.URL(), Username: bearerkittest.DefaultEmail, Password: pw, HTTPClient: o.Client()}
		},
		secret: bearerkittest.DefaultPassword, passwords: 1, refresh: false,
		do: lcGet("users/me"),
		headers: func(t *testing.T, h http.Header, tok *bearerkit.Token) {
			t.Helper()
			lcBearerOnly(t, h, tok)
			require.NotContains(t, tok.AccessToken, " ", "the token keeps no Bearer prefix of its own")
		},
	}
}

func lcAuthAPI(t *testing.T, opts ...bearerkittest.Option) *lcPlatform {
	a := bearerkittest.NewAuthAPI(t, opts...)
	return &lcPlatform{
		core: a.Core, baseURL: a.URL(), hc: a.Client(),
		auth: func(pw string) bearerkit.Authenticator {
			return bearerkit.AuthAPI{BaseURL: a.URL(), Username: bearerkittest.DefaultUsername, Password: pw, HTTPClient: a.Client()}
		},
		secret: bearerkittest.DefaultPassword, passwords: 1, refresh: true,
		do:      lcEcho,
		headers: lcBearerOnly,
	}
}

// lcKeycloakPreset is the Keycloak preset for the password grant (the
// DataClarity UI's public client).
func lcKeycloakPreset(k *bearerkittest.Keycloak, serverURL, pw string) bearerkit.Keycloak {
	return bearerkit.Keycloak{ServerURL: serverURL, Realm: k.Realm(), Username: bearerkittest.DefaultUsername, Password: pw, HTTPClient: k.Client()}
}

func lcKeycloak(t *testing.T, opts ...bearerkittest.Option) *lcPlatform {
	k := bearerkittest.NewKeycloak(t, opts...)
	return &lcPlatform{
		core: k.Core, baseURL: k.URL() + "/dp/api/v1", hc: k.Client(),
		auth: func(pw string) bearerkit.Authenticator {
			return lcKeycloakPreset(k, k.URL(), pw)
		},
		secret: bearerkittest.DefaultPassword, passwords: 1, refresh: true,
		do:      lcGet("aiconnections/types"),
		headers: lcBearerOnly,
	}
}

// lcKeycloakClientCredentials is the Keycloak preset without Username: the
// client credentials of a confidential client.
func lcKeycloakClientCredentials(style bearerkit.AuthStyle) func(t *testing.T, opts ...bearerkittest.Option) *lcPlatform {
	return func(t *testing.T, opts ...bearerkittest.Option) *lcPlatform {
		p := lcKeycloak(t, opts...)
		k := p.auth("").(bearerkit.Keycloak)
		p.auth = func(secret string) bearerkit.Authenticator {
			return bearerkit.Keycloak{ServerURL: k.ServerURL, Realm: k.Realm, ClientID: bearerkittest.DefaultConfidentialClient,
				ClientSecret: secret, AuthStyle: style, HTTPClient: k.HTTPClient}
		}
		p.secret, p.passwords, p.refresh = bearerkittest.DefaultClientSecret, 0, false
		return p
	}
}

// lcWire records the API requests as they leave the Transport, with the
// credentials it added.
type lcWire struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []http.Header
}

func (w *lcWire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.reqs = append(w.reqs, r.Header.Clone())
	w.mu.Unlock()
	return w.base.RoundTrip(r)
}

// since returns the headers of the requests from the i-th on.
func (w *lcWire) since(i int) []http.Header {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]http.Header(nil), w.reqs[i:]...)
}

func (w *lcWire) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

// lcSwitch is an Authenticator whose configuration can be replaced, as when
// a user's password changes while the process runs.
type lcSwitch struct{ cur atomic.Value } // bearerkit.Authenticator

func (s *lcSwitch) set(a bearerkit.Authenticator) { s.cur.Store(&a) }

func (s *lcSwitch) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	return (*s.cur.Load().(*bearerkit.Authenticator)).Authenticate(ctx, prev)
}

// lcClock is the Transport's clock (bearerkit.SetClock): the wall clock
// moved forward by advance, so a cool-down ends without sleeping. Token
// expiries, computed by the SDK from the wall clock, are hours or minutes
// away, so moving it by a minute or two changes nothing else.
type lcClock struct{ off atomic.Int64 }

func (c *lcClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *lcClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// lcSession is one Client of a platform, the counters the emulator must
// show (want), and what went out on the wire.
type lcSession struct {
	p    *lcPlatform
	c    *bearerkit.Client
	wire *lcWire
	clk  *lcClock
	sw   *lcSwitch
	want bearerkittest.Stats
}

// lcStart makes a Client of p logging in with auth (nil: p's preset with
// the right secret), with a one-minute cool-down and the session's clock.
func lcStart(t *testing.T, p *lcPlatform, auth bearerkit.Authenticator, opts ...bearerkit.Option) *lcSession {
	t.Helper()
	if auth == nil {
		auth = p.auth(p.secret)
	}
	base := p.hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	s := &lcSession{p: p, wire: &lcWire{base: base}, clk: &lcClock{}, sw: &lcSwitch{}}
	s.sw.set(auth)
	opts = append([]bearerkit.Option{bearerkit.WithHTTPClient(&http.Client{Transport: s.wire}), bearerkit.WithCoolDown(time.Minute)}, opts...)
	c, err := bearerkit.NewClient(p.baseURL, s.sw, opts...)
	require.NoError(t, err)
	bearerkit.SetClock(bearerkit.ClientTransport(c), s.clk.now)
	s.c = c
	return s
}

// calls makes n API calls at once (n == 1: one, in this goroutine) and
// returns their errors.
func (s *lcSession) calls(t *testing.T, n int) []error {
	t.Helper()
	return lcFan(n, func(i int) error { return s.p.do(t.Context(), s.c, i) })
}

// lcFan runs fn(0..n-1) in n goroutines released at once.
func lcFan(n int, fn func(i int) error) []error {
	if n == 1 {
		return []error{fn(0)}
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func lcNoErrors(t *testing.T, errs []error, step string) {
	t.Helper()
	for i, err := range errs {
		require.NoError(t, err, "%s: caller %d", step, i)
	}
}

// check compares every counter of the emulator with want.
func (s *lcSession) check(t *testing.T, step string) {
	t.Helper()
	require.Equal(t, s.want, s.p.core.Stats(), "%s: emulator counters", step)
	require.Equal(t, s.want.APICalls, s.wire.len(), "%s: API requests on the wire", step)
}

// checkEventually is check after an injected reset: the emulator counts a
// reset call after it has closed the connection, so the client may see the
// reset a moment before the counter moves.
func (s *lcSession) checkEventually(t *testing.T, step string) {
	t.Helper()
	assert.Eventually(t, func() bool { return s.p.core.Stats() == s.want }, 2*time.Second, 5*time.Millisecond)
	s.check(t, step)
}

// took401s accounts for n callers that all succeeded after the token they
// carried was killed: at least one of them got a 401 (all of them when
// n == 1: exactly one), each 401 was replayed once, and each caller got one
// 200. It returns the number of 401s.
func (s *lcSession) took401s(t *testing.T, n int, step string) int {
	t.Helper()
	d := s.p.core.Stats().APIUnauthorized - s.want.APIUnauthorized
	require.GreaterOrEqual(t, d, 1, "%s: 401s", step)
	require.LessOrEqual(t, d, n, "%s: 401s", step)
	s.want.APIUnauthorized += d
	s.want.APICalls += n + d
	s.want.APIOK += n
	return d
}

// token returns the Client's current token (no network: it is fresh).
func (s *lcSession) token(t *testing.T) *bearerkit.Token {
	t.Helper()
	tok, err := s.c.Token(t.Context())
	require.NoError(t, err)
	return tok
}

// login accounts for one successful login.
func (s *lcSession) login() {
	s.want.LoginAttempts++
	s.want.Logins++
	s.want.PasswordSends += s.p.passwords
}

// renewal accounts for one successful renewal: a refresh, or a login for
// platforms without refresh tokens.
func (s *lcSession) renewal() {
	if s.p.refresh {
		s.want.Refreshes++
		return
	}
	s.login()
}

// lcAuthErr returns the *AuthError inside err.
func lcAuthErr(t *testing.T, err error) *bearerkit.AuthError {
	t.Helper()
	var ae *bearerkit.AuthError
	require.Error(t, err)
	require.True(t, errors.As(err, &ae), "want an *AuthError, got %T: %v", err, err)
	return ae
}
