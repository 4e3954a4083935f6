// Command storm measures how bearerkit and golang.org/x/oauth2 behave when
// many requests need a token at once, and prints the figures as Markdown
// tables (issue 5, "Storms"):
//
//   - expired: N goroutines start with an expired token; the token endpoint
//     takes -delay to answer. Both libraries should call it once.
//   - revoked: N goroutines carry a token the API has revoked (it answers
//     401). oauth2.Transport never reacts to a 401, so every request fails;
//     bearerkit renews once and replays them all.
//   - steady: -workers goroutines send requests continuously for -lifetimes
//     token lifetimes with background renewal on; no request should wait
//     for the token endpoint, so p100 stays below -delay.
//
// Everything runs in memory: the API and the token endpoint are
// RoundTrippers (the token endpoint sleeps -delay), so nothing leaves the
// process and the 10000 row fits a small machine. The program stops by
// itself; its loops are bounded in count and time.
//
// For the revoked storm, x/oauth2 also runs as "x/oauth2+retry": what a user
// must write around oauth2.Transport to survive a 401 (see retryRT).
// With -rounds, every storm runs that many times, the clients alternating,
// and the tables show medians; -json writes them for the report command;
// -cpuprofile, -mutexprofile, -blockprofile and -trace profile the run (use
// -only and -scenarios to profile one client and one scenario).
//
//	go run ./storm                     # N = 1,100,1000,10000; 5 lifetimes of 1 s
//	go run ./storm -quick              # the same N, 2 lifetimes
//	go run ./storm -rounds 9 -scenarios expired,revoked
//	go run ./storm -n 10000 -scenarios expired -only bearerkit -trace trace.out
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/benchmarks/internal/stormjson"
)

const (
	apiURL   = "https://api.storm.test/v1/ping"
	tokenURL = "https://auth.storm.test/token"
	clientID = "storm"

	// requestTimeout bounds every request of every scenario.
	requestTimeout = 10 * time.Second
	// maxPerWorker bounds the requests of one steady-load worker.
	maxPerWorker = 200_000
)

// config is what the flags set.
type config struct {
	ns        []int           // goroutine counts of the storms
	delay     time.Duration   // token endpoint latency
	lifetime  time.Duration   // token lifetime in the steady load (whole seconds)
	lifetimes int             // how many lifetimes the steady load lasts
	workers   int             // goroutines of the steady load
	pause     time.Duration   // between two requests of one worker
	only      string          // run only this client ("": both)
	scenarios map[string]bool // nil: all
	rounds    int             // storms per (N, client); medians are reported
}

func defaultConfig() config {
	return config{
		ns:        []int{1, 100, 1000, 10000},
		delay:     50 * time.Millisecond,
		lifetime:  time.Second,
		lifetimes: 5,
		workers:   32,
		pause:     time.Millisecond,
	}
}

func main() { os.Exit(mainCode()) }

