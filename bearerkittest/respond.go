package bearerkittest

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// writeJSON writes v as JSON with status; hdr (may be nil) adds headers.
func writeJSON(w http.ResponseWriter, status int, hdr http.Header, v any) {
	for k, vs := range hdr {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// noStore are the headers of every token endpoint answer.
func noStore() http.Header {
	return http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
}

// writeTokenError writes an RFC 6749 §5.2 error from a token endpoint.
func (c *Core) writeTokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, noStore(), c.errBody(status, code, desc))
}

// writeUnauthorized answers an API call whose token is no good (RFC 6750 §3.1).
func (c *Core) writeUnauthorized(w http.ResponseWriter, realm, desc string) {
	v := `Bearer error="invalid_token"`
	if realm != "" {
		v = `Bearer realm="` + realm + `", error="invalid_token"`
	}
	writeJSON(w, http.StatusUnauthorized, http.Header{"Www-Authenticate": {v}},
		c.errBody(http.StatusUnauthorized, "", desc))
}

// oauthErrBody is the RFC 6749 §5.2 error body; code "" is derived from the status.
func oauthErrBody(status int, code, desc string) any {
	if code == "" {
		code = defaultCode(status)
	}
	m := map[string]string{"error": code}
	if desc != "" {
		m["error_description"] = desc
	}
	return m
}

func defaultCode(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_token"
	case status == http.StatusNotFound:
		return "not_found"
	case status == http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request"
}

// expiresIn rounds a lifetime up to whole seconds.
func expiresIn(d time.Duration) int64 {
	return int64(math.Ceil(d.Seconds()))
}

// putExpiresIn sets expires_in in a token response as configured.
func (c *Core) putExpiresIn(m map[string]any, d time.Duration) {
	switch c.cfg.expiresIn {
	case ExpiresInString:
		m["expires_in"] = strconv.FormatInt(expiresIn(d), 10)
	case ExpiresInOmitted:
	default:
		m["expires_in"] = expiresIn(d)
	}
}

// bearer extracts the token of "Authorization: Bearer <token>". The scheme is
// case-insensitive (RFC 7235); the token must be one word, so "Bearer Bearer x" yields
// "", false.
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}

// decodeJSON decodes a JSON object body into v.
func decodeJSON(body []byte, v any) bool {
	return len(body) > 0 && json.Unmarshal(body, v) == nil
}

// notFound answers unknown paths with JSON instead of text/plain.
func (c *Core) notFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, nil, c.errBody(http.StatusNotFound, "", "Not Found"))
}
