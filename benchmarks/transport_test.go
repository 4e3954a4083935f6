package benchmarks

// Benchmarks of the hot path (issue 2 "Proof", issue 5 "Benchmarks").
//
//	go test -run '^$' -bench 'Transport|Loopback' -benchmem -count 6 . | tee bench.txt
//	benchstat -col /impl bench.txt
//
// Besides ns/op each row reports cpu-ns/op, the process CPU time per
// operation, which a loaded machine disturbs much less than wall time.
//
// BenchmarkTransport sends through a base RoundTripper that answers with a
// canned response (no network), so it measures only what each
// authenticating layer adds: impl=bare is the baseline, impl=floor the
// cheapest layer that still honours the RoundTripper contract, then
// golang.org/x/oauth2 and bearerkit. BenchmarkLoopback does the same over a
// real keep-alive connection to an httptest server.

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
)

const benchAccess = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl"

// bareRT is the baseline: it answers every request with the same canned,
// immutable response and does nothing else.
type bareRT struct{ resp *http.Response }

func newBare() *bareRT {
	return &bareRT{resp: &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       http.NoBody,
	}}
}

func (b *bareRT) RoundTrip(*http.Request) (*http.Response, error) { return b.resp, nil }

// floorRT is the cheapest authenticating RoundTripper that keeps the
// contract: one shallow copy of the request, one new header map holding
// the caller's headers plus a precomputed Authorization value. It never
// modifies the caller's request; the body is closed by base.
type floorRT struct {
	base http.RoundTripper
	auth []string // shared, never written
}

func (f *floorRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r2 := new(http.Request)
	*r2 = *req
	h := make(http.Header, len(req.Header)+1)
	for k, v := range req.Header {
		h[k] = v
	}
	h["Authorization"] = f.auth
	r2.Header = h
	return f.base.RoundTrip(r2)
}

// benchAuth hands out one valid token that expires in an hour, so that the
// expiry checks of the hot path run but no renewal is due.
var benchAuth = bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
	return &bearerkit.Token{AccessToken: benchAccess, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
})

func oauth2Token() *oauth2.Token {
	return &oauth2.Token{AccessToken: benchAccess, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
}

type benchImpl struct {
	name string
	// wrap returns the authenticating layer over base (base itself for
	// bare). baseURL is the API's base URL (for NewClient).
	wrap func(tb testing.TB, base http.RoundTripper, baseURL string) http.RoundTripper
}

var benchImpls = []benchImpl{
	{"bare", func(_ testing.TB, base http.RoundTripper, _ string) http.RoundTripper { return base }},
	{"floor", func(_ testing.TB, base http.RoundTripper, _ string) http.RoundTripper {
		return &floorRT{base: base, auth: []string{"Bearer " + benchAccess}}
	}},
	// oauth2 as oauth2.Config.Client and clientcredentials build it: a
	// ReuseTokenSource (a mutex and an expiry check per request).
	{"oauth2", func(_ testing.TB, base http.RoundTripper, _ string) http.RoundTripper {
		return &oauth2.Transport{Source: oauth2.ReuseTokenSource(oauth2Token(), oauth2.StaticTokenSource(oauth2Token())), Base: base}
	}},
	// oauth2's cheapest form: a static source, no expiry check at all.
	{"oauth2static", func(_ testing.TB, base http.RoundTripper, _ string) http.RoundTripper {
		return &oauth2.Transport{Source: oauth2.StaticTokenSource(oauth2Token()), Base: base}
	}},
	{"bearerkit", func(tb testing.TB, base http.RoundTripper, _ string) http.RoundTripper {
		return &bearerkit.Transport{Auth: benchAuth, Base: base}
	}},
	// The transport of NewClient: the same, plus the origin check.
	{"bearerkitclient", func(tb testing.TB, base http.RoundTripper, baseURL string) http.RoundTripper {
		c, err := bearerkit.NewClient(baseURL, benchAuth, bearerkit.WithHTTPClient(&http.Client{Transport: base}))
		if err != nil {
			tb.Fatal(err)
		}
		return c.HTTPClient().Transport
	}},
}

// benchHeaders are ten headers a real API client sends.
var benchHeaders = http.Header{
	"Accept":          {"application/json"},
	"Accept-Encoding": {"gzip"},
	"Accept-Language": {"en-US,en;q=0.9"},
	"Cache-Control":   {"no-cache"},
	"Content-Type":    {"application/json"},
	"User-Agent":      {"bearerkit-bench/1.0"},
	"X-Request-Id":    {"3f1c2b9e-6d4a-4c1e-9b7a-2e5f8d0c1a7b"},
	"X-Client-Name":   {"bench"},
	"Traceparent":     {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	"X-Tenant":        {"acme"},
}

func benchRequest(tb testing.TB, url string, nh int) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	switch nh {
	case 0:
	case len(benchHeaders):
		req.Header = benchHeaders.Clone()
	default:
		tb.Fatalf("no set of %d headers", nh)
	}
	return req
}

// roundTrip sends req through rt, checks the answer, reads and closes its
// body.
func roundTrip(rt http.RoundTripper, req *http.Request) error {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return &statusError{resp.StatusCode}
	}
	if resp.Body != http.NoBody {
		io.Copy(io.Discard, resp.Body)
	}
	return resp.Body.Close()
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "unexpected status " + strconv.Itoa(e.code) }

