package bearerkit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Client returns a Client of the API at baseURL for the user whose cookies
// r carries, for the duration of one request: the token comes from the
// cookies, and every renewed token is written to w as Set-Cookie headers
// (replacing earlier ones), so the browser always holds the newest refresh
// token. A renewed token that cannot be written back (a cookie longer than
// MaxCookieSize) fails the request that renewed it, and every later call of
// this Client, rather than leave the browser with a rotated-out refresh
// token.
//
// auth renews the token, and only with the refresh token the cookies carry:
// it runs under a RefreshOnly context, so a preset or grant given the
// application's own password or client secret never uses them here (a
// browser that presents made-up cookies gets an error wrapping
// ErrRefreshOnly, not a token of the application's account). Without a
// refresh-token cookie, an expired session fails with an error wrapping
// ErrNoSession and ErrNoRefreshToken. Set AllowPasswordLogin to lift this.
// bearerkit.Dataddo with only BaseURL and HTTPClient is the usual auth.
//
// Client renews the token at once when it has expired (or its access-token
// cookie has), so the error may be the renewal's, typically an *AuthError;
// the app should then Clear the cookies and ask the user to log in, unless
// AuthError.Temporary says the platform is only unreachable. Without a
// session the error wraps ErrNoSession. opts are NewClient's; the
// TokenStore and the background renewal are Client's own.
//
// Renewed tokens are added to w when the renewing API call returns, so
// make the calls before writing the response, from the handler's goroutine
// or from goroutines it waits for. Renewals of one refresh token by
// concurrent requests are shared (see RotationGrace).
func (s *CookieSession) Client(w http.ResponseWriter, r *http.Request, baseURL string, auth Authenticator, opts ...Option) (*Client, error) {
	tok, err := s.Token(r)
	if err != nil {
		return nil, err
	}
	if auth == nil {
		return nil, fmt.Errorf("%w: CookieSession.Client: nil Authenticator", ErrInvalidOption)
	}
	if err := validateAuth("CookieSession.Client", auth, !s.AllowPasswordLogin); err != nil {
		return nil, err
	}
	st := &sessionStore{s: s, w: w, r: r, tok: tok}
	a := &sessionAuth{s: s, inner: auth}
	if tok.AccessToken == "" {
		a.seed = tok
	}
	all := make([]Option, 0, len(opts)+2)
	all = append(append(all, opts...), WithTokenStore(st), WithRefreshWindow(0))
	c, err := NewClient(baseURL, a, all...)
	if err != nil {
		return nil, err
	}
	c.auth = auth // what the Client prints as
	c.http.Transport = &sessionRT{next: c.http.Transport, st: st}
	_, err = c.transport.Token(r.Context())
	if ferr := st.flush(); ferr != nil {
		return nil, ferr
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// sessionStore is the TokenStore of one request's Client: it loads the
// token from the request's cookies and keeps each renewed one until
// flush writes it to the response, in a goroutine of the handler's.
type sessionStore struct {
	s   *CookieSession
	w   http.ResponseWriter
	r   *http.Request
	tok *Token // read from the cookies

	mu      sync.Mutex
	pending *Token
	failed  error // a renewed token that could not become cookies
}

// Load returns the cookies' token, unless it has no access token.
func (st *sessionStore) Load(context.Context) (*Token, error) {
	if st.tok.AccessToken == "" {
		return nil, nil
	}
	c := *st.tok
	return &c, nil
}

// Save keeps t for flush. It runs in the renewal's goroutine, which may
// outlive the handler, so it does not touch the response. A token that
// cannot be written as cookies is remembered as a failure for flush to
// report: the browser would keep the refresh token it replaced.
func (st *sessionStore) Save(_ context.Context, t *Token) error {
	if t == nil {
		return nil
	}
	if _, err := st.s.tokenCookies(st.r, t, time.Now()); err != nil {
		st.mu.Lock()
		st.failed = fmt.Errorf("bearerkit: CookieSession: the renewed token cannot be written back to the browser, which keeps the one it replaced: %w", err)
		st.pending = nil
		st.mu.Unlock()
		return err
	}
	c := *t
	st.mu.Lock()
	st.pending = &c
	st.mu.Unlock()
	return nil
}

// flush writes the newest saved token to the response, or reports that a
// renewed token could not be written (for this and every later call).
func (st *sessionStore) flush() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.failed != nil {
		return st.failed
	}
	if st.pending == nil {
		return nil
	}
	cs, err := st.s.tokenCookies(st.r, st.pending, time.Now())
	st.pending = nil
	if err != nil {
		st.failed = err
		return err
	}
	st.s.write(st.w, cs)
	return nil
}

// sessionRT flushes renewed tokens to the response after each request,
// in the caller's goroutine.
type sessionRT struct {
	next http.RoundTripper
	st   *sessionStore
}

func (rt *sessionRT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(req)
	if ferr := rt.st.flush(); ferr != nil {
		if err == nil {
			closeBody(resp)
		}
		return nil, ferr
	}
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped
// transport, if it can.
func (rt *sessionRT) CloseIdleConnections() {
	if ci, ok := rt.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// sessionAuth renews a cookie session's token: it starts from the
// cookies' refresh token when the access token is gone, and shares
// renewals of one refresh token between requests.
type sessionAuth struct {
	s     *CookieSession
	inner Authenticator
	seed  *Token // the cookies' token when it has no access token
}

func (a *sessionAuth) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if prev == nil && a.seed != nil {
		c := *a.seed
		prev = &c
	}
	if !a.s.AllowPasswordLogin {
		if prev == nil || prev.RefreshToken == "" {
			return nil, fmt.Errorf("%w: %w: the session has no refresh token to renew with", ErrNoSession, ErrNoRefreshToken)
		}
		ctx = RefreshOnly(ctx)
	}
	g := a.s.grace()
	if prev == nil || prev.RefreshToken == "" || g <= 0 {
		return a.inner.Authenticate(ctx, prev)
	}
	return a.s.shared.do(ctx, prev.RefreshToken, g, func() (*Token, error) {
		return a.inner.Authenticate(ctx, prev)
	})
}

func (a *sessionAuth) secrets() []string { return secretsOf(a.inner) }
func (a *sessionAuth) String() string    { return fmt.Sprint(printable(a.inner)) }
func (a *sessionAuth) GoString() string  { return fmt.Sprintf("%#v", printable(a.inner)) }

// renewals joins the renewals of one refresh token and remembers their
// results for a grace period, by a digest of the refresh token.
type renewals struct {
	mu        sync.Mutex
	m         map[[sha256.Size]byte]*renewal
	nextSweep time.Time
}

type renewal struct {
	done  chan struct{}
	tok   *Token
	err   error
	over  bool      // done is closed; guarded by renewals.mu
	until time.Time // a successful result is shared until then
}

// maxRenewals bounds the remembered renewals; past it, renewals are not
// shared.
const maxRenewals = 4096

func (rs *renewals) do(ctx context.Context, refresh string, grace time.Duration, fn func() (*Token, error)) (*Token, error) {
	key := sha256.Sum256([]byte(refresh))
	now := time.Now()
	rs.mu.Lock()
	if rs.m == nil {
		rs.m = make(map[[sha256.Size]byte]*renewal)
	}
	if len(rs.m) > 0 && !now.Before(rs.nextSweep) {
		for k, e := range rs.m {
			if e.over && !now.Before(e.until) {
				delete(rs.m, k)
			}
		}
		rs.nextSweep = now.Add(grace)
	}
	e := rs.m[key]
	if e != nil && e.over && !now.Before(e.until) {
		delete(rs.m, key)
		e = nil
	}
	if e != nil {
		rs.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return nil, e.err
		}
		c := *e.tok
		return &c, nil
	}
	if len(rs.m) >= maxRenewals {
		rs.mu.Unlock()
		return fn()
	}
	e = &renewal{done: make(chan struct{})}
	rs.m[key] = e
	rs.mu.Unlock()

	defer func() {
		rs.mu.Lock()
		e.over = true
		if e.err != nil || e.tok == nil {
			if e.err == nil {
				e.err = errors.New("bearerkit: renewal failed")
			}
			delete(rs.m, key)
		} else {
			e.until = time.Now().Add(grace)
		}
		rs.mu.Unlock()
		close(e.done)
	}()
	tok, err := fn()
	if err == nil && tok != nil {
		c := *tok
		e.tok = &c
	}
	e.err = err
	return tok, err
}
