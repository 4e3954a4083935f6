package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// write formats the Performance section.
func (r *reporter) write(w *strings.Builder, hot benchResults, storms *stormResults, tls, renew, renew1, tenants, newTenant benchResults, fleet *fleetFigures, fleetNote string, took time.Duration) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("Measured by `cd benchmarks && go run ./report` (%s, %v): %s, %d cores, %s, linux/amd64.\n",
		time.Now().UTC().Format("2006-01-02"), took.Round(time.Second), r.cpu, r.cores, r.goVersion)
	p("The machine is shared (load average %s before, %s after, on %d cores), so every figure is a\n", r.loadStart, r.loadEnd, r.cores)
	p("median over runs in which the implementations alternate and share the same load; where a\n")
	p("spread is shown it is the lowest and highest run. The commands, from `benchmarks/`:\n\n")
	p("```sh\n")
	for _, c := range r.commands {
		p("%s\n", c)
	}
	p("```\n\n")

	r.writeHot(p, hot)
	r.writeStorms(p, storms)
	r.writeTLS(p, tls)
	r.writeRenewal(p, renew, renew1)
	r.writeTenants(p, tenants, newTenant)
	r.writeFleet(p, fleet, fleetNote)
}

type printer func(format string, args ...any)

func ns(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.Abs(v) >= 10000:
		return fmt.Sprintf("%.1f µs", v/1000)
	}
	return fmt.Sprintf("%.0f ns", v)
}

func x(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", v)
}

func count(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", v)
}

func (r *reporter) writeHot(p printer, hot benchResults) {
	p("### Hot path, no network\n\n")
	p("`BenchmarkHotPath`: a request through each layer to a base RoundTripper that answers at once\n")
	p("with a canned response, every implementation in turn in blocks of %d requests. Overhead is\n", 250)
	p("the time over the bare base; the ratio is the median, over cycles, of an implementation's\n")
	p("overhead divided by the floor's in the same cycle. \"floor\" is the cheapest authorizing\n")
	p("RoundTripper that keeps the contract: one request copy, one new header map built entry by entry.\n")
	p("x/oauth2's Transport runs over a ReuseTokenSource, as oauth2.Config.Client builds it.\n\n")
	p("| request | floor | x/oauth2 Transport | bearerkit Transport | bearerkit Client's transport |\n")
	p("|---|---|---|---|---|\n")
	type row struct{ label, name string }
	rows := []row{
		{"no headers, serial", "BenchmarkHotPath/headers=0/mode=serial"},
		{"no headers, parallel", "BenchmarkHotPath/headers=0/mode=parallel"},
		{"ten headers, serial", "BenchmarkHotPath/headers=10/mode=serial"},
		{"ten headers, parallel", "BenchmarkHotPath/headers=10/mode=parallel"},
	}
	var worst float64
	var worstSpread [2]float64
	for _, rw := range rows {
		cell := func(impl string, ratio bool) string {
			s := "+" + ns(hot.med(rw.name, impl+"-over-ns"))
			if ratio {
				s += " (" + x(hot.med(rw.name, impl+"-x-floor")) + ")"
			}
			if a := hot.med(rw.name, impl+"-allocs/op"); !math.IsNaN(a) {
				s += fmt.Sprintf(", %s allocs, %s B", count(a), count(hot.med(rw.name, impl+"-B/op")))
			}
			return s
		}
		for _, impl := range []string{"bearerkit", "bearerkitclient"} {
			if v := hot.med(rw.name, impl+"-x-floor"); v > worst {
				worst = v
				lo, hi := hot.spread(rw.name, impl+"-x-floor")
				worstSpread = [2]float64{lo, hi}
			}
		}
		p("| %s | %s | %s | %s | %s |\n", rw.label, cell("floor", false), cell("oauth2", true), cell("bearerkit", true), cell("bearerkitclient", true))
	}
	p("\nThe largest bearerkit ratio is %s (its runs: %s to %s). Allocations are counted on the serial\n", x(worst), x(worstSpread[0]), x(worstSpread[1]))
	p("path. What bearerkit adds to the floor: two atomic loads (its token snapshot, and a flag that a\n")
	p("timer clears a little before the token's renewal instant, so that requests read the clock only\n")
	p("from then on) and, for the Client, the origin comparison. It builds the header map with\n")
	p("maps.Clone when the clone cannot have to grow (up to 7 caller headers, and larger maps whose\n")
	p("table has room), which copies the table instead of hashing every header again: that is why it\n")
	p("beats the floor with ten headers.\n")
	p("x/oauth2's static source (no expiry check at all) is %s / %s / %s / %s of the floor in these rows.\n\n",
		x(hot.med(rows[0].name, "oauth2static-x-floor")), x(hot.med(rows[1].name, "oauth2static-x-floor")),
		x(hot.med(rows[2].name, "oauth2static-x-floor")), x(hot.med(rows[3].name, "oauth2static-x-floor")))
}

