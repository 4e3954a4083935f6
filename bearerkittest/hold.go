package bearerkittest

import (
	"errors"
	"net/http"
)

// errDropped is what a handler's Write gets once its response is dropped.
var errDropped = errors.New("bearerkittest: response dropped on purpose")

// Holding returns how many responses FailRotateThenHold holds now: calls that were served
// (a refresh token rotated, a login opened its session) and whose answer the client will
// never get. A test that kills the client "after the platform rotated" waits for it.
func (c *Core) Holding() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokens.held
}

// dropResponse makes the call's response go nowhere: the handler runs as usual, and its
// first WriteHeader or Write instead resets the connection, at once or (hold) once the
// client gives up or the emulator closes.
func (c *Core) dropResponse(w *statusWriter, r *http.Request, hold bool) {
	w.ResponseWriter = &dropWriter{orig: w.ResponseWriter, sw: w, c: c, r: r, hold: hold, hdr: http.Header{}}
}

// dropWriter is the ResponseWriter of a call whose response is dropped.
type dropWriter struct {
	orig    http.ResponseWriter
	sw      *statusWriter
	c       *Core
	r       *http.Request
	hold    bool
	hdr     http.Header // a private map: nothing reaches the real response
	dropped bool
}

func (d *dropWriter) Header() http.Header { return d.hdr }

func (d *dropWriter) WriteHeader(int) { d.drop() }

func (d *dropWriter) Write([]byte) (int, error) {
	d.drop()
	return 0, errDropped
}

// drop holds or resets, once. The event log then shows status 0: no response was sent.
func (d *dropWriter) drop() {
	defer func() { d.sw.status = 0 }()
	if d.dropped {
		return
	}
	d.dropped = true
	if !d.hold {
		reset(d.orig)
		return
	}
	d.c.mu.Lock()
	d.c.tokens.held++
	d.c.mu.Unlock()
	defer func() { // also when reset aborts the handler
		d.c.mu.Lock()
		d.c.tokens.held--
		d.c.mu.Unlock()
	}()
	select {
	case <-d.r.Context().Done():
	case <-d.c.closing:
	}
	reset(d.orig) // never answer, not even the empty 200 net/http would send
}
