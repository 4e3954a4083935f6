package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// apiUsage is "bearerkit help api".
const apiUsage = `Usage: bearerkit api [-X METHOD] PATH [-f key=value]... [-F key=value]... [--input FILE|-] [-H 'Name: value']...

Calls the profile's API: PATH is relative to its base (api_url), such as
"logged-member" or "sources/42/preview?limit=10"; a full URL is allowed only
on the API's own origin, so the token never goes anywhere else. The token is
renewed as needed, and a request the API answers 401 is sent once more with
a renewed token.

The answer's body goes to stdout: pretty-printed when it is JSON and stdout
is a terminal, as sent otherwise. An answer with a status of 400 or more
still prints its body, and exits with code 7.

Flags:
  -X, --method METHOD   the HTTP method (default GET, or POST with fields
                        or --input)
  -f, --raw-field k=v   a string field: of the JSON body, or of the query
                        string for GET, HEAD and DELETE, and with --input
  -F, --field k=v       a typed field: true, false, null and numbers are
                        sent as JSON literals, anything else as a string
  --input FILE          the request body, from FILE, or stdin with "-"
  -H, --header 'N: v'   an extra request header (not Authorization)
` + commonUsage

// apiCmd is "bearerkit api".
var apiCmd = &command{
	name:    "api",
	summary: "call the platform's API with the profile's token",
	usage:   apiUsage,
	run:     runAPI,
}

// runAPI calls the API with the profile's token and prints the answer.
func runAPI(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("api", e)
	var method, input string
	var raw, typed, headers stringList
	fs.StringVar(&method, "X", "", "")
	fs.StringVar(&method, "method", "", "")
	fs.Var(&raw, "f", "")
	fs.Var(&raw, "raw-field", "")
	fs.Var(&typed, "F", "")
	fs.Var(&typed, "field", "")
	fs.StringVar(&input, "input", "", "")
	fs.Var(&headers, "H", "")
	fs.Var(&headers, "header", "")
	rest, err := parseFlags(e, fs, apiUsage, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErrorf("expected one PATH, got %d arguments", len(rest))
	}
	req, err := buildRequest(e, rest[0], method, input, raw, typed, headers)
	if err != nil {
		return err
	}
	ss, err := e.openSession(0)
	if err != nil {
		return err
	}
	c, err := ss.client(e)
	if err != nil {
		return err
	}
	return callAPI(ctx, e, c, ss, req)
}

// apiRequest is the request to send, before it is resolved against the
// API's base.
type apiRequest struct {
	method, path string
	header       http.Header
	body         []byte // nil: none
}

// buildRequest turns the command line into an apiRequest.
func buildRequest(e *env, path, method, input string, raw, typed, headers []string) (*apiRequest, error) {
	fields := map[string]any{}
	var order []string
	add := func(kv string, typedValue bool) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageErrorf("field %q is not key=value", kv)
		}
		if _, dup := fields[k]; !dup {
			order = append(order, k)
		}
		fields[k] = v
		if typedValue {
			fields[k] = typedField(v)
		}
		return nil
	}
	for _, kv := range raw {
		if err := add(kv, false); err != nil {
			return nil, err
		}
	}
	for _, kv := range typed {
		if err := add(kv, true); err != nil {
			return nil, err
		}
	}
	r := &apiRequest{method: strings.ToUpper(method), path: path, header: http.Header{}}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usageErrorf("header %q is not 'Name: value'", h)
		}
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "Cookie", "X-Realm-Id", "X-Provider":
			return nil, usageErrorf("the %s header comes from the profile's token; it cannot be set with -H", k)
		}
		r.header.Add(k, strings.TrimSpace(v))
	}
	if input != "" {
		var b []byte
		var err error
		if input == "-" {
			b, err = io.ReadAll(e.in)
		} else {
			b, err = os.ReadFile(input)
		}
		if err != nil {
			return nil, usageErrorf("--input: %v", err)
		}
		r.body = b
	}
	if r.method == "" {
		r.method = http.MethodGet
		if len(fields) > 0 || input != "" {
			r.method = http.MethodPost
		}
	}
	if len(fields) == 0 {
		return r, nil
	}
	switch {
	case input != "", r.method == http.MethodGet, r.method == http.MethodHead, r.method == http.MethodDelete:
		q := url.Values{}
		for _, k := range order {
			q.Set(k, fmt.Sprint(fields[k]))
		}
		sep := "?"
		if strings.Contains(r.path, "?") {
			sep = "&"
		}
		r.path += sep + q.Encode()
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(fields); err != nil {
			return nil, err
		}
		r.body = b.Bytes()
	}
	return r, nil
}