func (r *reporter) writeStorms(p printer, s *stormResults) {
	p("### Storms\n\n")
	p("The storm command: in-memory API and token endpoint (the endpoint answers after 50 ms); N\n")
	p("goroutines released at once; latency from each request's start (for the 401s, from the moment\n")
	p("the API answers them all); every storm run %d times at N = 10000 and %d times below, the\n", roundsAt(s, 10000), roundsAt(s, 1))
	p("clients alternating; medians shown, with the lowest and highest round's in brackets.\n")
	p("x/oauth2's Transport never reacts to a 401, so for the revoked token the baseline is\n")
	p("\"x/oauth2+retry\": what a user must write around it (on a 401, replace the token source, once,\n")
	p("with one holding the refused token marked expired, and send again).\n\n")
	p("| N | expired token: bearerkit p50 / p99 | x/oauth2 p50 / p99 | concurrent 401s: bearerkit p50 / p99 | x/oauth2+retry p50 / p99 | token calls, failures (bearerkit) |\n")
	p("|---:|---|---|---|---|---|\n")
	for _, n := range []int{1, 100, 1000, 10000} {
		be, ok1 := find(s.Expired, n, "bearerkit")
		oe, ok2 := find(s.Expired, n, "x/oauth2")
		br, ok3 := find(s.Revoked, n, "bearerkit")
		orr, ok4 := find(s.Revoked, n, "x/oauth2+retry")
		if !ok1 || !ok2 || !ok3 || !ok4 {
			continue
		}
		p("| %d | %s | %s | %s | %s | %d and %d, %d and %d |\n", n, lat(be), lat(oe), lat(br), lat(orr),
			be.TokenCalls, be.Failures, br.TokenCalls, br.Failures)
	}
	var above []string
	for _, sc := range []struct {
		name     string
		rows     []stormSummary
		baseline string
	}{{"expired", s.Expired, "x/oauth2"}, {"401s", s.Revoked, "x/oauth2+retry"}} {
		for _, n := range []int{1, 100, 1000, 10000} {
			b, ok1 := find(sc.rows, n, "bearerkit")
			o, ok2 := find(sc.rows, n, sc.baseline)
			if !ok1 || !ok2 || !b.OK || !o.OK {
				continue
			}
			if d := b.P50 - o.P50; d > 0 {
				above = append(above, fmt.Sprintf("%s N=%d p50 +%.2f ms", sc.name, n, d))
			}
			if d := b.P99 - o.P99; d > 0 {
				above = append(above, fmt.Sprintf("%s N=%d p99 +%.2f ms", sc.name, n, d))
			}
		}
	}
	if len(above) == 0 {
		p("\nbearerkit's median p50 and p99 are at or below the baseline's in every row.\n")
	} else {
		p("\nbearerkit's median is above the baseline's in: %s; compare with the spread of the rounds.\n", strings.Join(above, "; "))
		p("With one request, the difference (tenths of a millisecond at most) is the hand-off of the new\n")
		p("token from the renewal's goroutine to the request, whose thread has gone to sleep during the\n")
		p("50 ms wait: run on the request's goroutine, the renewal measured level with x/oauth2. It has its\n")
		p("own goroutine so that a request whose context ends can leave while the renewal goes on for the\n")
		p("others, and storm requests carry a timeout, as a service's do. At N = 10000 the p50 of a\n")
		p("round is either about 50 ms or about 0 (whether most requests started before the renewal landed\n")
		p("or after it), for both clients, so its median over rounds moves by milliseconds between runs.\n")
	}
	if o, ok := find(s.Revoked, 10000, "x/oauth2"); ok {
		p("\nPlain x/oauth2 fails every request of the 401 storm (%d of %d at N = 10000, over the rounds), with\n", o.Failures, o.N*o.Rounds)
		p("no token call. The token calls are the most of any round, the failures those of all rounds; both\n")
		p("clients call the token endpoint exactly once per storm (checked by the storm command's test).\n\n")
	}
	for _, st := range s.Steady {
		if st.Client == "bearerkit" {
			p("Steady load (32 workers, token lifetime 1 s, background renewal): bearerkit served %d requests\n", st.Requests)
			p("with %d renewals, %d of which a request waited for (p100 %.1f ms, below the endpoint's 50 ms)", st.Renewals, st.SyncRenewals, st.P100)
		}
	}
	for _, st := range s.Steady {
		if st.Client == "x/oauth2" {
			p("; x/oauth2\nserved %d, and each of its %d renewals blocked requests (p100 %.1f ms).\n\n", st.Requests, st.Renewals, st.P100)
		}
	}
}

