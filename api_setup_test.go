package bearerkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test scaffolding for the API client, in go-github's style: setup mounts
// a mux under a non-empty base path, so a request built with an absolute
// path ("/sources") misses it and fails the test loudly.

// baseURLPath is where setup mounts the API.
const baseURLPath = "/api/v2"

// testAccessToken is the token setup's client sends.
const testAccessToken = "test-access-token"

// setup returns a client of an API served by mux under baseURLPath, and
// the server's URL (without the base path). Routes are registered on mux
// without the base path: mux.HandleFunc("GET /sources/{id}", …).
func setup(t *testing.T, opts ...bearerkit.Option) (*bearerkit.Client, *http.ServeMux, string) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(baseURLPath+"/", http.StripPrefix(baseURLPath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request %s %s is outside the base path %s/: was it built with an absolute path?", r.Method, r.URL.EscapedPath(), baseURLPath)
		http.Error(w, "outside the base path", http.StatusBadRequest)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	auth := bearerkit.StaticToken{AccessToken: testAccessToken, RealmID: "7", Provider: "test"}
	client, err := bearerkit.NewClient(srv.URL+baseURLPath+"/", auth, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client, mux, srv.URL
}

// testMethod checks the request's method.
func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if got := r.Method; got != want {
		t.Errorf("request method: %v, want %v", got, want)
	}
}

// testHeader checks one request header.
func testHeader(t *testing.T, r *http.Request, header, want string) {
	t.Helper()
	if got := r.Header.Get(header); got != want {
		t.Errorf("header %s: %q, want %q", header, got, want)
	}
}

// testQuery checks the whole query string: exactly want, nothing more.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query: %v, want %v", got, want)
	}
}

// testJSONBody checks that the request body is JSON equal to want.
func testJSONBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	testHeader(t, r, "Content-Type", "application/json")
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading the request body: %v", err)
	}
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("request body %q is not JSON: %v", b, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("request body: %s, want %s", b, want)
	}
}

// testAuth checks that the request carries setup's credentials.
func testAuth(t *testing.T, r *http.Request) {
	t.Helper()
	testHeader(t, r, "Authorization", "Bearer "+testAccessToken)
	testHeader(t, r, "X-Realm-Id", "7")
	testHeader(t, r, "X-Provider", "test")
}

// writeBody writes a JSON body with status.
func writeBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	c, _, srv := setup(t, bearerkit.WithUserAgent("acme-sync/1.2"))
	tests := []struct {
		path, want string
	}{
		{"sources", srv + baseURLPath + "/sources"},
		{"sources/42/preview?limit=5", srv + baseURLPath + "/sources/42/preview?limit=5"},
		{"sources/a%2Fb", srv + baseURLPath + "/sources/a%2Fb"},
		{"grids/source", srv + baseURLPath + "/grids/source"},
		{"", srv + baseURLPath + "/"},
		{"?x=1", srv + baseURLPath + "/?x=1"},
		{"a:b/x", ""}, // a scheme: refused below
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		req, err := c.NewRequest(context.Background(), http.MethodGet, tt.path, nil)
		if err != nil {
			t.Errorf("NewRequest(%q): %v", tt.path, err)
			continue
		}
		if got := req.URL.String(); got != tt.want {
			t.Errorf("NewRequest(%q) URL = %s, want %s", tt.path, got, tt.want)
		}
		testHeader(t, req, "Accept", "application/json")
		testHeader(t, req, "User-Agent", "acme-sync/1.2")
		testHeader(t, req, "Content-Type", "")
		if req.Body != nil {
			t.Errorf("NewRequest(%q) without a body has a Body", tt.path)
		}
	}
}

