package bearerkittest

import (
	"crypto/rand"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Core is the part every emulator shares: users, the token store, the clock, the knobs
// (KillAccessTokens, ExpireRefreshTokens, Advance, FailNext), the counters and the event
// log. It is embedded in Dataddo, OneData, AuthAPI, Keycloak and Mock, so their values have
// all its methods. A Core is made only by those constructors; all its methods are safe for
// concurrent use, also while handlers run.
type Core struct {
	cfg config // read-only after construction

	mu       sync.Mutex
	offset   time.Duration // Advance
	tokens   store
	stats    Stats
	events   []Event
	failures map[Endpoint][]pending

	origin string // scheme://host[:port], no path
	client *http.Client
	ts     *httptest.Server

	closing   chan struct{}
	closeOnce sync.Once

	// errBody renders an error body in the platform's shape. code is the RFC 6749 code of
	// a token endpoint error, or "" elsewhere (the platform may derive one from status).
	errBody func(status int, code, desc string) any
	// authorize checks an API request; used by Mock.Authorized.
	authorize func(r *http.Request) (*accessRec, Outcome)
}

func newCore(cfg config) *Core {
	if cfg.signingKey == nil {
		cfg.signingKey = []byte(rand.Text() + rand.Text())
	}
	return &Core{
		cfg:      cfg,
		tokens:   newStore(),
		failures: map[Endpoint][]pending{},
		closing:  make(chan struct{}),
		errBody:  oauthErrBody,
	}
}

// listen starts the httptest server on 127.0.0.1 with h as handler.
func (c *Core) listen(h http.Handler) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ts := &httptest.Server{
		Listener: l,
		Config: &http.Server{
			Handler:  h,
			ErrorLog: log.New(io.Discard, "", 0), // resets and aborted handlers are on purpose
		},
	}
	if c.cfg.tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	c.ts, c.origin, c.client = ts, ts.URL, ts.Client()
	return nil
}

// URL is the emulator's base URL: scheme, host and base path (see WithBasePath), without a
// trailing slash. For a Mock it is the base URL it was registered with.
func (c *Core) URL() string { return c.origin + c.cfg.basePath }

// Client returns an HTTP client that reaches the emulator: for a TLS emulator it trusts
// its certificate; for a Mock it uses the MockTransport. It is shared: do not modify it.
func (c *Core) Client() *http.Client { return c.client }

// Close stops the server. Requests held by an injected latency end at once. Calling it more
// than once is fine; the NewXxx constructors register it with t.Cleanup. For a Mock it only
// ends pending latencies.
func (c *Core) Close() {
	c.closeOnce.Do(func() {
		close(c.closing)
		if c.ts != nil {
			c.ts.Close()
		}
	})
}

// Now is the emulator's clock: the wall clock moved forward by every Advance.
func (c *Core) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

func (c *Core) now() time.Time { return time.Now().Add(c.offset) }

// Advance moves the emulator's clock forward by d, so tokens expire without sleeping. The
// exp claims of JWTs issued afterwards are in the emulator's time too. d <= 0 does nothing.
func (c *Core) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// KillAccessTokens makes every access token issued so far invalid now, before its
// expires_in has passed: the API answers 401 to them. Refresh tokens stay valid, and tokens
// issued afterwards are fine.
func (c *Core) KillAccessTokens() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens.killAccess()
}

// ExpireRefreshTokens makes every refresh token issued so far expire now. Access tokens
// stay valid; tokens issued afterwards are fine.
func (c *Core) ExpireRefreshTokens() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens.expireRefresh(c.now())
}

// checkPassword reports whether login/password is a configured user.
func (c *Core) checkPassword(login, password string) bool {
	want, ok := c.cfg.users[login]
	return ok && login != "" && want == password
}

// sleep waits d, or less if the request is canceled or the emulator closes.
// It reports whether the whole d passed.
func (c *Core) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-c.closing:
		return false
	}
}
