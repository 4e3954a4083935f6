package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestOneData(t *testing.T) {
	t.Setenv("ONEDATA_BASE_URL", "")
	t.Setenv("ONEDATA_API_PATH", "")
	rec := recordSecrets(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for s, n := range map[string]int{
		"the token is in the Authorization response header":       2, // the login, and the re-login after the 401
		"GET api/v1/users/me: user " + bearerkittest.DefaultEmail: 2, // the preset, then the static token
		"GET api/v1/datasets: 2 datasets":                         1,
		"emulator: 2 logins, 2 password sends, 0 refreshes":       1,
		"cannot be renewed; replace it":                           1,
	} {
		if c := strings.Count(got, s); c != n {
			t.Errorf("output has %q %d times, want %d", s, c, n)
		}
	}
	rec.assertAbsent(t, got)
}

func TestOneDataRealNeedsCredentials(t *testing.T) {
	t.Setenv("ONEDATA_BASE_URL", "https://onedata.invalid")
	t.Setenv("ONEDATA_TOKEN", "")
	t.Setenv("ONEDATA_USERNAME", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "ONEDATA_USERNAME") {
		t.Fatalf("run = %v, want an error naming ONEDATA_USERNAME", err)
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
