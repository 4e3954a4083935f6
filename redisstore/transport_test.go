package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/redisstore"
)

// transportFor returns a client whose Transport keeps its token in st, against kc.
func transportFor(t *testing.T, kc *bearerkittest.Keycloak, st bearerkit.TokenStore) *http.Client {
	t.Helper()
	base := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(base.CloseIdleConnections)
	hc := &http.Client{Transport: base}
	return &http.Client{Transport: &bearerkit.Transport{
		Auth: bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), Username: bearerkittest.DefaultUsername,
			Password: bearerkittest.DefaultPassword, HTTPClient: hc},
		Base:         base,
		Store:        st,
		RenewTimeout: 5 * time.Second,
	}}
}

// get sends n requests at once and returns how many failed, and one error.
func get(t *testing.T, c *http.Client, url string, n int) (failed int, err error) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, e := c.Get(url)
			if e == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					e = errors.New(resp.Status)
				}
			}
			if e != nil {
				mu.Lock()
				failed, err = failed+1, e
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failed, err
}

// TestRequestsNeedNoRedis: with Redis killed, requests that carry a valid
// token keep working (even with WithFailWhenDown, which renews nothing
// without Redis); the first renewal then fails with ErrUnavailable without a
// token call; once Redis is back (empty) renewals work again.
func TestRequestsNeedNoRedis(t *testing.T) {
	srv := newServer(t)
	kc := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(time.Hour))
	st, _ := newStore(t, srv, redisstore.WithFailWhenDown())
	c := transportFor(t, kc, st)
	if n, err := get(t, c, kc.APIURL(), 1); n != 0 {
		t.Fatal(err)
	}
	srv.kill()
	if n, err := get(t, c, kc.APIURL(), 200); n != 0 {
		t.Fatalf("%d requests with a valid token failed without Redis: %v", n, err)
	}
	calls := kc.Stats().LoginAttempts + kc.Stats().Refreshes
	kc.KillAccessTokens()
	n, err := get(t, c, kc.APIURL(), 1)
	if n != 1 || !errors.Is(err, redisstore.ErrUnavailable) {
		t.Fatalf("a renewal without Redis in fail-when-down mode: %d failed, %v; want ErrUnavailable", n, err)
	}
	if now := kc.Stats().LoginAttempts + kc.Stats().Refreshes; now != calls {
		t.Fatalf("%d token calls without Redis in fail-when-down mode, want 0", now-calls)
	}
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	// The Store (and go-redis) try Redis again within a couple of seconds.
	fleetEventually(t, func() bool { n, _ := get(t, c, kc.APIURL(), 1); return n == 0 })
	if n, err := get(t, c, kc.APIURL(), 20); n != 0 {
		t.Fatalf("after Redis came back: %v", err)
	}
	if s := kc.Stats(); s.LoginAttempts != 1 || s.ReuseDetections != 0 {
		t.Fatalf("logins %d, reuse detections %d; want 1 and 0", s.LoginAttempts, s.ReuseDetections)
	}
	if tk, err := st.Load(context.Background()); err != nil || tk == nil {
		t.Fatalf("the renewed token is not in the restarted Redis: %v", err)
	}
}

// TestLocalFallback: with Redis down, a Store renews in the process, one
// renewal for however many callers, logged at Error without a secret; the
// token is written back when Redis returns (here: empty).
func TestLocalFallback(t *testing.T) {
	srv := newServer(t)
	var logs syncBuffer
	st, c := newStore(t, srv, redisstore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	prev := tok("prev", -time.Minute)
	srv.kill()
	var calls atomic.Int32
	renewed := tok("local", time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _, err := st.Renew(ctx, prev, func(_ context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
				calls.Add(1)
				if base.AccessToken != prev.AccessToken {
					return nil, errors.New("wrong base")
				}
				return renewed, nil
			})
			if err == nil && got.AccessToken != renewed.AccessToken {
				err = errors.New("another token")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("renew ran %d times for 16 callers without Redis, want 1", n)
	}
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "renewing in this process only") {
		t.Fatalf("the local renewal was not logged at Error:\n%s", out)
	}
	for _, secret := range append(forms(renewed.AccessToken), append(forms(renewed.RefreshToken), forms(prev.RefreshToken)...)...) {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds a secret:\n%s", out)
		}
	}
	// Redis comes back empty: the next renewal writes the local token back
	// first, and adopts it (it is newer than prev).
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	fleetEventually(t, func() bool { return c.Ping(ctx).Err() == nil })
	other := sibling(t, srv, st)
	fleetEventually(t, func() bool { // the Store leaves Redis alone for a second after it failed
		got, wasRenewed, err := st.Renew(ctx, prev, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
			return nil, errors.New("must adopt the local token")
		})
		if err != nil || wasRenewed || got.AccessToken != renewed.AccessToken {
			t.Fatalf("after Redis came back: %v renewed=%v %v", got, wasRenewed, err)
		}
		stored, err := other.Load(ctx)
		return err == nil && stored != nil && stored.AccessToken == renewed.AccessToken
	})
	if n := calls.Load(); n != 1 {
		t.Fatalf("renew ran %d times in all, want 1", n)
	}
}

func fleetEventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
