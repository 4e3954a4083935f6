package main

import (
	"strings"
	"testing"
	"time"
)

// TestStormMatrix runs every scenario with small N and checks the counting
// invariants exactly; latencies are printed, never asserted.
func TestStormMatrix(t *testing.T) {
	cfg := defaultConfig()
	cfg.ns = []int{1, 10, 200}
	cfg.lifetimes, cfg.workers = 2, 8
	var out strings.Builder
	res, err := run(&out, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())

	for _, r := range res.expired {
		// Both libraries renew an expired token once, and nobody fails.
		if r.tokenCalls != 1 || r.failures != 0 {
			t.Errorf("expired, N=%d, %s: %d token calls, %d failures (first: %s); want 1 and 0", r.n, r.client, r.tokenCalls, r.failures, r.firstErr)
		}
	}
	for _, r := range res.revoked {
		if r.held != r.n {
			t.Errorf("revoked, N=%d, %s: %d requests got the 401 together", r.n, r.client, r.held)
		}
		switch r.client {
		case "bearerkit", oauth2Retry: // one renewal, every request replayed
			if r.tokenCalls != 1 || r.failures != 0 {
				t.Errorf("revoked, N=%d, %s: %d token calls, %d failures (first: %s); want 1 and 0", r.n, r.client, r.tokenCalls, r.failures, r.firstErr)
			}
		default: // oauth2.Transport never reacts to a 401
			if r.tokenCalls != 0 || r.failures != int64(r.n) {
				t.Errorf("revoked, N=%d, %s: %d token calls, %d failures; want 0 and %d", r.n, r.client, r.tokenCalls, r.failures, r.n)
			}
		}
	}
	for _, r := range res.steady {
		if r.failures != 0 || r.requests == 0 {
			t.Errorf("steady, %s: %d failures of %d requests (first: %s)", r.client, r.failures, r.requests, r.firstErr)
		}
		if r.client != "bearerkit" {
			continue
		}
		// Background renewal replaced the token in every lifetime, and no
		// request found the token unusable and had to renew it itself.
		if r.renewals < int64(cfg.lifetimes) {
			t.Errorf("steady, bearerkit: %d renewals in %d lifetimes", r.renewals, cfg.lifetimes)
		}
		if r.syncRenewals != 0 {
			t.Errorf("steady, bearerkit: %d renewals started by a request that found no usable token; want 0", r.syncRenewals)
		}
		if r.late != 0 {
			// Not a failure of the invariant itself (no request counted
			// above), but say so: a renewal outlived its margin.
			t.Logf("steady, bearerkit: %d background renewals outlived the token's usable time (a loaded machine?)", r.late)
		}
	}
	for _, want := range []string{"### N goroutines, expired token", "### N concurrent 401s, revoked token", "### Steady load", "| 200 | bearerkit |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestStormFlags(t *testing.T) {
	ns, err := parseNs("1, 100,1000")
	if err != nil || len(ns) != 3 || ns[2] != 1000 {
		t.Fatalf("parseNs = %v, %v", ns, err)
	}
	for _, bad := range []string{"", "0", "x", "1,,2", "1000000"} {
		if _, err := parseNs(bad); err == nil {
			t.Errorf("parseNs(%q) accepted", bad)
		}
	}
	cfg := defaultConfig()
	cfg.lifetime = 1500 * time.Millisecond
	if _, err := run(&strings.Builder{}, cfg); err == nil {
		t.Error("a lifetime of 1.5 s was accepted")
	}
}
