package bearerkit_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Issue 8, points 7 to 10: no panic, no hang, no storm.

// Point 7: a panicking Authenticator (here, a nil preset pointer used by a
// user's AuthenticatorFunc) fails every waiting request with an error
// wrapping ErrAuthenticatorPanic, logs its stack, and leaves the Transport
// usable: the next renewal calls the Authenticator again.
func TestAuthenticatorPanicIsRecovered(t *testing.T) {
	check := noNewGoroutines(t)
	defer check()
	var logs syncBuffer
	gate := make(chan struct{})
	var calls atomic.Int32
	auth := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
		if calls.Add(1) == 1 {
			<-gate
			var d *bearerkit.Dataddo
			return d.Authenticate(ctx, prev) // nil pointer dereference
		}
		return &bearerkit.Token{AccessToken: "tok-2"}, nil
	})
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}), bearerkit.WithLogger(slogTo(&logs)))
	require.NoError(t, err)
	tr := bearerkit.ClientTransport(c)

	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := c.HTTPClient().Get(apiURL + "x")
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		})
	}
	require.Eventually(t, func() bool { return bearerkit.FlightWaiters(tr) == n }, 10*time.Second, time.Millisecond)
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.Error(t, err)
		assert.ErrorIs(t, err, bearerkit.ErrAuthenticatorPanic)
		assert.Contains(t, err.Error(), "panicked: runtime error: invalid memory address or nil pointer dereference")
	}
	assert.Contains(t, logs.String(), "level=ERROR")
	assert.Contains(t, logs.String(), "stack=")
	assert.Contains(t, logs.String(), "hardening_engine_test.go", "the stack names the panicking code")

	// Usable again, and not cooled down.
	resp, err := c.HTTPClient().Get(apiURL + "x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, int32(2), calls.Load())
}

// A panic whose value holds a secret is named without it.
func TestAuthenticatorPanicHoldsNoSecret(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	for name, v := range map[string]any{
		"string": "login failed for alice:" + secPassword,
		"error":  fmt.Errorf("refresh %s refused", secRefresh),
		"struct": struct{ Password string }{secPassword},
	} {
		grant := bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "alice", Password: secPassword}
		auth := bearerkit.Fallback(bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
			panic(v)
		}), grant)
		tr := &bearerkit.Transport{Auth: auth, Base: okBase, Logger: slogTo(&logs), Store: &bearerkit.MemoryStore{}}
		require.NoError(t, tr.Store.Save(context.Background(), &bearerkit.Token{AccessToken: secAccess, RefreshToken: secRefresh, Expiry: time.Now().Add(-time.Hour)}))
		_, err := tr.Token(context.Background())
		require.ErrorIs(t, err, bearerkit.ErrAuthenticatorPanic, name)
		checkErr(t, err, name+" panic")
		assert.Contains(t, err.Error(), "panicked", name)
	}
	assertNoSecret(t, logs.String(), "panic logs")
}

// A panicking TokenStore or OnToken callback does not take the process
// down either; the renewal goes on without them.
func TestStoreAndCallbackPanicsAreRecovered(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	tr := &bearerkit.Transport{Auth: &issuer{}, Base: okBase, Logger: slogTo(&logs), Store: panicStore{}, OnToken: func(bearerkit.Token) { panic("callback") }}
	tok, err := tr.Token(context.Background())
	require.ErrorIs(t, err, bearerkit.ErrTokenNotSaved, "the Save that panicked is reported")
	assert.Equal(t, "tok-1", tok.AccessToken)
	assert.Contains(t, logs.String(), "panicked in Load")
	assert.Contains(t, logs.String(), "panicked in Save")
	assert.Contains(t, logs.String(), "OnToken callback panicked")
}

type panicStore struct{}

func (panicStore) Load(context.Context) (*bearerkit.Token, error) { panic("load") }
func (panicStore) Save(context.Context, *bearerkit.Token) error   { panic("save") }

// blockingStore's Load or Save blocks, ignoring its context, until release
// is closed: a hung network file system.
// It is a plain TokenStore, not a Coordinator.
type blockingStore struct {
	blockLoad, blockSave bool
	release              chan struct{}
	mem                  bearerkit.MemoryStore
}

func (s *blockingStore) Load(ctx context.Context) (*bearerkit.Token, error) {
	if s.blockLoad {
		<-s.release
	}
	return s.mem.Load(ctx)
}

func (s *blockingStore) Save(ctx context.Context, t *bearerkit.Token) error {
	if s.blockSave {
		<-s.release
	}
	return s.mem.Save(ctx, t)
}

