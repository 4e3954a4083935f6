package main

import (
	"context"
	"fmt"

	"github.com/bearerkit/bearerkit"
)

// secrets are the credentials at hand in this run, from the environment,
// a prompt or stdin. They are never written anywhere.
type secrets struct {
	password     string
	clientSecret string
	staticToken  string // BEARERKIT_TOKEN, for a static profile
}

// secretsFromEnv reads the secrets the environment holds for p.
func (e *env) secretsFromEnv(p *profile) secrets {
	return secrets{password: e.password(p), clientSecret: e.clientSecret(p), staticToken: e.getenv("BEARERKIT_TOKEN")}
}

// clientCredentials reports whether p logs in as an OpenID client (no
// user), with the client credentials grant.
func (p *profile) clientCredentials() bool {
	return p.Platform == platformKeycloak && p.User == ""
}

// canLogin reports whether s holds what p needs to log in from scratch,
// so that token and api may do it when the refresh token is dead.
func (p *profile) canLogin(s secrets) bool {
	switch {
	case p.Platform == platformStatic:
		return s.staticToken != ""
	case p.clientCredentials():
		return s.clientSecret != ""
	}
	return s.password != ""
}

// authenticator returns the Authenticator of p with the secrets s. When s
// cannot log in (see canLogin), it renews only with the session's refresh
// token, under bearerkit.RefreshOnly: no password is ever sent, and a dead
// session fails with an error wrapping bearerkit.ErrRefreshOnly.
func (p *profile) authenticator(s secrets) bearerkit.Authenticator {
	a := p.loginAuthenticator(s)
	if p.canLogin(s) || p.Platform == platformStatic {
		return a
	}
	return bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
		return a.Authenticate(bearerkit.RefreshOnly(ctx), prev)
	})
}

// loginAuthenticator is the platform's preset with the secrets s.
func (p *profile) loginAuthenticator(s secrets) bearerkit.Authenticator {
	switch p.Platform {
	case platformDataddo:
		return bearerkit.Dataddo{BaseURL: p.URL, Email: p.User, Password: s.password}
	case platformOneData:
		return bearerkit.OneData{BaseURL: p.URL, Username: p.User, Password: s.password}
	case platformAuthAPI:
		return bearerkit.AuthAPI{BaseURL: p.URL, Username: p.User, Password: s.password}
	case platformKeycloak:
		if p.Issuer != "" {
			return discovered{issuer: p.Issuer, build: func(c *bearerkit.OpenIDConfiguration) bearerkit.Authenticator {
				if p.clientCredentials() {
					return c.ClientCredentials(p.clientID(), s.clientSecret)
				}
				return c.PasswordLogin(p.clientID(), s.clientSecret, p.User, s.password)
			}}
		}
		return p.keycloak(s)
	case platformStatic:
		if s.staticToken != "" {
			return bearerkit.StaticToken{AccessToken: s.staticToken}
		}
		return staticStored{}
	}
	panic("unknown platform " + p.Platform) // check has refused it
}

// keycloak is the Keycloak preset of p (server and realm).
func (p *profile) keycloak(s secrets) bearerkit.Keycloak {
	return bearerkit.Keycloak{ServerURL: p.URL, Realm: p.Realm, ClientID: p.clientID(), ClientSecret: s.clientSecret, Username: p.User, Password: s.password}
}

// discovered is an Authenticator whose grants come from an OpenID
// Provider's discovery document, fetched only when a token is needed: a
// cached token costs no request.
type discovered struct {
	issuer string
	build  func(*bearerkit.OpenIDConfiguration) bearerkit.Authenticator
}

// Authenticate discovers the endpoints, then authenticates.
func (d discovered) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	c, err := bearerkit.Discover(ctx, d.issuer, nil)
	if err != nil {
		return nil, err
	}
	return d.build(c).Authenticate(ctx, prev)
}

// String names the issuer; the secrets stay in build's closure.
func (d discovered) String() string { return fmt.Sprintf("discovered(%s)", d.issuer) }

// staticStored stands for a static token that was stored with login: it
// cannot be renewed, so a token that expired or was refused must be
// replaced.
type staticStored struct{}

// Authenticate says the stored static token must be replaced.
func (staticStored) Authenticate(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
	return nil, fmt.Errorf("%w: the static token has expired or was refused", bearerkit.ErrTokenRejected)
}
