package bearerkittest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

// TestCoordinator checks that a bearerkit.Coordinator keeps the contract the
// Transport relies on: Load and Save round-trip a token; Renew adopts a newer
// stored token without renewing, runs renew with the newest stored token as
// base (prev when the store is empty), saves what renew returns (even when
// the context ends as renew returns), lets one
// caller renew however many call at once, returns a waiter promptly when its
// context ends, forgets a renewal that failed, and remembers a refused login
// for the cool-down. newStore must return an empty store, shared with no
// other test. MemoryStore, FileStore and the redisstore module run it;
// a backend of your own can too:
//
//	func TestMyStore(t *testing.T) {
//		bearerkittest.TestCoordinator(t, func(t *testing.T) bearerkit.Coordinator { return newMyStore(t) })
//	}
func TestCoordinator(t *testing.T, newStore func(t *testing.T) bearerkit.Coordinator) {
	t.Helper()
	for _, c := range coordinatorCases {
		t.Run(c.name, func(t *testing.T) {
			c.run(t, newStore(t))
		})
	}
}

type coordinatorCase struct {
	name string
	run  func(t *testing.T, s bearerkit.Coordinator)
}

// coordTimeout bounds every call of the suite: a Coordinator that hangs
// fails with it rather than hanging the test binary.
const coordTimeout = 20 * time.Second

func coordCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), coordTimeout)
	t.Cleanup(cancel)
	return ctx
}

// coordToken is a token unique to the test, expiring in life.
func coordToken(name string, life time.Duration) *bearerkit.Token {
	return &bearerkit.Token{
		AccessToken:  fmt.Sprintf("access-%s-%d", name, time.Now().UnixNano()),
		RefreshToken: fmt.Sprintf("refresh-%s-%d", name, time.Now().UnixNano()),
		TokenType:    "Bearer",
		Expiry:       time.Now().Add(life).Round(time.Second),
		RealmID:      "7",
		Provider:     "google",
	}
}

// countingRenew returns a renew func that counts its calls, records its
// base and returns tok (or err).
type countingRenew struct {
	calls atomic.Int32
	mu    sync.Mutex
	bases []*bearerkit.Token
	tok   *bearerkit.Token
	err   error
	gate  chan struct{} // when set, renew waits for it to close
}

func (r *countingRenew) renew(ctx context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
	r.calls.Add(1)
	r.mu.Lock()
	r.bases = append(r.bases, base)
	r.mu.Unlock()
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	c := *r.tok
	return &c, nil
}

func (r *countingRenew) base(i int) *bearerkit.Token {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i >= len(r.bases) {
		return nil
	}
	return r.bases[i]
}

