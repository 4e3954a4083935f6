package benchmarks

// Multi-tenant services hold one client per customer (issue 10, point 6).
// BenchmarkTenants makes -tenants clients of one implementation, each with
// its own client id, secret and stored refresh token, and reports the heap
// they hold (runtime.ReadMemStats after GC, divided by their number) while
// idle and after each has sent one request (its first renewal), and the
// goroutines they add. BenchmarkNewTenant is the cost of making one.
//
// x/oauth2's setup is what its documentation shows: an oauth2.Config and
// Config.Client(ctx, token) (an http.Client over an oauth2.Transport over
// ReuseTokenSource). bearerkit's is a Transport (over a MemoryStore holding
// the tenant's token, with a RefreshGrant) in an http.Client, and the same
// through NewClient, which adds the API client's own state. Both send
// their token and API requests through one shared RoundTripper.
//
//	go test -run '^$' -bench 'Tenants' -benchtime 1x -benchmem .
//	go test -run '^$' -bench 'NewTenant' -benchmem -count 6 .

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
)

var tenantsN = flag.Int("tenants", 10000, "clients BenchmarkTenants makes")

const (
	tenantAPI      = "https://api.example.com/v1/"
	tenantTokenURL = "https://auth.example.com/oauth/token"
	// tenantBody is the token endpoint's answer: valid for an hour.
	tenantBody = `{"access_token":"` + benchAccess + `","token_type":"Bearer","refresh_token":"rt-2b7c1e9a4f0d","expires_in":3600}`
)

// tenantRT answers token requests with tenantBody and API requests with
// 200, counting the token requests.
type tenantRT struct{ tokenCalls atomic.Int64 }

func (t *tenantRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != tenantTokenURL {
		if req.Body != nil {
			req.Body.Close()
		}
		return okAPI.resp, nil
	}
	t.tokenCalls.Add(1)
	resp, err := cannedTokenRT{}.RoundTrip(req)
	if err == nil {
		resp.Body = nopCloser{strings.NewReader(tenantBody)}
		resp.ContentLength = int64(len(tenantBody))
	}
	return resp, err
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

// tenant is one customer's credentials, made before anything is measured.
type tenant struct{ id, secret, refresh string }

func makeTenants(n int) []tenant {
	ts := make([]tenant, n)
	for i := range ts {
		ts[i] = tenant{
			id:      fmt.Sprintf("client-%06d", i),
			secret:  fmt.Sprintf("secret-%06d-%s", i, strings.Repeat("s", 24)),
			refresh: fmt.Sprintf("rt-%06d-%s", i, strings.Repeat("r", 32)),
		}
	}
	return ts
}

type tenantImpl struct {
	name string
	// make returns a tenant's client, ready to send API requests.
	make func(tb testing.TB, base *tenantRT, t tenant) *http.Client
}

var tenantExpiry = time.Now().Add(-time.Hour)

var tenantImpls = []tenantImpl{
	{"oauth2", func(_ testing.TB, base *tenantRT, t tenant) *http.Client {
		conf := &oauth2.Config{ClientID: t.id, ClientSecret: t.secret, Endpoint: oauth2.Endpoint{TokenURL: tenantTokenURL, AuthStyle: oauth2.AuthStyleInParams}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: base})
		return conf.Client(ctx, &oauth2.Token{AccessToken: "at-old", TokenType: "Bearer", RefreshToken: t.refresh, Expiry: tenantExpiry})
	}},
	{"bearerkit", func(tb testing.TB, base *tenantRT, t tenant) *http.Client {
		store := &bearerkit.MemoryStore{}
		if err := store.Save(context.Background(), &bearerkit.Token{AccessToken: "at-old", TokenType: "Bearer", RefreshToken: t.refresh, Expiry: tenantExpiry}); err != nil {
			tb.Fatal(err)
		}
		return &http.Client{Transport: &bearerkit.Transport{
			Auth:  bearerkit.RefreshGrant{TokenURL: tenantTokenURL, ClientID: t.id, ClientSecret: t.secret, AuthStyle: bearerkit.AuthStyleParams},
			Store: store,
			Base:  base,
		}}
	}},
	{"bearerkitclient", func(tb testing.TB, base *tenantRT, t tenant) *http.Client {
		store := &bearerkit.MemoryStore{}
		if err := store.Save(context.Background(), &bearerkit.Token{AccessToken: "at-old", TokenType: "Bearer", RefreshToken: t.refresh, Expiry: tenantExpiry}); err != nil {
			tb.Fatal(err)
		}
		c, err := bearerkit.NewClient(tenantAPI,
			bearerkit.RefreshGrant{TokenURL: tenantTokenURL, ClientID: t.id, ClientSecret: t.secret, AuthStyle: bearerkit.AuthStyleParams},
			bearerkit.WithHTTPClient(&http.Client{Transport: base}), bearerkit.WithTokenStore(store))
		if err != nil {
			tb.Fatal(err)
		}
		return c.HTTPClient()
	}},
}

