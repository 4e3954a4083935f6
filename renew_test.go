package bearerkit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Behaviour 3: the first request logs in, lazily.
func TestLazyFirstLogin(t *testing.T) {
	t.Parallel()
	a := &issuer{}
	rec := &recorder{}
	c, err := bearerkit.NewClient(apiURL, a, bearerkit.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	_ = c.HTTPClient()
	assert.Zero(t, a.calls.Load(), "NewClient and HTTPClient do not log in")
	for range 3 {
		resp, err := c.HTTPClient().Get(apiURL + "x")
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.EqualValues(t, 1, a.calls.Load())
	assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-1"}, rec.seen())
}

// Behaviour 3: a token is renewed before sending when it is within the
// skew of its expiry, the skew being at most a quarter of its lifetime.
func TestRenewWithinSkew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		life      time.Duration
		skew      time.Duration // Transport.ExpirySkew
		keepUntil time.Duration // still tok-1 this long after issue
		renewAt   time.Duration // renewed this long after issue
	}{
		{"default skew", time.Hour, 0, time.Hour - 31*time.Second, time.Hour - 29*time.Second},
		{"custom skew", time.Hour, 5 * time.Minute, time.Hour - 301*time.Second, time.Hour - 299*time.Second},
		{"skew capped at a quarter of the lifetime", time.Minute, 0, 44 * time.Second, 46 * time.Second},
		{"no skew", time.Hour, -1, time.Hour - time.Second, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			start := clk.Now()
			a := &issuer{life: tt.life, clk: clk}
			rec := &recorder{}
			tr := transport(a, rec, clk, func(tr *bearerkit.Transport) {
				tr.ExpirySkew = tt.skew
				tr.RefreshWindow = -1
			})
			_, _, err := send(t, tr, "https://api.example.com/")
			require.NoError(t, err)
			clk.Add(tt.keepUntil)
			_, _, err = send(t, tr, "https://api.example.com/")
			require.NoError(t, err)
			assert.EqualValues(t, 1, a.calls.Load())
			clk.Add(start.Add(tt.renewAt).Sub(clk.Now()))
			_, _, err = send(t, tr, "https://api.example.com/")
			require.NoError(t, err)
			assert.EqualValues(t, 2, a.calls.Load())
			assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-2"}, rec.seen(), "renewed before sending")
		})
	}
}

// Behaviour 3: inside the refresh window one background renewal starts
// while requests keep the still-valid token.
func TestBackgroundRenewal(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		started, release := make(chan struct{}), make(chan struct{})
		a := &issuer{life: time.Hour, clk: clk, hook: func(_ context.Context, n int64, prev *bearerkit.Token) error {
			if n == 2 {
				assert.Equal(t, "tok-1", prev.AccessToken)
				close(started)
				<-release
			}
			return nil
		}}
		rec := &recorder{}
		tr := transport(a, rec, clk, nil)
		_, _, err := send(t, tr, "https://api.example.com/")
		require.NoError(t, err)
		clk.Add(time.Hour - 6*time.Minute)
		_, _, err = send(t, tr, "https://api.example.com/")
		require.NoError(t, err)
		assert.EqualValues(t, 1, a.calls.Load(), "not yet inside the 5-minute window")

		clk.Add(2 * time.Minute)
		_, _, err = send(t, tr, "https://api.example.com/")
		require.NoError(t, err)
		<-started
		for range 5 {
			_, _, err = send(t, tr, "https://api.example.com/")
			require.NoError(t, err)
		}
		assert.EqualValues(t, 2, a.calls.Load(), "one background renewal")
		close(release)
		bearerkit.WaitIdle(tr)
		_, _, err = send(t, tr, "https://api.example.com/")
		require.NoError(t, err)
		seen := rec.seen()
		assert.Equal(t, "Bearer tok-2", seen[len(seen)-1])
		for _, s := range seen[:len(seen)-1] {
			assert.Equal(t, "Bearer tok-1", s, "requests kept the old token during the renewal")
		}
		assert.EqualValues(t, 2, a.calls.Load())
	})
}

