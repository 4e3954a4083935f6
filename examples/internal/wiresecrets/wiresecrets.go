// Package wiresecrets records the credentials that cross the wire during an
// example's test, so the test can check that the example prints none of
// them. It is test plumbing for examples/, not part of bearerkit.
package wiresecrets

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Recorder records every credential that crosses the wire (the Authorization
// headers sent, the tokens in the answers) to check that none is printed. It
// replaces http.DefaultTransport, which the SDK uses when given no client.
type Recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool
}

// Record replaces http.DefaultTransport with a Recorder until the test ends;
// the test must not run in parallel.
func Record(t *testing.T) *Recorder {
	s := &Recorder{base: http.DefaultTransport, seen: map[string]bool{
		bearerkittest.DefaultPassword: true, bearerkittest.DefaultClientSecret: true}}
	http.DefaultTransport = s
	t.Cleanup(func() { http.DefaultTransport = s.base })
	return s
}

func (s *Recorder) add(vs ...string) {
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

// RoundTrip sends req through the replaced transport and records the
// credentials in the request and the answer.
func (s *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
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

// AssertAbsent fails if out holds any recorded secret.
func (s *Recorder) AssertAbsent(t *testing.T, out string) {
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