func TestNewRequest_body(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	req, err := c.NewRequest(context.Background(), http.MethodPost, "tokens", map[string]string{"name": "ci"})
	if err != nil {
		t.Fatal(err)
	}
	testHeader(t, req, "Content-Type", "application/json")
	testHeader(t, req, "User-Agent", "bearerkit-go")
	b, _ := io.ReadAll(req.Body)
	if string(b) != `{"name":"ci"}`+"\n" {
		t.Errorf("body = %s", b)
	}
	if req.GetBody == nil {
		t.Fatal("GetBody is nil: the body cannot be replayed after a 401")
	}
	again, _ := req.GetBody()
	b2, _ := io.ReadAll(again)
	if !bytes.Equal(b, b2) {
		t.Errorf("replayed body = %s, want %s", b2, b)
	}

	_, err = c.NewRequest(context.Background(), http.MethodPost, "tokens", map[string]any{"bad": make(chan int)})
	if err == nil || !strings.HasPrefix(err.Error(), "bearerkit: ") {
		t.Errorf("unencodable body: err = %v", err)
	}
	if _, err := c.NewRequest(nil, http.MethodGet, "x", nil); err == nil { // a nil context is an error, not a panic
		t.Error("nil context: no error")
	}
}

func TestNewRequest_refusesPathsOutsideTheBase(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	for _, path := range []string{
		"/sources",
		"/api/v2/sources",
		"//evil.example/x",
		"https://evil.example/api/v2/sources",
		"http:x",
		"a:b/x",
		"../sources",
		"../../x",
		"sources/../../x",
		"./sources",
		"sources/.",
		"sources/..",
		"%zz",
	} {
		req, err := c.NewRequest(context.Background(), http.MethodGet, path, nil)
		if err == nil {
			t.Errorf("NewRequest(%q) = %s, want an error", path, req.URL)
			continue
		}
		if !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Errorf("NewRequest(%q): %v does not wrap ErrInvalidOption", path, err)
		}
		if !strings.HasPrefix(err.Error(), "bearerkit: ") {
			t.Errorf("NewRequest(%q): %q does not start with bearerkit: ", path, err)
		}
	}
}

func TestNewRequest_redactsThePathInErrors(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	_, err := c.NewRequest(context.Background(), http.MethodGet, "https://user:pw@evil.example/x?api_key=s3cret", nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "pw@") {
		t.Errorf("err = %v", err)
	}
}

func TestWithUserAgent_invalid(t *testing.T) {
	t.Parallel()
	for _, ua := range []string{"", "  ", "a\nb"} {
		_, err := bearerkit.NewClient("https://api.example/", bearerkit.StaticToken{AccessToken: "x"}, bearerkit.WithUserAgent(ua))
		if !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Errorf("WithUserAgent(%q): err = %v", ua, err)
		}
	}
}

func TestDo(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /thing", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r)
		writeBody(w, http.StatusOK, `{"a":1}`)
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	ctx := context.Background()

	req, _ := c.NewRequest(ctx, http.MethodGet, "thing", nil)
	var v struct{ A int }
	resp, err := c.Do(req, &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.A != 1 || resp.StatusCode != http.StatusOK {
		t.Errorf("v = %+v, status %d", v, resp.StatusCode)
	}

	req, _ = c.NewRequest(ctx, http.MethodGet, "thing", nil)
	var buf bytes.Buffer
	if _, err := c.Do(req, &buf); err != nil || buf.String() != `{"a":1}` {
		t.Errorf("io.Writer: %q, %v", buf.String(), err)
	}

	req, _ = c.NewRequest(ctx, http.MethodGet, "thing", nil)
	if _, err := c.Do(req, nil); err != nil {
		t.Errorf("nil v: %v", err)
	}

	req, _ = c.NewRequest(ctx, http.MethodGet, "empty", nil)
	v.A = 5
	resp, err = c.Do(req, &v)
	if err != nil || v.A != 5 || resp.StatusCode != http.StatusNoContent {
		t.Errorf("empty body: v = %+v, err %v", v, err)
	}

	if _, err := c.Do(nil, nil); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("nil request: %v", err)
	}
}

func TestDo_notJSON(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /login-page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>please log in</html>")
	})
	req, _ := c.NewRequest(context.Background(), http.MethodGet, "login-page", nil)
	var v map[string]any
	resp, err := c.Do(req, &v)
	if err == nil {
		t.Fatal("no error for an HTML answer")
	}
	for _, want := range []string{"bearerkit: ", "not the expected JSON", "text/html"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q lacks %q", err, want)
		}
	}
	if resp == nil || resp.StatusCode != http.StatusOK {
		t.Errorf("resp = %v", resp)
	}
}