// Behaviour 3: when the background renewal fails, requests keep the old
// token until it truly expires.
func TestBackgroundRenewalFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		// calls is the number of Authenticate calls after the request in
		// the skew, and after the one past expiry (each tries again unless
		// a cool-down holds).
		calls, finalCalls int64
	}{
		{"passing failure", errors.New("token server down"), 3, 4},
		{"refused", &bearerkit.AuthError{StatusCode: http.StatusBadRequest, Code: "invalid_grant"}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			a := &issuer{life: time.Hour, clk: clk, hook: func(_ context.Context, n int64, _ *bearerkit.Token) error {
				if n > 1 {
					return tt.err
				}
				return nil
			}}
			rec := &recorder{}
			tr := transport(a, rec, clk, func(tr *bearerkit.Transport) { tr.CoolDown = 10 * time.Minute })
			_, _, err := send(t, tr, "https://api.example.com/")
			require.NoError(t, err)

			clk.Add(time.Hour - 4*time.Minute)
			_, _, err = send(t, tr, "https://api.example.com/")
			require.NoError(t, err)
			bearerkit.WaitIdle(tr)
			assert.EqualValues(t, 2, a.calls.Load(), "the background renewal ran")
			_, _, err = send(t, tr, "https://api.example.com/")
			require.NoError(t, err)
			assert.EqualValues(t, 2, a.calls.Load(), "a failed background renewal is not retried on every request")

			clk.Add(4*time.Minute - 10*time.Second) // inside the skew
			_, _, err = send(t, tr, "https://api.example.com/")
			require.NoError(t, err, "the old token is still valid")
			assert.Equal(t, tt.calls, a.calls.Load())

			clk.Add(11 * time.Second) // expired
			_, _, err = send(t, tr, "https://api.example.com/")
			require.Error(t, err)
			if ae := (*bearerkit.AuthError)(nil); errors.As(tt.err, &ae) {
				var got *bearerkit.AuthError
				require.ErrorAs(t, err, &got)
				assert.Same(t, ae, got)
			} else {
				assert.ErrorIs(t, err, tt.err)
			}
			assert.Equal(t, tt.finalCalls, a.calls.Load())
			for _, s := range rec.seen() {
				assert.Equal(t, "Bearer tok-1", s)
			}
			assert.Len(t, rec.seen(), 4, "the expired token was not sent")
		})
	}
}

// Behaviour 5: N goroutines that need a token cause one Authenticate call
// and all get its result.
func TestSingleFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		release := make(chan struct{})
		a := &issuer{hook: func(context.Context, int64, *bearerkit.Token) error { <-release; return nil }}
		tr := transport(a, &recorder{}, nil, nil)
		var wg sync.WaitGroup
		toks := make([]string, n)
		for i := range n {
			wg.Go(func() {
				if i%2 == 0 { // half ask for the token, half send requests
					tok, err := tr.Token(context.Background())
					if assert.NoError(t, err) {
						toks[i] = tok.AccessToken
					}
					return
				}
				_, body, err := send(t, tr, "https://api.example.com/")
				if assert.NoError(t, err) {
					toks[i], _ = strings.CutPrefix(body, "answer to Bearer ")
				}
			})
		}
		synctest.Wait() // every goroutine waits on the one renewal
		assert.EqualValues(t, 1, a.calls.Load())
		close(release)
		wg.Wait()
		for _, tok := range toks {
			assert.Equal(t, "tok-1", tok)
		}
		assert.EqualValues(t, 1, a.calls.Load())
	})
}

// Behaviour 5: … or all get its error.
func TestSingleFlightError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		release := make(chan struct{})
		boom := errors.New("boom")
		var calls atomic.Int64
		tr := transport(bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
			calls.Add(1)
			<-release
			return nil, boom
		}), okBase, nil, nil)
		var wg sync.WaitGroup
		var same atomic.Int64
		for range n {
			wg.Go(func() {
				_, err := tr.Token(context.Background())
				if errors.Is(err, boom) {
					same.Add(1)
				}
			})
		}
		synctest.Wait()
		close(release)
		wg.Wait()
		assert.EqualValues(t, 1, calls.Load())
		assert.EqualValues(t, n, same.Load())
	})
}