// mainCode is main, returning the exit code once its deferred calls (the
// profiles) have run.
func mainCode() int {
	cfg := defaultConfig()
	nlist := flag.String("n", "1,100,1000,10000", "comma-separated goroutine counts of the storms")
	quick := flag.Bool("quick", false, "short steady load (2 lifetimes, 16 workers)")
	flag.DurationVar(&cfg.delay, "delay", cfg.delay, "token endpoint latency")
	flag.DurationVar(&cfg.lifetime, "lifetime", cfg.lifetime, "token lifetime in the steady load (whole seconds)")
	flag.IntVar(&cfg.lifetimes, "lifetimes", cfg.lifetimes, "token lifetimes the steady load lasts")
	flag.IntVar(&cfg.workers, "workers", cfg.workers, "goroutines of the steady load")
	flag.StringVar(&cfg.only, "only", "", "run only this client (bearerkit, x/oauth2 or x/oauth2+retry)")
	scen := flag.String("scenarios", "expired,revoked,steady", "comma-separated scenarios to run (expired, revoked, steady)")
	flag.IntVar(&cfg.rounds, "rounds", 1, "run each storm this many times, alternating the clients, and report the median of each figure")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file")
	cpuprof := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	mutexprof := flag.String("mutexprofile", "", "write a mutex contention profile to this file")
	blockprof := flag.String("blockprofile", "", "write a blocking profile to this file")
	traceOut := flag.String("trace", "", "write a runtime/trace of the run to this file")
	flag.Parse()
	fail := func(code int, err error) int {
		fmt.Fprintln(os.Stderr, "storm:", err)
		return code
	}
	ns, err := parseNs(*nlist)
	if err != nil {
		return fail(2, err)
	}
	cfg.ns = ns
	cfg.scenarios = map[string]bool{}
	for f := range strings.SplitSeq(*scen, ",") {
		f = strings.TrimSpace(f)
		if f != "expired" && f != "revoked" && f != "steady" {
			return fail(2, fmt.Errorf("unknown scenario %q", f))
		}
		cfg.scenarios[f] = true
	}
	if cfg.only != "" && cfg.only != "bearerkit" && cfg.only != "x/oauth2" && cfg.only != oauth2Retry {
		return fail(2, fmt.Errorf("-only %q: want bearerkit, x/oauth2 or %s", cfg.only, oauth2Retry))
	}
	if cfg.rounds < 1 {
		return fail(2, errors.New("-rounds must be at least 1"))
	}
	if *quick {
		cfg.lifetimes, cfg.workers = 2, 16
	}
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			return fail(2, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(2, err)
		}
		defer pprof.StopCPUProfile()
	}
	if *mutexprof != "" {
		runtime.SetMutexProfileFraction(1)
		defer writeProfile("mutex", *mutexprof)
	}
	if *blockprof != "" {
		runtime.SetBlockProfileRate(1)
		defer writeProfile("block", *blockprof)
	}
	if *traceOut != "" {
		f, err := os.Create(*traceOut)
		if err != nil {
			return fail(2, err)
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return fail(2, err)
		}
		defer trace.Stop()
	}
	res, err := run(os.Stdout, cfg)
	if err != nil {
		return fail(1, err)
	}
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, res); err != nil {
			return fail(1, err)
		}
	}
	return 0
}

// writeProfile writes the named runtime profile to path.
func writeProfile(name, path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
	}
}

