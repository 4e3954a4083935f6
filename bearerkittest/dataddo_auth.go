package bearerkittest

import (
	"net/http"
	"strconv"
)

// login serves POST /auth.
func (d *Dataddo) login(cl *call, w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !isJSON(r) || !decodeJSON(cl.body, &req) {
		cl.set(OutcomeBadRequest)
		d.writeTokenError(w, http.StatusBadRequest, "invalid_request", "expected a JSON body {email, password}")
		return
	}
	cl.user = req.Email
	if req.Email == "" || req.Password == "" {
		cl.set(OutcomeBadRequest)
		d.writeTokenError(w, http.StatusBadRequest, "invalid_request", "email and password are required")
		return
	}
	if !d.checkPassword(req.Email, req.Password) {
		cl.set(OutcomeBadCredentials)
		d.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", "Invalid credentials")
		return
	}
	d.mu.Lock()
	g := d.tokens.newGrant(req.Email, "")
	resp := d.issue(cl, g, d.mintRefresh(g, ""))
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

// issue mints an access token for g and builds the token response. refresh "" leaves
// refresh_token out. Called with d.mu held.
func (d *Dataddo) issue(cl *call, g *grant, refresh string) map[string]any {
	claims := map[string]any{"email": g.user}
	if !d.cfg.noRealmInfo {
		claims["realm_id"], claims["provider"] = d.cfg.realmID, d.cfg.provider
	}
	at, _ := d.mintAccess(g, "HS256", claims)
	cl.token = Fingerprint(at)
	m := map[string]any{"access_token": at}
	if refresh != "" {
		m["refresh_token"] = refresh
	}
	d.putExpiresIn(m, d.cfg.accessTTL)
	if !d.cfg.noRealmInfo {
		m["provider"] = d.cfg.provider
		if n, err := strconv.Atoi(d.cfg.realmID); err == nil && !d.cfg.realmIDString {
			m["realm_id"] = n
		} else {
			m["realm_id"] = d.cfg.realmID
		}
	}
	return m
}

// refreshPost serves POST /refresh: the (possibly expired) access token in Authorization
// and {"refresh_token"} in the body.
func (d *Dataddo) refreshPost(cl *call, w http.ResponseWriter, r *http.Request) {
	at, ok := bearer(r)
	if !ok {
		cl.set(OutcomeUnknownToken)
		d.writeTokenError(w, http.StatusUnauthorized, "", "Unauthorized")
		return
	}
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	if !isJSON(r) || !decodeJSON(cl.body, &req) || req.RefreshToken == "" {
		cl.set(OutcomeBadRequest)
		d.writeTokenError(w, http.StatusBadRequest, "invalid_request", "expected a JSON body {refresh_token}")
		return
	}
	d.mu.Lock()
	a := d.tokens.access[at]
	rr := d.tokens.refresh[req.RefreshToken]
	if a == nil || (rr != nil && rr.g != a.g) {
		d.mu.Unlock()
		cl.set(OutcomeUnknownToken)
		d.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", "access token and refresh token do not match")
		return
	}
	d.finishRefresh(cl, w, req.RefreshToken)
}

// refreshGet serves GET /refresh with X-Realm-Id, X-Provider and X-Refresh-Token.
func (d *Dataddo) refreshGet(cl *call, w http.ResponseWriter, r *http.Request) {
	rt := r.Header.Get("X-Refresh-Token")
	if rt == "" {
		cl.set(OutcomeBadRequest)
		d.writeTokenError(w, http.StatusBadRequest, "invalid_request", "X-Refresh-Token header is required")
		return
	}
	if !d.realmOK(r.Header.Get("X-Realm-Id"), r.Header.Get("X-Provider")) {
		cl.set(OutcomeWrongRealm)
		d.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", "X-Realm-Id and X-Provider do not match the account")
		return
	}
	d.mu.Lock()
	d.finishRefresh(cl, w, rt)
}

// finishRefresh redeems rt and answers. Called with d.mu held; it unlocks.
func (d *Dataddo) finishRefresh(cl *call, w http.ResponseWriter, rt string) {
	g, st, o := d.redeem(rt)
	if st != refreshOK {
		if g != nil {
			cl.user = g.user
		}
		d.mu.Unlock()
		cl.set(o)
		d.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", refreshErrText[st])
		return
	}
	cl.user = g.user
	resp := d.issue(cl, g, d.rotate(g, ""))
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

// refreshErrText describes a refused refresh token (Dataddo, AuthAPI).
var refreshErrText = map[refreshState]string{
	refreshUnknown: "refresh token is invalid",
	refreshExpired: "refresh token has expired",
	refreshStale:   "refresh token was already used",
	refreshDead:    "refresh token was revoked",
}

// revoke serves POST and GET /revoke: the grant of the bearer token (or accessToken
// cookie) dies. Unknown tokens get 204 too; no token at all is a 401.
func (d *Dataddo) revoke(cl *call, w http.ResponseWriter, r *http.Request) {
	tok, _ := bearer(r)
	if r.Header.Get("Authorization") == "" {
		tok = cookie(r, "accessToken")
	}
	if tok == "" {
		cl.set(OutcomeUnknownToken)
		writeJSON(w, http.StatusUnauthorized,
			http.Header{"Www-Authenticate": {`Bearer error="invalid_token"`}},
			dataddoErrBody(http.StatusUnauthorized, "", "Unauthorized"))
		return
	}
	cl.token = Fingerprint(tok)
	d.mu.Lock()
	if a := d.tokens.access[tok]; a != nil {
		cl.user = a.g.user
		d.tokens.kill(a.g)
	}
	d.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
