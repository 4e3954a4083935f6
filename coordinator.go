package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Coordinator is a TokenStore shared by several processes (or several
// Transports of one process). The Transport hands it each renewal instead
// of Load + Authenticate + Save, so that however many Transports share it,
// the platform sees one renewal, as if there were one process, and a
// rotated-out refresh token is never sent.
//
// MemoryStore is a Coordinator for the Transports of one process, FileStore
// for the processes of one machine; the redisstore module is one for a
// fleet. bearerkittest.TestCoordinator checks an implementation against
// this contract. Implementations must be safe for concurrent use.
type Coordinator interface {
	TokenStore
	// Renew returns a token newer than prev: one that another process has
	// just stored, or the result of renew(ctx, base), where base is the
	// newest stored token (prev when the store is empty). renewed reports
	// whether renew ran in this process. At most one process sharing the
	// store runs renew at a time.
	//
	// A stored token that Policy(ctx).Adoptable finds newer than prev is
	// returned as is, without calling renew. A refusal (IsRefused) that
	// renew returns is remembered for Policy(ctx).CoolDown and returned,
	// as a *RefusedError, to every caller meanwhile, in any process.
	// Callers waiting for another's renewal return with ctx's error when
	// ctx ends.
	//
	// When renew succeeded but its token could not be stored, Renew returns
	// that token, renewed true, and the error: the Transport uses the
	// token (its refresh token may have rotated, so it must not be lost)
	// and reports the error as a failed save (Hooks.StoreError with Op
	// "save", ErrTokenNotSaved from Client.Token). The store should be
	// given a short grace beyond ctx for that save, since a renewal that
	// ends just as ctx does would otherwise lose a rotated refresh token.
	Renew(ctx context.Context, prev *Token,
		renew func(ctx context.Context, base *Token) (*Token, error)) (tok *Token, renewed bool, err error)
}

// RenewPolicy is what a Coordinator needs to know of the Transport whose
// renewal it runs. The Transport puts its own in the context it passes to
// Renew; Policy reads it back.
type RenewPolicy struct {
	// ExpirySkew is the Transport's ExpirySkew with its default applied;
	// zero means none.
	ExpirySkew time.Duration
	// CoolDown is how long a refused login is remembered; zero means not
	// at all.
	CoolDown time.Duration
	// Now is the Transport's clock; nil means time.Now.
	Now func() time.Time
}

type policyKey struct{}

// WithPolicy returns a context carrying p, for calling a Coordinator's
// Renew outside a Transport (tests, tools).
func WithPolicy(ctx context.Context, p RenewPolicy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

// Policy returns the RenewPolicy in ctx, or the defaults of a zero
// Transport (DefaultExpirySkew, DefaultCoolDown) when it holds none.
func Policy(ctx context.Context) RenewPolicy {
	if rc, ok := ctx.(*renewCtx); ok && rc.hasPolicy {
		return rc.policy // the Transport's own context: no lookup, no allocation
	}
	if p, ok := ctx.Value(policyKey{}).(RenewPolicy); ok {
		return p
	}
	return RenewPolicy{ExpirySkew: DefaultExpirySkew, CoolDown: DefaultCoolDown}
}

func (p RenewPolicy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Usable reports whether tok may be sent now without renewing it, by the
// one rule the Transport applies to every token, however it got it: a
// token without an expiry is usable; any other until ExpirySkew before its
// Expiry, the skew capped at a quarter of the lifetime it had left when it
// was first seen (here: now).
func (p RenewPolicy) Usable(tok *Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	if tok.Expiry.IsZero() {
		return true
	}
	left := tok.Expiry.Sub(p.now())
	return left > 0 && left > min(p.ExpirySkew, left/4)
}

// Adoptable reports whether a Coordinator should hand out stored instead of
// renewing prev: stored is usable (see Usable) and, when there is a prev,
// is another access token that expires no earlier than prev.
func (p RenewPolicy) Adoptable(stored, prev *Token) bool {
	if !p.Usable(stored) {
		return false
	}
	if prev == nil {
		return true
	}
	return stored.AccessToken != prev.AccessToken && !stored.Expiry.Before(prev.Expiry)
}

// IsRefused reports whether err, returned by a renewal, means the
// credentials were refused (a wrong password, a dead refresh token with
// nothing to fall back to, a 4xx from the token endpoint, a redirect off
// its origin): asking again at once would only resend them. Coordinators
// remember such an error for the cool-down.
func IsRefused(err error) bool { return isRefused(err) }

// ErrRefusedElsewhere is matched (errors.Is) by a *RefusedError: a login
// that another process sharing the Coordinator tried and had refused.
var ErrRefusedElsewhere = errors.New("bearerkit: the login was refused, and is not tried again during the cool-down")

// RefusedError is a refused login that a Coordinator remembers for the
// cool-down and hands to every caller meanwhile, in every process that
// shares it, so that N processes never try a wrong password N times. It
// holds no secret: Message is the refusal's error text, which bearerkit
// scrubs of secrets.
type RefusedError struct {
	// Message is the Error() of the refusal.
	Message string `json:"message"`
	// Until is when the cool-down ends.
	Until time.Time `json:"until"`
	// StatusCode is the token endpoint's status, if it answered.
	StatusCode int `json:"status,omitempty"`
}

// NewRefusedError records err, a refusal (see IsRefused), until until.
func NewRefusedError(err error, until time.Time) *RefusedError {
	var re *RefusedError
	if errors.As(err, &re) {
		return &RefusedError{Message: re.Message, Until: until, StatusCode: re.StatusCode}
	}
	e := &RefusedError{Message: strings.TrimPrefix(err.Error(), "bearerkit: "), Until: until}
	var ae *AuthError
	if errors.As(err, &ae) {
		e.StatusCode = ae.StatusCode
	}
	return e
}

// Error says what was refused and until when it is not tried again.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("bearerkit: %s (remembered: not tried again before %s)", e.Message, e.Until.UTC().Format(time.RFC3339))
}

// Is reports whether target is ErrRefusedElsewhere.
func (e *RefusedError) Is(target error) bool { return target == ErrRefusedElsewhere }
