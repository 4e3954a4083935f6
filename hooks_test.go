package bearerkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// hookLog records every hook call.
type hookLog struct {
	mu      sync.Mutex
	renews  []bearerkit.RenewEvent
	ctxs    []context.Context
	replays []bearerkit.ReplayEvent
	stores  []bearerkit.StoreEvent
}

func (h *hookLog) hooks() bearerkit.Hooks {
	return bearerkit.Hooks{
		RenewDone: func(ctx context.Context, e bearerkit.RenewEvent) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.renews = append(h.renews, e)
			h.ctxs = append(h.ctxs, ctx)
		},
		Replayed: func(ctx context.Context, e bearerkit.ReplayEvent) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.replays = append(h.replays, e)
		},
		StoreError: func(ctx context.Context, e bearerkit.StoreEvent) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.stores = append(h.stores, e)
		},
	}
}

func (h *hookLog) renewals() []bearerkit.RenewEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bearerkit.RenewEvent(nil), h.renews...)
}

type ctxKey struct{}

// RenewDone is called once per renewal, with the context of the request
// that needed it, its reason and source, the Fallback step that worked and
// the attempts made; a replay after a 401 and cool-down answers are
// reported too.
func TestHooksRenewals(t *testing.T) {
	t.Parallel()
	clk := newClock()
	p := newPlatform(clk, time.Hour)
	var h hookLog
	var logs syncBuffer
	c, err := bearerkit.NewClient(apiURL, p.login(), bearerkit.WithHTTPClient(p.client()), bearerkit.WithHooks(h.hooks()),
		bearerkit.WithLogger(slogTo(&logs)), bearerkit.WithCoolDown(time.Minute))
	require.NoError(t, err)
	tr := bearerkit.ClientTransport(c)
	bearerkit.SetClock(tr, clk.Now)
	get := func(ctx context.Context) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+"x", nil)
		require.NoError(t, err)
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "first request")
	_, err = get(ctx) // first use: refresh step has no token, password step works
	require.NoError(t, err)
	p.kill()
	_, err = get(context.WithValue(context.Background(), ctxKey{}, "the 401"))
	require.NoError(t, err)

	got := h.renewals()
	require.Len(t, got, 2)
	assert.Equal(t, "first use", got[0].Reason)
	assert.Equal(t, "authenticator", got[0].Source)
	assert.Equal(t, 1, got[0].FallbackStep, "the password step")
	assert.Equal(t, 1, got[0].Attempts, "one call of the Authenticator")
	assert.Equal(t, uint64(1), got[0].Generation)
	assert.NoError(t, got[0].Err)
	assert.Equal(t, "401", got[1].Reason)
	assert.Equal(t, 0, got[1].FallbackStep, "the refresh step")
	assert.Equal(t, uint64(2), got[1].Generation)
	h.mu.Lock()
	assert.Equal(t, "first request", h.ctxs[0].Value(ctxKey{}))
	assert.Equal(t, "the 401", h.ctxs[1].Value(ctxKey{}))
	require.Len(t, h.replays, 1)
	assert.Equal(t, http.StatusOK, h.replays[0].StatusCode)
	assert.Equal(t, apiURL+"x", h.replays[0].URL)
	h.mu.Unlock()
	assert.Contains(t, logs.String(), "fallback_step=1")
	assert.Contains(t, logs.String(), "fallback_step=0")

	// A wrong password: one failed renewal, then cool-down answers.
	p.mu.Lock()
	p.fail = func(grant string, _ int) (int, string, http.Header) {
		if grant == "password" {
			return http.StatusUnauthorized, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`, nil
		}
		return 0, "", nil
	}
	clear(p.liveRT)
	clear(p.liveAT)
	p.mu.Unlock()
	for range 3 {
		_, err := get(context.Background())
		require.Error(t, err)
	}
	got = h.renewals()
	require.Len(t, got, 5)
	assert.Equal(t, "authenticator", got[2].Source)
	assert.Error(t, got[2].Err)
	for _, e := range got[3:] {
		assert.Equal(t, "cool-down", e.Source)
		assert.Error(t, e.Err)
		assert.Zero(t, e.Duration)
	}
	for _, e := range got {
		if e.Err != nil {
			assertNoSecret(t, e.Err.Error(), "a hook's error")
			assert.NotContains(t, e.Err.Error(), testPassword)
		}
	}
}

// A store that fails is reported; a panicking hook is recovered.
func TestHooksStoreErrorsAndPanics(t *testing.T) {
	t.Parallel()
	var h hookLog
	var panics atomic.Int32
	hooks := bearerkit.JoinHooks(h.hooks(), bearerkit.Hooks{RenewDone: func(context.Context, bearerkit.RenewEvent) {
		panics.Add(1)
		panic("hook")
	}})
	var logs syncBuffer
	tr := &bearerkit.Transport{Auth: &issuer{}, Base: okBase, Store: brokenStore{}, Hooks: hooks, Logger: slogTo(&logs)}
	tok, err := tr.Token(context.Background())
	// The token is good, but the failed Save is not silent.
	require.ErrorIs(t, err, bearerkit.ErrTokenNotSaved)
	require.ErrorIs(t, err, errDiskFull)
	require.NotNil(t, tok)
	assert.Equal(t, "tok-1", tok.AccessToken)
	_, body, err := send(t, tr, apiURL)
	require.NoError(t, err, "requests use it")
	assert.Equal(t, "ok", body)
	assert.Equal(t, int32(1), panics.Load())
	assert.Contains(t, logs.String(), "RenewDone hook panicked")
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.stores, 2)
	assert.Equal(t, "load", h.stores[0].Op)
	assert.Equal(t, "save", h.stores[1].Op)
	assert.ErrorIs(t, h.stores[1].Err, errDiskFull)
	require.Len(t, h.renews, 1, "the first hook still ran")
	assert.Equal(t, "authenticator", h.renews[0].Source)
}

var errDiskFull = errors.New("disk full")

type brokenStore struct{}

func (brokenStore) Load(context.Context) (*bearerkit.Token, error) {
	return nil, errors.New("unreadable")
}
func (brokenStore) Save(context.Context, *bearerkit.Token) error { return errDiskFull }

// unsavedCoordinator renews (calls renew) but cannot store the result, as a
// Coordinator whose backend fails just after the platform answered.
type unsavedCoordinator struct{ brokenStore }

func (unsavedCoordinator) Renew(ctx context.Context, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error)) (*bearerkit.Token, bool, error) {
	tok, err := renew(ctx, prev)
	if err != nil {
		return nil, false, err
	}
	return tok, true, fmt.Errorf("the token was renewed but not saved: %w", errDiskFull)
}

// A Coordinator that renewed but could not store keeps its token in use (its
// refresh token may have rotated): the failure is a store error, not a
// failed renewal, and a second request does not renew again.
func TestCoordinatorRenewedButNotStored(t *testing.T) {
	t.Parallel()
	var h hookLog
	auth := &issuer{}
	tr := &bearerkit.Transport{Auth: auth, Base: okBase, Store: unsavedCoordinator{}, Hooks: h.hooks()}
	tok, err := tr.Token(context.Background())
	require.ErrorIs(t, err, bearerkit.ErrTokenNotSaved)
	require.ErrorIs(t, err, errDiskFull)
	require.NotNil(t, tok)
	assert.Equal(t, "tok-1", tok.AccessToken)
	for range 3 {
		_, body, err := send(t, tr, apiURL)
		require.NoError(t, err, "requests use the unsaved token")
		assert.Equal(t, "ok", body)
	}
	assert.Equal(t, int64(1), auth.calls.Load(), "one renewal")
	h.mu.Lock()
	defer h.mu.Unlock()
	var saves int
	for _, s := range h.stores {
		if s.Op == "save" {
			saves++
			assert.ErrorIs(t, s.Err, errDiskFull)
		}
	}
	assert.Equal(t, 1, saves, "the failed save is reported once")
	require.Len(t, h.renews, 1)
	assert.NoError(t, h.renews[0].Err, "the renewal itself succeeded")
}
