package bearerkit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type ctxKey struct{}

// newTestRenewCtx is a renewal context carrying the values of caller, with
// its deadline an hour away (only end ends it in these tests).
func newTestRenewCtx(caller context.Context) *renewCtx {
	c := &renewCtx{caller: caller}
	c.at = time.Now().Add(time.Hour)
	return c
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// A renewal's context ends once, with the error of its first end, and
// carries the values, not the cancellation, of the request that started it.
func TestRenewDeadlineEnds(t *testing.T) {
	caller, cancelCaller := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
	c := newTestRenewCtx(caller)
	if d, ok := c.Deadline(); !ok || !d.Equal(c.at) {
		t.Fatalf("Deadline = %v, %v; want %v, true", d, ok, c.at)
	}
	cancelCaller(errors.New("the request gave up"))
	if c.Err() != nil || isClosed(c.Done()) {
		t.Fatal("the caller's cancellation ended the renewal's context")
	}
	if got := c.Value(ctxKey{}); got != "v" {
		t.Fatalf("Value = %v, want the caller's value", got)
	}
	done := c.Done()
	c.end(deadlineCame)
	c.end(workReturned)
	if !isClosed(done) || !isClosed(c.Done()) {
		t.Fatal("Done not closed after end")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err = %v, want the first end's, context.DeadlineExceeded", c.Err())
	}
	if got := context.Cause(c); !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("Cause = %v, want its own Err, not the caller's cause", got)
	}

	// Ended before Done was asked for: a closed channel all the same.
	c2 := newTestRenewCtx(context.Background())
	c2.end(workReturned)
	if !isClosed(c2.Done()) || !errors.Is(c2.Err(), context.Canceled) {
		t.Fatalf("ended context: Done open or Err = %v", c2.Err())
	}
}

// Contexts derived from a renewal's (as net/http derives one per request)
// register through AfterFunc, not on a goroutine of the context package,
// leave no registration behind when they end first, and end with it.
func TestRenewDeadlineDerived(t *testing.T) {
	callerCtx, cancelCaller := context.WithCancelCause(context.Background())
	cancelCaller(errors.New("the request gave up"))
	c := newTestRenewCtx(callerCtx)

	for range 3 {
		d, cancel := context.WithCancel(c)
		c.mu.Lock()
		n := len(c.funcs)
		c.mu.Unlock()
		if n != 1 {
			t.Fatalf("registrations while a derived context lives = %d, want 1", n)
		}
		cancel()
		if d.Err() == nil {
			t.Fatal("derived context not cancelled by its own cancel")
		}
	}
	c.mu.Lock()
	n := len(c.funcs)
	c.mu.Unlock()
	if n != 0 {
		t.Fatalf("registrations after the derived contexts ended = %d, want 0", n)
	}

	d, cancel := context.WithTimeout(c, time.Hour)
	defer cancel()
	c.end(deadlineCame)
	select {
	case <-d.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a derived context did not end with the renewal's")
	}
	if !errors.Is(d.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(d), context.DeadlineExceeded) {
		t.Fatalf("derived: Err %v, Cause %v; want context.DeadlineExceeded (not the caller's cause)", d.Err(), context.Cause(d))
	}
	late, cancelLate := context.WithCancel(c)
	defer cancelLate()
	if !isClosed(late.Done()) {
		t.Fatal("a context derived after the end is not done")
	}
}

// context.AfterFunc on a renewal's context: called once it ends, never
// after its stop, at once when it has ended already.
func TestRenewDeadlineAfterFunc(t *testing.T) {
	c := newTestRenewCtx(context.Background())
	called := make(chan string, 3)
	stopped := context.AfterFunc(c, func() { called <- "stopped" })
	context.AfterFunc(c, func() { called <- "kept" })
	if !stopped() {
		t.Fatal("stop before the end reported false")
	}
	if stopped() {
		t.Fatal("a second stop reported true")
	}
	c.end(workReturned)
	if got := <-called; got != "kept" {
		t.Fatalf("called %q", got)
	}
	after := context.AfterFunc(c, func() { called <- "after" })
	if got := <-called; got != "after" {
		t.Fatalf("called %q", got)
	}
	if after() {
		t.Fatal("stop after the call reported true")
	}
	select {
	case got := <-called:
		t.Fatalf("%q called as well", got)
	case <-time.After(50 * time.Millisecond):
	}
}

// Derived contexts come and go on many goroutines while the context ends:
// each ends by its own cancel or with the renewal's, none is missed (run
// with -race).
func TestRenewDeadlineConcurrent(t *testing.T) {
	c := newTestRenewCtx(context.Background())
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for j := 0; ; j++ {
				d, cancel := context.WithCancel(c)
				if i%2 == 0 || j%3 == 0 {
					cancel()
				}
				if c.Err() != nil {
					select {
					case <-d.Done():
					case <-time.After(10 * time.Second):
						t.Error("a derived context outlived the renewal's")
					}
					cancel()
					return
				}
				cancel()
			}
		}()
	}
	close(start)
	time.Sleep(time.Millisecond)
	c.end(deadlineCame)
	wg.Wait()
}
