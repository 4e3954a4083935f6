package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/internal/jwtexp"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// StaticToken is an Authenticator for a token obtained elsewhere: pasted
// from a browser's DevTools (with or without its "Bearer " prefix), or read
// from an environment variable. It is used as is and never renewed. When
// the token is a JWT, its exp claim is taken as its expiry.
//
// When the API answers 401, or the token has expired, renewal fails with an
// error wrapping ErrTokenRejected that tells the user to replace it. The
// zero value has no token: Authenticate returns an error wrapping
// ErrInvalidOption. StaticToken is safe for concurrent use.
type StaticToken struct {
	// AccessToken is the token, with or without a "Bearer " prefix.
	AccessToken string

	// TokenType is the scheme to send; empty means Bearer.
	TokenType string

	// RealmID and Provider are sent as X-realm-id and X-provider when set
	// (Dataddo).
	RealmID, Provider string
}

// Authenticate returns the token. Asked to replace that same token (prev is
// it), it fails with ErrTokenRejected: a static token cannot be renewed.
func (s StaticToken) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if IsRefreshOnly(ctx) {
		return nil, fmt.Errorf("%w (static token)", ErrRefreshOnly)
	}
	access := accessValue(strings.TrimSpace(s.AccessToken))
	if access == "" || strings.EqualFold(access, "bearer") {
		return nil, fmt.Errorf("%w: StaticToken has no AccessToken", ErrInvalidOption)
	}
	if !validHeaderToken(access) {
		return nil, fmt.Errorf("%w: StaticToken.AccessToken has characters that cannot be sent in a header", ErrInvalidOption)
	}
	if prev != nil && prev.AccessToken == access {
		return nil, fmt.Errorf("%w (static token)", ErrTokenRejected)
	}
	tok := &Token{AccessToken: access, TokenType: s.TokenType, RealmID: s.RealmID, Provider: s.Provider}
	if exp, ok := jwtexp.Expiry(access); ok {
		if !time.Now().Before(exp) {
			return nil, fmt.Errorf("%w (static token expired at %s)", ErrTokenRejected, exp.UTC().Format(time.RFC3339))
		}
		tok.Expiry = exp
	}
	return tok, nil
}

func (s StaticToken) fields() []redact.Field {
	return []redact.Field{
		{Name: "AccessToken", Value: s.AccessToken, Secret: true},
		{Name: "TokenType", Value: s.TokenType},
		{Name: "RealmID", Value: s.RealmID},
		{Name: "Provider", Value: s.Provider},
	}
}

// String describes the static token without its secret.
func (s StaticToken) String() string { return redact.String("bearerkit.StaticToken", s.fields()...) }

// GoString is the %#v form, with the secret redacted.
func (s StaticToken) GoString() string {
	return redact.GoString("bearerkit.StaticToken", s.fields()...)
}

// Format makes every fmt verb print String (GoString for %#v).
func (s StaticToken) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, s.String(), s.GoString())
}

// LogValue is the slog form, with the secret redacted.
func (s StaticToken) LogValue() slog.Value { return redact.LogValue(s.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (s StaticToken) MarshalJSON() ([]byte, error) { return redact.JSON(s.fields()...) }
