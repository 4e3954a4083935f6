package bearerkittest

import (
	"net/http"
	"strings"
	"testing"
)

// OneData emulates ONE DATA (docs/platforms/onedata.md), under the base path (WithBasePath):
//
//	POST /api/v1/users/login   JSON {username, password} (or the same as a form) → 200 with
//	                           the user as body and the token in the Authorization response
//	                           header, "Bearer <jwt>" (see WithLegacyTokenHeader, WithoutBearerPrefix)
//	POST /api/v1/users/logout  200; like the real one it invalidates nothing
//	GET  /api/v1/users/me      the user of the token
//	GET  /api/v1/datasets      a Spring page {"content": [...], "totalElements": N, ...}
//	GET  /api/v1/datasets/{id} one dataset, or 404
//
// The token is an HS512 JWT (claims sub = e-mail, iat, exp, jti) valid 24 h by default; there
// is no refresh. API calls need exactly "Authorization: Bearer <jwt>": a doubled
// "Bearer Bearer" or a missing prefix is a 401. Errors are JSON
// {"status", "error", "error_description", "message"}. All methods are safe for concurrent use.
// The zero value is not usable: make one with NewOneData or StartOneData.
type OneData struct {
	*Core
}

// WithLegacyTokenHeader makes ONE DATA's login send the token in X-Auth-Token (the former
// header) instead of Authorization.
func WithLegacyTokenHeader() Option {
	return func(c *config) error {
		if err := only("WithLegacyTokenHeader", c, platformOneData); err != nil {
			return err
		}
		c.legacyHeader = true
		return nil
	}
}

// WithoutBearerPrefix makes ONE DATA's login send the bare JWT, without "Bearer ".
func WithoutBearerPrefix() Option {
	return func(c *config) error {
		if err := only("WithoutBearerPrefix", c, platformOneData); err != nil {
			return err
		}
		c.noBearerPrefix = true
		return nil
	}
}

// NewOneData starts a ONE DATA emulator for a test and closes it at the end of the test.
// t must not be nil (use StartOneData without a testing.TB); a bad option fails the test.
func NewOneData(t testing.TB, opts ...Option) *OneData {
	t.Helper()
	o, err := StartOneData(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// StartOneData starts a ONE DATA emulator without a testing.TB. The caller must Close it.
func StartOneData(opts ...Option) (*OneData, error) {
	o, err := newOneData(opts)
	if err != nil {
		return nil, err
	}
	if err := o.listen(o.handler()); err != nil {
		return nil, err
	}
	return o, nil
}

func newOneData(opts []Option) (*OneData, error) {
	cfg, err := newConfig(platformOneData, opts)
	if err != nil {
		return nil, err
	}
	o := &OneData{Core: newCore(cfg)}
	o.errBody = func(status int, code, desc string) any {
		if code == "" {
			code = defaultCode(status)
		}
		return map[string]any{"status": status, "error": code, "error_description": desc, "message": desc}
	}
	o.authorize = func(r *http.Request) (*accessRec, Outcome) {
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.check(r)
	}
	return o, nil
}

func (o *OneData) handler() http.Handler {
	b := o.cfg.basePath + "/api/v1"
	mux := http.NewServeMux()
	mux.HandleFunc("/", o.notFound)
	mux.HandleFunc("POST "+b+"/users/login", o.handle(EndpointLogin, o.login))
	mux.HandleFunc("POST "+b+"/users/logout", o.handle(EndpointLogout, func(cl *call, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	mux.HandleFunc("GET "+b+"/users/me", o.handle(EndpointAPI, o.authed(o.me)))
	mux.HandleFunc("GET "+b+"/datasets", o.handle(EndpointAPI, o.authed(o.datasets)))
	mux.HandleFunc("GET "+b+"/datasets/{id}", o.handle(EndpointAPI, o.authed(o.dataset)))
	return mux
}

// MintToken returns a valid token for email without a login, as a user would paste it
// from the browser; it is not counted as a login.
func (o *OneData) MintToken(email string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	tok, _ := o.mintAccess(o.tokens.newGrant(email, ""), "HS512", nil)
	return tok
}

func (o *OneData) login(cl *call, w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	switch {
	case isJSON(r):
		decodeJSON(cl.body, &req)
	case isForm(r):
		f := form(r, cl.body)
		req.Username, req.Password = f.Get("username"), f.Get("password")
	}
	cl.user = req.Username
	if req.Username == "" || req.Password == "" {
		cl.set(OutcomeBadRequest)
		o.writeTokenError(w, http.StatusBadRequest, "invalid_request", "username and password are required")
		return
	}
	if !o.checkPassword(req.Username, req.Password) {
		cl.set(OutcomeBadCredentials)
		o.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", "Bad credentials")
		return
	}
	o.mu.Lock()
	tok, _ := o.mintAccess(o.tokens.newGrant(req.Username, ""), "HS512", nil)
	o.mu.Unlock()
	cl.token = Fingerprint(tok)
	hdr := noStore()
	v := "Bearer " + tok
	if o.cfg.noBearerPrefix {
		v = tok
	}
	name := "Authorization"
	if o.cfg.legacyHeader {
		name = "X-Auth-Token"
	}
	hdr.Set(name, v)
	hdr.Set("Access-Control-Expose-Headers", name)
	writeJSON(w, http.StatusOK, hdr, oneDataUser(req.Username))
}

func oneDataUser(email string) map[string]any {
	name, _, _ := strings.Cut(email, "@")
	return map[string]any{"id": "3f6c1d2e-0a4b-4c8d-9e7f-" + Fingerprint(email), "username": email,
		"email": email, "firstName": name, "lastName": "Tester", "roles": []string{"ROLE_USER"}}
}

// check authenticates an API call: exactly "Bearer <jwt>", a good HS512 signature and a
// live token. Called with o.mu held.
func (o *OneData) check(r *http.Request) (*accessRec, Outcome) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" || strings.ContainsAny(tok, " \t") {
		return nil, OutcomeUnknownToken
	}
	if _, ok := verifyJWT(tok, "HS512", o.cfg.signingKey); !ok {
		return nil, OutcomeUnknownToken
	}
	return o.tokens.checkAccess(tok, o.now())
}

func (o *OneData) authed(h handlerFunc) handlerFunc {
	return func(cl *call, w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		a, out := o.check(r)
		o.mu.Unlock()
		if a != nil {
			cl.user, cl.token = a.g.user, Fingerprint(a.token)
		}
		if out != OutcomeOK {
			cl.set(out)
			o.writeUnauthorized(w, "", "Full authentication is required to access this resource")
			return
		}
		h(cl, w, r)
	}
}

func (o *OneData) me(cl *call, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nil, oneDataUser(cl.user))
}

var oneDataSets = []map[string]any{
	{"id": "ds-sales-2024", "name": "Sales 2024", "rowCount": 1200, "columns": []string{"date", "region", "amount"}},
	{"id": "ds-churn", "name": "Customer churn", "rowCount": 860, "columns": []string{"customer", "churned", "score"}},
}

func (o *OneData) datasets(_ *call, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nil, map[string]any{"content": oneDataSets, "totalElements": len(oneDataSets),
		"totalPages": 1, "number": 0, "size": 20})
}

func (o *OneData) dataset(cl *call, w http.ResponseWriter, r *http.Request) {
	for _, ds := range oneDataSets {
		if ds["id"] == r.PathValue("id") {
			writeJSON(w, http.StatusOK, nil, ds)
			return
		}
	}
	cl.set(OutcomeNotFound)
	writeJSON(w, http.StatusNotFound, nil, o.errBody(http.StatusNotFound, "", "Dataset not found"))
}
