package bearerkittest

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FailureKind is what an injected failure does. The zero value is FailStatus.
type FailureKind int

const (
	// FailStatus answers Failure.Status (zero: 500) with an error body: Failure.Body if set,
	// else the RFC 6749 error Failure.Error / ErrorDescription if Error is set, else the
	// platform's usual error body. A 401 carries WWW-Authenticate.
	FailStatus FailureKind = iota
	// FailDelay waits Failure.Delay, then serves the call normally.
	FailDelay
	// FailMalformedJSON answers 200 (or Status) with a truncated JSON body.
	FailMalformedJSON
	// FailOversized answers 200 (or Status) with a JSON body of Failure.Size bytes
	// (zero: 2 MiB).
	FailOversized
	// FailHTML answers Status (zero: 502) with a proxy's HTML error page.
	FailHTML
	// FailNoAccessToken answers 200 with a token-like JSON body without access_token (and,
	// for ONE DATA, without the token header).
	FailNoAccessToken
	// FailReset closes the connection without an answer (TCP reset where possible).
	FailReset
	// FailRedirect answers Status (zero: 307 Temporary Redirect) with Location set to
	// Failure.Location: a token endpoint moved, or one that tries to send the client's
	// credentials elsewhere.
	FailRedirect
	// FailEcho answers Status (zero: 400) with what the call carried echoed back, as a
	// careless or hostile server would: its body and its Authorization, X-Refresh-Token
	// and Cookie headers, raw, percent-encoded, JSON-escaped (\u00XX and \/) and as HTML
	// character references, in the RFC 6749 error_description, in a "message" field, in
	// the Content-Type and in a WWW-Authenticate challenge. For checking that none of it
	// reaches an error or a log line.
	FailEcho
	// FailRotateThenHold serves the call normally (a refresh rotates the refresh token, a
	// login opens a session), then never answers: the response is held until the client
	// gives up (its context ends, its process dies) or the emulator closes. Holding says
	// how many are held, so a test can kill the client after the platform rotated. The
	// call counts as served (a successful refresh, say) with Injected set and status 0.
	FailRotateThenHold
	// FailRotateThenReset serves the call normally, like FailRotateThenHold, then resets
	// the connection instead of answering (where hijacking is impossible it aborts the
	// handler): the client has lost the rotated tokens the platform issued.
	FailRotateThenReset
)

// Failure describes an injected failure. Delay applies to every kind: the emulator waits
// that long first (ending early when the client gives up or the emulator closes; the call
// is then logged as OutcomeCanceled). RetryAfter, when set, is sent as the Retry-After
// header. The zero Failure answers 500.
type Failure struct {
	Kind             FailureKind
	Status           int           // zero: the kind's default
	Error            string        // RFC 6749 error code for FailStatus
	ErrorDescription string        // with Error
	Body             string        // raw JSON body for FailStatus, overrides Error
	RetryAfter       string        // Retry-After header value, e.g. "1"
	Delay            time.Duration // latency before the failure
	Size             int           // body size for FailOversized
	Location         string        // redirect target for FailRedirect
}

type pending struct {
	f Failure
	n int
}

// FailNext makes the next n calls to ep fail as f, after the failures already queued for
// ep. n <= 0 does nothing.
func (c *Core) FailNext(ep Endpoint, n int, f Failure) {
	if n <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures[ep] = append(c.failures[ep], pending{f: f, n: n})
}

// Pending returns how many injected failures are still queued for ep. A call takes its
// failure off the queue as soon as it arrives, before any latency.
func (c *Core) Pending(ep Endpoint) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.failures[ep] {
		n += p.n
	}
	return n
}

// ClearFailures drops every queued failure.
func (c *Core) ClearFailures() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.failures)
}

func (c *Core) popFailure(ep Endpoint) (Failure, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.failures[ep]
	if len(q) == 0 {
		return Failure{}, false
	}
	f := q[0].f
	if q[0].n--; q[0].n == 0 {
		c.failures[ep] = q[1:]
	}
	return f, true
}

// inject applies f, after its Delay. It reports whether the call should now be served
// normally.
func (c *Core) inject(cl *call, w *statusWriter, r *http.Request, f Failure) bool {
	if f.Delay > 0 && !c.sleep(r, f.Delay) {
		cl.outcome = OutcomeCanceled
		return false
	}
	switch f.Kind {
	case FailDelay:
		return true
	case FailRotateThenHold, FailRotateThenReset:
		c.dropResponse(w, r, f.Kind == FailRotateThenHold)
		return true
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status := func(def int) int {
		if f.Status != 0 {
			return f.Status
		}
		return def
	}
	switch f.Kind {
	case FailMalformedJSON:
		writeRaw(w, status(200), "application/json", []byte(`{"access_token": "eyJhbGciOiJIUzI1NiJ9.`))
	case FailOversized:
		size := f.Size
		if size <= 0 {
			size = 2 << 20
		}
		b := make([]byte, 0, size)
		b = append(b, `{"padding":"`...)
		b = append(b, bytes.Repeat([]byte("x"), max(0, size-len(b)-2))...)
		b = append(b, `"}`...)
		writeRaw(w, status(200), "application/json", b)
	case FailHTML:
		s := status(http.StatusBadGateway)
		t := strconv.Itoa(s) + " " + http.StatusText(s)
		writeRaw(w, s, "text/html; charset=utf-8", []byte("<html>\r\n<head><title>"+t+
			"</title></head>\r\n<body>\r\n<center><h1>"+t+"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"))
	case FailNoAccessToken:
		w.Header().Set("Cache-Control", "no-store")
		writeRaw(w, status(200), "application/json", []byte(`{"token_type":"bearer","expires_in":3600}`))
	case FailReset:
		reset(w)
	case FailRedirect:
		w.Header().Set("Location", f.Location)
		w.WriteHeader(status(http.StatusTemporaryRedirect))
	case FailEcho:
		echo(w, r, cl.body, status(http.StatusBadRequest))
	default:
		s := status(http.StatusInternalServerError)
		if s == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		switch {
		case f.Body != "":
			writeRaw(w, s, "application/json", []byte(f.Body))
		case f.Error != "":
			writeJSON(w, s, nil, oauthErrBody(s, f.Error, f.ErrorDescription))
		default:
			writeJSON(w, s, nil, c.errBody(s, "", http.StatusText(s)))
		}
	}
	return false
}

func writeRaw(w http.ResponseWriter, status int, ctype string, b []byte) {
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// reset hijacks the connection and closes it with SO_LINGER 0, so the client sees a
// reset. Where hijacking is impossible (HTTP/2, Mock) it aborts the handler instead.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	nc := conn
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok { // *tls.Conn
		nc = tc.NetConn()
	}
	if tcp, ok := nc.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = nc.Close() // the raw connection: no TLS close_notify
}
