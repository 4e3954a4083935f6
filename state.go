package bearerkit

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// snapshot is one token as the hot path sees it: immutable, published
// through an atomic pointer so that requests read it without a lock.
type snapshot struct {
	tok     *Token
	gen     uint64   // increases with every new token
	headers []header // precomputed request headers
	expiry  int64    // Expiry in nanoseconds since state.epoch; 0: none
	hardAt  int64    // renew before sending from this instant on; 0: never
	eagerAt int64    // start a background renewal from this instant on; 0: never
	dead    bool     // an API answered 401 to it and renewal failed
	saveErr error    // the TokenStore failed to save it

	// eagerNext is when the next background renewal may start: eagerAt,
	// then later after a failed one. Requests race for it with a
	// compare-and-swap, so only one of them takes the lock.
	eagerNext atomic.Int64
}

// usable reports whether requests may carry s at now without renewing.
func (s *snapshot) usable(now int64) bool {
	return s != nil && !s.dead && (s.hardAt == 0 || now < s.hardAt)
}

// alive reports whether s has not truly expired and was not answered 401:
// a failed early renewal falls back to it.
func (s *snapshot) alive(now int64) bool {
	return s != nil && !s.dead && (s.expiry == 0 || now < s.expiry)
}

// flight is one renewal in progress; everyone who needs a token waits on
// done.
type flight struct {
	done    chan struct{}
	snap    *snapshot
	err     error
	waiters int    // requests that joined it; guarded by state.mu
	session uint64 // state.session when it started
}

// state is the Transport's mutable part, created at first use.
type state struct {
	t   *Transport
	cur atomic.Pointer[snapshot]

	origins []origin // nil: any
	optErr  error    // a bad Origins entry: every request fails with it

	clock func() time.Time // tests replace it; nil: time.Now

	// epoch is the origin of the snapshots' instants (expiry, hardAt,
	// eagerAt), which are nanoseconds since it.
	epoch time.Time

	mu             sync.Mutex
	session        uint64 // increases with every Logout
	flight         *flight
	gen            uint64
	coolErr        error // a refused renewal, answered from memory until coolUntil
	coolUntil      time.Time
	refusedGen     uint64    // a token the API refused right after it was issued …
	refusedUntil   time.Time // … until then (see refusedFresh)
	refusedErr     error
	eagerNotBefore time.Time
}

func (t *Transport) state() *state {
	if v := t.st.Load(); v != nil {
		return v.(*state)
	}
	st := &state{t: t, epoch: time.Now()}
	if err := checkAuthenticator("Transport.Auth", t.Auth); err != nil && t.Auth != nil {
		st.optErr = err
	}
	if t.Cookies != nil && st.optErr == nil {
		st.optErr = t.Cookies.check()
	}
	for _, o := range t.Origins {
		og, err := parseOrigin(o)
		if err != nil {
			if st.optErr == nil {
				st.optErr = err
			}
			break
		}
		st.origins = append(st.origins, og)
	}
	if t.Origins != nil && st.origins == nil && st.optErr == nil {
		st.origins = []origin{} // an empty, non-nil list: no origin at all
	}
	if t.st.CompareAndSwap(nil, st) {
		return st
	}
	return t.st.Load().(*state)
}

// tick is the hot path's clock: nanoseconds since epoch, read from the
// monotonic clock, which costs about half of time.Now and ignores steps of
// the wall clock. That clock stops while a machine sleeps, so after a
// suspend a token may be sent past its Expiry: the API's 401 then renews it
// and the request is replayed.
func (st *state) tick() int64 {
	if st.clock != nil {
		return st.at(st.clock())
	}
	return int64(time.Since(st.epoch))
}

// at converts an instant to nanoseconds since epoch.
func (st *state) at(t time.Time) int64 { return int64(t.Sub(st.epoch)) }

func (st *state) now() time.Time {
	if st.clock != nil {
		return st.clock()
	}
	return time.Now()
}

// applies reports whether req gets credentials: its origin is one of
// Origins, or Origins is nil and req is not a redirect that left the origin
// of the request that started it (net/http sets req.Response on every
// request it sends to follow a redirect).
func (st *state) applies(req *http.Request) bool {
	if st.origins == nil {
		return req.Response == nil || !redirectedAway(req)
	}
	u := req.URL
	// Fast path: a URL spelled exactly like an origin's normalized form
	// (the usual case) is that origin, since originOf leaves a normalized
	// origin as it is; this skips the lowering and port parsing below.
	for _, a := range st.origins {
		if u.Host == a.host && u.Scheme == a.scheme {
			return true
		}
	}
	o, ok := originOf(u)
	if !ok {
		return false
	}
	for _, a := range st.origins {
		if a == o {
			return true
		}
	}
	return false
}

// redirectedAway reports whether req, sent to follow a redirect, goes to
// another origin than the request that started the chain.
func redirectedAway(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return first != req && !sameOrigin(first.URL, req.URL)
}

// check refuses a request the transport must not authenticate.
func (st *state) check(req *http.Request) error {
	if st.optErr != nil {
		return st.optErr
	}
	if st.t.Auth == nil {
		return errNoAuth
	}
	if req.URL.Scheme == "https" { // what checkTransport allows first, without its work
		return nil
	}
	return checkTransport(req.Context(), req.URL, st.t.AllowInsecureHTTP)
}

// log writes a record with ctx (the request's, where there is one, so that
// handlers can correlate it with the request's trace).
func (st *state) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if l := st.t.Logger; l != nil {
		l.LogAttrs(ctx, level, msg, attrs...)
	}
}

// setting reads a duration field whose zero means def and whose negative
// value means off (0).
func setting(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (t *Transport) skew() time.Duration     { return setting(t.ExpirySkew, DefaultExpirySkew) }
func (t *Transport) window() time.Duration   { return setting(t.RefreshWindow, DefaultRefreshWindow) }
func (t *Transport) coolDown() time.Duration { return setting(t.CoolDown, DefaultCoolDown) }

func (t *Transport) renewTimeout() time.Duration {
	if t.RenewTimeout <= 0 {
		return DefaultRenewTimeout
	}
	return t.RenewTimeout
}

// newSnapshot schedules tok's renewals. A token that arrives already
// expired (a server whose clock is off, an exp claim in the past) is kept
// without an expiry, so that a 401 renews it, rather than renewed on every
// request.
func (st *state) newSnapshot(tok *Token, gen uint64, now time.Time) *snapshot {
	s := &snapshot{tok: tok, gen: gen, headers: tokenHeaders(tok, st.t.Cookies)}
	if tok.Expiry.IsZero() {
		return s
	}
	life := tok.Expiry.Sub(now)
	if life <= 0 {
		st.log(context.Background(), slog.LevelWarn, "bearerkit: new token is already expired; using it until the API answers 401", slog.Time("expiry", tok.Expiry))
		return s
	}
	s.expiry = st.at(tok.Expiry)
	s.hardAt = st.at(tok.Expiry.Add(-min(st.t.skew(), life/4)))
	if w := st.t.window(); w > 0 {
		s.eagerAt = st.at(tok.Expiry.Add(-min(w, life/2)))
		s.eagerNext.Store(s.eagerAt)
	}
	return s
}
