package bearerkit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Shared test helpers: an in-memory RoundTripper, a fake clock, a counting
// Authenticator, a body that records Close, and an in-memory platform (token
// endpoint and API) that counts what it is sent.

// rtFunc adapts a function to an http.RoundTripper.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// reply answers req as a real transport would: it consumes and closes the
// request body.
func reply(req *http.Request, status int, body string) *http.Response {
	drain(req)
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/plain"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// drain reads and closes req's body and returns what it held.
func drain(req *http.Request) string {
	if req.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(req.Body)
	req.Body.Close()
	return string(b)
}

// okBase is an API that answers 200 to everything.
var okBase = rtFunc(func(r *http.Request) (*http.Response, error) { return reply(r, http.StatusOK, "ok"), nil })

// handlerRT serves requests in memory with an http.Handler.
type handlerRT struct{ h http.Handler }

func (rt handlerRT) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	rt.h.ServeHTTP(rec, in)
	drain(req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// clock is a fake clock for Transport's scheduling (bearerkit.SetClock).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// issuer is an Authenticator that issues tok-1, tok-2, … (refresh tokens
// rt-1, rt-2, …) and counts its calls. hook, when set, runs first with the
// call's number; an error from it is returned instead of a token.
type issuer struct {
	calls atomic.Int64
	life  time.Duration // 0: tokens without expiry
	clk   *clock        // nil: time.Now
	hook  func(ctx context.Context, n int64, prev *bearerkit.Token) error
}

func (a *issuer) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	n := a.calls.Add(1)
	if a.hook != nil {
		if err := a.hook(ctx, n, prev); err != nil {
			return nil, err
		}
	}
	tok := &bearerkit.Token{AccessToken: fmt.Sprintf("tok-%d", n), RefreshToken: fmt.Sprintf("rt-%d", n)}
	if a.life > 0 {
		now := time.Now()
		if a.clk != nil {
			now = a.clk.Now()
		}
		tok.Expiry = now.Add(a.life)
	}
	return tok, nil
}

// transport returns a Transport on auth and base, reading time from clk
// when it is not nil. configure, when not nil, sets more fields first.
func transport(auth bearerkit.Authenticator, base http.RoundTripper, clk *clock, configure func(*bearerkit.Transport)) *bearerkit.Transport {
	tr := &bearerkit.Transport{Auth: auth, Base: base}
	if configure != nil {
		configure(tr)
	}
	if clk != nil {
		bearerkit.SetClock(tr, clk.Now)
	}
	return tr
}

// send does a GET of url through rt and returns the response with its body
// read and closed.
func send(t *testing.T, rt http.RoundTripper, url string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, string(b), nil
}

// authOf returns the Authorization header a recording base saw last.
type recorder struct {
	mu    sync.Mutex
	auths []string
	hosts []string
	// status answers a request by the Authorization it carries; nil: 200.
	status func(auth string) int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	a := req.Header.Get("Authorization")
	r.mu.Lock()
	r.auths = append(r.auths, a)
	r.hosts = append(r.hosts, req.URL.Host)
	r.mu.Unlock()
	code := http.StatusOK
	if r.status != nil {
		code = r.status(a)
	}
	return reply(req, code, "answer to "+a), nil
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auths...)
}

// recBody is a request body that records how often it was closed.
type recBody struct {
	r      io.Reader
	closed atomic.Int32
}

func newRecBody(s string) *recBody { return &recBody{r: strings.NewReader(s)} }

func (b *recBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *recBody) Close() error               { b.closed.Add(1); return nil }

