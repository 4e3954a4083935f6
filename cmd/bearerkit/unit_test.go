package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

// TestExitCode checks the mapping from the SDK's errors to exit codes, on
// errors wrapped as the Transport and http.Client wrap them.
func TestExitCode(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://api.example.com/x", Err: fmt.Errorf("bearerkit: renewal: %w", err)}
	}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"help", &helpShown{}, exitOK},
		{"usage", usageErrorf("bad flag"), exitUsage},
		{"not logged in", errNotLoggedIn, exitNotLoggedIn},
		{"session ended", wrap(&bearerkit.AuthError{Grant: "password", Err: bearerkit.ErrRefreshOnly}), exitNotLoggedIn},
		{"no refresh token", wrap(&bearerkit.AuthError{Grant: "refresh_token", Err: bearerkit.ErrNoRefreshToken}), exitNotLoggedIn},
		{"insecure http", wrap(bearerkit.ErrInsecureHTTP), exitUsage},
		{"invalid option", fmt.Errorf("%w: NewClient: bad", bearerkit.ErrInvalidOption), exitUsage},
		{"wrong password", wrap(&bearerkit.AuthError{StatusCode: 401, Code: "invalid_grant"}), exitRefused},
		{"403 at the token endpoint", wrap(&bearerkit.AuthError{StatusCode: 403}), exitRefused},
		{"refused elsewhere", wrap(&bearerkit.RefusedError{Message: "401", Until: time.Now()}), exitRefused},
		{"static token rejected", wrap(bearerkit.ErrTokenRejected), exitRefused},
		{"redirect refused", wrap(bearerkit.ErrRedirectRefused), exitRefused},
		{"503", wrap(&bearerkit.AuthError{StatusCode: 503}), exitTemporary},
		{"429", wrap(&bearerkit.AuthError{StatusCode: 429, RetryAfter: time.Minute}), exitTemporary},
		{"network", wrap(&bearerkit.AuthError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}), exitTemporary},
		{"api network", &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, exitTemporary},
		{"renew timeout", wrap(context.DeadlineExceeded), exitTemporary},
		{"200 without a token", wrap(&bearerkit.AuthError{StatusCode: 200, Err: errors.New("no access_token")}), exitInternal},
		{"panic", wrap(bearerkit.ErrAuthenticatorPanic), exitInternal},
		{"store", storeError(errors.New("disk full")), exitStore},
		{"lock file", &fs.PathError{Op: "open", Path: "x.lock", Err: fs.ErrPermission}, exitStore},
		{"api status", &apiStatusError{method: "GET", url: "u", status: "404 Not Found"}, exitAPI},
		{"API error of the SDK", fmt.Errorf("looking up the logged member: %w", &bearerkit.APIError{StatusCode: 403}), exitAPI},
		{"anything else", errors.New("boom"), exitInternal},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestParseFlags checks that flags and arguments mix in any order.
func TestParseFlags(t *testing.T) {
	tests := []struct {
		args     []string
		wantPos  []string
		wantX    string
		wantList []string
	}{
		{[]string{"path"}, []string{"path"}, "", nil},
		{[]string{"-X", "POST", "path", "-f", "a=1"}, []string{"path"}, "POST", []string{"a=1"}},
		{[]string{"path", "-f", "a=1", "-f=b=2", "-X", "PUT"}, []string{"path"}, "PUT", []string{"a=1", "b=2"}},
		{[]string{"-f", "a=1", "--", "-X", "path"}, []string{"-X", "path"}, "", []string{"a=1"}},
		{[]string{"-", "--input", "-"}, []string{"-"}, "", nil},
	}
	for _, tt := range tests {
		e := &env{}
		fs := newFlagSet("t", e)
		var x string
		var list stringList
		fs.StringVar(&x, "X", "", "")
		fs.Var(&list, "f", "")
		var input string
		fs.StringVar(&input, "input", "", "")
		pos, err := parseFlags(e, fs, "", tt.args)
		if err != nil {
			t.Fatalf("parseFlags(%q): %v", tt.args, err)
		}
		if !reflect.DeepEqual(pos, tt.wantPos) || x != tt.wantX || !reflect.DeepEqual([]string(list), tt.wantList) {
			t.Errorf("parseFlags(%q) = %q, -X %q, -f %q; want %q, %q, %q", tt.args, pos, x, list, tt.wantPos, tt.wantX, tt.wantList)
		}
	}
	e := &env{stdio: stdio{out: new(bytes.Buffer)}}
	if _, err := parseFlags(e, newFlagSet("t", e), "usage\n", []string{"-h"}); exitCode(err) != exitOK {
		t.Errorf("-h: %v, want helpShown", err)
	}
	if _, err := parseFlags(e, newFlagSet("t", e), "", []string{"--nope"}); exitCode(err) != exitUsage {
		t.Errorf("--nope: %v, want a usage error", err)
	}
}