// Behaviour 5: a caller whose context ends returns at once; the renewal
// goes on for the others, detached from that context.
func TestCallerGivesUp(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"cancel", "deadline"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				authCtx := make(chan context.Context, 1)
				a := &issuer{hook: func(ctx context.Context, _ int64, _ *bearerkit.Token) error {
					authCtx <- ctx
					<-release
					return nil
				}}
				tr := transport(a, okBase, nil, nil)

				var ctx context.Context
				var cancel context.CancelFunc
				if how == "cancel" {
					ctx, cancel = context.WithCancel(context.Background())
				} else {
					ctx, cancel = context.WithTimeout(context.Background(), time.Second)
				}
				defer cancel()
				body := newRecBody("x")
				quitter := make(chan error)
				go func() {
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://api.example.com/", body)
					_, err := tr.RoundTrip(req)
					quitter <- err
				}()
				patient := make(chan *bearerkit.Token)
				go func() {
					tok, err := tr.Token(context.Background())
					assert.NoError(t, err)
					patient <- tok
				}()
				synctest.Wait()
				if how == "cancel" {
					cancel()
				}
				err := <-quitter // while the Authenticator is still blocked
				if how == "cancel" {
					assert.ErrorIs(t, err, context.Canceled)
				} else {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
				}
				assert.EqualValues(t, 1, body.closed.Load())
				assert.NoError(t, (<-authCtx).Err(), "the renewal is not cancelled with its first caller")
				close(release)
				assert.Equal(t, "tok-1", (<-patient).AccessToken)
				assert.EqualValues(t, 1, a.calls.Load())
			})
		})
	}
}

// Behaviour 5: the detached renewal has its own timeout.
func TestRenewTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		set, want time.Duration
	}{
		{0, bearerkit.DefaultRenewTimeout},
		{2 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.want), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var budget time.Duration
				tr := transport(bearerkit.AuthenticatorFunc(func(ctx context.Context, _ *bearerkit.Token) (*bearerkit.Token, error) {
					d, ok := ctx.Deadline()
					require.True(t, ok)
					budget = time.Until(d)
					<-ctx.Done()
					return nil, ctx.Err()
				}), okBase, nil, func(tr *bearerkit.Transport) { tr.RenewTimeout = tt.set })
				_, err := tr.Token(context.Background())
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, tt.want, budget)
			})
		})
	}
}

// Behaviour 5: eager, at-expiry and 401-triggered renewals share one flight.
func TestRenewalsShareOneFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		release := make(chan struct{})
		a := &issuer{life: time.Hour, clk: clk, hook: func(_ context.Context, n int64, _ *bearerkit.Token) error {
			if n == 2 {
				<-release
			}
			return nil
		}}
		rec := &recorder{}
		var dead atomic.Bool
		base := rtFunc(func(r *http.Request) (*http.Response, error) {
			if dead.Load() && r.Header.Get("Authorization") == "Bearer tok-1" {
				return reply(r, http.StatusUnauthorized, ""), nil
			}
			return rec.RoundTrip(r)
		})
		tr := transport(a, base, clk, nil)
		_, _, err := send(t, tr, "https://api.example.com/")
		require.NoError(t, err)

		clk.Add(time.Hour - 4*time.Minute)
		_, _, err = send(t, tr, "https://api.example.com/") // starts the background renewal
		require.NoError(t, err)
		synctest.Wait()
		dead.Store(true)
		var wg sync.WaitGroup
		wg.Go(func() { // a 401 joins the flight
			resp, _, err := send(t, tr, "https://api.example.com/401")
			assert.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
		synctest.Wait()
		clk.Add(4*time.Minute - time.Second) // inside the skew: joins the flight too
		wg.Go(func() {
			_, err := tr.Token(context.Background())
			assert.NoError(t, err)
		})
		synctest.Wait()
		assert.EqualValues(t, 2, a.calls.Load())
		close(release)
		wg.Wait()
		assert.EqualValues(t, 2, a.calls.Load())
		seen := rec.seen()
		assert.Equal(t, "Bearer tok-2", seen[len(seen)-1], "the 401 was replayed with the new token")
	})
}

