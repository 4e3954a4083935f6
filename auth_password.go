package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// PasswordGrant logs in with a username and password: the RFC 6749 §4.3
// resource owner password credentials grant, form-encoded. The client
// authenticates by HTTP Basic when ClientSecret is set (or as form fields
// with AuthStyleParams); a public client (no secret) sends only client_id.
//
// It ignores prev: every call sends the password. Put it last in a
// Fallback, after a RefreshGrant, so the password is sent only when the
// refresh token is dead. A PasswordGrant is safe for concurrent use; do not
// modify it while in use. Printing it (fmt, slog) never shows the password
// or client secret.
type PasswordGrant struct {
	TokenURL, ClientID, ClientSecret, Username, Password string

	// Scopes are sent space-separated as "scope"; nil sends none.
	Scopes []string

	// AuthStyle is how the client secret is sent; zero is HTTP Basic.
	AuthStyle AuthStyle

	// HTTPClient calls the token endpoint; nil means http.DefaultClient,
	// looked up at call time (so httpmock.Activate works).
	HTTPClient *http.Client
}

// Authenticate logs in.
func (g PasswordGrant) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if err := ownCredential(ctx, "password", g.TokenURL); err != nil {
		return nil, err
	}
	if g.Username == "" || g.Password == "" {
		return nil, &AuthError{Grant: "password", Endpoint: redact.URL(g.TokenURL), Err: fmt.Errorf("%w: PasswordGrant needs Username and Password", ErrInvalidOption)}
	}
	r := formRequest{
		grant: "password", tokenURL: g.TokenURL, clientID: g.ClientID, clientSecret: g.ClientSecret,
		style: g.AuthStyle, hc: g.HTTPClient, secrets: secretsWith(prev, g.Password, g.ClientSecret),
	}
	r.form.set("grant_type", "password")
	r.form.set("username", g.Username)
	r.form.set("password", g.Password)
	if len(g.Scopes) > 0 {
		r.form.set("scope", strings.Join(g.Scopes, " "))
	}
	return r.do(ctx)
}

func (g PasswordGrant) fields() []redact.Field {
	return []redact.Field{
		{Name: "TokenURL", Value: g.TokenURL, URL: true},
		{Name: "ClientID", Value: g.ClientID},
		{Name: "ClientSecret", Value: g.ClientSecret, Secret: true},
		{Name: "Username", Value: g.Username},
		{Name: "Password", Value: g.Password, Secret: true},
		{Name: "Scopes", Value: g.Scopes},
		{Name: "AuthStyle", Value: g.AuthStyle},
		{Name: "HTTPClient", Value: g.HTTPClient},
	}
}

// String describes the grant without its secrets.
func (g PasswordGrant) String() string {
	return redact.String("bearerkit.PasswordGrant", g.fields()...)
}

// GoString is the %#v form, with secrets redacted.
func (g PasswordGrant) GoString() string {
	return redact.GoString("bearerkit.PasswordGrant", g.fields()...)
}

// Format makes every fmt verb print String (GoString for %#v).
func (g PasswordGrant) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, g.String(), g.GoString())
}

// LogValue is the slog form, with secrets redacted.
func (g PasswordGrant) LogValue() slog.Value { return redact.LogValue(g.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (g PasswordGrant) MarshalJSON() ([]byte, error) { return redact.JSON(g.fields()...) }