// TestRefuseSecretFlags checks that secrets are never accepted as flags.
func TestRefuseSecretFlags(t *testing.T) {
	for _, args := range [][]string{{"--password", "x"}, {"-password=x"}, {"login", "--token=abc"}, {"-p", "x"}, {"--client-secret", "s"}} {
		if err := refuseSecretFlags(args); exitCode(err) != exitUsage {
			t.Errorf("refuseSecretFlags(%q) = %v, want a usage error", args, err)
		}
	}
	for _, args := range [][]string{{"api", "-f", "password=x"}, {"login", "--password-stdin"}, {"api", "--", "--password"}} {
		if err := refuseSecretFlags(args); err != nil {
			t.Errorf("refuseSecretFlags(%q) = %v, want nil", args, err)
		}
	}
}

// TestBuildRequest checks how api turns fields and --input into a request.
func TestBuildRequest(t *testing.T) {
	e := &env{stdio: stdio{in: strings.NewReader(`{"from":"stdin"}`)}}
	tests := []struct {
		name         string
		path, method string
		input        string
		raw, typed   []string
		wantMethod   string
		wantPath     string
		wantBody     string
	}{
		{"plain GET", "sources", "", "", nil, nil, "GET", "sources", ""},
		{"fields make a POST with a JSON body", "tokens", "", "", []string{"name=ci"}, []string{"n=2", "ok=false"}, "POST", "tokens", `{"n":2,"name":"ci","ok":false}` + "\n"},
		{"GET fields go to the query", "sources/1/preview?x=1", "get", "", []string{"limit=10"}, nil, "GET", "sources/1/preview?x=1&limit=10", ""},
		{"--input: fields go to the query", "echo", "", "-", []string{"a=b c"}, nil, "POST", "echo?a=b+c", `{"from":"stdin"}`},
		{"-F keeps strings that are not literals", "t", "PUT", "", nil, []string{"v=007x", "f=1.5"}, "PUT", "t", `{"f":1.5,"v":"007x"}` + "\n"},
	}
	for _, tt := range tests {
		r, err := buildRequest(e, tt.path, tt.method, tt.input, tt.raw, tt.typed, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.method != tt.wantMethod || r.path != tt.wantPath || string(r.body) != tt.wantBody {
			t.Errorf("%s: got %s %s %q, want %s %s %q", tt.name, r.method, r.path, r.body, tt.wantMethod, tt.wantPath, tt.wantBody)
		}
	}
}

// TestWriteToken checks every output format, and that none shows the
// refresh token.
func TestWriteToken(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := &bearerkit.Token{AccessToken: "bearer  Bearer acc-123", RefreshToken: "ref-456", Expiry: exp, RealmID: "7", Provider: "google"}
	want := map[string]string{
		outRaw:    "acc-123\n",
		outHeader: "Authorization: Bearer acc-123\nX-realm-id: 7\nX-provider: google\n",
		outJSON: `{
  "access_token": "acc-123",
  "token_type": "Bearer",
  "expiry": "2030-01-02T03:04:05Z",
  "expires_at": 1893553445,
  "realm_id": "7",
  "provider": "google"
}
`,
		outExecCrd: `{
  "apiVersion": "client.authentication.k8s.io/v1",
  "kind": "ExecCredential",
  "status": {
    "expirationTimestamp": "2030-01-02T03:04:05Z",
    "token": "acc-123"
  }
}
`,
	}
	for format, w := range want {
		var b bytes.Buffer
		if err := writeToken(&b, tok, format); err != nil {
			t.Fatal(err)
		}
		if b.String() != w {
			t.Errorf("%s:\n%s\nwant:\n%s", format, b.String(), w)
		}
		if strings.Contains(b.String(), "ref-456") {
			t.Errorf("%s shows the refresh token", format)
		}
	}
	var b bytes.Buffer
	if err := writeToken(&b, &bearerkit.Token{AccessToken: "a-1"}, outExecCrd); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "expirationTimestamp") {
		t.Errorf("a token without expiry got an expirationTimestamp:\n%s", &b)
	}
}