func roundsAt(s *stormResults, n int) int {
	for _, r := range s.Expired {
		if r.N == n {
			return r.Rounds
		}
	}
	return 0
}

func lat(r stormSummary) string {
	if !r.OK {
		return "—"
	}
	span := func(xs []float64) string {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range xs {
			lo, hi = min(lo, x), max(hi, x)
		}
		return fmt.Sprintf("%.1f–%.1f", lo, hi)
	}
	return fmt.Sprintf("%.2f (%s) / %.2f (%s) ms", r.P50, span(r.P50s), r.P99, span(r.P99s))
}

func (r *reporter) writeTLS(p printer, b benchResults) {
	p("### Loopback over TLS with HTTP/2\n\n")
	p("`BenchmarkLoopbackTLS`: httptest's TLS server with HTTP/2, one keep-alive connection per\n")
	p("implementation, a small JSON answer; time and allocations per request.\n\n")
	p("| request | bare http.Transport | x/oauth2 | bearerkit Transport | bearerkit Client's transport |\n")
	p("|---|---|---|---|---|\n")
	for _, nh := range []string{"0", "10"} {
		for _, mode := range []string{"serial", "parallel"} {
			label := map[string]string{"0": "no headers", "10": "ten headers"}[nh] + ", " + mode
			cell := func(impl string) string {
				name := "BenchmarkLoopbackTLS/headers=" + nh + "/impl=" + impl + "/mode=" + mode
				return fmt.Sprintf("%s, %s allocs, %s B", ns(b.med(name, "ns/op")), count(b.med(name, "allocs/op")), count(b.med(name, "B/op")))
			}
			p("| %s | %s | %s | %s | %s |\n", label, cell("bare"), cell("oauth2"), cell("bearerkit"), cell("bearerkitclient"))
		}
	}
	p("\nHere the network stack dominates: the differences in time are within the noise; the\n")
	p("allocations are exact.\n\n")
}