// Point 8: a TokenStore whose Load blocks fails the request at
// RenewTimeout, not at the request's own (much later) deadline, and leaves
// no goroutine behind once the blocked call returns.
func TestRenewalBoundedWhenStoreLoadBlocks(t *testing.T) {
	check := noNewGoroutines(t)
	store := &blockingStore{blockLoad: true, release: make(chan struct{})}
	auth := &issuer{}
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}),
		bearerkit.WithTokenStore(store), bearerkit.WithRenewTimeout(200*time.Millisecond))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 { // a second renewal is bounded too, with the first still blocked
		_, err = c.Token(ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "within RenewTimeout (200ms): still loading the token from the TokenStore")
		assert.NoError(t, ctx.Err(), "the request's own deadline had not passed")
	}
	assert.Zero(t, auth.calls.Load())
	close(store.release)
	tok, err := c.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "tok-1", tok.AccessToken)
	check()
}

// An Authenticator that ignores its context: the request fails at
// RenewTimeout; when the Authenticator does return, its token is kept
// (its refresh token may have rotated), so the next request needs no call.
func TestRenewalBoundedWhenAuthenticatorIgnoresContext(t *testing.T) {
	check := noNewGoroutines(t)
	release := make(chan struct{})
	returned := make(chan struct{})
	var calls atomic.Int32
	auth := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		n := calls.Add(1)
		if n == 1 {
			defer close(returned)
			<-release
		}
		return &bearerkit.Token{AccessToken: fmt.Sprintf("late-%d", n)}, nil
	})
	var logs syncBuffer
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}),
		bearerkit.WithRenewTimeout(200*time.Millisecond), bearerkit.WithLogger(slogTo(&logs)))
	require.NoError(t, err)
	_, err = c.Token(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "still waiting for the Authenticator")
	close(release)
	<-returned
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "finished late") }, 10*time.Second, time.Millisecond)
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "late-1", tok.AccessToken)
	assert.Equal(t, int32(1), calls.Load())
	check()
}

// A Save that blocks: the new token is used anyway (losing it could lose a
// rotated refresh token), and the failure is logged at Error.
func TestRenewalBoundedWhenStoreSaveBlocks(t *testing.T) {
	check := noNewGoroutines(t)
	store := &blockingStore{blockSave: true, release: make(chan struct{})}
	var logs syncBuffer
	c, err := bearerkit.NewClient(apiURL, &issuer{}, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}),
		bearerkit.WithTokenStore(store), bearerkit.WithRenewTimeout(200*time.Millisecond), bearerkit.WithLogger(slogTo(&logs)))
	require.NoError(t, err)
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-1", tok.AccessToken)
	assert.Contains(t, logs.String(), "level=ERROR")
	assert.Contains(t, logs.String(), "saving the new token did not finish within RenewTimeout")
	close(store.release)
	check()
}

// Point 9: an API that refuses even a token issued for the request it
// refused costs one renewal per cool-down, not one per request.
func TestAPIRefusingFreshTokensDoesNotStorm(t *testing.T) {
	t.Parallel()
	clk := newClock()
	auth := &issuer{}
	var apiCalls atomic.Int32
	refuse := rtFunc(func(r *http.Request) (*http.Response, error) {
		apiCalls.Add(1)
		return reply(r, http.StatusUnauthorized, "no"), nil
	})
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: refuse}), bearerkit.WithCoolDown(time.Minute))
	require.NoError(t, err)
	bearerkit.SetClock(bearerkit.ClientTransport(c), clk.Now)
	get := func() (int, error) {
		resp, err := c.HTTPClient().Get(apiURL + "x")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	status, err := get() // login, 401, renewal, replay, 401
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, int64(2), auth.calls.Load())
	for range 10 {
		_, err := get()
		require.ErrorIs(t, err, bearerkit.ErrTokenRejected)
		assert.Contains(t, err.Error(), "token issued just now")
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, err := get(); assert.ErrorIs(t, err, bearerkit.ErrTokenRejected) })
	}
	wg.Wait()
	assert.Equal(t, int64(2), auth.calls.Load(), "no login during the cool-down")
	assert.Equal(t, int32(2+10+50), apiCalls.Load(), "every request was still sent once")

	// After the cool-down: one more renewal, then quiet again.
	clk.Add(2 * time.Minute)
	status, err = get()
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
	_, err = get()
	assert.ErrorIs(t, err, bearerkit.ErrTokenRejected)
	assert.Equal(t, int64(3), auth.calls.Load())
}

