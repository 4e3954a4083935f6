package bearerkit

import (
	"context"
	"slices"
	"sync"
	"time"
)

// renewDeadline is the cancellation half of a renewal's context (see
// renewCtx): its deadline, Done, Err and AfterFunc. It ends once, by end:
// the renewal's bound timer ends it with context.DeadlineExceeded at the
// deadline, and fly with context.Canceled when the work returns first.
//
// It does what context.WithTimeout would, with two differences that make a
// renewal cheaper. It has no timer of its own: the bound's timer, which
// fires at the same instant, ends it. And contexts derived from it (net/http
// derives one for every request it sends) register with it through its
// AfterFunc method, which the context package uses for a parent that has
// one, instead of in a map of children allocated for the first of them.
//
// Its deadline is at, which fly sets before anything sees the context; it
// must not be copied once used.
type renewDeadline struct {
	at time.Time

	mu    sync.Mutex
	done  chan struct{} // made by Done (or closedChan, once ended)
	funcs []afterEntry  // the functions AfterFunc registered; in first while they fit
	first [1]afterEntry // net/http registers one for each request it sends, and removes it
	next  uint64        // the id of the last registration
	why   ending        // why it ended; 0 until it has
}

// ending is why a renewal's context ended.
type ending uint8

const (
	deadlineCame ending = iota + 1 // context.DeadlineExceeded
	workReturned                   // context.Canceled
)

// err is the context error of e.
func (e ending) err() error {
	switch e {
	case deadlineCame:
		return context.DeadlineExceeded
	case workReturned:
		return context.Canceled
	}
	return nil
}

// afterEntry is a function registered by AfterFunc, with the id its stop
// function removes it by.
type afterEntry struct {
	id uint64
	f  func()
}

// closedChan is the Done channel of a renewal context that ended before
// anyone asked for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Deadline returns at.
func (d *renewDeadline) Deadline() (time.Time, bool) { return d.at, true }

// Done returns a channel closed when the context ends.
func (d *renewDeadline) Done() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done == nil {
		d.done = make(chan struct{})
	}
	return d.done
}

// Err returns nil until the context ends, then why.
func (d *renewDeadline) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.why.err()
}

// AfterFunc arranges to call f in its own goroutine once the context ends
// (at once if it has), as context.AfterFunc does; stop removes f, and
// reports whether that kept it from being called.
func (d *renewDeadline) AfterFunc(f func()) (stop func() bool) {
	d.mu.Lock()
	if d.why != 0 {
		d.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if d.funcs == nil {
		d.funcs = d.first[:0]
	}
	d.next++
	id := d.next
	d.funcs = append(d.funcs, afterEntry{id: id, f: f})
	d.mu.Unlock()
	return func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		i := slices.IndexFunc(d.funcs, func(e afterEntry) bool { return e.id == id })
		if i < 0 {
			return false // called already, or stopped
		}
		d.funcs = slices.Delete(d.funcs, i, i+1)
		return true
	}
}

// end ends the context (its Err is then why.err()), closing Done and
// starting the registered functions; only its first call counts.
func (d *renewDeadline) end(why ending) {
	d.mu.Lock()
	if d.why != 0 {
		d.mu.Unlock()
		return
	}
	d.why = why
	if d.done == nil {
		d.done = closedChan
	} else {
		close(d.done)
	}
	funcs := d.funcs
	d.funcs = nil
	d.mu.Unlock()
	for _, e := range funcs {
		go e.f()
	}
}

// cancelCtxKey is the key under which a context of the context package
// answers the innermost context of its own that it derives from (what
// context.Cause and the registration of a derived context look for).
// renewCtx answers nil for it, as context.WithoutCancel does, so that
// neither finds the cancellation of the request that started a renewal.
// context.Cause asks an ended context for that key, which is how it is
// learnt here (TestRenewDeadlineEnds fails if that changes); for a context
// that answers nil, Cause is its Err.
var cancelCtxKey = func() any {
	var p keyProbe
	_ = context.Cause(&p)
	return p.key
}()

// keyProbe records the key it was last asked for.
type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	p.key = key
	return nil
}

func (p *keyProbe) Err() error { return context.Canceled } // Cause asks only an ended context

// The context package calls AfterFunc for a parent that has it.
var _ interface {
	context.Context
	AfterFunc(func()) func() bool
} = (*renewCtx)(nil)
