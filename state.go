package bearerkit

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"weak"
)

// snapshot is one token as the hot path sees it: immutable, published
// through an atomic pointer so that requests read it without a lock. It
// holds the token and its headers in the same allocation.
type snapshot struct {
	tok    *Token // &tokVal
	gen    uint64 // increases with every new token
	hardAt int64  // renew before sending from this instant on; 0: never
	// until is when requests must start looking at s more closely: the
	// earlier of hardAt and the start of background renewal; noDeadline
	// when it has neither; deadUntil when an API answered 401 to it and
	// renewal failed (every request then takes acquire's path).
	until   int64
	saveErr error // the TokenStore failed to save it

	// timed is set while the state's timer will clear it a little before
	// until: requests then know, without reading the clock, that until has
	// not come. armed says a request has set that timer for s (see fresh).
	timed, armed atomic.Bool

	// eagerNext is when the next background renewal may start (0: never):
	// first when RefreshWindow says, then later after a failed one.
	// Requests race for it with a compare-and-swap, so only one of them
	// takes the lock.
	eagerNext atomic.Int64

	tokVal Token
	hb     headerBuf
}

// Instants of a snapshot's until that are no instant.
const (
	noDeadline = math.MaxInt64 // no expiry
	deadUntil  = math.MinInt64 // dead
)

// headers returns the headers that carry s's token.
func (s *snapshot) headers() []header { return s.hb.list() }

// fresh reports whether requests may carry s as it is, with nothing to
// check or start. It is the hot path: it reads the clock only when s has
// no timer running for it (the first requests after s is published, those
// close to its until, and all of them under a test's clock).
func (s *snapshot) fresh(st *state) bool {
	if s.until == noDeadline || (s.timed.Load() && st.clock == nil) {
		return true
	}
	now := st.tick()
	if now >= s.until {
		return false
	}
	if st.clock == nil && !s.armed.Load() && s.armed.CompareAndSwap(false, true) {
		st.setTimer(s, now)
	}
	return true
}

// usable reports whether requests may carry s at now without renewing.
func (s *snapshot) usable(now int64) bool {
	return s != nil && s.until != deadUntil && !s.pastRenewal(now)
}

// pastRenewal reports whether s's renewal instant (its hardAt) has come:
// requests no longer start with it, and an API may refuse it as expired.
func (s *snapshot) pastRenewal(now int64) bool { return s.hardAt != 0 && now >= s.hardAt }

// alive reports whether s has not truly expired and was not answered 401:
// a failed early renewal falls back to it.
func (s *snapshot) alive(st *state, now int64) bool {
	return s != nil && s.until != deadUntil && (s.hardAt == 0 || now < st.at(s.tok.Expiry))
}

// timerMargin is how long before a snapshot's until the state's timer
// clears its timed flag, at most (a quarter of the time left, when that is
// less): the timer's callback has that long to run.
const timerMargin = time.Second

