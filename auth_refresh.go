package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// RefreshGrant renews a token with its refresh token (RFC 6749 §6),
// form-encoded, client authentication as in PasswordGrant.
//
// With no prev, or a prev without a refresh token, it returns
// ErrNoRefreshToken without calling the server. When the answer carries a
// new refresh token the old one is dropped (rotation); when it carries none
// the old one is kept, as are prev's RealmID and Provider. A RefreshGrant is
// safe for concurrent use; printing it never shows the client secret.
type RefreshGrant struct {
	TokenURL, ClientID, ClientSecret string

	// AuthStyle is how the client secret is sent; zero is HTTP Basic.
	AuthStyle AuthStyle

	// HTTPClient calls the token endpoint; nil means http.DefaultClient,
	// looked up at call time.
	HTTPClient *http.Client
}

// Authenticate exchanges prev's refresh token for a new token.
func (g RefreshGrant) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if prev == nil || prev.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	r := formRequest{
		grant: "refresh_token", tokenURL: g.TokenURL, clientID: g.ClientID, clientSecret: g.ClientSecret,
		style: g.AuthStyle, hc: g.HTTPClient,
		secrets: secretsWith(prev, g.ClientSecret),
	}
	r.form.set("grant_type", "refresh_token")
	r.form.set("refresh_token", prev.RefreshToken)
	tok, err := r.do(ctx)
	if err != nil {
		return nil, err
	}
	return inherit(tok, prev), nil
}

// inherit fills what a renewal answer left out from the token it replaces:
// the refresh token (RFC 6749 §6) and Dataddo's realm and provider.
func inherit(tok, prev *Token) *Token {
	if prev == nil {
		return tok
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = prev.RefreshToken
	}
	if tok.RealmID == "" {
		tok.RealmID = prev.RealmID
	}
	if tok.Provider == "" {
		tok.Provider = prev.Provider
	}
	return tok
}

func (g RefreshGrant) fields() []redact.Field {
	return []redact.Field{
		{Name: "TokenURL", Value: g.TokenURL, URL: true},
		{Name: "ClientID", Value: g.ClientID},
		{Name: "ClientSecret", Value: g.ClientSecret, Secret: true},
		{Name: "AuthStyle", Value: g.AuthStyle},
		{Name: "HTTPClient", Value: g.HTTPClient},
	}
}

// String describes the grant without its secret.
func (g RefreshGrant) String() string { return redact.String("bearerkit.RefreshGrant", g.fields()...) }

// GoString is the %#v form, with the secret redacted.
func (g RefreshGrant) GoString() string {
	return redact.GoString("bearerkit.RefreshGrant", g.fields()...)
}

// Format makes every fmt verb print String (GoString for %#v).
func (g RefreshGrant) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, g.String(), g.GoString())
}

// LogValue is the slog form, with the secret redacted.
func (g RefreshGrant) LogValue() slog.Value { return redact.LogValue(g.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (g RefreshGrant) MarshalJSON() ([]byte, error) { return redact.JSON(g.fields()...) }