func TestDo_apiError(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusNotFound, `{"statusCode":404,"message":"Source 9 not found"}`)
	})
	req, _ := c.NewRequest(context.Background(), http.MethodGet, "missing?token=s3cret", nil)
	var v map[string]any
	resp, err := c.Do(req, &v)
	var ae *bearerkit.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	if ae.StatusCode != 404 || ae.Message != "Source 9 not found" || ae.Method != "GET" {
		t.Errorf("APIError = %+v", ae)
	}
	if strings.Contains(ae.URL, "s3cret") || strings.Contains(err.Error(), "s3cret") || !strings.HasSuffix(ae.URL, baseURLPath+"/missing") {
		t.Errorf("URL %q / error %q: the query must be left out", ae.URL, err)
	}
	if resp == nil || resp.StatusCode != 404 {
		t.Errorf("resp = %v, want the 404 answer", resp)
	}
	if v != nil {
		t.Errorf("v was decoded from an error: %v", v)
	}
}

// TestDo_replaysBodyAfter401 checks that a request from NewRequest keeps
// its body across the transport's 401 replay.
func TestDo_replaysBodyAfter401(t *testing.T) {
	t.Parallel()
	n := 0
	auth := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
		n++
		return &bearerkit.Token{AccessToken: "tok-" + string(rune('0'+n))}, nil
	})
	mux := http.NewServeMux()
	var bodies []string
	mux.HandleFunc("POST /api/v2/tokens", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			writeBody(w, http.StatusUnauthorized, `{"statusCode":401,"message":"Unauthorized"}`)
			return
		}
		writeBody(w, http.StatusCreated, `{"id":1,"name":"ci"}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := bearerkit.NewClient(srv.URL+"/api/v2", auth)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := c.APITokens.Create(context.Background(), "ci")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "ci" || len(bodies) != 2 || bodies[0] != bodies[1] || strings.TrimSpace(bodies[1]) != `{"name":"ci"}` {
		t.Errorf("token %v, bodies %q", tok, bodies)
	}
}

func TestCheckResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		ctype, body string
		code, msg   string
		notJSON     bool // Err is set, ContentType is ctype
		errContains []string
	}{
		{name: "dataddo", status: 401, ctype: "application/json", body: `{"statusCode":401,"message":"Unauthorized"}`,
			msg: "Unauthorized", errContains: []string{"401 Unauthorized: Unauthorized"}},
		{name: "rfc6749", status: 400, ctype: "application/json", body: `{"error":"invalid_request","error_description":"limit must be positive"}`,
			code: "invalid_request", msg: "limit must be positive"},
		{name: "error only", status: 404, ctype: "application/json; charset=utf-8", body: `{"error":"Not Found"}`, msg: "Not Found"},
		{name: "nested", status: 422, ctype: "application/problem+json", body: `{"error":{"code":42,"message":"bad label"}}`, code: "42", msg: "bad label"},
		{name: "message beats description", status: 400, body: `{"message":"m","error_description":"d","error":"e"}`, code: "e", msg: "m"},
		{name: "json string", status: 500, ctype: "application/json", body: `"boom"`, msg: "boom"},
		{name: "unknown object", status: 500, ctype: "application/json", body: `{"detail":"x"}`},
		{name: "empty", status: 502, ctype: "text/html", body: ""},
		{name: "html", status: 502, ctype: "text/html", body: "<html><body>Bad gateway</body></html>",
			notJSON: true, errContains: []string{"not JSON", `"text/html"`}},
		{name: "plain text", status: 404, ctype: "text/plain; charset=utf-8", body: "404 page not found\n",
			notJSON: true, msg: "404 page not found"},
		{name: "malformed", status: 500, ctype: "application/json", body: `{"message": `,
			notJSON: true, errContains: []string{"malformed JSON"}},
		{name: "array", status: 400, ctype: "application/json", body: `["a"]`, errContains: []string{"not an object"}},
		{name: "clipped", status: 400, ctype: "application/json", body: `{"message":"` + strings.Repeat("x", 1000) + `\n"}`,
			msg: strings.Repeat("x", 300) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodDelete, "https://u:p@api.example/api/v2/services/3?key=s3cret", nil)
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tt.body)), Request: req}
			if tt.ctype != "" {
				resp.Header.Set("Content-Type", tt.ctype)
			}
			err := bearerkit.CheckResponse(resp)
			var ae *bearerkit.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if ae.StatusCode != tt.status || ae.Code != tt.code || ae.Message != tt.msg {
				t.Errorf("status %d code %q message %q, want %d %q %q", ae.StatusCode, ae.Code, ae.Message, tt.status, tt.code, tt.msg)
			}
			if ae.Method != http.MethodDelete || ae.URL != "https://api.example/api/v2/services/3" {
				t.Errorf("method %q URL %q", ae.Method, ae.URL)
			}
			if tt.notJSON && (ae.Err == nil || ae.ContentType != tt.ctype) {
				t.Errorf("Err %v ContentType %q, want an error and %q", ae.Err, ae.ContentType, tt.ctype)
			}
			if !tt.notJSON && ae.ContentType != "" {
				t.Errorf("ContentType %q for a JSON body", ae.ContentType)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bearerkit: DELETE https://api.example/api/v2/services/3: ") || strings.Contains(msg, "s3cret") {
				t.Errorf("Error() = %q", msg)
			}
			for _, s := range tt.errContains {
				if !strings.Contains(msg, s) {
					t.Errorf("Error() = %q, want it to contain %q", msg, s)
				}
			}
			// The body is still readable in full.
			rest, _ := io.ReadAll(resp.Body)
			if string(rest) != tt.body {
				t.Errorf("body after CheckResponse = %q, want %q", rest, tt.body)
			}
		})
	}
}

func TestCheckResponse_success(t *testing.T) {
	t.Parallel()
	for _, code := range []int{200, 201, 204, 299} {
		if err := bearerkit.CheckResponse(&http.Response{StatusCode: code}); err != nil {
			t.Errorf("%d: %v", code, err)
		}
	}
	if err := bearerkit.CheckResponse(nil); err == nil {
		t.Error("nil response: no error")
	}
}

// countingReader counts what is read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestCheckResponse_readsAtMost1MiB(t *testing.T) {
	t.Parallel()
	body := &countingReader{r: io.MultiReader(strings.NewReader(`{"message":"`), strings.NewReader(strings.Repeat("x", 8<<20)))}
	resp := &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(body)}
	err := bearerkit.CheckResponse(resp)
	var ae *bearerkit.APIError
	if !errors.As(err, &ae) {
		t.Fatal(err)
	}
	if body.n > 1<<20+64<<10 {
		t.Errorf("read %d bytes, want at most about 1 MiB", body.n)
	}
	if ae.Err == nil {
		t.Errorf("truncated JSON body: no Err")
	}
}

func TestCheckResponse_retryAfter(t *testing.T) {
	t.Parallel()
	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"7"}}, Body: http.NoBody}
	var ae *bearerkit.APIError
	if !errors.As(bearerkit.CheckResponse(resp), &ae) || ae.RetryAfter.Seconds() != 7 {
		t.Errorf("RetryAfter = %v", ae)
	}
}

