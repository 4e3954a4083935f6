package bearerkit

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// Token is a credential issued by a platform: a bearer access token, the
// refresh token that renews it, and the extra values some platforms want on
// every request.
//
// A Token is a plain value: copy it freely. The transport never modifies a
// Token it has been given; it replaces it. Printing a Token with fmt (any
// verb, %#v included), log/slog (text or JSON) or json.Marshal shows
// whether each secret is set, never the secret itself, even inside slices,
// maps and structs. TokenStores persist a Token with MarshalToken and read
// it back with UnmarshalToken.
type Token struct {
	// AccessToken is sent as "Authorization: <TokenType> <AccessToken>".
	// A leading "Bearer " (as pasted from a browser's DevTools) is not sent
	// twice.
	AccessToken string

	// TokenType is the type the server sent; "Bearer" when empty. Any
	// spelling of "bearer" is sent as "Bearer".
	TokenType string

	// RefreshToken renews the access token; empty when the server gave none.
	RefreshToken string

	// Expiry is when the access token stops working. The zero time means
	// the server gave no lifetime: the token is used until an API answers
	// 401.
	Expiry time.Time

	// RealmID is sent as the X-realm-id header when set (Dataddo).
	RealmID string

	// Provider is sent as the X-provider header when set (Dataddo).
	Provider string
}

// Type returns the authorization scheme to send: "Bearer" when TokenType is
// empty or any spelling of "bearer", TokenType otherwise.
func (t Token) Type() string {
	if t.TokenType == "" || strings.EqualFold(t.TokenType, "bearer") {
		return "Bearer"
	}
	return t.TokenType
}

// Expired reports whether the access token has an expiry that has passed.
// A token without an expiry never expires by the clock.
func (t Token) Expired() bool {
	return !t.Expiry.IsZero() && !time.Now().Before(t.Expiry)
}

// String describes the token without its secrets.
func (t Token) String() string {
	var b strings.Builder
	b.WriteString("bearerkit.Token{Type: ")
	b.WriteString(t.Type())
	fmt.Fprintf(&b, ", AccessToken: %s", secretState(t.AccessToken))
	fmt.Fprintf(&b, ", RefreshToken: %s", secretState(t.RefreshToken))
	if !t.Expiry.IsZero() {
		b.WriteString(", Expiry: ")
		b.WriteString(t.Expiry.UTC().Format(time.RFC3339))
	}
	if t.RealmID != "" {
		fmt.Fprintf(&b, ", RealmID: %q", t.RealmID)
	}
	if t.Provider != "" {
		fmt.Fprintf(&b, ", Provider: %q", t.Provider)
	}
	b.WriteString("}")
	return b.String()
}

// GoString is the %#v form of the token, with its secrets redacted.
func (t Token) GoString() string {
	return fmt.Sprintf("bearerkit.Token{AccessToken:%q, TokenType:%q, RefreshToken:%q, Expiry:%#v, RealmID:%q, Provider:%q}",
		redact.Secret(t.AccessToken), t.TokenType, redact.Secret(t.RefreshToken), t.Expiry, t.RealmID, t.Provider)
}

// Format makes every fmt verb print String (or GoString for %#v), so no verb
// can reach the secrets.
func (t Token) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String(), t.GoString()) }

// LogValue is the slog form of the token, with its secrets redacted.
func (t Token) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("type", t.Type()),
		slog.String("access_token", redact.Secret(t.AccessToken)),
		slog.String("refresh_token", redact.Secret(t.RefreshToken)),
	}
	if !t.Expiry.IsZero() {
		attrs = append(attrs, slog.Time("expiry", t.Expiry))
	}
	if t.RealmID != "" {
		attrs = append(attrs, slog.String("realm_id", t.RealmID))
	}
	if t.Provider != "" {
		attrs = append(attrs, slog.String("provider", t.Provider))
	}
	return slog.GroupValue(attrs...)
}

func secretState(s string) string {
	if s == "" {
		return "(none)"
	}
	return redact.Placeholder
}

// accessValue returns the access token without a pasted "Bearer " prefix
// (any case, any number of spaces, repeated), or "" if nothing follows it.
// An access token never starts with "bearer ": its characters exclude the
// space (RFC 6750 §2.1).
func accessValue(access string) string {
	for len(access) >= 7 && strings.EqualFold(access[:7], "bearer ") {
		access = strings.TrimLeft(access[7:], " ")
	}
	return access
}
