package bearerkittest

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// Keycloak defaults (docs/platforms/keycloak.md).
const (
	// DefaultRealm is the realm (DataClarity tenant) served.
	DefaultRealm = "dataclarity"
	// DefaultPublicClient is the public client of the DataClarity UI: password grant, no secret.
	DefaultPublicClient = "dc-ui"
	// DefaultConfidentialClient is a confidential client with a service account.
	DefaultConfidentialClient = "dc-backend"
	// DefaultClientSecret is the secret of DefaultConfidentialClient.
	DefaultClientSecret = "dc-backend-secret"
)

// KeycloakClient is a client registered in the realm. The zero value of each flag is
// Keycloak's default for the feature the flag turns off.
type KeycloakClient struct {
	ID     string
	Secret string // "" makes a public client
	// DisableDirectGrants refuses the password grant (400 unauthorized_client).
	DisableDirectGrants bool
	// DisableServiceAccount refuses client_credentials (401 unauthorized_client).
	// Public clients never have a service account.
	DisableServiceAccount bool
}

// Keycloak emulates a Keycloak realm as DataClarity uses it (docs/platforms/keycloak.md). With the
// realm prefix P = {base}[/auth]/realms/{realm} (see WithBasePath, WithLegacyAuthPrefix,
// WithRealm):
//
//	POST P/protocol/openid-connect/token   form grants password, client_credentials, refresh_token
//	POST P/protocol/openid-connect/revoke  RFC 7009: form token, token_type_hint, client auth → 200
//	GET  P/.well-known/openid-configuration, P/protocol/openid-connect/certs
//	GET  {base}/dp/api/v1/aiconnections/types  the protected API
//
// Clients authenticate with HTTP Basic (id and secret form-url-encoded first, RFC 6749
// §2.3.1) or client_id / client_secret form fields. Errors are RFC 6749 JSON with
// Keycloak's codes and texts: 401 invalid_grant "Invalid user credentials"; 400
// invalid_grant "Token is not active" (expired refresh token), "Session not active"
// (revoked, or killed by reuse detection), "Stale token" (rotated-out refresh token), and
// "Invalid refresh token" (unknown); 401 invalid_client (unknown client); 401
// unauthorized_client (wrong or missing secret, no service account); 400
// unauthorized_client (direct grants disabled). An unknown realm is 404 {"error":
// "Realm does not exist"}. All methods are safe for concurrent use. The zero value is not
// usable: make one with NewKeycloak or StartKeycloak.
type Keycloak struct {
	*Core
}

// WithRealm sets the realm name (default DefaultRealm).
func WithRealm(name string) Option {
	return func(c *config) error {
		if err := only("WithRealm", c, platformKeycloak); err != nil {
			return err
		}
		if name == "" || strings.ContainsAny(name, "/{}?# ") {
			return errors.New("bearerkittest: invalid realm name")
		}
		c.realm = name
		return nil
	}
}

// WithLegacyAuthPrefix serves the realm under {base}/auth/realms/... as Keycloak before
// version 17 did; the unprefixed paths are then 404. The API path does not change.
func WithLegacyAuthPrefix() Option {
	return func(c *config) error {
		if err := only("WithLegacyAuthPrefix", c, platformKeycloak); err != nil {
			return err
		}
		c.legacyPrefix = true
		return nil
	}
}

// WithKeycloakClient registers a client, or replaces the one with the same ID (the
// defaults DefaultPublicClient and DefaultConfidentialClient included).
func WithKeycloakClient(k KeycloakClient) Option {
	return func(c *config) error {
		if err := only("WithKeycloakClient", c, platformKeycloak); err != nil {
			return err
		}
		if k.ID == "" {
			return errors.New("bearerkittest: Keycloak client without ID")
		}
		c.clients[k.ID] = k
		return nil
	}
}

// WithLowercaseTokenType sends token_type "bearer", as older Keycloak versions did,
// instead of "Bearer".
func WithLowercaseTokenType() Option {
	return func(c *config) error {
		if err := only("WithLowercaseTokenType", c, platformKeycloak); err != nil {
			return err
		}
		c.lowercaseType = true
		return nil
	}
}

