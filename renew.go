package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// reason says why a renewal started; it is logged and steers what a
// failure means.
type reason uint8

const (
	reasonFirst  reason = iota // no token yet
	reasonExpiry               // the token is within ExpirySkew of Expiry
	reasonEager                // the token is inside RefreshWindow
	reason401                  // an API answered 401
)

func (r reason) String() string {
	return [...]string{"first use", "expiry", "background", "401"}[r]
}

const (
	maxRetries        = 2 // extra attempts after a transient failure
	retryBase         = 200 * time.Millisecond
	maxRetryWait      = 10 * time.Second // a longer Retry-After is not waited out
	eagerBackoff      = 10 * time.Second // between failed background renewals
	maxRetryAfterCool = 5 * time.Minute
)

// acquire returns a snapshot that requests may carry, renewing first when
// there is none or it is about to expire.
func (t *Transport) acquire(ctx context.Context, st *state) (*snapshot, error) {
	s := st.cur.Load()
	if s != nil && s.until == noDeadline {
		return s, nil // no expiry: usable at any time, no need to read the clock
	}
	now := st.tick()
	if s.usable(now) {
		if next := s.eagerNext.Load(); next != 0 && now >= next {
			t.startEager(st, s, now)
		}
		return s, nil
	}
	r := reasonExpiry
	if s == nil {
		r = reasonFirst
	}
	ns, err := t.renew(ctx, st, s, r)
	if err != nil && ctx.Err() == nil && s.alive(st, now) {
		// An early renewal failed, but the token has not expired yet:
		// keep using it.
		return s, nil
	}
	return ns, err
}

// renew returns a token newer than seen (nil: any token), joining the
// renewal in flight or starting one.
func (t *Transport) renew(ctx context.Context, st *state, seen *snapshot, r reason) (*snapshot, error) {
	st.mu.Lock()
	cur := st.cur.Load()
	if cur != nil && (seen == nil || cur.gen > seen.gen) && cur.usable(st.tick()) {
		st.mu.Unlock()
		return cur, nil
	}
	// The wall clock is read only when a refusal is remembered: thousands
	// of requests join a renewal under this lock.
	if r == reason401 && seen != nil && seen.gen == st.refusedGen && st.now().Before(st.refusedUntil) {
		// The API refused this token although it was issued for the
		// request it refused: another one would fare no better.
		err := st.refusedErr
		st.mu.Unlock()
		st.coolDownAnswer(ctx, r, err)
		return nil, err
	}
	f := st.flight
	if f == nil {
		if st.coolErr != nil && st.now().Before(st.coolUntil) {
			err := error(&rememberedError{err: st.coolErr, until: st.coolUntil})
			if r == reason401 {
				st.markDead(seen)
			}
			st.mu.Unlock()
			st.coolDownAnswer(ctx, r, err)
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			// The caller gave up before any renewal began: start none
			// for it (no password is sent for a cancelled request).
			st.mu.Unlock()
			return nil, err
		}
		f = st.start(ctx, cur, r)
	}
	f.waiters++
	st.mu.Unlock()
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	if f.err != nil && r == reason401 {
		st.mu.Lock()
		st.markDead(seen)
		st.mu.Unlock()
	}
	return f.snap, f.err
}

// rememberedError is a failed renewal answered from memory during the
// cool-down (or a Retry-After): it says so, and until when. It unwraps to
// the failure it remembers.
type rememberedError struct {
	err   error
	until time.Time
}

func (e *rememberedError) Error() string {
	return destutter(fmt.Sprintf("%s (remembered: not asked again before %s)", e.err.Error(), e.until.UTC().Format(time.RFC3339)))
}

func (e *rememberedError) Unwrap() error { return e.err }

// coolDownAnswer reports a renewal answered from memory (a refusal or a
// Retry-After remembered) to the hooks, with the request's context.
func (st *state) coolDownAnswer(ctx context.Context, r reason, err error) {
	if st.t.Hooks.RenewDone != nil {
		st.renewDone(ctx, RenewEvent{Reason: r.String(), Source: "cool-down", Err: err, FallbackStep: -1})
	}
}

