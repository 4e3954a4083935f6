package bearerkittest

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Default credentials. Every emulator knows one user out of the box; WithUser adds more.
// Dataddo and ONE DATA log in by e-mail, AuthAPI and Keycloak by user name (Keycloak also
// accepts the e-mail, as its "login with email" setting does by default).
const (
	// DefaultEmail is the e-mail of the default user.
	DefaultEmail = "alice@example.com"
	// DefaultUsername is the user name of the default user (AuthAPI, Keycloak).
	DefaultUsername = "alice"
	// DefaultPassword is the password of the default user.
	DefaultPassword = "wonderland-42"
)

// platform says which emulator a config belongs to, so that options meant for
// another platform are refused instead of silently ignored.
type platform int

const (
	platformDataddo platform = iota + 1
	platformOneData
	platformAuthAPI
	platformKeycloak
)

func (p platform) String() string {
	switch p {
	case platformDataddo:
		return "Dataddo"
	case platformOneData:
		return "OneData"
	case platformAuthAPI:
		return "AuthAPI"
	case platformKeycloak:
		return "Keycloak"
	}
	return "unknown"
}

// ExpiresInFormat says how a token response carries expires_in.
// The zero value, ExpiresInNumber, is what the platforms document.
type ExpiresInFormat int

const (
	// ExpiresInNumber sends expires_in as a JSON number (the default).
	ExpiresInNumber ExpiresInFormat = iota
	// ExpiresInString sends expires_in as a JSON string, as some servers do.
	ExpiresInString
	// ExpiresInOmitted leaves expires_in out; the JWT exp claim is then the only hint.
	ExpiresInOmitted
)

// config is what options set. It is read-only once the emulator is built.
type config struct {
	platform   platform
	tls        bool
	basePath   string
	users      map[string]string // login -> password
	accessTTL  time.Duration
	refreshTTL time.Duration
	noRotation bool
	noReuse    bool
	reuseGrace time.Duration // WithReuseGrace
	expiresIn  ExpiresInFormat
	signingKey []byte

	// Dataddo
	realmID, provider string
	realmIDString     bool
	noRealmInfo       bool

	// ONE DATA
	legacyHeader   bool
	noBearerPrefix bool

	// Keycloak
	realm         string
	legacyPrefix  bool
	clients       map[string]KeycloakClient
	lowercaseType bool
}

// Option configures an emulator (or a Mock). Options that belong to one platform make the
// constructor fail with an error when given to another. A nil Option is ignored.
type Option func(*config) error

func newConfig(p platform, opts []Option) (config, error) {
	c := config{
		platform: p,
		users:    map[string]string{},
		realmID:  DefaultRealmID,
		provider: DefaultProvider,
		realm:    DefaultRealm,
		clients:  map[string]KeycloakClient{},
	}
	switch p {
	case platformDataddo, platformAuthAPI:
		c.accessTTL, c.refreshTTL = time.Hour, 30*24*time.Hour
	case platformOneData:
		c.accessTTL = 24 * time.Hour
	case platformKeycloak:
		c.accessTTL, c.refreshTTL = 300*time.Second, 1800*time.Second
		c.clients[DefaultPublicClient] = KeycloakClient{ID: DefaultPublicClient}
		c.clients[DefaultConfidentialClient] = KeycloakClient{
			ID: DefaultConfidentialClient, Secret: DefaultClientSecret,
		}
	}
	login := DefaultEmail
	if p == platformAuthAPI || p == platformKeycloak {
		login = DefaultUsername
	}
	c.users[login] = DefaultPassword
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return config{}, err
		}
	}
	return c, nil
}

func only(name string, c *config, ps ...platform) error {
	for _, p := range ps {
		if c.platform == p {
			return nil
		}
	}
	return fmt.Errorf("bearerkittest: option %s does not apply to %s", name, c.platform)
}

// WithTLS serves HTTPS (httptest's self-signed certificate) instead of plain HTTP.
// Use the emulator's Client, which trusts that certificate. Ignored by Mock.
func WithTLS() Option {
	return func(c *config) error { c.tls = true; return nil }
}

// WithBasePath mounts every route of the emulator under path, e.g. "/api/v2" for Dataddo,
// so a client that drops the base path fails loudly. It must start with "/" and not end
// with one; "" (the default) mounts at the root.
func WithBasePath(path string) Option {
	return func(c *config) error {
		if path != "" && (!strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") ||
			strings.ContainsAny(path, "{}?# ")) {
			return fmt.Errorf("bearerkittest: invalid base path %q", path)
		}
		c.basePath = path
		return nil
	}
}

// WithUser adds a user, or changes the password of an existing one (the default user
// included). login is the e-mail for Dataddo and ONE DATA, the user name for AuthAPI and
// Keycloak.
func WithUser(login, password string) Option {
	return func(c *config) error {
		if login == "" || password == "" {
			return errors.New("bearerkittest: WithUser needs a login and a password")
		}
		c.users[login] = password
		return nil
	}
}

// WithAccessTokenTTL sets the lifetime of access tokens (expires_in is rounded up to whole
// seconds). Defaults: Dataddo and AuthAPI 1 h, ONE DATA 24 h, Keycloak 300 s.
func WithAccessTokenTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("bearerkittest: access token TTL must be positive")
		}
		c.accessTTL = d
		return nil
	}
}

// WithRefreshTokenTTL sets the lifetime of refresh tokens, counted from their issue (a
// rotated token gets a fresh lifetime). Defaults: Dataddo and AuthAPI 30 days, Keycloak
// 1800 s. ONE DATA has no refresh tokens.
func WithRefreshTokenTTL(d time.Duration) Option {
	return func(c *config) error {
		if err := only("WithRefreshTokenTTL", c, platformDataddo, platformAuthAPI, platformKeycloak); err != nil {
			return err
		}
		if d <= 0 {
			return errors.New("bearerkittest: refresh token TTL must be positive")
		}
		c.refreshTTL = d
		return nil
	}
}

// WithoutRotation makes refresh responses carry no new refresh token, so the client must
// keep the old one (RFC 6749 §6). By default every refresh rotates.
func WithoutRotation() Option {
	return func(c *config) error {
		if err := only("WithoutRotation", c, platformDataddo, platformAuthAPI, platformKeycloak); err != nil {
			return err
		}
		c.noRotation = true
		return nil
	}
}

// WithoutReuseDetection makes a reused (rotated-out) refresh token a plain failure that
// leaves its grant alive. By default reuse kills the whole grant: its current refresh
// token and all its access tokens.
func WithoutReuseDetection() Option {
	return func(c *config) error {
		if err := only("WithoutReuseDetection", c, platformDataddo, platformAuthAPI, platformKeycloak); err != nil {
			return err
		}
		c.noReuse = true
		return nil
	}
}

// WithExpiresIn sets how token responses carry expires_in (Dataddo, AuthAPI, Keycloak;
// ONE DATA never sends it).
func WithExpiresIn(f ExpiresInFormat) Option {
	return func(c *config) error {
		if err := only("WithExpiresIn", c, platformDataddo, platformAuthAPI, platformKeycloak); err != nil {
			return err
		}
		c.expiresIn = f
		return nil
	}
}

// WithSigningKey sets the HMAC key that signs the JWTs (access tokens everywhere, ONE DATA's
// HS512 token, Keycloak's refresh and ID tokens). Default: a random key per emulator.
func WithSigningKey(key []byte) Option {
	return func(c *config) error {
		if len(key) == 0 {
			return errors.New("bearerkittest: empty signing key")
		}
		c.signingKey = append([]byte(nil), key...)
		return nil
	}
}