func (r *reporter) writeRenewal(p printer, b, renew1 benchResults) {
	p("### One renewal\n\n")
	p("`BenchmarkRenewal`, the same canned token response for both, served by net/http (an\n")
	p("http.Server over in-memory connections, or HTTP/2 with TLS on loopback). \"request\": a request\n")
	p("that needs a renewal on a client made once (x/oauth2's token has expired; bearerkit's API answers\n")
	p("401 to a request it cannot replay, so bearerkit renews and returns the 401); \"tls\": the same\n")
	p("against the HTTP/2 TLS endpoint; \"first\": a new client, whose stored token has expired, asked\n")
	p("for its first token; \"roundtripper\": \"request\" with a token client whose Transport is a\n")
	p("RoundTripper of the caller's that answers from memory. bearerkit is a RefreshGrant over a\n")
	p("MemoryStore holding the expired token, as users write it.\n\n")
	p("A bearerkit renewal runs on a goroutine of its own, bounded by RenewTimeout whatever it waits\n")
	p("for (a request that gives up does not cancel it for the others; a hung store or Authenticator\n")
	p("cannot hold requests past the bound); x/oauth2's runs on the caller's goroutine with no bound.\n")
	p("Handing a renewal to that goroutine and back costs two thread wake-ups when a processor is\n")
	p("idle (the goroutine's start, then the request's), a few microseconds on this machine. Behind\n")
	p("net/http that is inside the spread of these rows, whose runs vary by 10 to 20%% on this shared\n")
	p("machine (running the renewal on the request's goroutine when it was safe was tried, and\n")
	p("measured no faster); with a RoundTripper that answers from memory (\"roundtripper\") it is most\n")
	p("of the time.")
	var one []string
	for _, c := range []string{"request", "tls", "first", "roundtripper"} {
		base := "BenchmarkRenewal/case=" + c + "/impl="
		if o, bk := renew1.med(base+"oauth2", "ns/op"), renew1.med(base+"bearerkit", "ns/op"); !math.IsNaN(o) && !math.IsNaN(bk) {
			one = append(one, fmt.Sprintf("%s (%s)", x(bk/o), c))
		}
	}
	if len(one) > 0 {
		p(" On one processor (`-cpu 1`, the renewal's last command), where neither wake-up\n")
		p("has an idle processor to wake, bearerkit takes %s the time of x/oauth2.", strings.Join(one, ", "))
	}
	p("\n\n")
	p("| case | x/oauth2 | bearerkit | bearerkit, a TokenStore of the caller's |\n")
	p("|---|---|---|---|\n")
	for _, c := range []string{"request", "tls", "first", "roundtripper"} {
		base := "BenchmarkRenewal/case=" + c + "/impl="
		o := b.med(base+"oauth2", "ns/op")
		cell := func(impl string) string {
			t := b.med(base+impl, "ns/op")
			s := fmt.Sprintf("%s, %s allocs, %s B", ns(t), count(b.med(base+impl, "allocs/op")), count(b.med(base+impl, "B/op")))
			if impl != "oauth2" {
				s += " (" + x(t/o) + ")"
			}
			return s
		}
		p("| %s | %s | %s | %s |\n", c, cell("oauth2"), cell("bearerkit"), cell("bearerkit+store"))
	}
	p("\n")
	fewer := true
	var moreBytes []string
	for _, c := range []string{"request", "tls", "first", "roundtripper"} {
		base := "BenchmarkRenewal/case=" + c + "/impl="
		if b.med(base+"bearerkit", "allocs/op") >= b.med(base+"oauth2", "allocs/op") {
			fewer = false
		}
		if ob, bb := b.med(base+"oauth2", "B/op"), b.med(base+"bearerkit", "B/op"); bb > ob {
			moreBytes = append(moreBytes, fmt.Sprintf("%s +%.1f%%", c, 100*(bb/ob-1)))
		}
	}
	if fewer {
		p("bearerkit makes fewer allocations than x/oauth2 in every case.\n")
	}
	if len(moreBytes) == 0 {
		p("Its bytes are at or below x/oauth2's in every case.\n\n")
	} else {
		p("Its bytes are above x/oauth2's in: %s.\n", strings.Join(moreBytes, ", "))
		p("The token endpoint runs in the benchmark's process, so its allocations count too, and\n")
		p("bearerkit's token request carries one header more\n")
		p("(Accept: application/json, for servers that answer in another format without it), which the\n")
		p("server parses: over HTTP/2 that is most of the difference. The rest is bearerkit's own copies of\n")
		p("the token (the Authenticator gets a copy of the token it renews, the store keeps one) and, in\n")
		p("\"first\", the Transport and its state, made once per client.\n\n")
	}
}

