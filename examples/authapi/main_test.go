package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestAuthAPI(t *testing.T) {
	t.Setenv("AUTHAPI_BASE_URL", "")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the token file's directory goes
	rec := recordSecrets(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for _, s := range []string{
		"on the wire: /auth/password 200 -> /v1/me 200\n",
		"on the wire: /v1/echo 401 -> /auth/refresh 200 -> /v1/echo 200\n",
		"the body came back after the replay: true\n",
		"on the wire: /v1/me 401 -> /auth/refresh 503 -> /auth/refresh 200 -> /v1/me 200\n",
		"on the wire: /v1/me 200\n", // the second client, from the token file
		"mode -rw-------\n",
		"on the wire: /v1/me 401 -> /auth/refresh 401 -> /auth/password 200 -> /v1/me 200\n",
		"emulator: 2 password sends, 2 refreshes (+2 failed: one 503, one 401)",
	} {
		if c := strings.Count(got, s); c != 1 {
			t.Errorf("output has %q %d times, want once", s, c)
		}
	}
	if n := strings.Count(got, "/auth/password"); n != 2 {
		t.Errorf("%d password logins on the wire, want 2", n)
	}
	rec.assertAbsent(t, got)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the temporary directory was not removed: %v", left)
	}
}

func TestAuthAPIRealNeedsSettings(t *testing.T) {
	t.Setenv("AUTHAPI_BASE_URL", "https://auth.invalid")
	t.Setenv("AUTHAPI_API_URL", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "AUTHAPI_API_URL") {
		t.Fatalf("run = %v, want an error naming AUTHAPI_API_URL", err)
	}
}

// secrets records every credential that crosses the wire (the Authorization
// headers sent, the tokens in the answers) to check that none is printed. It
// replaces http.DefaultTransport, which the SDK uses when given no client.
type secrets struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool
}

func recordSecrets(t *testing.T) *secrets {
	s := &secrets{base: http.DefaultTransport, seen: map[string]bool{
		bearerkittest.DefaultPassword: true, bearerkittest.DefaultClientSecret: true}}
	http.DefaultTransport = s
	t.Cleanup(func() { http.DefaultTransport = s.base })
	return s
}

func (s *secrets) add(vs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		if _, rest, ok := strings.Cut(v, " "); ok { // "Bearer x", "Basic x"
			v = rest
		}
		if len(v) >= 8 {
			s.seen[v] = true
		}
	}
}

func (s *secrets) RoundTrip(req *http.Request) (*http.Response, error) {
	s.add(req.Header.Get("Authorization"))
	resp, err := s.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	str := func(k string) string { v, _ := m[k].(string); return v }
	s.add(resp.Header.Get("Authorization"), resp.Header.Get("X-Auth-Token"), str("access_token"), str("refresh_token"), str("id_token"))
	return resp, err
}

// assertAbsent fails if out holds any recorded secret.
func (s *secrets) assertAbsent(t *testing.T, out string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) < 5 {
		t.Fatalf("only %d secrets recorded: is the recorder in the path?", len(s.seen))
	}
	for v := range s.seen {
		if strings.Contains(out, v) {
			t.Errorf("the output holds a secret (%d bytes, starting %.4q)", len(v), v)
		}
	}
}
