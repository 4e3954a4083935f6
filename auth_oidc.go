package bearerkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// OpenIDConfiguration is the part of an OpenID Provider's discovery
// document (OpenID Connect Discovery 1.0, RFC 8414) that bearerkit uses.
// Build grants from it with PasswordLogin, ClientCredentials and Revoker.
type OpenIDConfiguration struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint,omitempty"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint,omitempty"`
	JWKSURI                           string   `json:"jwks_uri,omitempty"`
	GrantTypesSupported               []string `json:"grant_types_supported,omitempty"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`

	// AuthStyle is how the grants and the Revoker built from this
	// configuration send a client secret; zero is HTTP Basic. Set it after
	// Discover for a client registered with client_secret_post.
	AuthStyle AuthStyle `json:"-"`

	httpClient *http.Client
}

// Discover fetches issuer's /.well-known/openid-configuration with hc (nil:
// http.DefaultClient) and checks that the document names the same issuer
// and a token endpoint. The grants built from the result use hc too.
func Discover(ctx context.Context, issuer string, hc *http.Client) (*OpenIDConfiguration, error) {
	const grant = "openid discovery"
	issuer = strings.TrimRight(issuer, "/")
	if issuer == "" {
		return nil, &AuthError{Grant: grant, Err: fmt.Errorf("%w: no issuer", ErrInvalidOption)}
	}
	u := issuer + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: fmt.Errorf("%w: invalid issuer URL", ErrInvalidOption)}
	}
	req.Header.Set("Accept", "application/json")
	if err := checkTransportHint(ctx, req.URL, false, "use https, or opt in with WithInsecureHTTPContext(ctx), which Discover takes"); err != nil {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(u), Err: err}
	}
	resp, err := send(req, hc, grant, nil)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	fail := func(err error) error {
		e := newAuthError(resp, grant, redact.URL(u), err, nil)
		e.ContentType = contentType(resp, nil)
		return e
	}
	if resp.StatusCode != http.StatusOK {
		// The server's own message, if it gave one.
		_, err := parseTokenResponse(resp, grant, redact.URL(u), nil)
		var ae *AuthError
		if errors.As(err, &ae) && resp.StatusCode == http.StatusNotFound {
			ae.hint = "no discovery document there: check the issuer URL (Keycloak: https://host[/auth]/realms/<realm>)"
		}
		return nil, err
	}
	body, err := readLimited(resp.Body)
	if err != nil {
		return nil, fail(err)
	}
	var c OpenIDConfiguration
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fail(fmt.Errorf("malformed discovery document"))
	}
	if strings.TrimRight(c.Issuer, "/") != issuer {
		return nil, fail(fmt.Errorf("discovery document names issuer %q, not %q", redact.Clip(c.Issuer, 200), issuer))
	}
	if c.TokenEndpoint == "" {
		return nil, fail(fmt.Errorf("discovery document has no token_endpoint"))
	}
	c.httpClient = hc
	return &c, nil
}

// PasswordLogin returns Fallback(RefreshGrant, PasswordGrant) at the token
// endpoint: the password grant for a user, renewed with the refresh token
// and repeated only when the refresh token is dead. clientSecret is empty
// for a public client (DataClarity's dc-ui).
func (c *OpenIDConfiguration) PasswordLogin(clientID, clientSecret, username, password string, scopes ...string) Authenticator {
	return Fallback(
		RefreshGrant{TokenURL: c.TokenEndpoint, ClientID: clientID, ClientSecret: clientSecret, AuthStyle: c.AuthStyle, HTTPClient: c.httpClient},
		PasswordGrant{TokenURL: c.TokenEndpoint, ClientID: clientID, ClientSecret: clientSecret, Username: username, Password: password, Scopes: scopes, AuthStyle: c.AuthStyle, HTTPClient: c.httpClient},
	)
}

// ClientCredentials returns the client credentials grant at the token
// endpoint, the secret sent as AuthStyle says.
func (c *OpenIDConfiguration) ClientCredentials(clientID, clientSecret string, scopes ...string) ClientCredentials {
	return ClientCredentials{TokenURL: c.TokenEndpoint, ClientID: clientID, ClientSecret: clientSecret, Scopes: scopes, AuthStyle: c.AuthStyle, HTTPClient: c.httpClient}
}

// Revoker returns an RFC 7009 Revoker at the revocation endpoint (empty
// URL, and so an error on use, when the provider has none).
func (c *OpenIDConfiguration) Revoker(clientID, clientSecret string) Revoker {
	return Revoker{URL: c.RevocationEndpoint, ClientID: clientID, ClientSecret: clientSecret, AuthStyle: c.AuthStyle, HTTPClient: c.httpClient}
}