// syncBuffer is a bytes.Buffer safe for concurrent use, for log output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// slogTo returns a logger writing debug records and up to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// jwt returns an unsigned compact JWT whose payload is claims.
func jwt(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

// Credentials of the in-memory platform.
const (
	testUser     = "alice"
	testPassword = "correct-horse-battery"
	testClientID = "bearerkit-tests"
	testSecret   = "client-secret-0xC0FFEE"
	tokenURL     = "https://auth.example.com/token"
	apiURL       = "https://api.example.com/v1/"
)

// platform is an in-memory OAuth 2 token endpoint (POST /token: password,
// refresh_token and client_credentials grants, rotating refresh tokens) and
// an API (everything else) that accepts the live access tokens. It counts
// what it is sent; every refresh token it receives is recorded, so a test
// can assert that none is sent twice.
type platform struct {
	clk  *clock        // the clock expires_in is relative to; nil: time.Now
	life time.Duration // access token lifetime; 0: no expires_in
	// keepRT answers refreshes without a new refresh token.
	keepRT bool
	// fail, when set, may answer a token request instead (status > 0).
	fail func(grant string, n int) (status int, body string, hdr http.Header)

	mu        sync.Mutex
	n         int
	grants    map[string]int // calls per grant_type
	rtSent    map[string]int // times each refresh token was received
	liveAT    map[string]bool
	liveRT    map[string]bool
	apiCalls  int
	apiAuths  []string
	tokenHook func(r *http.Request) // sees each token request first
	apiHook   func(access string)   // sees each authorized API call first
}

func newPlatform(clk *clock, life time.Duration) *platform {
	return &platform{clk: clk, life: life, grants: map[string]int{}, rtSent: map[string]int{}, liveAT: map[string]bool{}, liveRT: map[string]bool{}}
}

// client returns an *http.Client that reaches the platform in memory.
func (p *platform) client() *http.Client { return &http.Client{Transport: handlerRT{p}} }

func (p *platform) password() *bearerkit.PasswordGrant {
	return &bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: testClientID, ClientSecret: testSecret, Username: testUser, Password: testPassword, HTTPClient: p.client()}
}

func (p *platform) refresh() *bearerkit.RefreshGrant {
	return &bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: testClientID, ClientSecret: testSecret, HTTPClient: p.client()}
}

// login is the usual chain: refresh, else log in with the password.
func (p *platform) login() bearerkit.Authenticator {
	return bearerkit.Fallback(p.refresh(), p.password())
}

func (p *platform) count(grant string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.grants[grant]
}

// maxRTSends is the most times one refresh token was received.
func (p *platform) maxRTSends() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := 0
	for _, n := range p.rtSent {
		m = max(m, n)
	}
	return m
}

func (p *platform) apiCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.apiCalls
}

// kill makes the API answer 401 to every access token issued so far.
func (p *platform) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.liveAT)
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		p.token(w, r)
		return
	}
	access, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	p.apiCalls++
	p.apiAuths = append(p.apiAuths, r.Header.Get("Authorization"))
	live := p.liveAT[access]
	hook := p.apiHook
	p.mu.Unlock()
	if !live {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if hook != nil {
		hook(access)
	}
	fmt.Fprintf(w, "hello %s", access)
}

func (p *platform) token(w http.ResponseWriter, r *http.Request) {
	if p.tokenHook != nil {
		p.tokenHook(r)
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	grant := r.PostForm.Get("grant_type")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.grants[grant]++
	if p.fail != nil {
		if status, body, hdr := p.fail(grant, p.grants[grant]); status > 0 {
			for k, v := range hdr {
				w.Header()[k] = v
			}
			if w.Header().Get("Content-Type") == "" {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
	}
	if id, secret, ok := r.BasicAuth(); !ok || id != testClientID || secret != testSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
		return
	}
	switch grant {
	case "password":
		if r.PostForm.Get("username") != testUser || r.PostForm.Get("password") != testPassword {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_grant", "error_description": "Invalid user credentials"})
			return
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		p.rtSent[rt]++
		if !p.liveRT[rt] {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "Token is not active"})
			return
		}
		if !p.keepRT {
			delete(p.liveRT, rt)
		}
	case "client_credentials":
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	p.n++
	at := fmt.Sprintf("at-%d", p.n)
	p.liveAT[at] = true
	body := map[string]any{"access_token": at, "token_type": "bearer"}
	if grant != "client_credentials" && (grant != "refresh_token" || !p.keepRT) {
		rt := fmt.Sprintf("rt-%d", p.n)
		p.liveRT[rt] = true
		body["refresh_token"] = rt
	}
	if p.life > 0 {
		// expires_in is read against the real clock; make the expiry
		// p.life after the fake one.
		now := time.Now()
		if p.clk != nil {
			now = p.clk.Now()
		}
		body["expires_in"] = int(time.Until(now.Add(p.life)).Seconds())
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