// Behaviour 7: transient failures are retried at most twice, honouring
// Retry-After inside the caller's deadline; other failures are not retried.
func TestRetries(t *testing.T) {
	t.Parallel()
	type answer struct {
		status     int // 0: network error
		retryAfter string
	}
	ok := answer{status: http.StatusOK}
	tests := []struct {
		name     string
		answers  []answer // then ok
		deadline time.Duration
		calls    int
		status   int // of the *AuthError; -1: success
	}{
		{"503 twice then ok", []answer{{status: 503}, {status: 503}}, 0, 3, -1},
		{"503 three times", []answer{{status: 503}, {status: 503}, {status: 503}, ok}, 0, 3, 503},
		{"500 then 502 then 504", []answer{{status: 500}, {status: 502}, {status: 504}, ok}, 0, 3, 504},
		{"network errors", []answer{{}, {}, {}, ok}, 0, 3, 0},
		{"network error then ok", []answer{{}}, 0, 2, -1},
		{"429 with Retry-After then ok", []answer{{status: 429, retryAfter: "1"}}, 0, 2, -1},
		{"503 with Retry-After twice then ok", []answer{{status: 503, retryAfter: "1"}, {status: 503, retryAfter: "1"}}, 0, 3, -1},
		{"Retry-After past the deadline", []answer{{status: 429, retryAfter: "1"}}, 500 * time.Millisecond, 1, 429},
		{"backoff within the deadline", []answer{{status: 503}}, 2 * time.Second, 2, -1},
		{"Retry-After too long to wait", []answer{{status: 503, retryAfter: "3600"}}, 0, 1, 503},
		{"400 not retried", []answer{{status: 400}}, 0, 1, 400},
		{"401 not retried", []answer{{status: 401}}, 0, 1, 401},
		{"403 not retried", []answer{{status: 403}}, 0, 1, 403},
		{"500 then 400", []answer{{status: 500}, {status: 400}}, 0, 2, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int64
				endpoint := rtFunc(func(r *http.Request) (*http.Response, error) {
					n := int(calls.Add(1))
					drain(r)
					a := ok
					if n <= len(tt.answers) {
						a = tt.answers[n-1]
					}
					if a.status == 0 {
						return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
					}
					resp := reply(r, a.status, `{"error":"server_error"}`)
					if a.status == http.StatusOK {
						resp = reply(r, a.status, `{"access_token":"at","token_type":"Bearer","expires_in":3600}`)
					}
					resp.Header.Set("Content-Type", "application/json")
					if a.retryAfter != "" {
						resp.Header.Set("Retry-After", a.retryAfter)
					}
					return resp, nil
				})
				grant := &bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "u", Password: "pw-secret", HTTPClient: &http.Client{Transport: endpoint}}
				tr := transport(grant, okBase, nil, nil)
				ctx := context.Background()
				if tt.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				tok, err := tr.Token(ctx)
				assert.EqualValues(t, tt.calls, calls.Load())
				if tt.status < 0 {
					require.NoError(t, err)
					assert.Equal(t, "at", tok.AccessToken)
					return
				}
				var ae *bearerkit.AuthError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.status, ae.StatusCode)
				assert.Equal(t, "password", ae.Grant)
			})
		})
	}
}