// runBoth runs the serial and RunParallel forms of one case. newReq makes
// a request per goroutine (a request must not be reused before the
// response to it is closed).
func runBoth(b *testing.B, rt http.RoundTripper, newReq func() *http.Request) {
	b.Run("mode=serial", func(b *testing.B) {
		req := newReq()
		if err := roundTrip(rt, req); err != nil { // warm up: log in, dial
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		for b.Loop() {
			if err := roundTrip(rt, req); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("mode=parallel", func(b *testing.B) {
		if err := roundTrip(rt, newReq()); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			req := newReq()
			for pb.Next() {
				if err := roundTrip(rt, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportCPU(b, cpu)
	})
}

// reportCPU reports the process CPU time per operation since start
// (cpu-ns/op, all threads, the garbage collector's work included). Unlike
// ns/op it does not count time the process spent waiting for a CPU, so it
// compares implementations fairly on a loaded machine. In parallel mode it
// is the CPU cost of one operation, not its latency.
func reportCPU(b *testing.B, start int64) {
	if start < 0 || b.N == 0 {
		return
	}
	if end := processCPU(); end >= start {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkTransport is the hot path without a network: what each layer
// adds to a base RoundTripper that answers at once.
func BenchmarkTransport(b *testing.B) {
	const baseURL = "https://api.example.com"
	for _, nh := range []int{0, 10} {
		for _, impl := range benchImpls {
			b.Run("headers="+strconv.Itoa(nh)+"/impl="+impl.name, func(b *testing.B) {
				rt := impl.wrap(b, newBare(), baseURL)
				runBoth(b, rt, func() *http.Request { return benchRequest(b, baseURL+"/v1/items?page=2", nh) })
			})
		}
	}
}

// BenchmarkLoopback sends over a keep-alive connection to an httptest
// server, one http.Transport per implementation.
func BenchmarkLoopback(b *testing.B) {
	body := []byte(`{"items":[]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	for _, nh := range []int{0, 10} {
		for _, impl := range benchImpls {
			if impl.name == "floor" || impl.name == "oauth2static" || impl.name == "bearerkitclient" {
				continue
			}
			b.Run("headers="+strconv.Itoa(nh)+"/impl="+impl.name, func(b *testing.B) {
				tr := http.DefaultTransport.(*http.Transport).Clone()
				tr.MaxIdleConnsPerHost = 64
				defer tr.CloseIdleConnections()
				rt := impl.wrap(b, tr, srv.URL)
				runBoth(b, rt, func() *http.Request { return benchRequest(b, srv.URL+"/v1/items?page=2", nh) })
			})
		}
	}
}

// TestBenchImpls checks that every benchmarked layer does its job, so that
// the figures compare like with like: the base sees the Authorization
// header and the caller's headers, and the caller's request is untouched.
func TestBenchImpls(t *testing.T) {
	const baseURL = "https://api.example.com"
	for _, impl := range benchImpls {
		for _, nh := range []int{0, 10} {
			rec := &recordRT{bare: newBare()}
			rt := impl.wrap(t, rec, baseURL)
			req := benchRequest(t, baseURL+"/v1/items", nh)
			before := req.Header.Clone()
			for i := 0; i < 2; i++ {
				if err := roundTrip(rt, req); err != nil {
					t.Fatalf("%s: %v", impl.name, err)
				}
			}
			got := rec.last.Header
			wantAuth := "Bearer " + benchAccess
			if impl.name == "bare" {
				wantAuth = ""
			}
			if a := got.Get("Authorization"); a != wantAuth {
				t.Errorf("%s, %d headers: Authorization = %q, want %q", impl.name, nh, a, wantAuth)
			}
			for k := range benchRequest(t, baseURL, nh).Header {
				if got.Get(k) == "" {
					t.Errorf("%s: header %s not sent", impl.name, k)
				}
			}
			if len(req.Header) != len(before) || req.Header.Get("Authorization") != "" {
				t.Errorf("%s: caller's request modified: %v", impl.name, req.Header)
			}
		}
	}
}

type recordRT struct {
	bare *bareRT
	last *http.Request
}

func (r *recordRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.last = req
	return r.bare.RoundTrip(req)
}
