package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestDataddo(t *testing.T) {
	t.Setenv("DATADDO_BASE_URL", "") // the emulator, whatever the environment says
	rec := recordSecrets(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)

	apiLine := regexp.MustCompile(`(?m)^  > GET \S+ .*$`)
	calls := apiLine.FindAllString(got, -1)
	if len(calls) != 5 {
		t.Errorf("%d API calls shown, want 5", len(calls))
	}
	for _, l := range calls {
		if !strings.Contains(l, "Authorization: Bearer [redacted]  X-Realm-Id: 1  X-Provider: dataddo") {
			t.Errorf("API call without the Dataddo headers: %s", l)
		}
	}
	for re, n := range map[string]int{`POST \S+/auth  -> 200`: 1, `POST \S+/refresh .* -> 200`: 1, `-> 401`: 1, `BROKEN: `: 1} {
		if c := len(regexp.MustCompile(re).FindAllString(got, -1)); c != n {
			t.Errorf("%d lines match %q, want %d", c, re, n)
		}
	}
	if !strings.Contains(got, "emulator: 1 password send(s), 1 refresh(es)") {
		t.Error("unexpected emulator counters")
	}
	rec.assertAbsent(t, got)
}

func TestDataddoStore(t *testing.T) {
	t.Setenv("DATADDO_BASE_URL", "")
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	rec := recordSecrets(t)
	var out bytes.Buffer
	for range 2 { // the second run finds the first one's token (from a dead emulator)
		if err := run(context.Background(), &out, []string{"-store"}); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "bearerkit-dataddo-token.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v", fi, err)
	}
	rec.assertAbsent(t, out.String())
}

func TestDataddoRealNeedsCredentials(t *testing.T) {
	t.Setenv("DATADDO_BASE_URL", "https://dataddo.invalid/api/v2")
	t.Setenv("DATADDO_EMAIL", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "DATADDO_EMAIL") {
		t.Fatalf("run = %v, want an error naming DATADDO_EMAIL", err)
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
