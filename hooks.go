package bearerkit

import (
	"context"
	"fmt"
	"time"
)

// Hooks are callbacks for metrics and tracing: a Transport calls them as it
// renews tokens and replays requests. A nil field is not called. They run
// in the goroutine that did the work, after it is done (a request's own
// goroutine, or a renewal's): they must not block for long, and should not
// make requests through the same Transport. A panic in a hook is recovered
// and logged. Hooks receive no secret: errors are scrubbed like every error
// of bearerkit. The otelbearerkit module turns them into OpenTelemetry
// metrics and spans.
type Hooks struct {
	// RenewDone is called once after every renewal, successful or not, with
	// the context of the request that needed it (context.Background() for a
	// background renewal). A request answered from the cool-down (a refused
	// login remembered) is a renewal too, with Source "cool-down", reported
	// with that request's context.
	RenewDone func(ctx context.Context, e RenewEvent)

	// Replayed is called when a request the API answered 401 has been sent
	// again with a renewed token, with that request's context.
	Replayed func(ctx context.Context, e ReplayEvent)

	// StoreError is called when the TokenStore fails to load or save a
	// token (the renewal goes on without it), with the context of the
	// renewal.
	StoreError func(ctx context.Context, e StoreEvent)
}

// RenewEvent describes one renewal, for Hooks.RenewDone.
type RenewEvent struct {
	// Reason is why the token was renewed: "first use", "expiry",
	// "background" or "401".
	Reason string
	// Source is where the new token came from: "authenticator" (the
	// Authenticator was called in this process), "store" (the TokenStore or
	// Coordinator had a newer one) or "cool-down" (nothing was asked: a
	// refusal remembered was answered).
	Source string
	// Duration is how long the renewal took, retries and waiting for other
	// processes included; 0 for a cool-down answer.
	Duration time.Duration
	// Err is the renewal's error; nil on success. It never holds a secret.
	Err error
	// Generation numbers the Transport's tokens: 1 for the first, one more
	// for each new one. 0 when the renewal failed.
	Generation uint64
	// Expiry is the new token's expiry (zero when it has none or the
	// renewal failed).
	Expiry time.Time
	// FallbackStep is the index of the Fallback step that produced the
	// token, when the Authenticator is a Fallback and it succeeded; -1
	// otherwise.
	FallbackStep int
	// Attempts is how many times the Authenticator was called (retries
	// after transient failures included); 0 when it was not.
	Attempts int
}

// ReplayEvent describes a request sent again after a 401, for
// Hooks.Replayed.
type ReplayEvent struct {
	// Method and URL are the request's; URL has no user information,
	// query or fragment.
	Method, URL string
	// StatusCode is the replay's answer; 0 when it got none (Err says why).
	StatusCode int
	// Err is the replay's error, if it failed.
	Err error
}

// StoreEvent describes a failure of the TokenStore, for Hooks.StoreError.
type StoreEvent struct {
	// Op is "load" or "save".
	Op string
	// Err is the store's error.
	Err error
}

// JoinHooks returns Hooks that call each of hs's callbacks in turn, for a
// Transport observed by several parties (OpenTelemetry and the
// application's own metrics, say).
func JoinHooks(hs ...Hooks) Hooks {
	var out Hooks
	for _, h := range hs {
		out.RenewDone = joinHook(out.RenewDone, h.RenewDone)
		out.Replayed = joinHook(out.Replayed, h.Replayed)
		out.StoreError = joinHook(out.StoreError, h.StoreError)
	}
	return out
}

func joinHook[E any](a, b func(context.Context, E)) func(context.Context, E) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, e E) { a(ctx, e); b(ctx, e) }
}

// WithHooks calls h's callbacks as the Client renews tokens and replays
// requests (see Hooks). Given more than once, every Hooks is called, in
// order.
func WithHooks(h Hooks) Option {
	return func(c *config) error {
		c.transport.Hooks = JoinHooks(c.transport.Hooks, h)
		return nil
	}
}

// String names the hooks that are set.
func (h Hooks) String() string {
	return fmt.Sprintf("bearerkit.Hooks{RenewDone: %t, Replayed: %t, StoreError: %t}", h.RenewDone != nil, h.Replayed != nil, h.StoreError != nil)
}
