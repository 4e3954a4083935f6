package bearerkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// maxErrorBody is the most of an error answer that CheckResponse reads.
const maxErrorBody = 1 << 20

// ErrAuthorizerInUse is matched (errors.Is) by the *APIError that
// AuthorizersService.Delete returns when the platform refuses to delete an
// authorizer that a source or destination still uses. errors.As on the same
// error finds the *APIError, whose Message says which ones.
var ErrAuthorizerInUse = errors.New("bearerkit: the authorizer is still in use")

// APIError is an API answer outside 2xx, as CheckResponse and Client.Do
// return it. errors.As finds it.
//
// Its fields and its Error string never hold user information or a query
// string from the URL; Message is clipped to 300 bytes with control
// characters removed.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int

	// Code is a machine-readable error code, when the body has one: its
	// "error" field (RFC 6749 §5.2 style, e.g. "invalid_request"), or the
	// "code" of an {"error": {...}} object.
	Code string

	// Message is the human-readable reason from the JSON body: its
	// "message", else its "error_description", else its "error" (the
	// {"statusCode", "message"} shape of Dataddo, RFC 6749 §5.2 and most
	// others); the first line of a short text/plain body. Empty when the
	// body said nothing readable.
	Message string

	// Method and URL are those of the request, the URL without user
	// information, query or fragment.
	Method, URL string

	// ContentType is the Content-Type of a body that was not the expected
	// JSON; empty otherwise.
	ContentType string

	// RetryAfter is the delay asked for by a Retry-After header (429, 503);
	// zero when there was none.
	RetryAfter time.Duration

	// Replayed reports that this answer is to a request sent again with a
	// freshly renewed token after a first 401: the API refused the new
	// token too (a missing role or a wrong audience, not an expiry).
	Replayed bool

	// Err says why the body could not be used: it was not JSON (an HTML
	// page from a proxy, say), or not an object, or reading it failed. Nil
	// when the body was a JSON object or empty.
	Err error

	// kind is a sentinel that errors.Is matches (ErrAuthorizerInUse).
	kind error
}

// Error describes the failure: "bearerkit: " + method, URL, status, code,
// message and, when the body was not the expected JSON, why.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("bearerkit: ")
	if where := strings.TrimSpace(e.Method + " " + e.URL); where != "" {
		b.WriteString(where)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.kind != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.kind.Error(), "bearerkit: "))
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.ContentType != "" {
		fmt.Fprintf(&b, " (content type %q)", e.ContentType)
	}
	if e.Replayed {
		b.WriteString(" (the token was renewed and the request sent again: the API refused the fresh token too)")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *APIError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel this error stands for, such as
// ErrAuthorizerInUse.
func (e *APIError) Is(target error) bool { return e.kind != nil && target == e.kind }

// errNotJSON and errNotObject are the APIError.Err of unexpected bodies.
var (
	errNotJSON   = errors.New("the error body is not JSON")
	errBadJSON   = errors.New("the error body is malformed JSON")
	errNotObject = errors.New("the error body is JSON but not an object")
)

// CheckResponse returns nil for a 2xx answer and an *APIError for any
// other. It reads at most 1 MiB of the body and puts what it read back in
// front of the rest, so r.Body can still be read (and must still be
// closed) by the caller. A nil r is an error too.
func CheckResponse(r *http.Response) error { return checkResponse(r, nil) }

// checkResponse is CheckResponse, taking secrets (besides the request's own
// credentials) out of everything the body and headers put in the error.
func checkResponse(r *http.Response, secrets []string) error {
	if r == nil {
		return errors.New("bearerkit: CheckResponse: nil response")
	}
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	e := &APIError{StatusCode: r.StatusCode}
	if req := r.Request; req != nil {
		e.Method = req.Method
		if req.URL != nil {
			e.URL = redact.URL(req.URL.String())
		}
	}
	e.RetryAfter = retryAfter(r.Header.Get("Retry-After"), time.Now())
	if r.Body == nil {
		return e
	}
	if _, ok := r.Body.(*replayedBody); ok && r.StatusCode == http.StatusUnauthorized {
		e.Replayed = true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxErrorBody))
	r.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(body), r.Body), Closer: r.Body}
	if err != nil {
		e.Err = fmt.Errorf("reading the error body: %w", err)
		return e
	}
	// A hostile or careless server may echo the credentials of the request
	// back: parseBody takes them out of everything of the body (decoded
	// first, so that JSON escapes hide nothing) before it reaches the
	// error.
	secrets = append(requestSecrets(r.Request), secrets...)
	e.parseBody(body, r.Header.Get("Content-Type"), secrets)
	return e
}

