package bearerkit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// gatedTokenServer is a real token endpoint over net/http that answers a
// refresh after gate is closed, counting the requests it received.
type gatedTokenServer struct {
	*httptest.Server
	calls atomic.Int64
	gate  chan struct{}
	once  sync.Once
}

// open lets the token requests be answered.
func (s *gatedTokenServer) open() { s.once.Do(func() { close(s.gate) }) }

func newGatedTokenServer(t *testing.T) *gatedTokenServer {
	s := &gatedTokenServer{gate: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.calls.Add(1)
		select {
		case <-s.gate:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"nethttp-`+string(rune('0'+n))+`","token_type":"Bearer","refresh_token":"rt-next","expires_in":3600}`)
	}))
	t.Cleanup(s.Close)
	t.Cleanup(s.open)
	return s
}

// netHTTPTransport renews an expired stored token with a RefreshGrant over
// net/http's Transport, as most users configure it.
func netHTTPTransport(s *gatedTokenServer, timeout time.Duration) *bearerkit.Transport {
	store := &bearerkit.MemoryStore{}
	_ = store.Save(context.Background(), &bearerkit.Token{AccessToken: "old", RefreshToken: "rt-old", Expiry: time.Now().Add(-time.Minute)})
	return &bearerkit.Transport{
		Auth:         bearerkit.RefreshGrant{TokenURL: s.URL + "/token", ClientID: "app", HTTPClient: &http.Client{Transport: &http.Transport{}}},
		Store:        store,
		Base:         okBase,
		RenewTimeout: timeout,
	}
}

// A renewal over net/http is bounded by RenewTimeout: a token endpoint that
// never answers gives an error, and the next request tries again.
func TestNetHTTPRenewalIsBounded(t *testing.T) {
	t.Parallel()
	s := newGatedTokenServer(t)
	tr := netHTTPTransport(s, 300*time.Millisecond)
	_, err := tr.Token(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualValues(t, 1, s.calls.Load())
	s.open()
	tok, err := tr.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "nethttp-2", tok.AccessToken)
}

// Requests that join a renewal over net/http wait for it (one token request
// for all, counted at the server); one whose context ends leaves at once,
// and the renewal goes on for the others.
func TestNetHTTPRenewalWaiters(t *testing.T) {
	t.Parallel()
	s := newGatedTokenServer(t)
	tr := netHTTPTransport(s, 10*time.Second)
	const n = 20
	tokens := make(chan string, n)
	for range n {
		go func() {
			tok, err := tr.Token(context.Background())
			if !assert.NoError(t, err) {
				tokens <- ""
				return
			}
			tokens <- tok.AccessToken
		}()
	}
	require.Eventually(t, func() bool { return bearerkit.FlightWaiters(tr) == n }, 10*time.Second, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	quit := make(chan error, 1)
	go func() {
		_, err := tr.Token(ctx)
		quit <- err
	}()
	require.Eventually(t, func() bool { return bearerkit.FlightWaiters(tr) == n+1 }, 10*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-quit, context.Canceled, "a waiter whose context ends leaves while the renewal runs")
	s.open()
	for range n {
		assert.Equal(t, "nethttp-1", <-tokens)
	}
	assert.EqualValues(t, 1, s.calls.Load(), "one token request for every waiter")
}
