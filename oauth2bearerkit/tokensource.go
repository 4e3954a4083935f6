package oauth2bearerkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// Extra field names under which TokenSource and ToOAuth2 put a token's
// RealmID and Provider (oauth2.Token.Extra), and FromOAuth2 reads them:
// Dataddo's names in its token answer.
const (
	ExtraRealmID  = "realm_id"
	ExtraProvider = "provider"
)

// TokenGetter is what TokenSource reads tokens from: *bearerkit.Client and
// *bearerkit.Transport are TokenGetters. Token returns a copy of the current
// token, renewing it first when needed.
type TokenGetter interface {
	Token(ctx context.Context) (*bearerkit.Token, error)
}

// TokenSource returns an oauth2.TokenSource of g's current token: each call
// of its Token method calls g.Token(ctx), which renews the token when it is
// about to expire (single-flight, with g's store, cool-down and hooks) and
// is otherwise cheap, so the source does no caching of its own.
//
// The oauth2.Token has the access token, its type ("Bearer"), its expiry,
// and the RealmID and Provider as the extras ExtraRealmID and
// ExtraProvider. It has no refresh token: g renews the token, and a
// consumer that refreshed it would rotate it out from under g. Note that an
// oauth2.Transport sends only Authorization: for Dataddo, whose API also
// wants X-realm-id and X-provider, use the Client itself.
//
// A 401 that the source's consumer gets is not seen by g, which renews at
// expiry only; a token the server revoked early stays in use until then.
// Give the source to an &oauth2.Transport{Source: ts} to read g's current
// token on every request: oauth2.NewClient wraps it in an
// oauth2.ReuseTokenSource, which keeps a token until its expiry even when
// g has replaced it (after a 401 g did see).
//
// ctx is used for every call (nil means context.Background()): its values
// reach g's renewals, and once it is cancelled, Token fails. A nil g, or a
// nil *bearerkit.Client or *bearerkit.Transport, makes Token fail with an
// error wrapping bearerkit.ErrInvalidOption. The source is safe for
// concurrent use when g is (Client and Transport are). Errors are g's own,
// which hold no secret.
func TokenSource(ctx context.Context, g TokenGetter) oauth2.TokenSource {
	if ctx == nil {
		ctx = context.Background()
	}
	return &getterSource{ctx: ctx, g: g}
}

// AuthenticatorTokenSource returns an oauth2.TokenSource of tokens from a,
// cached and renewed by a new bearerkit.Transport with default settings: a
// is called at first use, when the token is about to expire, and not
// otherwise; concurrent calls share one renewal; a refused credential is
// remembered for the cool-down. For a TokenStore, hooks or other settings,
// make the Transport yourself and pass it to TokenSource:
//
//	TokenSource(ctx, &bearerkit.Transport{Auth: a, Store: store})
//
// A nil a makes Token fail with an error wrapping
// bearerkit.ErrInvalidOption. See TokenSource for ctx and the tokens.
func AuthenticatorTokenSource(ctx context.Context, a bearerkit.Authenticator) oauth2.TokenSource {
	return TokenSource(ctx, &bearerkit.Transport{Auth: a})
}

type getterSource struct {
	ctx context.Context
	g   TokenGetter
}

// Token returns g's current token as an oauth2.Token.
func (s *getterSource) Token() (*oauth2.Token, error) {
	if isNilGetter(s.g) {
		return nil, fmt.Errorf("%w: oauth2bearerkit.TokenSource of a nil %T", bearerkit.ErrInvalidOption, s.g)
	}
	tok, err := s.g.Token(s.ctx)
	if err != nil {
		return nil, err
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("%w: %T.Token returned no access token", ErrTokenSource, s.g)
	}
	t := ToOAuth2(*tok)
	t.RefreshToken = ""
	return t, nil
}

func isNilGetter(g TokenGetter) bool {
	switch g := g.(type) {
	case nil:
		return true
	case *bearerkit.Client:
		return g == nil
	case *bearerkit.Transport:
		return g == nil
	}
	return false
}

// String names the source and the type of its TokenGetter, nothing more.
func (s *getterSource) String() string {
	return fmt.Sprintf("oauth2bearerkit.TokenSource(%T)", s.g)
}

// GoString is the %#v form: the same as String.
func (s *getterSource) GoString() string { return s.String() }

// Format makes every fmt verb print String.
func (s *getterSource) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, s.String(), s.GoString())
}

// LogValue is the slog form: String.
func (s *getterSource) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON is the JSON form: String, as a JSON string.
func (s *getterSource) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// ToOAuth2 converts t to an oauth2.Token with the same access token,
// refresh token and expiry, the type t.Type() ("Bearer" for any spelling of
// it), and RealmID and Provider, when set, as the extras ExtraRealmID and
// ExtraProvider. A pasted "Bearer " in front of the access token is taken
// off, as bearerkit does when it sends it.
func ToOAuth2(t bearerkit.Token) *oauth2.Token {
	out := &oauth2.Token{
		AccessToken:  accessValue(t.AccessToken),
		TokenType:    t.Type(),
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
	}
	extra := map[string]any{}
	if t.RealmID != "" {
		extra[ExtraRealmID] = t.RealmID
	}
	if t.Provider != "" {
		extra[ExtraProvider] = t.Provider
	}
	if len(extra) > 0 {
		out = out.WithExtra(extra)
	}
	return out
}

// FromOAuth2 converts t to a bearerkit.Token with the same access token,
// type, refresh token and expiry, and the RealmID and Provider of its
// extras ExtraRealmID and ExtraProvider, when set (a string or a number).
// A nil t gives nil.
func FromOAuth2(t *oauth2.Token) *bearerkit.Token {
	if t == nil {
		return nil
	}
	return &bearerkit.Token{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
		RealmID:      extraString(t, ExtraRealmID),
		Provider:     extraString(t, ExtraProvider),
	}
}

// extraString returns the extra field key as a string: a JSON string as
// is, a JSON number in decimal, anything else as "".
func extraString(t *oauth2.Token, key string) string {
	switch v := t.Extra(key).(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// accessValue returns the access token without a pasted "Bearer " prefix.
func accessValue(access string) string {
	for len(access) >= 7 && strings.EqualFold(access[:7], "bearer ") {
		access = strings.TrimLeft(access[7:], " ")
	}
	return access
}
