package bearerkittest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Dataddo defaults (docs/platforms/dataddo.md).
const (
	// DefaultRealmID is the realm_id of the emulated account.
	DefaultRealmID = "1"
	// DefaultProvider is the provider of the emulated account.
	DefaultProvider = "dataddo"
	// DefaultCustomerID is the customer_id of the seeded data.
	DefaultCustomerID = 1001
)

// Dataddo emulates the Dataddo headless API (docs/platforms/dataddo.md and dataddo-authorizers.md), under the base path
// (WithBasePath, default ""):
//
//	POST /auth                 JSON {email, password} → {access_token, refresh_token, expires_in, realm_id, provider}
//	POST /refresh              Authorization: Bearer <access, even expired> + JSON {refresh_token}
//	GET  /refresh              headers X-Realm-Id, X-Provider, X-Refresh-Token
//	POST /revoke, GET /revoke  bearer token → 204; the grant dies
//	GET  /logged-member, /grids/source, /sources, /sources/{id}, /sources/{id}/preview,
//	     /sources/{id}/detect, /tokens, /services, /services/{id}, /services/{id}/debug
//	POST /tokens, /services/{name}/oauth-request-url, /services/{name}/oauth-process-callback
//	DELETE /tokens/{id}, /services/{id}
//	GET  /oauth/authorize      the fake consent page the oauth-request-url points to (302)
//
// API calls need Authorization: Bearer <access>, X-Realm-Id and X-Provider (or the cookies
// accessToken, realmId, provider); anything else is a 401 with WWW-Authenticate and
// {"statusCode":401,"message":"Unauthorized"}. Every error body is
// {"statusCode": N, "message": "..."}; token endpoint errors add the RFC 6749 fields
// "error" and "error_description". Refresh failures are 401 invalid_grant.
//
// The data (sources, services, API tokens; see DataddoSource) is seeded, and mutable
// through the API and the methods below. All methods are safe for concurrent use.
// The zero value is not usable: make one with NewDataddo or StartDataddo.
type Dataddo struct {
	*Core

	// guarded by Core.mu
	nextID    int
	sources   map[int]*DataddoSource
	rows      map[int][]map[string]any
	services  map[int]*DataddoService
	apiTokens map[int]*DataddoToken
	oauth     map[string]oauthRequest // by code
}

// WithRealmID sets the realm_id the account has (default DefaultRealmID). Unless
// WithRealmIDAsString is given it must be an integer, since it is sent as a JSON number.
func WithRealmID(id string) Option {
	return func(c *config) error {
		if err := only("WithRealmID", c, platformDataddo); err != nil {
			return err
		}
		c.realmID = id
		return nil
	}
}

// WithProvider sets the provider the account has (default DefaultProvider).
func WithProvider(p string) Option {
	return func(c *config) error {
		if err := only("WithProvider", c, platformDataddo); err != nil {
			return err
		}
		c.provider = p
		return nil
	}
}

// WithRealmIDAsString sends realm_id as a JSON string ("1") instead of a number (1).
func WithRealmIDAsString() Option {
	return func(c *config) error {
		if err := only("WithRealmIDAsString", c, platformDataddo); err != nil {
			return err
		}
		c.realmIDString = true
		return nil
	}
}

// WithoutRealmInfo emulates older responses: /auth and /refresh send neither realm_id nor
// provider, and the API then accepts calls without X-Realm-Id / X-Provider (when present
// and not empty they must still match).
func WithoutRealmInfo() Option {
	return func(c *config) error {
		if err := only("WithoutRealmInfo", c, platformDataddo); err != nil {
			return err
		}
		c.noRealmInfo = true
		return nil
	}
}

