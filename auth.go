package bearerkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// Authenticator obtains tokens. The Transport calls it when it has no
// token, when its token is about to expire, and when an API answered 401;
// it never calls it twice at once, so an implementation need not be safe
// for concurrent use by one Transport (the grants and presets of this
// package are safe for concurrent use anyway).
//
// An Authenticator should return an *AuthError for an answer from an
// authentication server, so that Fallback and the Transport can tell a dead
// credential (RFC 6749 invalid_grant, 401) from a passing failure (network,
// 5xx, 429).
type Authenticator interface {
	// Authenticate returns a new token; prev is the token being replaced
	// (nil at first use). It must not modify *prev.
	Authenticate(ctx context.Context, prev *Token) (*Token, error)
}

// AuthenticatorFunc adapts a function to an Authenticator.
type AuthenticatorFunc func(ctx context.Context, prev *Token) (*Token, error)

// Authenticate calls f(ctx, prev).
func (f AuthenticatorFunc) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	return f(ctx, prev)
}

// Fallback returns an Authenticator that tries each of auths in turn,
// moving to the next only when the previous one says its credential is
// dead: ErrNoRefreshToken, a 401, or an RFC 6749 invalid_grant,
// invalid_client or unauthorized_client. Any other error (a network error,
// a 5xx, a 429, a cancelled context) is returned at once, so that a password
// is never sent because a token server hiccupped.
//
// The usual chain is Fallback(&RefreshGrant{…}, &PasswordGrant{…}): renew
// with the refresh token, log in again only when it is dead. Every step gets
// the same prev. With no auths, or a nil one, Authenticate returns an error
// wrapping ErrInvalidOption. The result is safe for concurrent use when each
// of auths is.
func Fallback(auths ...Authenticator) Authenticator {
	return fallback(append([]Authenticator(nil), auths...))
}

type fallback []Authenticator

func (f fallback) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if len(f) == 0 {
		return nil, fmt.Errorf("%w: Fallback of no Authenticators", ErrInvalidOption)
	}
	var err error
	for i, a := range f {
		if a == nil {
			return nil, fmt.Errorf("%w: Fallback Authenticator %d is nil", ErrInvalidOption, i)
		}
		var tok *Token
		tok, err = a.Authenticate(ctx, prev)
		if err == nil {
			if tok == nil || tok.AccessToken == "" {
				return nil, fmt.Errorf("bearerkit: Fallback Authenticator %d returned no token", i)
			}
			recordStep(ctx, i, a)
			return tok, nil
		}
		if !isDead(err) {
			return nil, err
		}
	}
	return nil, err
}

// String lists the chain; each step prints without its secrets.
func (f fallback) String() string {
	parts := make([]string, len(f))
	for i, a := range f {
		parts[i] = fmt.Sprint(printable(a))
	}
	return "bearerkit.Fallback(" + strings.Join(parts, ", ") + ")"
}

// GoString is the %#v form: the same as String.
func (f fallback) GoString() string { return f.String() }

// Format makes every fmt verb print String, so no verb reaches the steps'
// fields.
func (f fallback) Format(s fmt.State, verb rune) { redact.Format(s, verb, f.String(), f.GoString()) }

// LogValue is the slog form: String, so a JSON handler does not marshal the
// steps' fields.
func (f fallback) LogValue() slog.Value { return slog.StringValue(f.String()) }

// MarshalJSON is the JSON form: String, as a JSON string, so json.Marshal
// does not reach the steps' fields either.
func (f fallback) MarshalJSON() ([]byte, error) { return json.Marshal(f.String()) }

// printable is what a Transport, Client or Fallback prints for one of its
// Authenticators. A user's Authenticator may hold secrets in plain fields, so
// only one that prints itself (String) is shown as it chooses; any other is
// shown by its type name.
func printable(a Authenticator) any {
	switch p := a.(type) {
	case nil:
		return nil
	case interface {
		fmt.Stringer
		fmt.GoStringer
	}:
		return p
	case fmt.Stringer:
		return typeName(p.String())
	}
	return typeName(fmt.Sprintf("%T", a))
}

// typeName prints as itself for every verb, %#v included.
type typeName string

func (n typeName) String() string   { return string(n) }
func (n typeName) GoString() string { return string(n) }
