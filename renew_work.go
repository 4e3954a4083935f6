package bearerkit

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// renewCtx is the context a renewal's steps run under: the values of the
// request that started it without its cancellation or deadline (what
// context.WithoutCancel gives, see Value), its own deadline
// (RenewTimeout: see renewDeadline), and what a renewal adds, the Fallback
// step record, the Transport's AllowInsecureHTTP and its HTTP client, in one
// value (a field of the flight) rather than a chain of contexts.
type renewCtx struct {
	renewDeadline
	caller    context.Context // whose values it carries
	rec       *stepRecord
	hc        *http.Client // answer it for httpClientKey, if set
	policy    RenewPolicy  // answer it for policyKey, if hasPolicy
	insecure  bool         // answer true for insecureKey
	hasPolicy bool
}

func (c *renewCtx) Value(key any) any {
	switch key.(type) {
	case fallbackStepKey:
		return c.rec
	case insecureKey:
		if c.insecure {
			return true
		}
	case httpClientKey:
		if c.hc != nil {
			return c.hc
		}
	case policyKey:
		if c.hasPolicy {
			return c.policy
		}
	}
	if key == cancelCtxKey {
		// The context package's own key: caller's cancellation is not
		// this context's, and context.Cause of it is its Err.
		return nil
	}
	return c.caller.Value(key)
}

// stage is the step a renewal's worker is in.
type stage uint8

const (
	stageLoad       stage = iota // reading the TokenStore
	stageCoordinate              // waiting for the Coordinator (another process's renewal)
	stageAuth                    // calling the Authenticator
	stageSave                    // saving the new token to the TokenStore
	stageDone
)

func (s stage) String() string {
	return [...]string{"loading the token from the TokenStore", "waiting for the Coordinator", "waiting for the Authenticator", "saving the token to the TokenStore", "done"}[s]
}

// renewWork is what a renewal's worker shares with fly, which may stop
// waiting for it: once fly has taken the result (finish), the worker's
// later results are refused by set.
type renewWork struct {
	base    *snapshot // the token being renewed; nil at first use
	prev    *Token    // a copy of base's token, for the Authenticator
	session uint64    // state.session when the renewal started
	started time.Time
	saveErr error // the Store's Save failed (guarded by mu)
	stepRec stepRecord
	mine    bool // the Coordinator ran this renewal's Authenticator (set by the renew func, read after Renew returns)

	// Guarded by mu (beside mine only to share its word).
	fromStore bool
	taken     bool
	ended     bool // the work returned
	stage     stage
	mu        sync.Mutex
	tok       *Token
	err       error
	tokVal    Token         // tok's storage when the Authenticator produced it
	auth      string        // tok's Authorization value, when made already
	endCh     chan struct{} // closed when it does, once awaitEnd waits for it
}

// end records that the work returned, waking awaitEnd.
func (w *renewWork) end() {
	w.mu.Lock()
	w.ended = true
	ch := w.endCh
	w.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// awaitEnd waits at most grace for the work to return.
func (w *renewWork) awaitEnd(grace time.Duration) {
	w.mu.Lock()
	if w.ended {
		w.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	w.endCh = ch
	w.mu.Unlock()
	t := time.NewTimer(grace)
	select {
	case <-ch:
	case <-t.C:
	}
	t.Stop()
}

// setStage records the step the worker starts; it reports false when fly
// has given up on the renewal, which must then not go on.
func (w *renewWork) setStage(s stage) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.taken {
		w.stage = s
	}
	return !w.taken
}

// set records a result and the stage reached; it reports false when fly
// has already taken the result and gone.
func (w *renewWork) set(tok *Token, fromStore bool, err error, s stage) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.taken {
		return false
	}
	w.tok, w.fromStore, w.err, w.stage = tok, fromStore, err, s
	return true
}

// setToken records a copy of the Authenticator's token as the result, its
// Save to come, with its Authorization value made now (when header says
// so) so that the copy saved and the snapshot share its access token; it
// reports false when fly has already taken the result and gone.
func (w *renewWork) setToken(tok *Token, header bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.taken {
		return false
	}
	w.tokVal = *tok
	if header {
		w.auth, w.tokVal.AccessToken = authorization(&w.tokVal)
	}
	w.tok, w.fromStore, w.err, w.stage = &w.tokVal, false, nil, stageSave
	return true
}

// setAuthorized records tok, with its Authorization value auth, as the
// result, its Save to come; it reports false when fly has already taken the
// result and gone.
func (w *renewWork) setAuthorized(tok *Token, auth string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.taken {
		return false
	}
	w.tok, w.auth, w.fromStore, w.err, w.stage = tok, auth, false, nil, stageSave
	return true
}

// steps returns which Fallback step produced the token (-1: none) and how
// many times the Authenticator was called.
func (w *renewWork) steps() (step int, auth Authenticator, attempts int) {
	w.stepRec.mu.Lock()
	defer w.stepRec.mu.Unlock()
	if !w.stepRec.set {
		return -1, nil, int(w.stepRec.attempts.Load())
	}
	return w.stepRec.index, w.stepRec.auth, int(w.stepRec.attempts.Load())
}

// stepRecord is where a Fallback records, through the renewal's context,
// which of its steps produced the token; and authenticate counts its calls.
type stepRecord struct {
	mu       sync.Mutex
	attempts atomic.Int32
	set      bool
	index    int
	auth     Authenticator // the step, printed only if a log record names it
}

type fallbackStepKey struct{}

// recordStep notes that step i (a) of a Fallback produced the token. The
// outermost Fallback returns last, so its step is the one kept.
func recordStep(ctx context.Context, i int, a Authenticator) {
	rec, ok := ctx.Value(fallbackStepKey{}).(*stepRecord)
	if !ok {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.set, rec.index, rec.auth = true, i, a
}

// savedErr is the Store's Save error, if it failed.
func (w *renewWork) savedErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.saveErr
}

// finish takes the result as it stands; the worker cannot change it after.
func (w *renewWork) finish() (*Token, bool, error, stage) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.taken = true
	return w.tok, w.fromStore, w.err, w.stage
}

// renewTimeoutError is the error of a renewal abandoned at RenewTimeout
// because a step did not return. errors.Is matches
// context.DeadlineExceeded.
type renewTimeoutError struct {
	stage   stage
	timeout time.Duration
}

func (e *renewTimeoutError) Error() string {
	return fmt.Sprintf("bearerkit: token renewal did not finish within RenewTimeout (%v): still %s", e.timeout, e.stage)
}

// Is reports whether target is context.DeadlineExceeded.
func (e *renewTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