// NewKeycloak starts a Keycloak emulator for a test and closes it at the end of the test.
// t must not be nil (use StartKeycloak without a testing.TB); a bad option fails the test.
func NewKeycloak(t testing.TB, opts ...Option) *Keycloak {
	t.Helper()
	k, err := StartKeycloak(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k
}

// StartKeycloak starts a Keycloak emulator without a testing.TB. The caller must Close it.
func StartKeycloak(opts ...Option) (*Keycloak, error) {
	k, err := newKeycloak(opts)
	if err != nil {
		return nil, err
	}
	if err := k.listen(k.handler()); err != nil {
		return nil, err
	}
	return k, nil
}

func newKeycloak(opts []Option) (*Keycloak, error) {
	cfg, err := newConfig(platformKeycloak, opts)
	if err != nil {
		return nil, err
	}
	k := &Keycloak{Core: newCore(cfg)}
	k.authorize = func(r *http.Request) (*accessRec, Outcome) {
		k.mu.Lock()
		defer k.mu.Unlock()
		tok, _ := bearer(r)
		return k.tokens.checkAccess(tok, k.now())
	}
	return k, nil
}

// realmPattern is the mux pattern prefix of the realm routes.
func (k *Keycloak) realmPattern() string {
	p := k.cfg.basePath
	if k.cfg.legacyPrefix {
		p += "/auth"
	}
	return p + "/realms/{realm}"
}

func (k *Keycloak) handler() http.Handler {
	p := k.realmPattern()
	mux := http.NewServeMux()
	mux.HandleFunc("/", k.notFound)
	mux.HandleFunc("POST "+p+"/protocol/openid-connect/token", k.inRealm(k.handleFunc(classifyGrant, k.token)))
	mux.HandleFunc("POST "+p+"/protocol/openid-connect/revoke", k.inRealm(k.handle(EndpointRevoke, k.revoke)))
	mux.HandleFunc("GET "+p+"/.well-known/openid-configuration", k.inRealm(k.handle(EndpointDiscovery, k.discovery)))
	mux.HandleFunc("GET "+p+"/protocol/openid-connect/certs", k.inRealm(k.handle(EndpointDiscovery,
		func(_ *call, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, nil, map[string]any{"keys": []any{}}) // HS256: no public keys
		})))
	mux.HandleFunc("GET "+k.cfg.basePath+"/dp/api/v1/aiconnections/types", k.handle(EndpointAPI, k.aiTypes))
	return mux
}

// inRealm answers 404 for another realm, as Keycloak does.
func (k *Keycloak) inRealm(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("realm") != k.cfg.realm {
			writeJSON(w, http.StatusNotFound, nil, map[string]string{"error": "Realm does not exist"})
			return
		}
		h(w, r)
	}
}

// Realm returns the realm name.
func (k *Keycloak) Realm() string { return k.cfg.realm }

// Issuer returns the realm's issuer URL: {URL}[/auth]/realms/{realm}.
func (k *Keycloak) Issuer() string {
	p := "/realms/" + k.cfg.realm
	if k.cfg.legacyPrefix {
		p = "/auth" + p
	}
	return k.URL() + p
}

// TokenURL returns the token endpoint URL.
func (k *Keycloak) TokenURL() string { return k.Issuer() + "/protocol/openid-connect/token" }

// RevokeURL returns the RFC 7009 revocation endpoint URL.
func (k *Keycloak) RevokeURL() string { return k.Issuer() + "/protocol/openid-connect/revoke" }

// DiscoveryURL returns the URL of the OpenID configuration document.
func (k *Keycloak) DiscoveryURL() string { return k.Issuer() + "/.well-known/openid-configuration" }

// APIURL returns the URL of the example API call, GET /dp/api/v1/aiconnections/types.
func (k *Keycloak) APIURL() string { return k.URL() + "/dp/api/v1/aiconnections/types" }

func (k *Keycloak) discovery(_ *call, w http.ResponseWriter, _ *http.Request) {
	iss := k.Issuer()
	oidc := iss + "/protocol/openid-connect"
	auth := []string{"client_secret_basic", "client_secret_post"}
	writeJSON(w, http.StatusOK, nil, map[string]any{
		"issuer":                                     iss,
		"authorization_endpoint":                     oidc + "/auth",
		"token_endpoint":                             oidc + "/token",
		"revocation_endpoint":                        oidc + "/revoke",
		"jwks_uri":                                   oidc + "/certs",
		"grant_types_supported":                      []string{"password", "client_credentials", "refresh_token"},
		"response_types_supported":                   []string{"code"},
		"subject_types_supported":                    []string{"public"},
		"id_token_signing_alg_values_supported":      []string{"HS256"},
		"scopes_supported":                           []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported":      auth,
		"revocation_endpoint_auth_methods_supported": auth,
	})
}

var aiConnectionTypes = []map[string]string{
	{"id": "openai", "name": "OpenAI"},
	{"id": "azure-openai", "name": "Azure OpenAI"},
	{"id": "ollama", "name": "Ollama"},
}

func (k *Keycloak) aiTypes(cl *call, w http.ResponseWriter, r *http.Request) {
	a, o := k.authorize(r)
	if a != nil {
		cl.user, cl.token = a.g.user, Fingerprint(a.token)
	}
	if o != OutcomeOK {
		cl.set(o)
		k.writeUnauthorized(w, k.cfg.realm, "Token verification failed")
		return
	}
	writeJSON(w, http.StatusOK, nil, aiConnectionTypes)
}