func parseNs(s string) ([]int, error) {
	var ns []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 100_000 {
			return nil, fmt.Errorf("bad -n entry %q (want 1..100000)", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// results is everything run measured, for the test and -json: every
// storm of every round, and the steady load.
type results struct {
	expired, revoked []row
	steady           []steadyRow
}

// row is one storm of N goroutines with one client.
type row struct {
	n          int
	client     string
	round      int
	tokenCalls int64
	failures   int64
	lat        latencies
	firstErr   string
	held       int // revoked: requests answered 401 together
}

// steadyRow is the steady load with one client.
type steadyRow struct {
	client   string
	requests int
	renewals int64
	// syncRenewals counts renewals that a request started because it found
	// no usable token (bearerkit: Authenticate called with a request's
	// context; oauth2: every renewal runs on a request's goroutine).
	syncRenewals int64
	// late counts background renewals still running when the token they
	// replace stopped being usable: a request could have waited on them.
	late     int64
	failures int64
	lat      latencies
	firstErr string
}

// clients returns the clients to run in round i of a scenario: all (each
// round starting with another, so that none always runs on the heap
// another left), or the one -only names. Only the revoked storm runs
// x/oauth2+retry: elsewhere it is x/oauth2.
func (cfg config) clients(scenario string, i int) []string {
	all := []string{"bearerkit", "x/oauth2"}
	if scenario == "revoked" {
		all = append(all, oauth2Retry)
	}
	if cfg.only != "" {
		if slices.Contains(all, cfg.only) {
			return []string{cfg.only}
		}
		return nil
	}
	k := i % len(all)
	return append(all[k:len(all):len(all)], all[:k]...)
}

func (cfg config) runs(scenario string) bool { return cfg.scenarios == nil || cfg.scenarios[scenario] }

func run(w io.Writer, cfg config) (*results, error) {
	if cfg.lifetime < time.Second || cfg.lifetime%time.Second != 0 {
		return nil, errors.New("-lifetime must be whole seconds (oauth2 reads expires_in as an integer)")
	}
	rounds := max(cfg.rounds, 1)
	res := &results{}
	fmt.Fprintf(w, "## Token storms\n\n%s/%s, %d CPUs, %s; token endpoint latency %v; in-memory API and token endpoint.\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), cfg.delay)
	if rounds > 1 {
		fmt.Fprintf(w, "Each storm ran %d times, the clients alternating; figures are the medians of the rounds (token calls: the most of any round; failures: all rounds).\n\n", rounds)
	}

	storms := func(scenario string, one func(client string, n int, delay time.Duration) row) []row {
		if len(cfg.clients(scenario, 0)) == 0 {
			return nil
		}
		var all []row
		for _, n := range cfg.ns {
			for i := range rounds {
				for _, c := range cfg.clients(scenario, i) {
					runtime.GC() // every storm starts on a collected heap
					r := one(c, n, cfg.delay)
					r.round = i
					all = append(all, r)
				}
			}
		}
		return all
	}
	if cfg.runs("expired") {
		fmt.Fprintf(w, "### N goroutines, expired token\n\n")
		header(w)
		res.expired = storms("expired", expiredStorm)
		for _, r := range summarize(res.expired) {
			printSummary(w, r)
		}
	}
	if cfg.runs("revoked") {
		fmt.Fprintf(w, "\n### N concurrent 401s, revoked token\n\n")
		fmt.Fprintf(w, "The API holds its 401s until all N requests are waiting, then answers them at once; latency counts from then.\n\n")
		fmt.Fprintln(w, "| N | client | 401s | token calls | failures | p50 | p99 |")
		fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|")
		res.revoked = storms("revoked", revokedStorm)
		for _, r := range summarize(res.revoked) {
			fmt.Fprintf(w, "| %d | %s | %d | %d | %d | %s | %s |\n", r.N, r.Client, r.Held, r.TokenCalls, r.Failures, msf(r.OK, r.P50), msf(r.OK, r.P99))
		}
	}
	if cfg.runs("steady") {
		fmt.Fprintf(w, "\n### Steady load, %d workers, %d token lifetimes of %v\n\n", cfg.workers, cfg.lifetimes, cfg.lifetime)
		fmt.Fprintf(w, "bearerkit: RefreshWindow %v, ExpirySkew %v; x/oauth2: ReuseTokenSourceWithExpiry(%v).\n\n",
			steadyWindow(cfg.lifetime), steadySkew(cfg.lifetime), steadySkew(cfg.lifetime))
		fmt.Fprintln(w, "| client | requests | renewals | renewals a request waited for | late background renewals | failures | p50 | p99 | p100 |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, c := range cfg.clients("steady", 0) {
			runtime.GC()
			r := steadyLoad(c, cfg)
			res.steady = append(res.steady, r)
			late := strconv.FormatInt(r.late, 10)
			if c != "bearerkit" {
				late = "n/a"
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %d | %s | %s | %s |\n", r.client, r.requests, r.renewals,
				r.syncRenewals, late, r.failures, ms(r.lat.p(50)), ms(r.lat.p(99)), ms(r.lat.p(100)))
			if r.firstErr != "" {
				fmt.Fprintf(w, "\n(%s first failure: %s)\n\n", c, r.firstErr)
			}
		}
	}
	fmt.Fprintln(w)
	return res, nil
}

// summary is the figures of one (scenario, N, client) over its rounds, as
// printed and written by -json (milliseconds).
type summary = stormjson.Storm

// summarize groups rows by (N, client), in order of first appearance.
func summarize(rows []row) []summary {
	var out []summary
	idx := map[string]int{}
	for _, r := range rows {
		k := strconv.Itoa(r.n) + "/" + r.client
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, summary{N: r.n, Client: r.client, Held: r.held})
		}
		s := &out[i]
		s.Rounds++
		s.TokenCalls = max(s.TokenCalls, r.tokenCalls)
		s.Failures += r.failures
		s.Held = min(s.Held, r.held)
		if r.failures == 0 {
			s.P50s = append(s.P50s, msOf(r.lat.p(50)))
			s.P99s = append(s.P99s, msOf(r.lat.p(99)))
		}
	}
	for i := range out {
		if out[i].OK = len(out[i].P50s) > 0; out[i].OK {
			out[i].P50, out[i].P99 = median(out[i].P50s), median(out[i].P99s)
		}
	}
	// Keep bearerkit before x/oauth2 for each N, whatever the round order.
	slices.SortStableFunc(out, func(a, b summary) int {
		if a.N != b.N {
			return a.N - b.N
		}
		return strings.Compare(a.Client, b.Client)
	})
	return out
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median of xs (not empty).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// msf prints milliseconds; a dash when there is no figure (every round
// had failures).
func msf(ok bool, v float64) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.2f ms", v)
}

func writeJSON(path string, res *results) error {
	out := stormjson.Results{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(),
		Expired: summarize(res.expired), Revoked: summarize(res.revoked)}
	for _, r := range res.steady {
		out.Steady = append(out.Steady, stormjson.Steady{Client: r.client, Requests: r.requests, Renewals: r.renewals,
			SyncRenewals: r.syncRenewals, Late: r.late, Failures: r.failures,
			P50: msOf(r.lat.p(50)), P99: msOf(r.lat.p(99)), P100: msOf(r.lat.p(100))})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func header(w io.Writer) {
	fmt.Fprintln(w, "| N | client | token calls | failures | p50 | p99 |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|")
}

func printSummary(w io.Writer, r summary) {
	fmt.Fprintf(w, "| %d | %s | %d | %d | %s | %s |\n", r.N, r.Client, r.TokenCalls, r.Failures, msf(r.OK, r.P50), msf(r.OK, r.P99))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// ---------------------------------------------------------------------------
// The emulated platform: a token endpoint and an API, both in memory.

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// server issues tokens and checks them.
type server struct {
	delay time.Duration
	life  time.Duration

	tokenCalls    atomic.Int64
	passwordSends atomic.Int64

	mu      sync.RWMutex
	seq     int
	expires map[string]time.Time // access token -> expiry
	revoked map[string]bool

	// hold makes the API keep its 401s to a revoked token until hold of
	// them are waiting, so that they are answered at once (released).
	hold       int
	arrived    int
	release    chan struct{}
	releasedAt time.Time
}

func newServer(delay, life time.Duration) *server {
	return &server{delay: delay, life: life, expires: map[string]time.Time{}, revoked: map[string]bool{}}
}

// issue mints a token pair that expires at now+life (life may be negative).
func (s *server) issue(life time.Duration) (access, refresh string, expiry time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	access = fmt.Sprintf("at-%d-%s", s.seq, strings.Repeat("x", 16))
	refresh = fmt.Sprintf("rt-%d", s.seq)
	expiry = time.Now().Add(life)
	s.expires[access] = expiry
	return access, refresh, expiry
}

func (s *server) revoke(access string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[access] = true
}

// holdUnauthorized waits until s.hold requests carrying a revoked token
// have arrived (at most requestTimeout/2), then lets them all go.
func (s *server) holdUnauthorized() {
	s.mu.Lock()
	if s.hold == 0 || s.arrived >= s.hold {
		s.mu.Unlock()
		return
	}
	s.arrived++
	if s.arrived == s.hold {
		s.releasedAt = time.Now()
		close(s.release)
	}
	rel := s.release
	s.mu.Unlock()
	t := time.NewTimer(requestTimeout / 2)
	defer t.Stop()
	select {
	case <-rel:
	case <-t.C:
	}
}

// since returns how long ago a request that started at t0 was answered
// its 401, or started if its 401 was not held.
func (s *server) since(t0 time.Time) time.Duration {
	s.mu.RLock()
	ref := s.releasedAt
	s.mu.RUnlock()
	if ref.After(t0) {
		t0 = ref
	}
	return time.Since(t0)
}

func (s *server) valid(access string, now time.Time) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	exp, ok := s.expires[access]
	return ok && !s.revoked[access] && now.Before(exp)
}

func respond(req *http.Request, status int, ctype, body string) *http.Response {
	h := http.Header{"Content-Type": {ctype}}
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}

// tokenEndpoint answers any grant after s.delay with a new token.
func (s *server) tokenEndpoint() http.RoundTripper {
	return rtFunc(func(req *http.Request) (*http.Response, error) {
		s.tokenCalls.Add(1)
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		form, _ := url.ParseQuery(string(b))
		if form.Get("password") != "" {
			s.passwordSends.Add(1)
		}
		t := time.NewTimer(s.delay)
		select {
		case <-t.C:
		case <-req.Context().Done():
			t.Stop()
			return nil, req.Context().Err()
		}
		if form.Get("grant_type") == "refresh_token" && form.Get("refresh_token") == "" {
			return respond(req, http.StatusBadRequest, "application/json", `{"error":"invalid_request"}`), nil
		}
		access, refresh, _ := s.issue(s.life)
		body, _ := json.Marshal(map[string]any{
			"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
			"expires_in": int64(math.Ceil(s.life.Seconds())),
		})
		return respond(req, http.StatusOK, "application/json", string(body)), nil
	})
}

// api answers 200 to a valid bearer token and 401 otherwise.
func (s *server) api() http.RoundTripper {
	return rtFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body != nil {
			req.Body.Close()
		}
		tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
		if !ok || !s.valid(tok, time.Now()) {
			s.holdUnauthorized()
			return respond(req, http.StatusUnauthorized, "application/json", `{"error":"invalid_token"}`), nil
		}
		return respond(req, http.StatusOK, "text/plain", "ok"), nil
	})
}

// ---------------------------------------------------------------------------
// The two clients.

// reqKey marks the context of a measured request, so that an Authenticate
// called from it (a renewal a request had to wait for) can be told from a
// background one, which runs on context.Background().
type reqKey struct{}

// observedAuth counts the renewals of a bearerkit Transport.
type observedAuth struct {
	inner        bearerkit.Authenticator
	skew         time.Duration
	syncRenewals atomic.Int64
	late         atomic.Int64
}

func (a *observedAuth) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	fromRequest := ctx.Value(reqKey{}) != nil
	if fromRequest {
		a.syncRenewals.Add(1)
	}
	tok, err := a.inner.Authenticate(ctx, prev)
	if !fromRequest && prev != nil && !prev.Expiry.IsZero() && !time.Now().Before(prev.Expiry.Add(-a.skew)) {
		a.late.Add(1)
	}
	return tok, err
}

// newBearerkit returns a bearerkit client whose stored token is
// (access, refresh, expiry).
func newBearerkit(s *server, access, refresh string, expiry time.Time, configure func(*bearerkit.Transport)) (*http.Client, *observedAuth) {
	tc := &http.Client{Transport: s.tokenEndpoint()}
	auth := &observedAuth{inner: bearerkit.Fallback(
		bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: clientID, HTTPClient: tc},
		bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: clientID, Username: "storm", Password: "storm-password", HTTPClient: tc},
	)}
	store := &bearerkit.MemoryStore{}
	_ = store.Save(context.Background(), &bearerkit.Token{AccessToken: access, TokenType: "Bearer", RefreshToken: refresh, Expiry: expiry})
	tr := &bearerkit.Transport{Auth: auth, Base: s.api(), Store: store}
	if configure != nil {
		configure(tr)
	}
	auth.skew = tr.ExpirySkew
	return &http.Client{Transport: tr}, auth
}