// typedField reads a -F value: true, false, null and numbers are JSON
// literals, anything else a string.
func typedField(v string) any {
	switch v {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	return v
}

// resolve returns the URL of path against the API's base: a path relative
// to it ("sources", "/sources"), or an absolute URL on its own origin.
func resolve(c *bearerkit.Client, path string) (*url.URL, error) {
	base := c.BaseURL()
	u, err := url.Parse(path)
	if err != nil {
		return nil, usageErrorf("PATH %q is not a valid URL path", path)
	}
	if u.IsAbs() || u.Host != "" {
		if u.User != nil {
			return nil, usageErrorf("PATH must not hold user information")
		}
		if !sameOrigin(u, base) {
			return nil, usageErrorf("refusing to send the token to %s: only the API's origin %s gets it", origin(u), origin(base))
		}
		return u, nil
	}
	r, err := c.NewRequest(context.Background(), http.MethodGet, strings.TrimLeft(path, "/"), nil)
	if err != nil {
		return nil, err
	}
	return r.URL, nil
}

// origin is scheme://host[:port] of u, lower-cased, with the scheme's
// default port left out.
func origin(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	scheme := strings.ToLower(u.Scheme)
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// sameOrigin reports whether a and b have the same origin.
func sameOrigin(a, b *url.URL) bool { return origin(a) == origin(b) }

// callAPI sends r through the Client (401 renewal and replay) and prints
// the answer.
func callAPI(ctx context.Context, e *env, c *bearerkit.Client, ss *session, r *apiRequest) error {
	u, err := resolve(c, r.path)
	if err != nil {
		return err
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body) // sets GetBody: replayable after a 401
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return usageErrorf("%v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent())
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	e.log().Debug("bearerkit: api request", "method", req.Method, "url", redactQuery(u))
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		// The *url.Error around an error of bearerkit adds nothing but
		// the URL with its query; errors.Is and errors.As see through.
		if ue, ok := err.(*url.Error); ok {
			if strings.HasPrefix(ue.Err.Error(), "bearerkit: ") {
				return ue.Err
			}
			return fmt.Errorf("%s %s: %w", req.Method, redactQuery(u), ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	e.log().Debug("bearerkit: api answer", "status", resp.StatusCode, "content_type", resp.Header.Get("Content-Type"))
	if resp.StatusCode >= 400 {
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return err
		}
		if len(b) > 0 {
			b = scrub(b, sessionSecrets(ctx, c, ss)...)
			if err := writeBody(e, bytes.NewReader(b), resp.Header.Get("Content-Type")); err != nil {
				return err
			}
		}
		return &apiStatusError{method: req.Method, url: redactQuery(u), status: resp.Status}
	}
	return writeBody(e, resp.Body, resp.Header.Get("Content-Type"))
}

// redactQuery is u without user information, query or fragment, for
// messages: a query may hold anything.
func redactQuery(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.RawFragment = nil, "", "", ""
	return c.String()
}

// writeBody copies an answer's body to stdout, pretty-printing JSON when
// stdout is a terminal.
func writeBody(e *env, body io.Reader, contentType string) error {
	if _, tty := terminal(e.out); !tty || !isJSONType(contentType) {
		_, err := io.Copy(e.out, body)
		return err
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	_, err = e.out.Write(pretty(b))
	return err
}

// pretty indents JSON by two spaces and ends it with a newline; anything
// that is not JSON is returned as is.
func pretty(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return b
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// isJSONType reports whether a Content-Type is JSON.
func isJSONType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// sessionSecrets lists the secrets in play: the current token's and the
// password, so that an error answer that echoes one is printed without it.
func sessionSecrets(ctx context.Context, c *bearerkit.Client, ss *session) []string {
	out := []string{ss.secrets.password, ss.secrets.clientSecret, ss.secrets.staticToken}
	if ss.store != nil {
		if tok, err := ss.store.Load(ctx); err == nil && tok != nil {
			out = append(out, tok.AccessToken, tok.RefreshToken)
		}
	}
	return out
}

// scrub replaces every secret in b, raw or in any encoding a server may
// echo it in (percent-encoded, JSON-escaped, HTML references, hex, base64,
// HTTP Basic), with the SDK's placeholder. A JSON body is scrubbed value by
// value, after decoding, so that an escape inside a JSON string ("\\u002e")
// hides nothing; it is printed compact then.
func scrub(b []byte, secrets ...string) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil && !dec.More() {
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(scrubValue(v, secrets)); err == nil {
			return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
		}
	}
	return []byte(redact.Scrub(string(b), secrets...))
}

// scrubValue scrubs every string of a decoded JSON value, keys included.
func scrubValue(v any, secrets []string) any {
	switch v := v.(type) {
	case string:
		return redact.Scrub(v, secrets...)
	case []any:
		for i := range v {
			v[i] = scrubValue(v[i], secrets)
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[redact.Scrub(k, secrets...)] = scrubValue(x, secrets)
		}
		return out
	}
	return v
}
