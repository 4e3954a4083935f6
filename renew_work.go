package bearerkit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// stage is the step a renewal's worker is in.
type stage int

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
	saveErr error     // the Store's Save failed (guarded by mu)
	stepRec stepRecord

	mu        sync.Mutex
	stage     stage
	tok       *Token
	fromStore bool
	err       error
	taken     bool
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

// steps returns which Fallback step produced the token (-1: none) and how
// many times the Authenticator was called.
func (w *renewWork) steps() (step int, name string, attempts int) {
	w.stepRec.mu.Lock()
	defer w.stepRec.mu.Unlock()
	if !w.stepRec.set {
		return -1, "", int(w.stepRec.attempts.Load())
	}
	return w.stepRec.index, w.stepRec.name, int(w.stepRec.attempts.Load())
}

// stepRecord is where a Fallback records, through the renewal's context,
// which of its steps produced the token; and authenticate counts its calls.
type stepRecord struct {
	mu       sync.Mutex
	set      bool
	index    int
	name     string
	attempts atomic.Int32
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
	rec.set, rec.index, rec.name = true, i, fmt.Sprint(printable(a))
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