// newOAuth2 returns an oauth2.Transport over ReuseTokenSource over the
// refreshing TokenSource of an oauth2.Config, starting with the token
// (access, refresh, expiry).
func newOAuth2(s *server, access, refresh string, expiry time.Time, earlyExpiry time.Duration) *http.Client {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: s.tokenEndpoint()})
	conf := &oauth2.Config{ClientID: clientID, Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	tok := &oauth2.Token{AccessToken: access, TokenType: "Bearer", RefreshToken: refresh, Expiry: expiry}
	var src oauth2.TokenSource
	if earlyExpiry > 0 {
		src = oauth2.ReuseTokenSourceWithExpiry(tok, conf.TokenSource(ctx, tok), earlyExpiry)
	} else {
		src = oauth2.ReuseTokenSource(tok, conf.TokenSource(ctx, tok))
	}
	return &http.Client{Transport: &oauth2.Transport{Source: src, Base: s.api()}}
}

// oauth2Retry names the x/oauth2 client of the revoked storm that survives
// a 401 as a careful user would make it (oauth2.Transport never reacts to
// one): see retryRT.
const oauth2Retry = "x/oauth2+retry"

// retryRT is what a user of x/oauth2 writes to survive a revoked token: on
// a 401 it replaces the token source, once per generation, with a new one
// holding the refused token marked expired (so that its refresh token is
// used, under the new source's mutex: one token call for any number of
// 401s), and sends the request once more.
type retryRT struct {
	conf *oauth2.Config
	ctx  context.Context
	base http.RoundTripper

	mu  sync.Mutex
	tr  *oauth2.Transport
	src oauth2.TokenSource
	gen int
}