// refusedFresh records that the API answered 401 to s although s was
// issued to replay a request the API had refused: for the cool-down,
// further 401s to s are answered with an error wrapping ErrTokenRejected
// instead of another renewal, so that an API that refuses every token
// (a wrong audience, a missing role) costs one login per cool-down, not
// one per request.
func (st *state) refusedFresh(s *snapshot) {
	cd := st.t.coolDown()
	if cd <= 0 {
		return
	}
	st.mu.Lock()
	until := st.now().Add(cd)
	st.refusedGen, st.refusedUntil = s.gen, until
	st.refusedErr = fmt.Errorf("%w: the API answered 401 to a token issued just now, too; not renewing again before %s (the cool-down)",
		ErrTokenRejected, until.UTC().Format(time.RFC3339))
	st.mu.Unlock()
	st.log(context.Background(), slog.LevelWarn, "bearerkit: the API refused a fresh token too; further 401s fail with ErrTokenRejected for the cool-down",
		slog.Uint64("generation", s.gen), slog.Time("until", until))
}

// startEager starts one background renewal of s, unless one is running or
// another request just started it.
func (t *Transport) startEager(st *state, s *snapshot, now int64) {
	next := s.eagerNext.Load()
	if now < next || !s.eagerNext.CompareAndSwap(next, now+int64(eagerBackoff)) {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.flight != nil || st.cur.Load() != s || (st.coolErr != nil && st.now().Before(st.coolUntil)) {
		return
	}
	st.start(context.Background(), s, reasonEager)
}

// markDead records that the API answered 401 to s and it could not be
// replaced, so that no request carries it again. st.mu must be held.
func (st *state) markDead(s *snapshot) {
	cur := st.cur.Load()
	if s == nil || cur == nil || cur.gen != s.gen || cur.until == deadUntil {
		return
	}
	d := &snapshot{tok: cur.tok, gen: cur.gen, until: deadUntil, saveErr: cur.saveErr, hb: cur.hb}
	st.cur.Store(d)
}

// start begins a renewal replacing prev. st.mu must be held.
func (st *state) start(ctx context.Context, prev *snapshot, r reason) *flight {
	f := newFlight(st.session, r)
	f.w.base = prev
	if d, ok := ctx.Deadline(); ok {
		f.limit = d
	}
	f.caller = ctx
	f.ctx.hc = st.authClient() // fly keeps it only if ctx carries no client
	st.flight = f
	go st.fly(f)
	return f
}

// fly runs one renewal in its own goroutine, bounded by RenewTimeout
// whatever it waits for: if the work (see work) has not ended by then, a
// timer lands the renewal with what it has, after giving a step that
// honours its context abandonGrace to come back with its own error; a
// TokenStore or an Authenticator that ignores its context is left behind,
// and this goroutine ends when the blocked call returns. Otherwise fly lands
// the renewal itself. So a renewal costs one goroutine and one timer, which
// also ends its context at the deadline (see renewDeadline): the work runs
// on the goroutine that lands it, not on a second one that a supervisor
// waits for.
func (st *state) fly(f *flight) {
	growStack()
	t := st.t
	w := &f.w
	timeout := t.renewTimeout()
	c := &f.ctx
	c.caller, c.rec, c.insecure = f.caller, &w.stepRec, t.AllowInsecureHTTP
	c.at = time.Now().Add(timeout)
	if c.hc != nil && HTTPClientFromContext(f.caller) != nil {
		c.hc = nil // the request's own client is the Authenticator's
	}
	w.started = st.now()
	if w.base != nil {
		c := *w.base.tok
		w.prev = &c
	}
	bound := time.AfterFunc(timeout, func() {
		// The context's deadline has come: a step that honours it
		// returns.
		f.ctx.end(deadlineCame)
		w.awaitEnd(abandonGrace)
		st.land(f, timeout)
	})
	st.work(&f.ctx, w, f.limit)
	if bound.Stop() {
		f.ctx.end(workReturned)
		st.land(f, timeout)
		return
	}
	w.end() // the timer is landing it: let it know at once
}

// renewStack is the stack a renewal's goroutine grows to at once, while it
// is shallow. A goroutine starts with a small stack that the runtime doubles
// whenever a call needs more, copying it and adjusting every frame on it;
// a token request through net/http grows it three or four times, deep in
// the call, which cost a fifth of a whole renewal. Growing it in one step
// from fly's first frame costs one copy of two frames.
const renewStack = 16 << 10

// growStack makes the goroutine's stack hold at least renewStack bytes.
//
//go:noinline
func growStack() {
	var pad [renewStack - 2<<10]byte
	touchStack(&pad)
}

//go:noinline
func touchStack(p *[renewStack - 2<<10]byte) { p[0] = 1 }

// land takes the result of a renewal as it stands (the work may still be
// running if the bound passed), publishes it, logs, calls the hooks, and
// wakes the waiters. It runs once per renewal.
func (st *state) land(f *flight, timeout time.Duration) {
	t, w, r := st.t, &f.w, f.reason
	started := w.started
	var parent context.Context // for logs and hooks
	if t.Logger != nil || t.Hooks.RenewDone != nil {
		parent = f.parent()
	}
	tok, fromStore, err, stage := w.finish()
	switch {
	case err == nil && stage == stageSave:
		// The token is new and good; only its Save hangs. Requests use it
		// rather than lose it (its refresh token may have rotated).
		st.log(parent, slog.LevelError, "bearerkit: saving the new token did not finish within RenewTimeout; using it anyway", slog.Duration("renew_timeout", timeout))
	case err == nil && stage != stageDone:
		err = &renewTimeoutError{stage: stage, timeout: timeout}
	}
	if err == nil && !fromStore && t.OnToken != nil {
		st.callOnToken(*tok)
	}

	st.mu.Lock()
	if st.session != f.w.session {
		err = errLoggedOut // Logout came first: publish nothing
	} else {
		st.flight = nil
	}
	now := st.now()
	if err == nil {
		st.gen++
		f.snap = st.newSnapshot(tok, w.auth, st.gen, now)
		f.snap.saveErr = w.savedErr()
		st.cur.Store(f.snap)
		st.coolErr = nil
	} else {
		f.err = err
		var re *RefusedError
		if cd := t.coolDown(); cd > 0 && errors.As(err, &re) {
			st.coolErr, st.coolUntil = err, re.Until // refused in another process
		} else if cd > 0 && isRefused(err) {
			st.coolErr, st.coolUntil = err, now.Add(cd)
		} else if ra := retryAfterOf(err); ra > 0 {
			st.coolErr, st.coolUntil = err, now.Add(min(ra, maxRetryAfterCool))
		}
	}
	st.mu.Unlock()
	took := now.Sub(started)
	if t.Logger != nil {
		step, stepAuth, _ := w.steps()
		attrs := []slog.Attr{slog.String("reason", r.String()), slog.Duration("took", took)}
		switch {
		case err != nil:
			st.log(parent, slog.LevelWarn, "bearerkit: token renewal failed", append(attrs, slog.String("error", err.Error()))...)
		case fromStore:
			st.log(parent, slog.LevelDebug, "bearerkit: token loaded from store", attrs...)
		default:
			if !tok.Expiry.IsZero() {
				attrs = append(attrs, slog.Duration("expires_in", tok.Expiry.Sub(now).Round(time.Second)))
			}
			attrs = append(attrs, slog.Uint64("generation", f.snap.gen))
			if step >= 0 {
				attrs = append(attrs, slog.Int("fallback_step", step), slog.String("fallback_authenticator", fmt.Sprint(printable(stepAuth))))
			}
			st.log(parent, slog.LevelDebug, "bearerkit: token renewed", attrs...)
		}
	}
	if st.t.Hooks.RenewDone != nil {
		step, _, attempts := w.steps()
		e := RenewEvent{Reason: r.String(), Source: "authenticator", Duration: took, Err: err, FallbackStep: -1, Attempts: attempts}
		if fromStore {
			e.Source = "store"
		}
		if err == nil {
			e.Generation, e.Expiry, e.FallbackStep = f.snap.gen, tok.Expiry, step
		}
		st.renewDone(parent, e)
	}
	// Wake the waiters only after logging and the hooks, so that the
	// record of a renewal comes before anything its waiters do next.
	f.end()
}

// renewDone calls Hooks.RenewDone, recovering a panic.
func (st *state) renewDone(ctx context.Context, e RenewEvent) {
	defer st.recoverHook("RenewDone")
	st.t.Hooks.RenewDone(ctx, e)
}

// recoverHook logs a panic of a hook; it must be deferred.
func (st *state) recoverHook(name string) {
	if v := recover(); v != nil {
		st.logPanic("bearerkit: the "+name+" hook panicked", v, nil)
	}
}

// abandonGrace is how long fly waits, once RenewTimeout has passed, for a
// step that honours its context to come back with its own error.
const abandonGrace = 100 * time.Millisecond

// work is the body of a renewal, run in its own goroutine: take a newer
// token from the Store if it has one, else call Auth (with retries), then
// save the result. Every step that runs user code recovers a panic.
func (st *state) work(ctx *renewCtx, w *renewWork, limit time.Time) {
	t := st.t
	if coord, ok := t.Store.(Coordinator); ok {
		st.coordinate(ctx, coord, w, limit)
		return
	}
	w.setStage(stageLoad)
	prev := w.prev
	if tok, fresh := st.loadStored(ctx, &prev); tok != nil && fresh {
		w.set(tok, true, nil, stageDone)
		return
	}
	if !w.setStage(stageAuth) {
		return // abandoned while the store was read: start nothing more
	}
	tok, err := t.authenticate(ctx, prev, limit)
	if err == nil {
		err = checkToken(tok)
	}
	if err != nil {
		w.set(nil, false, err, stageDone)
		return
	}
	if !w.setToken(tok, t.Cookies == nil) {
		// fly gave up on this renewal while Auth ran: keep the token if
		// nothing newer has replaced the one it renews.
		c := *tok
		st.adoptLate(&c, w.base, w.session)
		return
	}
	if t.Store != nil {
		if err := st.save(ctx, w.tok); err != nil {
			w.mu.Lock()
			w.saveErr = err
			w.mu.Unlock()
		}
	}
	w.setStage(stageDone)
}

// save stores tok, logging and returning a failure (or a panic of the
// Store).
func (st *state) save(ctx context.Context, tok *Token) (err error) {
	defer func() {
		if v := recover(); v != nil {
			st.logPanic("bearerkit: the TokenStore panicked in Save", v, tok)
			err = fmt.Errorf("the TokenStore panicked: %s", panicText(v, tokenSecrets(tok)))
		}
	}()
	c := *tok
	if err := st.t.Store.Save(ctx, &c); err != nil {
		err = scrubErr(err, tokenSecrets(tok))
		st.log(ctx, slog.LevelError, "bearerkit: saving the new token failed", slog.String("error", err.Error()))
		st.storeError(ctx, "save", err)
		return err
	}
	return nil
}

// storeError reports a failure of the TokenStore to the hooks.
func (st *state) storeError(ctx context.Context, op string, err error) {
	if st.t.Hooks.StoreError == nil {
		return
	}
	defer st.recoverHook("StoreError")
	st.t.Hooks.StoreError(ctx, StoreEvent{Op: op, Err: err})
}

// callOnToken calls the OnToken callback, recovering a panic.
func (st *state) callOnToken(tok Token) {
	defer func() {
		if v := recover(); v != nil {
			st.logPanic("bearerkit: the OnToken callback panicked", v, &tok)
		}
	}()
	st.t.OnToken(tok)
}

// adoptLate publishes the token of a renewal that fly abandoned, if the
// token it renewed (base) is still the newest and no renewal is running.
func (st *state) adoptLate(tok *Token, base *snapshot, session uint64) {
	st.mu.Lock()
	if st.session != session {
		st.mu.Unlock() // logged out meanwhile
		return
	}
	cur := st.cur.Load()
	if cur != nil && cur.tok.AccessToken == tok.AccessToken {
		st.mu.Unlock() // published already (its Save hung, not its renewal)
		return
	}
	newer := cur != nil && (base == nil || cur.gen != base.gen)
	if st.flight != nil || newer {
		st.mu.Unlock()
		st.log(context.Background(), slog.LevelWarn, "bearerkit: a renewal that timed out finished late; its token was dropped (a newer one exists)")
		return
	}
	st.gen++
	st.cur.Store(st.newSnapshot(tok, "", st.gen, st.now()))
	st.coolErr = nil
	st.mu.Unlock()
	st.log(context.Background(), slog.LevelWarn, "bearerkit: a renewal that timed out finished late; its token is used")
	if st.t.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), st.t.renewTimeout())
		defer cancel()
		st.save(ctx, tok)
	}
}