func (r *reporter) writeTenants(p printer, t, nt benchResults) {
	p("### 10,000 tenants\n\n")
	p("`BenchmarkTenants`: 10,000 clients, each with its own client id, secret and refresh token, the\n")
	p("live heap (after GC) they hold divided by their number, idle and after each sent one request\n")
	p("(its first renewal), and the goroutines they add; `BenchmarkNewTenant`: making one. x/oauth2:\n")
	p("oauth2.Config and Config.Client(ctx, token); bearerkit: a Transport over a MemoryStore holding\n")
	p("the tenant's token, in an http.Client; and the same through NewClient, whose Client adds the API\n")
	p("client (base URL, services, its origin list).\n\n")
	p("| per client | x/oauth2 | bearerkit Transport | bearerkit NewClient |\n")
	p("|---|---|---|---|\n")
	row := func(label, unit string, f func(float64) string) {
		cell := func(impl string) string { return f(t.med("BenchmarkTenants/impl="+impl, unit)) }
		p("| %s | %s | %s | %s |\n", label, cell("oauth2"), cell("bearerkit"), cell("bearerkitclient"))
	}
	bytes := func(v float64) string { return count(v) + " B" }
	row("heap, idle", "idle-live-B/client", bytes)
	row("heap, after its first renewal", "renewed-live-B/client", bytes)
	row("heap in use (spans), idle", "idle-inuse-B/client", bytes)
	row("heap in use (spans), after its first renewal", "renewed-inuse-B/client", bytes)
	goroutines := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	row("goroutines, idle", "idle-goroutines/client", goroutines)
	row("goroutines, after its first renewal", "renewed-goroutines/client", goroutines)
	cell := func(impl string) string {
		name := "BenchmarkNewTenant/impl=" + impl
		return fmt.Sprintf("%s, %s allocs, %s B", ns(nt.med(name, "ns/op")), count(nt.med(name, "allocs/op")), count(nt.med(name, "B/op")))
	}
	p("| making one | %s | %s | %s |\n\n", cell("oauth2"), cell("bearerkit"), cell("bearerkitclient"))
	p("No client adds a goroutine, idle or after its renewal (TestTenants asserts it, exactly). A\n")
	p("bearerkit client holds no timer either until requests use its token; then it holds one (the\n")
	p("timer that lets requests skip the clock, about 160 B), reset at each renewal. It keeps its access\n")
	p("token once: the token and its Authorization header share the bytes.\n\n")
}

func (r *reporter) writeFleet(p printer, f *fleetFigures, note string) {
	p("### Fleet: renewals through the Redis Coordinator\n\n")
	if f == nil {
		p("%s\n", note)
		return
	}
	p("`BenchmarkFleet` (module `benchmarks/fleet`): a request that costs one renewal (its API answers\n")
	p("401, its body cannot be replayed), with the token endpoint answering at once, so that only the\n")
	p("coordination differs: through a MemoryStore (the local Coordinator) or through redisstore and a\n")
	p("redis-server on loopback TCP (read, lease, compare-and-set, release). Parallel: 4×GOMAXPROCS\n")
	p("clients, each in a namespace of its own.\n\n")
	p("| | local (MemoryStore) | Redis Coordinator, loopback |\n|---|---|---|\n")
	p("| one renewal | %s, %s allocs, %s B | %s, %s allocs, %s B (+%s) |\n", ns(f.local), count(f.localAllocs), count(f.localBytes),
		ns(f.redis), count(f.redisAllocs), count(f.redisBytes), ns(f.redis-f.local))
	p("| renewals per second, one client | %.0f | %.0f |\n", f.localSerialRate, f.redisSerialRate)
	p("| renewals per second, parallel clients | %.0f | %.0f |\n\n", f.localPar, f.redisPar)
	p("Requests that carry a valid token send no Redis command at all: this cost is paid once per\n")
	p("token lifetime per process.\n")
}