// NewDataddo starts a Dataddo emulator for a test and closes it at the end of the test.
// t must not be nil (use StartDataddo without a testing.TB); a bad option fails the test.
func NewDataddo(t testing.TB, opts ...Option) *Dataddo {
	t.Helper()
	d, err := StartDataddo(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// StartDataddo starts a Dataddo emulator without a testing.TB, e.g. in a main program. The
// caller must Close it.
func StartDataddo(opts ...Option) (*Dataddo, error) {
	d, err := newDataddo(opts)
	if err != nil {
		return nil, err
	}
	if err := d.listen(d.handler()); err != nil {
		return nil, err
	}
	return d, nil
}

func newDataddo(opts []Option) (*Dataddo, error) {
	cfg, err := newConfig(platformDataddo, opts)
	if err != nil {
		return nil, err
	}
	if _, err := strconv.Atoi(cfg.realmID); err != nil && !cfg.realmIDString {
		return nil, fmt.Errorf("bearerkittest: realm id %q is not an integer (see WithRealmIDAsString)", cfg.realmID)
	}
	d := &Dataddo{Core: newCore(cfg)}
	d.errBody = dataddoErrBody
	d.authorize = func(r *http.Request) (*accessRec, Outcome) {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.check(r)
	}
	d.seed()
	return d, nil
}

func (d *Dataddo) handler() http.Handler {
	b := d.cfg.basePath
	mux := http.NewServeMux()
	mux.HandleFunc("/", d.notFound)
	mux.HandleFunc("POST "+b+"/auth", d.handle(EndpointLogin, d.login))
	mux.HandleFunc("POST "+b+"/refresh", d.handle(EndpointRefresh, d.refreshPost))
	mux.HandleFunc("GET "+b+"/refresh", d.handle(EndpointRefresh, d.refreshGet))
	mux.HandleFunc("POST "+b+"/revoke", d.handle(EndpointRevoke, d.revoke))
	mux.HandleFunc("GET "+b+"/revoke", d.handle(EndpointRevoke, d.revoke))
	mux.HandleFunc("GET "+b+"/oauth/authorize", d.consent)
	api := map[string]handlerFunc{
		"GET /logged-member":                           d.loggedMember,
		"GET /grids/source":                            d.sourceGrid,
		"GET /sources":                                 d.listSources,
		"GET /sources/{id}":                            d.getSource,
		"GET /sources/{id}/preview":                    d.preview,
		"GET /sources/{id}/detect":                     d.detect,
		"GET /tokens":                                  d.listTokens,
		"POST /tokens":                                 d.createToken,
		"DELETE /tokens/{id}":                          d.deleteToken,
		"GET /services":                                d.listServices,
		"GET /services/{id}":                           d.getService,
		"GET /services/{id}/debug":                     d.debugService,
		"DELETE /services/{id}":                        d.deleteService,
		"POST /services/{name}/oauth-request-url":      d.oauthRequestURL,
		"POST /services/{name}/oauth-process-callback": d.oauthCallback,
	}
	for pat, h := range api {
		method, path, _ := strings.Cut(pat, " ")
		mux.HandleFunc(method+" "+b+path, d.handle(EndpointAPI, d.authed(h)))
	}
	return mux
}

// dataddoErrBody is {"statusCode", "message"}, plus the RFC 6749 fields for token errors.
func dataddoErrBody(status int, code, desc string) any {
	if desc == "" {
		desc = http.StatusText(status)
	}
	m := map[string]any{"statusCode": status, "message": desc}
	if code != "" {
		m["error"], m["error_description"] = code, desc
	}
	return m
}

// apiError writes a Dataddo API error.
func (d *Dataddo) apiError(cl *call, w http.ResponseWriter, status int, o Outcome, msg string) {
	cl.set(o)
	writeJSON(w, status, nil, dataddoErrBody(status, "", msg))
}

// check authenticates an API request. Called with d.mu held.
func (d *Dataddo) check(r *http.Request) (*accessRec, Outcome) {
	tok, _ := bearer(r)
	if r.Header.Get("Authorization") == "" {
		tok = cookie(r, "accessToken")
	}
	a, o := d.tokens.checkAccess(tok, d.now())
	if o != OutcomeOK {
		return a, o
	}
	if !d.realmOK(headerOrCookie(r, "X-Realm-Id", "realmId"), headerOrCookie(r, "X-Provider", "provider")) {
		return a, OutcomeWrongRealm
	}
	return a, OutcomeOK
}

// realmOK checks the realm and provider a request sent. Without realm info (older
// responses) they may be missing, but not wrong.
func (d *Dataddo) realmOK(realm, provider string) bool {
	if d.cfg.noRealmInfo {
		return (realm == "" || realm == d.cfg.realmID) && (provider == "" || provider == d.cfg.provider)
	}
	return realm == d.cfg.realmID && provider == d.cfg.provider
}

// authed wraps an API handler with the authentication check.
func (d *Dataddo) authed(h handlerFunc) handlerFunc {
	return func(cl *call, w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		a, o := d.check(r)
		d.mu.Unlock()
		if a != nil {
			cl.user, cl.token = a.g.user, Fingerprint(a.token)
		}
		if o != OutcomeOK {
			cl.set(o)
			writeJSON(w, http.StatusUnauthorized,
				http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}},
				dataddoErrBody(http.StatusUnauthorized, "", "Unauthorized"))
			return
		}
		h(cl, w, r)
	}
}

func cookie(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

func headerOrCookie(r *http.Request, header, cookieName string) string {
	if v := r.Header.Get(header); v != "" {
		return v
	}
	return cookie(r, cookieName)
}
