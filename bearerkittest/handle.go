package bearerkittest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// maxBody is the largest request body an emulator reads.
const maxBody = 1 << 20

// call is what a handler reports about the request it served.
type call struct {
	ep      Endpoint
	outcome Outcome
	user    string
	token   string // fingerprint
	body    []byte // the request body, already read
}

// set records a failure outcome, keeping the first one set.
func (cl *call) set(o Outcome) {
	if cl.outcome == "" || cl.outcome == OutcomeOK {
		cl.outcome = o
	}
}

type handlerFunc func(cl *call, w http.ResponseWriter, r *http.Request)

// handle wraps h: it buffers the body, applies a pending failure, then counts and logs.
func (c *Core) handle(ep Endpoint, h handlerFunc) http.HandlerFunc {
	return c.handleFunc(func(*http.Request, []byte) Endpoint { return ep }, h)
}

// handleFunc is handle for a route whose endpoint depends on the request (Keycloak's
// token endpoint serves logins and refreshes).
func (c *Core) handleFunc(classify func(*http.Request, []byte) Endpoint, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		cl := &call{body: body}
		cl.ep = classify(r, body)
		sw := &statusWriter{ResponseWriter: w}
		password := hasPassword(r, body)
		var injected bool
		defer func() {
			// Deferred so that a reset (panic(http.ErrAbortHandler)) is logged too.
			c.mu.Lock()
			defer c.mu.Unlock()
			c.account(Event{
				Time: c.now(), Endpoint: cl.ep, Method: r.Method, Path: r.URL.Path,
				Status: sw.status, Outcome: cl.outcome, User: cl.user, Token: cl.token,
				Injected: injected,
			}, password)
		}()
		if err != nil {
			cl.set(OutcomeBadRequest)
			writeJSON(sw, http.StatusRequestEntityTooLarge, nil,
				c.errBody(http.StatusRequestEntityTooLarge, "", "request body too large"))
			return
		}
		if f, ok := c.popFailure(cl.ep); ok {
			injected = true
			cl.outcome = OutcomeInjected
			if !c.inject(cl, sw, r, f) {
				return
			}
			cl.outcome = ""
		}
		h(cl, sw, r)
		if cl.outcome == "" {
			cl.outcome = OutcomeOK
		}
	}
}

// readBody reads at most maxBody bytes and puts them back as r.Body.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body.Close()
	if err == nil && len(b) > maxBody {
		err = io.ErrUnexpectedEOF
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

func isJSON(r *http.Request) bool {
	mt := mediaType(r)
	return mt == "application/json" || (len(mt) > 5 && mt[len(mt)-5:] == "+json")
}

func isForm(r *http.Request) bool { return mediaType(r) == "application/x-www-form-urlencoded" }

// form parses an url-encoded body; nil when the body is not a form.
func form(r *http.Request, body []byte) url.Values {
	if !isForm(r) {
		return url.Values{}
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return url.Values{}
	}
	return v
}

// hasPassword reports whether a request carried a password (JSON or form field).
func hasPassword(r *http.Request, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	if isForm(r) {
		return form(r, body).Get("password") != ""
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	p, _ := m["password"].(string)
	return p != ""
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for resets).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