func newOAuth2Retry(s *server, access, refresh string, expiry time.Time) *http.Client {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: s.tokenEndpoint()})
	conf := &oauth2.Config{ClientID: clientID, Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	src := conf.TokenSource(ctx, &oauth2.Token{AccessToken: access, TokenType: "Bearer", RefreshToken: refresh, Expiry: expiry})
	r := &retryRT{conf: conf, ctx: ctx, base: s.api(), src: src, tr: &oauth2.Transport{Source: src, Base: s.api()}}
	return &http.Client{Transport: r}
}

func (r *retryRT) current() (*oauth2.Transport, oauth2.TokenSource, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tr, r.src, r.gen
}

func (r *retryRT) RoundTrip(req *http.Request) (*http.Response, error) {
	tr, src, gen := r.current()
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.Body != http.NoBody) {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.mu.Lock()
	if r.gen == gen {
		old, err := src.Token()
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		dead := *old
		dead.Expiry = time.Unix(1, 0)
		r.src = r.conf.TokenSource(r.ctx, &dead)
		r.tr = &oauth2.Transport{Source: r.src, Base: r.base}
		r.gen++
	}
	tr = r.tr
	r.mu.Unlock()
	return tr.RoundTrip(req)
}

// ---------------------------------------------------------------------------
// Scenarios.