// loadStored consults the Store before each renewal. A stored token that is
// still good is used as is; otherwise it becomes the one to renew (*prev), so
// its refresh token is used instead of the password. After first use only a
// stored token newer than *prev counts: one another Transport sharing the
// store saved after rotating the refresh token, which *prev still holds and
// must not send again.
func (st *state) loadStored(ctx context.Context, prev **Token) (tok *Token, fresh bool) {
	t := st.t
	if t.Store == nil {
		return nil, false
	}
	defer func() {
		if v := recover(); v != nil {
			st.logPanic("bearerkit: the TokenStore panicked in Load", v, *prev)
			tok, fresh = nil, false
		}
	}()
	stored, err := t.Store.Load(ctx)
	if err != nil {
		err = scrubErr(err, tokenSecrets(*prev))
		st.log(ctx, slog.LevelWarn, "bearerkit: loading the stored token failed", slog.String("error", err.Error()))
		st.storeError(ctx, "load", err)
		return nil, false
	}
	if stored == nil || checkToken(stored) != nil {
		return nil, false
	}
	if p := *prev; p != nil && (stored.AccessToken == p.AccessToken || stored.Expiry.Before(p.Expiry)) {
		return nil, false // ours, or older than ours (our own Save failed)
	}
	c := *stored
	if st.policy().Usable(&c) {
		return &c, true
	}
	*prev = &c
	return nil, false
}