// TestScrub checks that an error body echoing a secret, at any depth of
// JSON escaping, is printed without it.
func TestScrub(t *testing.T) {
	secret := "eyJhbGciOiJIUzI1NiJ9.e30.sig_nat-ure0123456789"
	jsonAll := strings.NewReplacer(".", `\u002e`, "_", `\u005f`, "-", `\u002d`).Replace(secret)
	bodies := []string{
		`{"message":"bad token ` + secret + `"}`,
		`{"error_description":"` + strings.ReplaceAll(jsonAll, `\`, `\\`) + `"}`,
		`plain text ` + url.QueryEscape(secret),
		`{"nested":{"list":["x","` + secret + `"]}}`,
	}
	for _, b := range bodies {
		got := string(scrub([]byte(b), secret, "short"))
		if strings.Contains(unescapeAll(unescapeAll(got)), "sig_nat-ure0123456789") {
			t.Errorf("scrub(%s) = %s: the secret is still there", b, got)
		}
	}
	if got := string(scrub([]byte(`{"ok":true}`), secret)); got != `{"ok":true}` {
		t.Errorf("scrub changed a body without secrets: %s", got)
	}
}

// TestTokenStoreMinValid checks which stored tokens --min-valid renews.
func TestTokenStoreMinValid(t *testing.T) {
	now := time.Now()
	s := newTokenStore(filepath.Join(t.TempDir(), "t.json"), 10*time.Minute, false)
	s.now = func() time.Time { return now }
	for _, tt := range []struct {
		expiry time.Time
		want   bool
	}{
		{time.Time{}, false},
		{now.Add(time.Hour), false},
		{now.Add(10 * time.Minute), false},
		{now.Add(9 * time.Minute), true},
		{now.Add(-time.Minute), true},
	} {
		if got := s.tooShort(&bearerkit.Token{AccessToken: "a", Expiry: tt.expiry}); got != tt.want {
			t.Errorf("tooShort(expiry %v from now) = %v, want %v", tt.expiry.Sub(now), got, tt.want)
		}
	}
}

// TestTokenStoreRenew checks the Coordinator wrapper: one renewal for a
// token that is too short, none for a good one, errNotLoggedIn for an
// empty store that cannot log in.
func TestTokenStoreRenew(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tokens", "p.json")
	s := newTokenStore(path, 10*time.Minute, false)
	renewals := 0
	renew := func(_ context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
		renewals++
		return &bearerkit.Token{AccessToken: fmt.Sprintf("new-%d", renewals), RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}, nil
	}
	if _, _, err := s.Renew(ctx, nil, renew); !errors.Is(err, errNotLoggedIn) {
		t.Fatalf("empty store: %v, want errNotLoggedIn", err)
	}
	if err := s.Save(ctx, &bearerkit.Token{AccessToken: "old", RefreshToken: "r", Expiry: time.Now().Add(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	tok, renewed, err := s.Renew(ctx, nil, renew)
	if err != nil || !renewed || tok.AccessToken != "new-1" {
		t.Fatalf("too short: %v, %v, %v; want new-1, renewed", tok, renewed, err)
	}
	tok, renewed, err = s.Renew(ctx, nil, renew)
	if err != nil || renewed || tok.AccessToken != "new-1" || renewals != 1 {
		t.Fatalf("good token: %v, %v, %v (%d renewals); want new-1 adopted", tok, renewed, err, renewals)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("token directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	failing := func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return nil, &bearerkit.AuthError{StatusCode: 503}
	}
	if err := s.Save(ctx, &bearerkit.Token{AccessToken: "old", RefreshToken: "r", Expiry: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Renew(ctx, nil, failing); exitCode(err) != exitTemporary {
		t.Errorf("a failed renewal: %v (exit %d), want its own error (exit 5)", err, exitCode(err))
	}
}

// TestPretty checks the terminal's JSON formatting.
func TestPretty(t *testing.T) {
	if got := string(pretty([]byte(`{"a":[1,2]}`))); got != "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n" {
		t.Errorf("pretty = %q", got)
	}
	if got := string(pretty([]byte("not json"))); got != "not json" {
		t.Errorf("pretty changed what is not JSON: %q", got)
	}
}

// TestOrigin checks the origin comparison that keeps the token on the
// API's origin.
func TestOrigin(t *testing.T) {
	base, _ := url.Parse("https://API.example.com:443/v1/")
	for raw, same := range map[string]bool{
		"https://api.example.com/other":             true,
		"https://api.example.com:443/x":             true,
		"http://api.example.com/x":                  false,
		"https://api.example.com:8443/x":            false,
		"https://api.example.com.evil.com/x":        false,
		"https://evil.com/?https://api.example.com": false,
	} {
		u, _ := url.Parse(raw)
		if got := sameOrigin(u, base); got != same {
			t.Errorf("sameOrigin(%s) = %v, want %v", raw, got, same)
		}
	}
}