// storm sends one GET from each of n goroutines, all released at once.
func storm(s *server, hc *http.Client, n int) (failures int64, lat latencies, firstErr string) {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		fails atomic.Int64
		errMu sync.Mutex
	)
	lat = make(latencies, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			ok, msg := get(context.Background(), hc)
			lat[i] = s.since(t0)
			if !ok {
				fails.Add(1)
				errMu.Lock()
				if firstErr == "" {
					firstErr = msg
				}
				errMu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return fails.Load(), lat, firstErr
}

// get sends one request and reports whether it got a 200.
func get(ctx context.Context, hc *http.Client) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, err.Error()
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, resp.Status
	}
	return true, ""
}

// expiredStorm: n goroutines, an expired token, one token endpoint.
func expiredStorm(client string, n int, delay time.Duration) row {
	s := newServer(delay, time.Hour)
	access, refresh, expiry := s.issue(-time.Minute)
	var hc *http.Client
	if client == "bearerkit" {
		hc, _ = newBearerkit(s, access, refresh, expiry, nil)
	} else {
		hc = newOAuth2(s, access, refresh, expiry, 0)
	}
	f, lat, msg := storm(s, hc, n)
	return row{n: n, client: client, tokenCalls: s.tokenCalls.Load(), failures: f, lat: lat, firstErr: msg}
}