// requestSecrets lists the credentials a request carried: the bearer
// token, and every cookie and X-Refresh-Token value.
func requestSecrets(req *http.Request) []string {
	if req == nil {
		return nil
	}
	var out []string
	for _, v := range req.Header.Values("Authorization") {
		if _, cred, ok := strings.Cut(v, " "); ok {
			v = cred
		}
		out = append(out, strings.TrimSpace(v))
	}
	for _, c := range req.Cookies() {
		out = append(out, c.Value)
	}
	return append(out, req.Header.Values("X-Refresh-Token")...)
}

type readCloser struct {
	io.Reader
	io.Closer
}

// parseBody fills Code, Message and, for an unexpected body, Err and
// ContentType, each scrubbed of secrets before and after it is clipped.
func (e *APIError) parseBody(body []byte, ctype string, secrets []string) {
	clip := func(s string, n int) string { return serverText(s, n, secrets) }
	ctype = clip(ctype, 100)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(ctype)
	jsonType := mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "text/plain" || mt == "text/json"
	if !jsonType || (trimmed[0] != '{' && trimmed[0] != '"' && trimmed[0] != '[') {
		e.Err, e.ContentType = errNotJSON, ctype
		if mt == "text/plain" || mt == "" {
			line, _, _ := strings.Cut(string(trimmed), "\n")
			e.Message = clip(strings.TrimSpace(line), 300)
		}
		return
	}
	if trimmed[0] == '"' {
		var s string
		if json.Unmarshal(trimmed, &s) != nil {
			e.Err, e.ContentType = errBadJSON, ctype
			return
		}
		e.Message = clip(strings.TrimSpace(s), 300)
		return
	}
	if trimmed[0] == '[' {
		if !json.Valid(trimmed) {
			e.Err, e.ContentType = errBadJSON, ctype
			return
		}
		e.Err = errNotObject
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(trimmed, &m) != nil {
		e.Err, e.ContentType = errBadJSON, ctype
		return
	}
	str := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	msg := str(m["message"])
	if msg == "" {
		msg = str(m["error_description"])
	}
	code := str(m["error"])
	if code == "" {
		// {"error": {"code": ..., "message": ...}}
		var inner map[string]json.RawMessage
		if json.Unmarshal(m["error"], &inner) == nil {
			code, _ = stringOrNumber(inner["code"])
			if msg == "" {
				msg = str(inner["message"])
			}
		}
	}
	if msg == "" {
		// {"error": "Not Found"} with nothing else: the error is the message.
		msg, code = code, ""
	}
	e.Code = clip(code, 100)
	e.Message = clip(msg, 300)
}

// inUse reports whether err is the refusal to delete an authorizer that is
// still used: a 409 Conflict, or a 400, 403, 412 or 422 whose message says
// so.
func inUse(e *APIError) bool {
	switch e.StatusCode {
	case http.StatusConflict:
		return true
	case http.StatusBadRequest, http.StatusForbidden, http.StatusPreconditionFailed, http.StatusUnprocessableEntity:
		m := strings.ToLower(e.Message + " " + e.Code)
		for _, s := range []string{"in use", "used by", "is used", "still used", "being used", "in_use"} {
			if strings.Contains(m, s) {
				return true
			}
		}
	}
	return false
}
