package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestQuickstart(t *testing.T) {
	for _, args := range [][]string{nil, {"-v"}} {
		t.Run(strings.Join(append([]string{"args"}, args...), " "), func(t *testing.T) {
			rec := recordSecrets(t)
			var out bytes.Buffer
			if err := run(context.Background(), &out, args); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			t.Log("\n" + got)

			timeline := got[strings.Index(got, "timeline"):strings.Index(got, "summary:")]
			for re, n := range map[string]int{
				`POST /auth +200 ok +password sent`:                 2,
				`POST /refresh +200 ok +renewed`:                    1,
				`POST /refresh +401 expired +refresh token refused`: 1,
				`GET +/grids/source +401 `:                          2,
				`GET +/grids/source +200 .*\(replayed\)`:            2,
				`password sent`:                                     2,
			} {
				if c := len(regexp.MustCompile(re).FindAllString(timeline, -1)); c != n {
					t.Errorf("timeline has %d lines matching %q, want %d", c, re, n)
				}
			}
			for _, s := range []string{"password sends 2 ", "refreshes      1 ", "API calls      5 ", "\nok: "} {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q", s)
				}
			}
			if args != nil && !strings.Contains(got, "level=DEBUG") {
				t.Error("-v printed no debug log")
			}
			rec.assertAbsent(t, got)
		})
	}
}

func TestQuickstartBadFlag(t *testing.T) {
	if err := run(context.Background(), io.Discard, []string{"-nope"}); err == nil {
		t.Fatal("run accepted an unknown flag")
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