// revokedStorm: n goroutines, a token that has not expired but that the
// API answers 401 to.
func revokedStorm(client string, n int, delay time.Duration) row {
	s := newServer(delay, time.Hour)
	access, refresh, expiry := s.issue(time.Hour)
	s.revoke(access)
	s.hold, s.release = n, make(chan struct{})
	var hc *http.Client
	switch client {
	case "bearerkit":
		hc, _ = newBearerkit(s, access, refresh, expiry, nil)
	case oauth2Retry:
		hc = newOAuth2Retry(s, access, refresh, expiry)
	default:
		hc = newOAuth2(s, access, refresh, expiry, 0)
	}
	f, lat, msg := storm(s, hc, n)
	s.mu.RLock()
	held := s.arrived
	s.mu.RUnlock()
	return row{n: n, client: client, tokenCalls: s.tokenCalls.Load(), failures: f, lat: lat, firstErr: msg, held: held}
}

func steadyWindow(life time.Duration) time.Duration { return life / 2 }
func steadySkew(life time.Duration) time.Duration   { return life / 10 }

// steadyLoad: cfg.workers goroutines send requests, cfg.pause apart, for
// cfg.lifetimes token lifetimes.
func steadyLoad(client string, cfg config) steadyRow {
	s := newServer(cfg.delay, cfg.lifetime)
	access, refresh, expiry := s.issue(cfg.lifetime)
	skew := steadySkew(cfg.lifetime)
	var (
		hc   *http.Client
		auth *observedAuth
	)
	if client == "bearerkit" {
		hc, auth = newBearerkit(s, access, refresh, expiry, func(tr *bearerkit.Transport) {
			tr.RefreshWindow = steadyWindow(cfg.lifetime)
			tr.ExpirySkew = skew
		})
	} else {
		hc = newOAuth2(s, access, refresh, expiry, skew)
	}
	ctx := context.WithValue(context.Background(), reqKey{}, true)
	deadline := time.Now().Add(time.Duration(cfg.lifetimes) * cfg.lifetime)
	per := make([]latencies, cfg.workers)
	var (
		wg       sync.WaitGroup
		failures atomic.Int64
		errMu    sync.Mutex
		firstErr string
	)
	for w := range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxPerWorker && time.Now().Before(deadline); i++ {
				t0 := time.Now()
				ok, msg := get(ctx, hc)
				per[w] = append(per[w], time.Since(t0))
				if !ok {
					failures.Add(1)
					errMu.Lock()
					if firstErr == "" {
						firstErr = msg
					}
					errMu.Unlock()
				}
				time.Sleep(cfg.pause)
			}
		}()
	}
	wg.Wait()
	r := steadyRow{client: client, renewals: s.tokenCalls.Load(), failures: failures.Load(), firstErr: firstErr}
	for _, l := range per {
		r.lat = append(r.lat, l...)
	}
	r.requests = len(r.lat)
	if auth != nil {
		r.syncRenewals, r.late = auth.syncRenewals.Load(), auth.late.Load()
		// Let a background renewal the last requests started finish, so
		// that nothing is left running.
		time.Sleep(cfg.delay + 50*time.Millisecond)
	} else {
		r.syncRenewals = r.renewals
	}
	return r
}

// latencies are request durations.
type latencies []time.Duration

// p returns the q-th percentile (0 < q <= 100), nearest rank.
func (l latencies) p(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(q/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