// setTimer sets the state's timer to clear s.timed a little before s.until,
// if s is still the current snapshot, and sets s.timed; now is the time of
// a request that found s fresh. There is one timer per state, made by the
// first request that needs it (an idle Transport has none) and reset for
// each snapshot. Its callback clears the timed flag of whatever snapshot
// is current: a late firing meant for an older one only makes requests
// read the clock. It holds the state weakly, so that a Transport dropped
// with a valid token is collected at once.
func (st *state) setTimer(s *snapshot, now int64) {
	left := time.Duration(s.until - now)
	d := left - min(timerMargin, left/4)
	if d <= 0 {
		return // close to until: requests read the clock
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cur.Load() != s {
		return
	}
	if st.timer != nil {
		st.timer.Reset(d)
	} else {
		wp := weak.Make(st)
		st.timer = time.AfterFunc(d, func() {
			if st := wp.Value(); st != nil {
				if s := st.cur.Load(); s != nil {
					s.timed.Store(false)
				}
			}
		})
	}
	s.timed.Store(true)
}

// flight is one renewal in progress. Its requests wait for a baton (see
// wait).
type flight struct {
	baton   chan struct{} // one baton for each of its places; end puts them all in
	snap    *snapshot
	err     error
	waiters int32  // requests that joined it; guarded by state.mu
	reason  reason // why it started

	// What the renewal's goroutine works with, allocated with the flight.
	caller context.Context // the starting request's context: its values count, not its end
	limit  time.Time       // that request's deadline, if it had one
	ctx    renewCtx
	w      renewWork
}

// parent is the context of the renewal's logs and hooks: the starting
// request's values, without its cancellation.
func (f *flight) parent() context.Context { return context.WithoutCancel(f.caller) }

// wait waits for the renewal to end, or for ctx.
//
// The waiters are woken a few at a time, in the order they came, each by
// one before it, rather than all at once by closing a channel. A close
// makes every waiter runnable together, and a processor's local run queue
// holds 256, so the rest go to the tail of the global run queue, behind
// every goroutine that became runnable before them: in a storm, thousands
// of requests that have not even started, so that the requests that waited
// longest were answered last (the 10,000-request storm's p99 was twice
// x/oauth2's). A baton passed on a channel hands the next waiter to the
// scheduler's next slot on the processor that runs the one passing it,
// ahead of those queues. There is one baton per processor (GOMAXPROCS, at
// most maxBatons), so that the waiters are woken on all of them at once when
// nothing else runs (a burst of 401s), instead of one processor waking the
// next waiter, and an idle one, each time.
func (f *flight) wait(ctx context.Context) error {
	select {
	case <-f.baton:
		// Pass it on at once: never blocks, since the channel holds
		// every baton and this waiter holds one.
		f.baton <- struct{}{}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxBatons bounds the batons of a flight.
const maxBatons = 8

// newFlight returns a flight of session.
func newFlight(session uint64, r reason) *flight {
	n := min(runtime.GOMAXPROCS(0), maxBatons)
	f := &flight{baton: make(chan struct{}, n), reason: r}
	f.w.session = session
	return f
}

// end wakes the waiters; f.snap and f.err are set.
func (f *flight) end() {
	for range cap(f.baton) {
		f.baton <- struct{}{}
	}
}

// state is the Transport's mutable part, created at first use.
type state struct {
	t   *Transport
	cur atomic.Pointer[snapshot]

	origins *[]origin // nil: any (a pointer: the state of a Transport without Origins is smaller)
	optErr  error     // a bad Origins entry: every request fails with it

	clock func() time.Time // tests replace it; nil: time.Now

	// epoch is the origin of the snapshots' instants (hardAt, until,
	// eagerNext), which are nanoseconds since it.
	epoch time.Time

	mu           sync.Mutex
	session      uint64 // increases with every Logout
	flight       *flight
	gen          uint64
	coolErr      error // a refused renewal, answered from memory until coolUntil
	coolUntil    time.Time
	refusedGen   uint64    // a token the API refused right after it was issued …
	refusedUntil time.Time // … until then (see refusedFresh)
	refusedErr   error

	baseHC *http.Client // the client on Base for renewals (see authClient); guarded by mu

	timer *time.Timer // clears the current snapshot's timed flag (see setTimer); guarded by mu
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
	var origins []origin
	for _, o := range t.Origins {
		og, err := parseOrigin(o)
		if err != nil {
			if st.optErr == nil {
				st.optErr = err
			}
			break
		}
		origins = append(origins, og)
	}
	if origins == nil && t.Origins != nil && st.optErr == nil {
		origins = []origin{} // an empty, non-nil list: no origin at all
	}
	if origins != nil {
		o := origins
		st.origins = &o
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
	origins := *st.origins
	for _, a := range origins {
		if u.Host == a.host && u.Scheme == a.scheme {
			return true
		}
	}
	o, ok := originOf(u)
	if !ok {
		return false
	}
	for _, a := range origins {
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

// newSnapshot holds a copy of tok and schedules its renewals; auth, when
// not empty, is tok's Authorization value, already made (see
// authorization). A token that arrives already expired (a server whose
// clock is off, an exp claim in the past) is kept without an expiry, so
// that a 401 renews it, rather than renewed on every request.
func (st *state) newSnapshot(tok *Token, auth string, gen uint64, now time.Time) *snapshot {
	s := &snapshot{tokVal: *tok, gen: gen, until: noDeadline}
	s.tok = &s.tokVal
	if st.t.Cookies == nil {
		if !sameAuthorization(auth, tok) {
			auth, _ = authorization(tok)
		}
		s.tokVal.AccessToken = shareAccess(auth, tok.AccessToken)
	}
	s.hb.fill(s.tok, st.t.Cookies, auth)
	if tok.Expiry.IsZero() {
		return s
	}
	life := tok.Expiry.Sub(now)
	if life <= 0 {
		st.log(context.Background(), slog.LevelWarn, "bearerkit: new token is already expired; using it until the API answers 401", slog.Time("expiry", tok.Expiry))
		return s
	}
	s.hardAt = st.at(tok.Expiry.Add(-min(st.t.skew(), life/4)))
	s.until = s.hardAt
	if w := st.t.window(); w > 0 {
		eagerAt := st.at(tok.Expiry.Add(-min(w, life/2)))
		s.eagerNext.Store(eagerAt)
		s.until = min(s.until, eagerAt)
	}
	return s
}
