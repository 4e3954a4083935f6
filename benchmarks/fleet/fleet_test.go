package fleet

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/redisstore"
)

// addr is the redis-server of the test binary ("" without one).
var addr string

// TestMain starts one redis-server on a free loopback TCP port, with
// persistence off, for the benchmarks and tests of this package.
func TestMain(m *testing.M) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet: redis-server not found: the fleet benchmarks skip")
		os.Exit(m.Run())
	}
	stop, err := startRedis(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet: starting redis-server:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

func startRedis(bin string) (stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "fleet-redis")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a := "127.0.0.1:" + strconv.Itoa(port)
	c := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			os.RemoveAll(dir)
			return nil, fmt.Errorf("redis-server on %s did not answer", a)
		}
	}
	addr = a
	return func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}, nil
}

// tokenRT is a token endpoint answering at once with a new token each time
// (as a real one does: the Coordinator compares tokens), counting calls.
type tokenRT struct{ calls atomic.Int64 }

func (t *tokenRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	n := t.calls.Add(1)
	body := `{"access_token":"at-` + strconv.FormatInt(n, 10) + `-eyJhbGciOiJIUzI1NiJ9","token_type":"Bearer","refresh_token":"rt-` + strconv.FormatInt(n, 10) + `","expires_in":3600}`
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}, nil
}

// refusingAPI answers 401 to every request.
type refusingAPI struct{}

func (refusingAPI) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{Status: "401 Unauthorized", StatusCode: http.StatusUnauthorized, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

// oneShotBody cannot be replayed, so that the Transport renews after the
// 401 and returns it: one request, one renewal.
type oneShotBody struct{}

func (oneShotBody) Read([]byte) (int, error) { return 0, io.EOF }
func (oneShotBody) Close() error             { return nil }

func request() *http.Request {
	req, err := http.NewRequest(http.MethodPost, "https://api.example.com/v1/items", nil)
	if err != nil {
		panic(err)
	}
	req.Body = oneShotBody{}
	return req
}

// client is one Transport whose every request costs one renewal through
// store.
func client(store bearerkit.TokenStore, tokens *tokenRT) *bearerkit.Transport {
	return &bearerkit.Transport{
		Auth: bearerkit.Fallback(
			bearerkit.RefreshGrant{TokenURL: "https://auth.example.com/token", ClientID: "fleet", HTTPClient: &http.Client{Transport: tokens}},
			bearerkit.PasswordGrant{TokenURL: "https://auth.example.com/token", ClientID: "fleet", Username: "u", Password: "p", HTTPClient: &http.Client{Transport: tokens}},
		),
		Store: store,
		Base:  refusingAPI{},
	}
}

var nsSeq atomic.Int64

// newStore returns a store of the kind named, in a namespace of its own.
func newStore(tb testing.TB, kind string, rdb *redis.Client) bearerkit.TokenStore {
	if kind == "memory" {
		return &bearerkit.MemoryStore{}
	}
	s, err := redisstore.New(rdb, fmt.Sprintf("bench-%d-%d", os.Getpid(), nsSeq.Add(1)))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func newRedis(tb testing.TB) *redis.Client {
	if addr == "" {
		tb.Skip("redis-server not found")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, PoolSize: 64})
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

func send(rt http.RoundTripper) error {
	resp, err := rt.RoundTrip(request())
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkFleet: one renewal per operation. store=memory is the local
// Coordinator, store=redis the Redis one on loopback TCP; parallel runs
// 4×GOMAXPROCS clients, each in a namespace of its own (so that each
// renewal is a real one), and reports renewals/s.
func BenchmarkFleet(b *testing.B) {
	rdb := newRedis(b)
	for _, kind := range []string{"memory", "redis"} {
		b.Run("store="+kind+"/mode=serial", func(b *testing.B) {
			tokens := &tokenRT{}
			tr := client(newStore(b, kind, rdb), tokens)
			if err := send(tr); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			t0 := time.Now()
			for b.Loop() {
				if err := send(tr); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "renewals/s")
		})
		b.Run("store="+kind+"/mode=parallel", func(b *testing.B) {
			tokens := &tokenRT{}
			var mu sync.Mutex
			b.ReportAllocs()
			b.SetParallelism(4)
			t0 := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				mu.Lock()
				tr := client(newStore(b, kind, rdb), tokens)
				mu.Unlock()
				for pb.Next() {
					if err := send(tr); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "renewals/s")
		})
	}
}

// TestFleet checks what the benchmark counts: every request renews once,
// through Redis, and Redis holds the newest token.
func TestFleet(t *testing.T) {
	rdb := newRedis(t)
	tokens := &tokenRT{}
	store := newStore(t, "redis", rdb)
	tr := client(store, tokens)
	for i := range 5 {
		if err := send(tr); err != nil {
			t.Fatal(err)
		}
		// The first request logs in, then renews after its 401.
		if got, want := tokens.calls.Load(), int64(i+2); got != want {
			t.Fatalf("after %d requests: %d token calls, want %d", i+1, got, want)
		}
	}
	stored, err := store.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := "at-6-"; stored == nil || !strings.HasPrefix(stored.AccessToken, want) {
		t.Errorf("Redis holds %v, want the token of the sixth call", stored)
	}
}