// policy is the RenewPolicy the Transport hands its Coordinator.
func (st *state) policy() RenewPolicy {
	return RenewPolicy{ExpirySkew: st.t.skew(), CoolDown: st.t.coolDown(), Now: st.clock}
}

// coordinate runs a renewal through the Store's Coordinator: it adopts a
// token another process stored, or calls Auth (with retries) as the one
// process that renews.
func (st *state) coordinate(ctx *renewCtx, coord Coordinator, w *renewWork, limit time.Time) {
	t := st.t
	w.setStage(stageCoordinate)
	// The Coordinator reads the policy from the renewal's own context (see
	// Policy): no WithPolicy layer.
	ctx.policy, ctx.hasPolicy = st.policy(), true
	tok, renewed, err := st.callRenew(ctx, coord, w.prev, func(ctx context.Context, base *Token) (*Token, error) {
		if !w.setStage(stageAuth) {
			return nil, &renewTimeoutError{stage: stageCoordinate, timeout: t.renewTimeout()}
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < minTokenCall(t.renewTimeout()) {
			// Its turn came too late: waiting for another process used up
			// the bound.
			return nil, &renewTimeoutError{stage: stageCoordinate, timeout: t.renewTimeout()}
		}
		tok, err := t.authenticate(ctx, base, limit)
		if err == nil {
			err = checkToken(tok)
		}
		if err != nil {
			return nil, err
		}
		c := *tok
		var auth string
		if t.Cookies == nil {
			// Made now, so that the copy the Coordinator saves and the
			// snapshot share its access token.
			auth, c.AccessToken = authorization(&c)
		}
		w.mine = true
		// The Coordinator saves it next: fly may use it even if that hangs.
		w.setAuthorized(&c, auth)
		return &c, nil
	})
	if err != nil && renewed && tok != nil && checkToken(tok) == nil {
		// Renewed here but not stored: the token is good and its refresh
		// token may have rotated, so it is used rather than lost; the
		// Coordinator's error is a store error.
		err = scrubErr(err, tokenSecrets(tok))
		st.log(ctx, slog.LevelError, "bearerkit: the renewed token could not be stored; using it anyway", slog.String("error", err.Error()))
		st.storeError(ctx, "save", err)
		w.mu.Lock()
		w.saveErr = err
		w.mu.Unlock()
		err = nil
	}
	switch {
	case err != nil:
		w.set(nil, false, err, stageDone)
	case tok == nil || checkToken(tok) != nil:
		w.set(nil, false, errors.New("bearerkit: the Coordinator returned no usable token"), stageDone)
	default:
		// Not copied: whatever keeps it (the snapshot, OnToken, adoptLate)
		// copies it.
		if !w.set(tok, !renewed, nil, stageDone) && renewed && w.mine {
			st.adoptLate(tok, w.base, w.session)
		}
	}
}

// minTokenCall is the least time left in which a renewal whose turn the
// Coordinator gave it late still sends a token request: one sent with less
// would likely be cut off after the platform answered, and a rotated
// refresh token lost with the answer. The next renewal, with a whole
// RenewTimeout, sends it instead.
func minTokenCall(timeout time.Duration) time.Duration { return min(250*time.Millisecond, timeout/8) }

// callRenew calls the Coordinator, turning a panic into an error.
func (st *state) callRenew(ctx context.Context, coord Coordinator, prev *Token, renew func(context.Context, *Token) (*Token, error)) (tok *Token, renewed bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			st.logPanic("bearerkit: the Coordinator panicked in Renew", v, prev)
			tok, renewed, err = nil, false, fmt.Errorf("bearerkit: the Coordinator panicked: %s", panicText(v, tokenSecrets(prev)))
		}
	}()
	// prev is this renewal's own copy (see fly): the Coordinator may keep it.
	return coord.Renew(ctx, prev, renew)
}

