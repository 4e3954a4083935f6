package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// DataClarityClientID is the public client of DataClarity's web UI, used
// for its password grant.
const DataClarityClientID = "dc-ui"

// Keycloak authenticates against a Keycloak realm (DataClarity: the
// tenant is the realm). With Username set it uses the password grant,
// renewed with the refresh token, which Keycloak rotates on every use; the
// password is sent again only when the refresh token is dead. Without
// Username it uses client credentials (a confidential client, for back-end
// calls), asking again at each renewal.
//
// The zero ClientID means DataClarityClientID ("dc-ui", the public client of
// DataClarity's web UI): set ClientID for any other Keycloak, or a refused
// client (invalid_client) says so. Keycloak is safe for concurrent use;
// printing it never shows the password or client secret.
type Keycloak struct {
	// ServerURL is the server root: https://sso.example.com for Keycloak
	// 17 and later, https://sso.example.com/auth for older servers (the
	// /auth prefix is part of the URL).
	ServerURL string

	// Realm is the realm (DataClarity's tenant).
	Realm string

	ClientID, ClientSecret string
	Username, Password     string

	// Scopes are sent as "scope"; nil sends none.
	Scopes []string

	// AuthStyle is how the client secret is sent; zero is HTTP Basic.
	AuthStyle AuthStyle

	// HTTPClient calls the token endpoint; nil means http.DefaultClient,
	// looked up at call time.
	HTTPClient *http.Client
}

// TokenURL returns the realm's token endpoint.
func (k Keycloak) TokenURL() string { return k.realmURL() + "/protocol/openid-connect/token" }

// RevocationURL returns the realm's RFC 7009 revocation endpoint.
func (k Keycloak) RevocationURL() string { return k.realmURL() + "/protocol/openid-connect/revoke" }

// Issuer returns the realm's issuer URL, where discovery starts.
func (k Keycloak) Issuer() string { return k.realmURL() }

func (k Keycloak) realmURL() string {
	if k.ServerURL == "" || k.Realm == "" {
		return ""
	}
	return strings.TrimRight(k.ServerURL, "/") + "/realms/" + url.PathEscape(k.Realm)
}

func (k Keycloak) clientID() string {
	if k.ClientID == "" {
		return DataClarityClientID
	}
	return k.ClientID
}

// Authenticate obtains a token with the grant the fields call for.
func (k Keycloak) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if k.realmURL() == "" {
		return nil, &AuthError{Grant: "keycloak", Err: fmt.Errorf("%w: Keycloak needs ServerURL and Realm", ErrInvalidOption)}
	}
	tu, id := k.TokenURL(), k.clientID()
	var tok *Token
	var err error
	if k.Username == "" {
		tok, err = ClientCredentials{TokenURL: tu, ClientID: id, ClientSecret: k.ClientSecret, Scopes: k.Scopes, AuthStyle: k.AuthStyle, HTTPClient: k.HTTPClient}.Authenticate(ctx, prev)
	} else {
		tok, err = Fallback(
			RefreshGrant{TokenURL: tu, ClientID: id, ClientSecret: k.ClientSecret, AuthStyle: k.AuthStyle, HTTPClient: k.HTTPClient},
			PasswordGrant{TokenURL: tu, ClientID: id, ClientSecret: k.ClientSecret, Username: k.Username, Password: k.Password, Scopes: k.Scopes, AuthStyle: k.AuthStyle, HTTPClient: k.HTTPClient},
		).Authenticate(ctx, prev)
	}
	var ae *AuthError
	if err != nil && errors.As(err, &ae) && (ae.Code == "invalid_client" || ae.Code == "unauthorized_client") {
		if k.ClientID == "" {
			ae.hint = fmt.Sprintf("Keycloak.ClientID is empty, so the default %q (DataClarity's public web client) was used: set the client this realm knows", DataClarityClientID)
		} else {
			ae.hint = "check Keycloak.ClientID and ClientSecret, and that the client allows this grant"
		}
	}
	return tok, err
}

// Revoke revokes tok at the realm (RFC 7009): its refresh token, which ends
// the session, then its access token.
func (k Keycloak) Revoke(ctx context.Context, tok *Token) error {
	r := Revoker{URL: k.RevocationURL(), ClientID: k.clientID(), ClientSecret: k.ClientSecret, AuthStyle: k.AuthStyle, HTTPClient: k.HTTPClient}
	return r.revokeToken(ctx, tok, k.secrets())
}

func (k Keycloak) fields() []redact.Field {
	return []redact.Field{
		{Name: "ServerURL", Value: k.ServerURL, URL: true},
		{Name: "Realm", Value: k.Realm},
		{Name: "ClientID", Value: k.ClientID},
		{Name: "ClientSecret", Value: k.ClientSecret, Secret: true},
		{Name: "Username", Value: k.Username},
		{Name: "Password", Value: k.Password, Secret: true},
		{Name: "Scopes", Value: k.Scopes},
		{Name: "AuthStyle", Value: k.AuthStyle},
		{Name: "HTTPClient", Value: k.HTTPClient},
	}
}

// String describes the preset without secrets.
func (k Keycloak) String() string { return redact.String("bearerkit.Keycloak", k.fields()...) }

// GoString is the %#v form, with secrets redacted.
func (k Keycloak) GoString() string { return redact.GoString("bearerkit.Keycloak", k.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (k Keycloak) Format(f fmt.State, verb rune) { redact.Format(f, verb, k.String(), k.GoString()) }

// LogValue is the slog form, with secrets redacted.
func (k Keycloak) LogValue() slog.Value { return redact.LogValue(k.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted, so that json.Marshal
// and slog's JSONHandler never show them, even inside a slice or struct.
func (k Keycloak) MarshalJSON() ([]byte, error) { return redact.JSON(k.fields()...) }