// Behaviour 6 through the Transport: a passing failure of the refresh step
// is retried, and the password is never sent.
func TestRetriesNeverSendPassword(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		p := newPlatform(clk, time.Hour)
		p.fail = func(grant string, n int) (int, string, http.Header) {
			if grant == "refresh_token" {
				return http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`, nil
			}
			return 0, "", nil
		}
		tr := transport(p.login(), handlerRT{p}, clk, func(tr *bearerkit.Transport) { tr.RefreshWindow = -1 })
		_, _, err := send(t, tr, apiURL)
		require.NoError(t, err)
		require.Equal(t, 1, p.count("password"))
		clk.Add(2 * time.Hour)
		_, _, err = send(t, tr, apiURL)
		var ae *bearerkit.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
		assert.Equal(t, 3, p.count("refresh_token"), "tried three times")
		assert.Equal(t, 1, p.count("password"), "the password was not sent because of a 503")
	})
}

// Behaviour 7: a refused login is answered from memory for the cool-down,
// then the server is asked once.
func TestCoolDown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		coolDown time.Duration // Transport.CoolDown
		wait     time.Duration // the cool-down in effect; 0: off
		status   int
		body     string
	}{
		{"Keycloak 401", 0, bearerkit.DefaultCoolDown, 401, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`},
		{"RFC 6749 400", 0, bearerkit.DefaultCoolDown, 400, `{"error":"invalid_grant"}`},
		{"invalid_client", 0, bearerkit.DefaultCoolDown, 401, `{"error":"invalid_client"}`},
		{"custom cool-down", 10 * time.Minute, 10 * time.Minute, 400, `{"error":"invalid_grant"}`},
		{"off", -1, 0, 400, `{"error":"invalid_grant"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			p := newPlatform(clk, time.Hour)
			p.fail = func(string, int) (int, string, http.Header) { return tt.status, tt.body, nil }
			grant := p.password()
			tr := transport(grant, handlerRT{p}, clk, func(tr *bearerkit.Transport) { tr.CoolDown = tt.coolDown })

			_, _, err := send(t, tr, apiURL)
			var first *bearerkit.AuthError
			require.ErrorAs(t, err, &first)
			assert.Equal(t, tt.status, first.StatusCode)
			assert.Equal(t, 1, p.count("password"))
			for range 5 {
				_, _, err = send(t, tr, apiURL)
				var again *bearerkit.AuthError
				require.ErrorAs(t, err, &again)
				if tt.wait > 0 {
					assert.Same(t, first, again, "the same error, from memory")
				}
			}
			if tt.wait == 0 {
				assert.Equal(t, 6, p.count("password"), "no cool-down")
				return
			}
			assert.Equal(t, 1, p.count("password"), "no server call during the cool-down")
			clk.Add(tt.wait - time.Second)
			_, _, err = send(t, tr, apiURL)
			require.Error(t, err)
			assert.Equal(t, 1, p.count("password"))
			clk.Add(2 * time.Second)
			_, _, err = send(t, tr, apiURL)
			require.Error(t, err)
			assert.Equal(t, 2, p.count("password"), "one call after the cool-down")
			_, _, err = send(t, tr, apiURL)
			require.Error(t, err)
			assert.Equal(t, 2, p.count("password"), "and a new cool-down")
			assert.Zero(t, p.apiCount(), "nothing was sent to the API")
		})
	}
}

// Behaviour 7: passing failures do not start a cool-down.
func TestNoCoolDownForTransientFailures(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := newPlatform(nil, time.Hour)
		p.fail = func(_ string, n int) (int, string, http.Header) {
			if n <= 3 {
				return http.StatusBadGateway, "<html>bad gateway</html>", http.Header{"Content-Type": {"text/html"}}
			}
			return 0, "", nil
		}
		tr := transport(p.password(), handlerRT{p}, nil, nil)
		_, err := tr.Token(context.Background())
		var ae *bearerkit.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusBadGateway, ae.StatusCode)
		assert.Equal(t, 3, p.count("password"))
		tok, err := tr.Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "at-1", tok.AccessToken)
		assert.Equal(t, 4, p.count("password"))
	})
}

// Proof: 1000 goroutines at expiry, then 1000 concurrent 401s, each cause
// exactly one Authenticate call and no failure.
func TestThousandGoroutines(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		clk := newClock()
		var gate atomic.Pointer[chan struct{}]
		a := &issuer{life: time.Hour, clk: clk, hook: func(context.Context, int64, *bearerkit.Token) error {
			if g := gate.Load(); g != nil {
				<-*g
			}
			return nil
		}}
		var dead atomic.Value // the access token the API now refuses
		dead.Store("")
		var apiGate atomic.Pointer[chan struct{}]
		base := rtFunc(func(r *http.Request) (*http.Response, error) {
			if r.Header.Get("Authorization") == "Bearer "+dead.Load().(string) {
				if g := apiGate.Load(); g != nil {
					<-*g
				}
				return reply(r, http.StatusUnauthorized, ""), nil
			}
			return reply(r, http.StatusOK, ""), nil
		})
		tr := transport(a, base, clk, nil)
		_, err := tr.Token(context.Background())
		require.NoError(t, err)

		run := func() int64 {
			var fails atomic.Int64
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/", nil)
					resp, err := tr.RoundTrip(req)
					if err != nil || resp.StatusCode != http.StatusOK {
						fails.Add(1)
						return
					}
					resp.Body.Close()
				})
			}
			synctest.Wait() // all n blocked: on the renewal, or on the API
			if g := gate.Load(); g != nil {
				close(*g)
			}
			if g := apiGate.Load(); g != nil {
				close(*g)
			}
			wg.Wait()
			return fails.Load()
		}

		// At expiry.
		clk.Add(2 * time.Hour)
		g := make(chan struct{})
		gate.Store(&g)
		assert.Zero(t, run())
		assert.EqualValues(t, 2, a.calls.Load(), "one renewal for 1000 requests at expiry")
		gate.Store(nil)

		// 1000 concurrent 401s.
		dead.Store("tok-2")
		ag := make(chan struct{})
		apiGate.Store(&ag)
		assert.Zero(t, run())
		assert.EqualValues(t, 3, a.calls.Load(), "one renewal for 1000 concurrent 401s")
	})
}
