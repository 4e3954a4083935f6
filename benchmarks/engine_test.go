package benchmarks

// Behaviour checks of what the performance work changed in the engine,
// from outside: requests skip reading the clock while a timer says the
// token is far from its renewal instant, and must still renew exactly
// when they did; that timer must not keep a dropped Transport alive.

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"weak"

	"github.com/bearerkit/bearerkit"
)

// recordingRT records the Authorization of every request it answers.
type recordingRT struct{ last atomic.Value }

func (r *recordingRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.last.Store(req.Header.Get("Authorization"))
	return okAPI.resp, nil
}

func (r *recordingRT) auth() string { s, _ := r.last.Load().(string); return s }

// seqAuth hands out tok-1, tok-2, … valid for life each.
type seqAuth struct {
	n    atomic.Int64
	life time.Duration
}

func (a *seqAuth) Authenticate(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
	n := a.n.Add(1)
	return &bearerkit.Token{AccessToken: "tok-" + strconv.FormatInt(n, 10), Expiry: time.Now().Add(a.life)}, nil
}

// The instant a token must be renewed before sending is kept to the
// nanosecond of fake time, with requests in between that skip the clock.
func TestRenewalInstantsUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		window time.Duration // RefreshWindow
		at     time.Duration // when tok-1 stops being sent
	}{
		// life 100 s, skew 10 s: renew before sending from 90 s on.
		{"expiry", -1, 90 * time.Second},
		// window 40 s: a background renewal starts at 60 s; requests keep
		// tok-1 until it lands, at once in fake time.
		{"background", 40 * time.Second, 60 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := &recordingRT{}
				auth := &seqAuth{life: 100 * time.Second}
				tr := &bearerkit.Transport{Auth: auth, Base: api, ExpirySkew: 10 * time.Second, RefreshWindow: tc.window}
				start := time.Now()
				send := func() string {
					t.Helper()
					req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/v1/items", nil)
					resp, err := tr.RoundTrip(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					synctest.Wait() // a background renewal lands
					return api.auth()
				}
				// Requests every second up to just before the instant: all
				// carry tok-1 (the first ones set the timer, the rest skip
				// the clock).
				for i := 0; time.Since(start) < tc.at-time.Nanosecond; i++ {
					if got := send(); got != "Bearer tok-1" {
						t.Fatalf("at %v: sent %q, want tok-1", time.Since(start), got)
					}
					time.Sleep(time.Until(start.Add(min(time.Duration(i+1)*time.Second, tc.at-time.Nanosecond))))
				}
				if got := send(); got != "Bearer tok-1" {
					t.Fatalf("1 ns before %v: sent %q, want tok-1", tc.at, got)
				}
				time.Sleep(time.Nanosecond)
				got := send()
				if tc.window > 0 {
					// The request that found the window open started the
					// background renewal and carried tok-1; the next one
					// carries tok-2.
					if got != "Bearer tok-1" {
						t.Fatalf("at %v: sent %q, want tok-1", tc.at, got)
					}
					got = send()
				}
				if got != "Bearer tok-2" {
					t.Fatalf("at %v: sent %q, want tok-2", tc.at, got)
				}
				if n := auth.n.Load(); n != 2 {
					t.Errorf("%d logins, want 2", n)
				}
			})
		})
	}
}

// A Transport dropped with a valid token, its timer set, is collected.
func TestDroppedTransportIsCollected(t *testing.T) {
	api := &recordingRT{}
	tr := &bearerkit.Transport{Auth: &seqAuth{life: time.Hour}, Base: api}
	for range 3 { // the first logs in, the next set the timer
		req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/v1/items", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	wp := weak.Make(tr)
	tr = nil
	for range 10 {
		runtime.GC()
		if wp.Value() == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("the Transport is still reachable after it was dropped (its timer holds it?)")
}
