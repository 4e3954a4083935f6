package bearerkit

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseTokenResponse feeds hostile token-endpoint answers to
// parseTokenResponse. Seeds are in testdata/fuzz/FuzzParseTokenResponse.
//
// Invariants: no panic; a success only for a 2xx answer, with a token the
// Transport can send (checkToken passes); a failure is an *AuthError with the
// answer's status; and no secret given to the parser (the fixed ones, and
// one built from the input, all of which the seeds make the server echo)
// appears in the error string, however the server spells it around them.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, "application/json", `{"access_token":"at-1","token_type":"bearer","expires_in":3600,"refresh_token":"rt-1"}`, "", "tail")
	f.Add(400, "application/json", `{"error":"invalid_grant","error_description":"bad password hunter2 pass phrase"}`, "", "x")
	f.Fuzz(func(t *testing.T, status int, contentType, body, retryAfter, secretTail string) {
		// Secrets that cannot occur in the fixed parts of an error string
		// (grant, endpoint, status text), so any occurrence is a leak.
		secrets := []string{"hunter2 pass phrase", "cl1ent-s3cret", "rt-0ld-refresh", "S3CR3T" + secretTail}
		resp := &http.Response{
			StatusCode: status,
			Header:     http.Header{},
			Body:       io.NopCloser(strings.NewReader(body)),
		}
		if contentType != "" {
			resp.Header.Set("Content-Type", contentType)
		}
		if retryAfter != "" {
			resp.Header.Set("Retry-After", retryAfter)
		}
		tok, err := parseTokenResponse(resp, "password", "https://auth.example.com/token", secrets)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("success for status %d", status)
			}
			if tok == nil {
				t.Fatal("nil token and nil error")
			}
			if cerr := checkToken(tok); cerr != nil {
				t.Fatalf("token the Transport would refuse: %v", cerr)
			}
			if strings.HasPrefix(strings.ToLower(tok.AccessToken), "bearer ") {
				t.Fatalf("access token keeps a Bearer prefix")
			}
			if !tok.Expiry.IsZero() && tok.Expiry.Year() > 10000 {
				t.Fatalf("expiry %v", tok.Expiry)
			}
			return
		}
		if tok != nil {
			t.Fatal("a token and an error")
		}
		ae, ok := err.(*AuthError)
		if !ok {
			t.Fatalf("error %T, want *AuthError: %v", err, err)
		}
		if ae.StatusCode != status {
			t.Fatalf("StatusCode %d, want %d", ae.StatusCode, status)
		}
		if ae.RetryAfter < 0 {
			t.Fatalf("RetryAfter %v", ae.RetryAfter)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "bearerkit: ") {
			t.Fatalf("error string %q", msg)
		}
		for _, s := range secrets {
			if strings.Contains(msg, s) {
				t.Fatalf("secret %q in error %q", s, msg)
			}
		}
		if strings.ContainsAny(msg, "\r\n\x00") {
			t.Fatalf("control character in error %q", msg)
		}
		// Bounded: nothing of the body beyond the clipped fields.
		if len(msg) > 1200 {
			t.Fatalf("error of %d bytes", len(msg))
		}
	})
}

// TestParseTokenResponseLimit checks the 1 MiB limit with bodies the fuzzer
// would not build.
func TestParseTokenResponseLimit(t *testing.T) {
	ok := `{"access_token":"at","expires_in":60,"pad":"`
	for _, n := range []int{maxTokenBody, maxTokenBody + 1, 2 << 20} {
		body := ok + strings.Repeat("x", max(0, n-len(ok)-2)) + `"}`
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
		tok, err := parseTokenResponse(resp, "password", "https://auth.example.com/token", nil)
		switch {
		case len(body) <= maxTokenBody && (err != nil || tok.AccessToken != "at"):
			t.Errorf("%d bytes: %v", len(body), err)
		case len(body) > maxTokenBody && !errors.Is(err, errBodyTooLarge):
			t.Errorf("%d bytes: got %v, want errBodyTooLarge", len(body), err)
		}
	}
}

// originOf leaves a normalized origin as it is; state.applies relies on it
// for its fast path.
func TestOriginOfIdempotent(t *testing.T) {
	for _, raw := range []string{
		"https://api.example.com", "HTTPS://API.Example.COM:443/x", "http://127.0.0.1:80", "http://127.0.0.1:8080",
		"https://[::1]:443", "https://[::1]", "https://[::1]:8443", "https://[fe80::1%25en0]:443", "https://xn--bcher-kva.example:443",
		"https://a.example:0443", "https://a.example:", "http://a.example:443", "https://a.example:80",
	} {
		checkOriginIdempotent(t, raw)
	}
}

func FuzzOriginOf(f *testing.F) {
	for _, s := range []string{"https://api.example.com", "https://[::1]:443", "http://localhost:80", "https://a:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) { checkOriginIdempotent(t, raw) })
}

func checkOriginIdempotent(t *testing.T, raw string) {
	t.Helper()
	og, err := parseOrigin(raw)
	if err != nil {
		return
	}
	if again, ok := originOf(&url.URL{Scheme: og.scheme, Host: og.host}); !ok || again != og {
		t.Fatalf("%q: originOf(%+v) = %+v", raw, og, again)
	}
	// A request URL spelled like the normalized origin gets credentials
	// by the fast path and by the full comparison alike.
	st := (&Transport{Origins: []string{raw}}).state()
	u, perr := url.Parse(og.scheme + "://" + og.host + "/p")
	if perr == nil && !st.applies(&http.Request{URL: u}) {
		t.Fatalf("%q: %v not applied", raw, u)
	}
	if perr != nil {
		return
	}
	if o, _ := originOf(u); u.Host == og.host && o != og {
		t.Fatalf("%q: fast path and originOf disagree on %v", raw, u)
	}
}

// FuzzIsJSONNumber checks isJSONNumber against encoding/json: a byte string
// is a JSON number exactly when json.Number accepts it (and it is not a
// string).
func FuzzIsJSONNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1", "3600", "-12.5", "1e3", "1E+3", "2.5e-7", "01", "1.", ".5", "-", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "1 ", " 1", "\"1\"", "true", "null", "", "{}", "1.5.5", "--1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n json.Number
		want := len(b) > 0 && b[0] != '"' && json.Unmarshal(b, &n) == nil && string(n) == string(b)
		if got := isJSONNumber(b); got != want {
			t.Fatalf("isJSONNumber(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}

// FuzzTokenForm checks tokenForm against url.Values: the same body for the
// same fields, whatever their order and content.
func FuzzTokenForm(f *testing.F) {
	f.Add("password", "alice", "p@ss w&rd=", "read write", "app", "s3cr+t/")
	f.Add("refresh_token", "", "rt-é%", "", "", "")
	f.Fuzz(func(t *testing.T, grant, user, secret, scope, clientID, clientSecret string) {
		var tf tokenForm
		want := url.Values{}
		set := func(k, v string) {
			tf.set(k, v)
			want.Set(k, v)
		}
		set("grant_type", grant)
		if user != "" {
			set("username", user)
		}
		set("password", secret)
		if scope != "" {
			set("scope", scope)
		}
		set("client_id", clientID)
		if clientSecret != "" {
			set("client_secret", clientSecret)
		}
		set("grant_type", grant+"!") // replaced, not added
		if got := tf.encode(); got != want.Encode() {
			t.Fatalf("encode = %q, url.Values gives %q", got, want.Encode())
		}
	})
}
