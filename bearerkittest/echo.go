package bearerkittest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// echo answers status with everything the call carried, in the encodings a
// server might echo it in (see FailEcho).
func echo(w http.ResponseWriter, r *http.Request, body []byte, status int) {
	var carried []string
	if len(body) > 0 {
		carried = append(carried, string(body))
		if vals, err := url.ParseQuery(string(body)); err == nil {
			for _, vs := range vals {
				carried = append(carried, vs...)
			}
		}
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for _, v := range m {
				if s, ok := v.(string); ok {
					carried = append(carried, s)
				}
			}
		}
	}
	for _, h := range []string{"Authorization", "X-Refresh-Token", "Cookie"} {
		for _, v := range r.Header.Values(h) {
			carried = append(carried, v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				carried = append(carried, cred)
			}
		}
	}
	var b strings.Builder
	for _, v := range carried {
		fmt.Fprintf(&b, "raw=%s query=%s path=%s json=%s html=%s; ", v, url.QueryEscape(v), url.PathEscape(v), jsonEscapeAll(v), htmlEscapeAll(v))
	}
	text := b.String()
	if len(carried) > 0 {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, url.QueryEscape(carried[len(carried)-1])))
		w.Header().Set("Content-Type", "application/json; echo="+url.QueryEscape(carried[len(carried)-1]))
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	out, _ := json.Marshal(map[string]any{"error": "invalid_request", "error_description": text, "message": text, "statusCode": status})
	// \/ as PHP writes it, and every non-alphanumeric byte as \u00XX.
	out = []byte(strings.ReplaceAll(string(out), "/", `\/`))
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// jsonEscapeAll writes v as the inside of a JSON string with every byte
// that is not a letter or digit escaped as \u00XX (runes outside ASCII as
// their UTF-16 code units).
func jsonEscapeAll(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r < 0x80 && (('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')):
			b.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		}
	}
	return b.String()
}

// htmlEscapeAll writes every rune of v as an HTML numeric character
// reference.
func htmlEscapeAll(v string) string {
	var b strings.Builder
	for _, r := range v {
		fmt.Fprintf(&b, "&#%d;", r)
	}
	return b.String()
}
