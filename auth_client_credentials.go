package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// ClientCredentials obtains a token for the client itself (RFC 6749 §4.4),
// for back-end calls: OpenID Connect client credentials. The secret goes as
// HTTP Basic by default, or as client_id/client_secret form fields with
// AuthStyleParams. Servers usually issue no refresh token: each renewal
// simply asks again.
//
// It ignores prev. A ClientCredentials is safe for concurrent use; printing
// it never shows the client secret.
type ClientCredentials struct {
	TokenURL, ClientID, ClientSecret string

	// Scopes are sent space-separated as "scope"; nil sends none.
	Scopes []string

	// AuthStyle is how the client secret is sent; zero is HTTP Basic.
	AuthStyle AuthStyle

	// HTTPClient calls the token endpoint; nil means http.DefaultClient,
	// looked up at call time.
	HTTPClient *http.Client
}

// Authenticate asks the token endpoint for a new token.
func (g ClientCredentials) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if err := ownCredential(ctx, "client_credentials", g.TokenURL); err != nil {
		return nil, err
	}
	if g.ClientID == "" {
		return nil, &AuthError{Grant: "client_credentials", Endpoint: redact.URL(g.TokenURL), Err: fmt.Errorf("%w: ClientCredentials needs ClientID", ErrInvalidOption)}
	}
	r := formRequest{
		grant: "client_credentials", tokenURL: g.TokenURL, clientID: g.ClientID, clientSecret: g.ClientSecret,
		style: g.AuthStyle, hc: g.HTTPClient, secrets: secretsWith(prev, g.ClientSecret),
	}
	r.form.set("grant_type", "client_credentials")
	if len(g.Scopes) > 0 {
		r.form.set("scope", strings.Join(g.Scopes, " "))
	}
	return r.do(ctx)
}

func (g ClientCredentials) fields() []redact.Field {
	return []redact.Field{
		{Name: "TokenURL", Value: g.TokenURL, URL: true},
		{Name: "ClientID", Value: g.ClientID},
		{Name: "ClientSecret", Value: g.ClientSecret, Secret: true},
		{Name: "Scopes", Value: g.Scopes},
		{Name: "AuthStyle", Value: g.AuthStyle},
		{Name: "HTTPClient", Value: g.HTTPClient},
	}
}

// String describes the grant without its secret.
func (g ClientCredentials) String() string {
	return redact.String("bearerkit.ClientCredentials", g.fields()...)
}

// GoString is the %#v form, with the secret redacted.
func (g ClientCredentials) GoString() string {
	return redact.GoString("bearerkit.ClientCredentials", g.fields()...)
}

// Format makes every fmt verb print String (GoString for %#v).
func (g ClientCredentials) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, g.String(), g.GoString())
}

// LogValue is the slog form, with the secret redacted.
func (g ClientCredentials) LogValue() slog.Value { return redact.LogValue(g.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (g ClientCredentials) MarshalJSON() ([]byte, error) { return redact.JSON(g.fields()...) }