// settledGoroutines waits for goroutines that are ending (a closed
// server's connections, say) to end, at most two seconds, and returns how
// many are left.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

// heap returns the live heap after a full collection.
func heap() (inuse, alloc uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.HeapAlloc
}

// tenantFigures is what measureTenants finds for one implementation.
type tenantFigures struct {
	idleInuse, idleAlloc       float64 // heap per idle client
	renewedInuse, renewedAlloc float64 // heap per client after its first request
	idleGoroutines             int     // goroutines added by the idle clients
	renewedGoroutines          int     // goroutines left after their requests
	tokenCalls                 int64
}

func measureTenants(tb testing.TB, impl tenantImpl, ts []tenant) tenantFigures {
	base := &tenantRT{}
	var f tenantFigures
	g0 := settledGoroutines()
	in0, al0 := heap()
	clients := make([]*http.Client, len(ts))
	for i, t := range ts {
		clients[i] = impl.make(tb, base, t)
	}
	in1, al1 := heap()
	f.idleGoroutines = runtime.NumGoroutine() - g0
	n := float64(len(ts))
	f.idleInuse, f.idleAlloc = (float64(in1)-float64(in0))/n, (float64(al1)-float64(al0))/n

	// One request each, a few at a time, as a service's traffic would.
	var wg sync.WaitGroup
	work := make(chan *http.Client)
	for range 8 {
		wg.Go(func() {
			for c := range work {
				resp, err := c.Get(tenantAPI + "items")
				if err != nil {
					tb.Error(err)
					continue
				}
				resp.Body.Close()
			}
		})
	}
	for _, c := range clients {
		work <- c
	}
	close(work)
	wg.Wait()
	// Renewal goroutines end as their renewal lands: wait for them, as
	// long as they keep ending.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > g0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	in2, al2 := heap()
	f.renewedGoroutines = runtime.NumGoroutine() - g0
	f.renewedInuse, f.renewedAlloc = (float64(in2)-float64(in0))/n, (float64(al2)-float64(al0))/n
	f.tokenCalls = base.tokenCalls.Load()
	runtime.KeepAlive(clients)
	runtime.KeepAlive(ts)
	return f
}

func BenchmarkTenants(b *testing.B) {
	ts := makeTenants(*tenantsN)
	for _, impl := range tenantImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			f := measureTenants(b, impl, ts)
			if f.tokenCalls != int64(len(ts)) {
				b.Fatalf("%d token requests for %d clients", f.tokenCalls, len(ts))
			}
			b.ReportMetric(f.idleInuse, "idle-inuse-B/client")
			b.ReportMetric(f.idleAlloc, "idle-live-B/client")
			b.ReportMetric(f.renewedInuse, "renewed-inuse-B/client")
			b.ReportMetric(f.renewedAlloc, "renewed-live-B/client")
			b.ReportMetric(float64(f.idleGoroutines)/float64(len(ts)), "idle-goroutines/client")
			b.ReportMetric(float64(f.renewedGoroutines)/float64(len(ts)), "renewed-goroutines/client")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func BenchmarkNewTenant(b *testing.B) {
	ts := makeTenants(1024)
	base := &tenantRT{}
	for _, impl := range tenantImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_ = impl.make(b, base, ts[i%len(ts)])
				i++
			}
		})
	}
}

// TestTenants checks the counting invariants of BenchmarkTenants exactly:
// one token request per client, and no goroutine left by an idle client or
// by one that has renewed.
func TestTenants(t *testing.T) {
	ts := makeTenants(500)
	for _, impl := range tenantImpls {
		f := measureTenants(t, impl, ts)
		if f.tokenCalls != int64(len(ts)) {
			t.Errorf("%s: %d token requests for %d clients", impl.name, f.tokenCalls, len(ts))
		}
		if f.idleGoroutines != 0 || f.renewedGoroutines != 0 {
			t.Errorf("%s: %d goroutines added by %d idle clients, %d after their first request; want 0 and 0",
				impl.name, f.idleGoroutines, len(ts), f.renewedGoroutines)
		}
		t.Logf("%s: idle %.0f B/client, renewed %.0f B/client (live heap)", impl.name, f.idleAlloc, f.renewedAlloc)
	}
}