func sameToken(t *testing.T, want, got *bearerkit.Token, what string) {
	t.Helper()
	switch {
	case got == nil:
		t.Fatalf("%s: no token", what)
	case got.AccessToken != want.AccessToken || got.RefreshToken != want.RefreshToken || got.RealmID != want.RealmID ||
		got.Provider != want.Provider || !got.Expiry.Equal(want.Expiry):
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

var coordinatorCases = []coordinatorCase{
	{"load and save round-trip a token", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		got, err := s.Load(ctx)
		if err != nil || got != nil {
			t.Fatalf("Load of an empty store: %v, %v; want nil, nil", got, err)
		}
		tok := coordToken("saved", time.Hour)
		if err := s.Save(ctx, tok); err != nil {
			t.Fatalf("Save: %v", err)
		}
		got, err = s.Load(ctx)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		sameToken(t, tok, got, "Load after Save")
	}},
	{"an empty store renews from prev and saves the result", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		prev := coordToken("prev", -time.Minute)
		r := &countingRenew{tok: coordToken("new", time.Hour)}
		got, renewed, err := s.Renew(ctx, prev, r.renew)
		if err != nil || !renewed {
			t.Fatalf("Renew: renewed=%v, %v", renewed, err)
		}
		sameToken(t, r.tok, got, "Renew")
		if n := r.calls.Load(); n != 1 {
			t.Fatalf("renew ran %d times, want 1", n)
		}
		sameToken(t, prev, r.base(0), "renew's base (the store was empty)")
		stored, err := s.Load(ctx)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		sameToken(t, r.tok, stored, "Load after Renew")
		got, renewed, err = s.Renew(ctx, nil, r.renew)
		if err != nil || renewed || r.calls.Load() != 1 {
			t.Fatalf("first use with a stored token: renewed=%v, calls=%d, %v", renewed, r.calls.Load(), err)
		}
		sameToken(t, r.tok, got, "first use adopts the stored token")
	}},
	{"a token renewed as the context ends is still stored", func(t *testing.T, s bearerkit.Coordinator) {
		// The renewal's deadline passes just after the platform answered
		// (and rotated the refresh token): the token must reach the store,
		// or the other processes would send the rotated-out one.
		ctx := coordCtx(t)
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		prev := coordToken("prev", -time.Minute)
		want := coordToken("late", time.Hour)
		got, renewed, err := s.Renew(rctx, prev, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
			cancel()
			c := *want
			return &c, nil
		})
		if !renewed || got == nil {
			t.Fatalf("Renew: renewed=%v, token=%v, %v; want the renewed token (with or without an error)", renewed, got, err)
		}
		sameToken(t, want, got, "Renew")
		stored, err := s.Load(ctx)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		sameToken(t, want, stored, "Load after a renewal whose context ended")
	}},
	{"a newer stored token is adopted without renewing", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		prev := coordToken("prev", time.Minute)
		newer := coordToken("newer", time.Hour)
		if err := s.Save(ctx, newer); err != nil {
			t.Fatal(err)
		}
		r := &countingRenew{tok: coordToken("unused", time.Hour)}
		got, renewed, err := s.Renew(ctx, prev, r.renew)
		if err != nil || renewed || r.calls.Load() != 0 {
			t.Fatalf("Renew: renewed=%v, calls=%d, %v; want the stored token, no renewal", renewed, r.calls.Load(), err)
		}
		sameToken(t, newer, got, "adopted")
	}},
	{"prev itself, an older or an expired stored token is renewed, from the stored token", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		prev := coordToken("prev", 10*time.Minute)
		for name, stored := range map[string]*bearerkit.Token{
			"prev":    prev,
			"older":   coordToken("older", 5*time.Minute),
			"expired": coordToken("expired", -time.Minute),
		} {
			if err := s.Save(ctx, stored); err != nil {
				t.Fatal(err)
			}
			r := &countingRenew{tok: coordToken("renewed-"+name, time.Hour)}
			got, renewed, err := s.Renew(ctx, prev, r.renew)
			if err != nil || !renewed || r.calls.Load() != 1 {
				t.Fatalf("stored %s: renewed=%v, calls=%d, %v; want one renewal", name, renewed, r.calls.Load(), err)
			}
			sameToken(t, r.tok, got, name)
			sameToken(t, stored, r.base(0), "renew's base when the stored token is "+name)
		}
	}},
	{"64 concurrent callers with one prev cause one renewal", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		prev := coordToken("prev", -time.Minute)
		r := &countingRenew{tok: coordToken("shared", time.Hour), gate: make(chan struct{})}
		const n = 64
		var wg sync.WaitGroup
		got := make([]*bearerkit.Token, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _, errs[i] = s.Renew(ctx, prev, r.renew)
			}()
		}
		for r.calls.Load() == 0 { // the first renewal has begun
			time.Sleep(time.Millisecond)
		}
		close(r.gate)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("caller %d: %v", i, errs[i])
			}
			sameToken(t, r.tok, got[i], fmt.Sprintf("caller %d", i))
		}
		if c := r.calls.Load(); c != 1 {
			t.Fatalf("renew ran %d times for %d callers, want 1", c, n)
		}
	}},
	{"a waiter returns when its context ends", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		prev := coordToken("prev", -time.Minute)
		r := &countingRenew{tok: coordToken("slow", time.Hour), gate: make(chan struct{})}
		first := make(chan error, 1)
		go func() {
			_, _, err := s.Renew(ctx, prev, r.renew)
			first <- err
		}()
		for r.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		wctx, cancel := context.WithCancel(ctx)
		waiter := make(chan error, 1)
		go func() {
			_, _, err := s.Renew(wctx, prev, r.renew)
			waiter <- err
		}()
		cancel()
		select {
		case err := <-waiter:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("the waiter's error is %v, want one wrapping context.Canceled", err)
			}
		case <-time.After(coordTimeout / 2):
			t.Fatal("a waiter whose context ended did not return")
		}
		close(r.gate)
		if err := <-first; err != nil {
			t.Fatalf("the renewal: %v", err)
		}
		if c := r.calls.Load(); c != 1 {
			t.Fatalf("renew ran %d times, want 1", c)
		}
	}},
	{"a failed renewal is not remembered", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		prev := coordToken("prev", -time.Minute)
		boom := &bearerkit.AuthError{StatusCode: 503, Grant: "refresh_token"}
		r := &countingRenew{err: boom}
		_, _, err := s.Renew(ctx, prev, r.renew)
		if !errors.Is(err, boom) && !errors.As(err, new(*bearerkit.AuthError)) {
			t.Fatalf("Renew: %v, want the renewal's error", err)
		}
		if stored, _ := s.Load(ctx); stored != nil {
			t.Fatalf("a failed renewal stored %v", stored)
		}
		r2 := &countingRenew{tok: coordToken("second", time.Hour)}
		got, renewed, err := s.Renew(ctx, prev, r2.renew)
		if err != nil || !renewed || r2.calls.Load() != 1 {
			t.Fatalf("after a failure: renewed=%v, calls=%d, %v", renewed, r2.calls.Load(), err)
		}
		sameToken(t, r2.tok, got, "after a failure")
	}},
	{"a refused login is remembered for the cool-down", func(t *testing.T, s bearerkit.Coordinator) {
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		ctx := bearerkit.WithPolicy(coordCtx(t), bearerkit.RenewPolicy{ExpirySkew: bearerkit.DefaultExpirySkew, CoolDown: time.Minute, Now: clock})
		refused := &bearerkit.AuthError{StatusCode: 401, Code: "invalid_grant", Description: "Invalid user credentials", Grant: "password"}
		r := &countingRenew{err: refused}
		_, _, err := s.Renew(ctx, nil, r.renew)
		if err == nil || !bearerkit.IsRefused(err) {
			t.Fatalf("Renew: %v, want the refusal", err)
		}
		for i := range 3 {
			_, _, err = s.Renew(ctx, nil, r.renew)
			var re *bearerkit.RefusedError
			if !errors.As(err, &re) || !errors.Is(err, bearerkit.ErrRefusedElsewhere) || !bearerkit.IsRefused(err) {
				t.Fatalf("Renew %d during the cool-down: %v, want a *bearerkit.RefusedError", i, err)
			}
			if re.StatusCode != 401 || !re.Until.After(now) {
				t.Fatalf("RefusedError %+v: want status 401 and an end after now", re)
			}
		}
		if c := r.calls.Load(); c != 1 {
			t.Fatalf("renew ran %d times during the cool-down, want 1", c)
		}
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		r2 := &countingRenew{tok: coordToken("after", time.Hour)}
		if _, renewed, err := s.Renew(ctx, nil, r2.renew); err != nil || !renewed {
			t.Fatalf("after the cool-down: renewed=%v, %v", renewed, err)
		}
	}},
	{"a transient failure is not remembered as a refusal", func(t *testing.T, s bearerkit.Coordinator) {
		ctx := coordCtx(t)
		r := &countingRenew{err: &bearerkit.AuthError{StatusCode: 500, Grant: "password"}}
		for range 3 {
			if _, _, err := s.Renew(ctx, nil, r.renew); errors.As(err, new(*bearerkit.RefusedError)) {
				t.Fatalf("a 500 was remembered as a refusal: %v", err)
			}
		}
		if c := r.calls.Load(); c != 3 {
			t.Fatalf("renew ran %d times for 3 calls after 500s, want 3", c)
		}
	}},
}