// TestPathParamsAreEscaped checks every method that takes an id: whatever
// the id, the request stays on the intended path, one segment per id.
func TestPathParamsAreEscaped(t *testing.T) {
	t.Parallel()
	ids := []string{"../x", "a/b", "a?b=c", "a#b", "%2F", "..%2F..", "a b", "ü", "x/../../y", "...", "a;b"}
	calls := []struct {
		name   string
		method string
		path   func(id string) string // want, escaped, under the base path
		call   func(c *bearerkit.Client, id string) error
	}{
		{"Sources.Get", "GET", func(id string) string { return "/sources/" + url.PathEscape(id) },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Sources.Get(context.Background(), id)
				return err
			}},
		{"Sources.Preview", "GET", func(id string) string { return "/sources/" + url.PathEscape(id) + "/preview" },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Sources.Preview(context.Background(), id, 0)
				return err
			}},
		{"Sources.PreviewAll", "GET", func(id string) string { return "/sources/" + url.PathEscape(id) + "/preview" },
			func(c *bearerkit.Client, id string) error {
				for _, err := range c.Sources.PreviewAll(context.Background(), id, 0) {
					return err
				}
				return nil
			}},
		{"Sources.DetectQuality", "GET", func(id string) string { return "/sources/" + url.PathEscape(id) + "/detect" },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Sources.DetectQuality(context.Background(), id, 0)
				return err
			}},
		{"APITokens.Delete", "DELETE", func(id string) string { return "/tokens/" + url.PathEscape(id) },
			func(c *bearerkit.Client, id string) error {
				_, err := c.APITokens.Delete(context.Background(), id)
				return err
			}},
		{"Authorizers.Get", "GET", func(id string) string { return "/services/" + url.PathEscape(id) },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Authorizers.Get(context.Background(), id)
				return err
			}},
		{"Authorizers.Test", "GET", func(id string) string { return "/services/" + url.PathEscape(id) + "/debug" },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Authorizers.Test(context.Background(), id)
				return err
			}},
		{"Authorizers.Delete", "DELETE", func(id string) string { return "/services/" + url.PathEscape(id) },
			func(c *bearerkit.Client, id string) error {
				_, err := c.Authorizers.Delete(context.Background(), id)
				return err
			}},
		{"Authorizers.AuthorizeURL", "POST", func(id string) string { return "/services/" + url.PathEscape(id) + "/oauth-request-url" },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Authorizers.AuthorizeURL(context.Background(), id, &bearerkit.AuthorizeRequest{State: "s", RedirectURI: "https://app.example/cb"})
				return err
			}},
		{"Authorizers.CompleteAuthorization", "POST", func(id string) string { return "/services/" + url.PathEscape(id) + "/oauth-process-callback" },
			func(c *bearerkit.Client, id string) error {
				_, _, err := c.Authorizers.CompleteAuthorization(context.Background(), id, "https://app.example/cb?code=c&state=s")
				return err
			}},
	}
	for _, call := range calls {
		t.Run(call.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			var got []string
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				got = append(got, r.Method+" "+r.URL.EscapedPath())
				switch {
				case strings.HasSuffix(r.URL.Path, "/oauth-request-url"):
					writeBody(w, 200, `{"url":"https://consent.example/"}`)
				case strings.HasSuffix(r.URL.Path, "/preview"):
					writeBody(w, 200, `[]`)
				case r.Method == "DELETE":
					w.WriteHeader(204)
				default:
					writeBody(w, 200, `{}`)
				}
			})
			for _, id := range ids {
				got = nil
				if err := call.call(c, id); err != nil {
					t.Errorf("%s(%q): %v", call.name, id, err)
					continue
				}
				want := call.method + " " + call.path(id)
				if len(got) != 1 || got[0] != want {
					t.Errorf("%s(%q) sent %q, want [%q]", call.name, id, got, want)
				}
			}
			// Ids that would change what is addressed are refused before
			// anything is sent.
			for _, id := range []string{"", ".", ".."} {
				got = nil
				err := call.call(c, id)
				if !errors.Is(err, bearerkit.ErrInvalidOption) || len(got) != 0 {
					t.Errorf("%s(%q): err = %v, sent %q; want ErrInvalidOption and nothing sent", call.name, id, err, got)
				}
			}
		})
	}
}

func TestCheckResponse_scrubsEchoedCredentials(t *testing.T) {
	t.Parallel()
	const access, cookie, refresh = "acc-3c9f1e2d7b", "ck-77aa01f3e9", "rt-5d2e8c1b04"
	req := httptest.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Cookie", "refreshToken="+cookie)
	req.Header.Set("X-Refresh-Token", refresh)
	resp := &http.Response{
		StatusCode: http.StatusUnauthorized,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"error":"bad ` + refresh + `","message":"token ` + access + ` and ` + cookie + ` rejected"}`)),
		Request:    req,
	}
	err := bearerkit.CheckResponse(resp)
	var ae *bearerkit.APIError
	require.ErrorAs(t, err, &ae)
	for _, s := range []string{access, cookie, refresh} {
		assert.NotContains(t, err.Error(), s)
		assert.NotContains(t, ae.Message+ae.Code, s)
	}
	assert.Contains(t, ae.Message, "rejected", "the rest of the message is kept")
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), access, "the body the caller reads is untouched")
}