// An API that answers 401 once, by accident, to a fresh token does not
// block later 401s of a genuinely dead token after the cool-down...
// and a 200 in between changes nothing: requests carry the token as usual.
func TestFreshTokenRefusedOnceThenAccepted(t *testing.T) {
	t.Parallel()
	auth := &issuer{}
	var n atomic.Int32
	api := rtFunc(func(r *http.Request) (*http.Response, error) {
		if n.Add(1) <= 2 {
			return reply(r, http.StatusUnauthorized, "no"), nil
		}
		return reply(r, http.StatusOK, "ok"), nil
	})
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: api}))
	require.NoError(t, err)
	for i, want := range []int{401, 200, 200} {
		resp, err := c.HTTPClient().Get(apiURL + "x")
		require.NoError(t, err, i)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, i)
	}
	assert.Equal(t, int64(2), auth.calls.Load())
}

// Point 10: a Retry-After of any size means "longer than we will wait":
// no retry, and a cool-down, never no wait or a negative one.
func TestRetryAfterOfAnySize(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	for _, v := range []string{"99999999999999999999", "18446744073709551616", "9223372036854775807", "315360001", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		d := bearerkit.RetryAfter(v, now)
		assert.Greater(t, d, 300*24*time.Hour, v)
	}
	for _, v := range []string{"0", "-5", "1e9", "soon", "", "Mon, 01 Jan 2001 00:00:00 GMT"} {
		assert.Zero(t, bearerkit.RetryAfter(v, now), v)
	}
	assert.Equal(t, 30*time.Second, bearerkit.RetryAfter("30", now))
	assert.Equal(t, time.Hour, bearerkit.RetryAfter(now.Add(time.Hour).Format(http.TimeFormat), now))

	for _, v := range []string{"99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		var calls atomic.Int32
		hc := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			resp := reply(r, http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`)
			resp.Header.Set("Content-Type", "application/json")
			resp.Header.Set("Retry-After", v)
			return resp, nil
		})}
		c, err := bearerkit.NewClient(apiURL, bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "alice", Password: secPassword, HTTPClient: hc},
			bearerkit.WithHTTPClient(&http.Client{Transport: okBase}))
		require.NoError(t, err)
		for range 3 {
			_, err := c.Token(context.Background())
			var ae *bearerkit.AuthError
			require.ErrorAs(t, err, &ae, v)
			assert.Greater(t, ae.RetryAfter, time.Hour, v)
		}
		assert.Equal(t, int32(1), calls.Load(), "%s: retried or not cooled down", v)
	}

	// An API error reports it the same way.
	err := bearerkit.CheckResponse(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"99999999999999999999"}}, Request: mustRequest(t, apiURL)})
	var apiErr *bearerkit.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Greater(t, apiErr.RetryAfter, time.Hour)
}

// A replay answered 401 after its token's renewal instant had passed (an API
// so slow that the token expired on the way) is no sign that the API refuses
// fresh tokens: a request that was in flight with that token and is refused
// next renews and is replayed, rather than fail with ErrTokenRejected for
// the cool-down.
func TestReplayRefusedAfterItsTokenExpiredIsNotARefusal(t *testing.T) {
	t.Parallel()
	clk := newClock()
	auth := &issuer{life: 40 * time.Second, clk: clk} // renewed 10 s before expiry
	aReplay, bSent, aDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	api := rtFunc(func(r *http.Request) (*http.Response, error) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case tok == "tok-1":
			return reply(r, http.StatusUnauthorized, "expired"), nil
		case tok == "tok-2" && r.URL.Path == "/v1/a":
			// A's replay: B goes out with tok-2 meanwhile, then the API
			// takes so long that tok-2 expires before it answers.
			close(aReplay)
			<-bSent
			clk.Add(35 * time.Second)
			return reply(r, http.StatusUnauthorized, "expired"), nil
		case tok == "tok-2":
			close(bSent)
			<-aDone
			return reply(r, http.StatusUnauthorized, "expired"), nil
		}
		return reply(r, http.StatusOK, "ok"), nil
	})
	tr := transport(auth, api, clk, func(tr *bearerkit.Transport) { tr.CoolDown = time.Minute })
	b := make(chan error, 1)
	go func() {
		<-aReplay
		req, _ := http.NewRequest(http.MethodGet, apiURL+"b", nil)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		b <- err
	}()
	req, _ := http.NewRequest(http.MethodGet, apiURL+"a", nil)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "A's replay was refused")
	close(aDone)
	require.NoError(t, <-b, "B, refused with the token that expired on the way, renews and is replayed")
	assert.Equal(t, int64(3), auth.calls.Load())
}