// authenticate calls Auth, trying again at most maxRetries times after a
// transient failure, with jittered exponential backoff or the server's
// Retry-After, never past the context's deadline or limit.
func (t *Transport) authenticate(ctx context.Context, prev *Token, limit time.Time) (*Token, error) {
	for attempt := 0; ; attempt++ {
		if rec, ok := ctx.Value(fallbackStepKey{}).(*stepRecord); ok {
			rec.attempts.Add(1)
		}
		tok, err := t.callAuth(ctx, prev)
		if err == nil || attempt >= maxRetries || !isTransient(err) {
			return tok, err
		}
		wait := retryBase << attempt
		wait = wait/2 + rand.N(wait/2)
		if ra := retryAfterOf(err); ra > maxRetryWait {
			return nil, err // longer than we will wait (fly cools down)
		} else if ra > 0 {
			wait = ra + rand.N(ra/10+time.Millisecond)
		}
		deadline, ok := ctx.Deadline()
		if !limit.IsZero() && (!ok || limit.Before(deadline)) {
			deadline, ok = limit, true
		}
		if wait > maxRetryWait || (ok && time.Now().Add(wait).After(deadline)) {
			return nil, err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, err
		case <-timer.C:
		}
	}
}

func retryAfterOf(err error) time.Duration {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}

// checkToken rejects what an Authenticator must not return.
func checkToken(tok *Token) error {
	switch {
	case tok == nil || accessValue(tok.AccessToken) == "":
		return errors.New("bearerkit: Authenticator returned no access token")
	case !validHeaderToken(tok.AccessToken) || !validHeaderToken(tok.TokenType) || !validHeaderToken(tok.RealmID) || !validHeaderToken(tok.Provider):
		return errors.New("bearerkit: Authenticator returned a token with characters that cannot be sent in a header")
	}
	return nil
}
