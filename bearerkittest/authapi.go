package bearerkittest

import (
	"net/http"
	"testing"
)

// AuthAPI emulates the token service of docs/platforms/authapi.md, under the base path
// (WithBasePath):
//
//	POST /auth/password  form username, password → {access_token, refresh_token, token_type: "bearer", expires_in: 3600}
//	POST /auth/refresh   form refresh_token → a new access token and a new refresh token; the old one dies
//	GET  /v1/me          the user of the token
//	POST /v1/echo        answers the request body and Content-Type unchanged (to check replays)
//
// The token endpoints take only application/x-www-form-urlencoded (anything else: 400
// invalid_request). A wrong password and any refused refresh token (unknown, expired,
// reused, revoked) are 401 invalid_grant; a missing field is 400 invalid_request. API
// calls without a live bearer token get 401 with WWW-Authenticate. All methods are safe
// for concurrent use. The zero value is not usable: make one with NewAuthAPI or StartAuthAPI.
type AuthAPI struct {
	*Core
}

// NewAuthAPI starts an AuthAPI emulator for a test and closes it at the end of the test.
// t must not be nil (use StartAuthAPI without a testing.TB); a bad option fails the test.
func NewAuthAPI(t testing.TB, opts ...Option) *AuthAPI {
	t.Helper()
	a, err := StartAuthAPI(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// StartAuthAPI starts an AuthAPI emulator without a testing.TB. The caller must Close it.
func StartAuthAPI(opts ...Option) (*AuthAPI, error) {
	a, err := newAuthAPI(opts)
	if err != nil {
		return nil, err
	}
	if err := a.listen(a.handler()); err != nil {
		return nil, err
	}
	return a, nil
}

func newAuthAPI(opts []Option) (*AuthAPI, error) {
	cfg, err := newConfig(platformAuthAPI, opts)
	if err != nil {
		return nil, err
	}
	a := &AuthAPI{Core: newCore(cfg)}
	a.authorize = func(r *http.Request) (*accessRec, Outcome) {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.check(r)
	}
	return a, nil
}

func (a *AuthAPI) handler() http.Handler {
	b := a.cfg.basePath
	mux := http.NewServeMux()
	mux.HandleFunc("/", a.notFound)
	mux.HandleFunc("POST "+b+"/auth/password", a.handle(EndpointLogin, a.password))
	mux.HandleFunc("POST "+b+"/auth/refresh", a.handle(EndpointRefresh, a.refresh))
	mux.HandleFunc("GET "+b+"/v1/me", a.handle(EndpointAPI, a.authed(a.me)))
	mux.HandleFunc("POST "+b+"/v1/echo", a.handle(EndpointAPI, a.authed(a.echo)))
	return mux
}

func (a *AuthAPI) formOnly(cl *call, w http.ResponseWriter, r *http.Request) bool {
	if isForm(r) {
		return true
	}
	cl.set(OutcomeBadRequest)
	a.writeTokenError(w, http.StatusBadRequest, "invalid_request", "expected an application/x-www-form-urlencoded body")
	return false
}

func (a *AuthAPI) password(cl *call, w http.ResponseWriter, r *http.Request) {
	if !a.formOnly(cl, w, r) {
		return
	}
	f := form(r, cl.body)
	user, pw := f.Get("username"), f.Get("password")
	cl.user = user
	if user == "" || pw == "" {
		cl.set(OutcomeBadRequest)
		a.writeTokenError(w, http.StatusBadRequest, "invalid_request", "username and password are required")
		return
	}
	if !a.checkPassword(user, pw) {
		cl.set(OutcomeBadCredentials)
		a.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", "invalid username or password")
		return
	}
	a.mu.Lock()
	g := a.tokens.newGrant(user, "")
	resp := a.issue(cl, g, a.mintRefresh(g, ""))
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

// issue mints an access token and builds the response. Called with a.mu held.
func (a *AuthAPI) issue(cl *call, g *grant, refresh string) map[string]any {
	at, _ := a.mintAccess(g, "HS256", nil)
	cl.token = Fingerprint(at)
	m := map[string]any{"access_token": at, "token_type": "bearer"}
	if refresh != "" {
		m["refresh_token"] = refresh
	}
	a.putExpiresIn(m, a.cfg.accessTTL)
	return m
}

func (a *AuthAPI) refresh(cl *call, w http.ResponseWriter, r *http.Request) {
	if !a.formOnly(cl, w, r) {
		return
	}
	rt := form(r, cl.body).Get("refresh_token")
	if rt == "" {
		cl.set(OutcomeBadRequest)
		a.writeTokenError(w, http.StatusBadRequest, "invalid_request", "refresh_token is required")
		return
	}
	a.mu.Lock()
	g, st, o := a.redeem(rt)
	if g != nil {
		cl.user = g.user
	}
	if st != refreshOK {
		a.mu.Unlock()
		cl.set(o)
		a.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", refreshErrText[st])
		return
	}
	resp := a.issue(cl, g, a.rotate(g, ""))
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

// check authenticates an API call. Called with a.mu held.
func (a *AuthAPI) check(r *http.Request) (*accessRec, Outcome) {
	tok, _ := bearer(r)
	return a.tokens.checkAccess(tok, a.now())
}

func (a *AuthAPI) authed(h handlerFunc) handlerFunc {
	return func(cl *call, w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		rec, o := a.check(r)
		a.mu.Unlock()
		if rec != nil {
			cl.user, cl.token = rec.g.user, Fingerprint(rec.token)
		}
		if o != OutcomeOK {
			cl.set(o)
			a.writeUnauthorized(w, "", "the access token is invalid or has expired")
			return
		}
		h(cl, w, r)
	}
}

func (a *AuthAPI) me(cl *call, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nil, map[string]string{"username": cl.user})
}

func (a *AuthAPI) echo(cl *call, w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	writeRaw(w, http.StatusOK, ct, cl.body)
}
