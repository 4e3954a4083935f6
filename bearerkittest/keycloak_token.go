package bearerkittest

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
)

// classifyGrant maps a token request to its endpoint by grant_type.
func classifyGrant(r *http.Request, body []byte) Endpoint {
	if form(r, body).Get("grant_type") == "refresh_token" {
		return EndpointRefresh
	}
	return EndpointLogin
}

// authClient authenticates the client (HTTP Basic first, then form fields) and answers
// the error itself when it fails.
func (k *Keycloak) authClient(cl *call, w http.ResponseWriter, r *http.Request, f url.Values) (KeycloakClient, bool) {
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: both are form-url-encoded before Basic encoding.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			id, secret = "", ""
		}
	} else {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	fail := func(status int, code, desc string) (KeycloakClient, bool) {
		cl.set(OutcomeBadClient)
		k.writeTokenError(w, status, code, desc)
		return KeycloakClient{}, false
	}
	c, ok := k.cfg.clients[id]
	switch {
	case id == "":
		return fail(http.StatusUnauthorized, "invalid_client", "Missing client_id parameter")
	case !ok:
		return fail(http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
	case c.Secret != "" && secret == "":
		return fail(http.StatusUnauthorized, "unauthorized_client", "Client secret not provided in request")
	case c.Secret != "" && secret != c.Secret:
		return fail(http.StatusUnauthorized, "unauthorized_client", "Invalid client secret")
	}
	return c, true
}

// token serves the token endpoint.
func (k *Keycloak) token(cl *call, w http.ResponseWriter, r *http.Request) {
	f := form(r, cl.body)
	gt := f.Get("grant_type")
	switch gt {
	case "":
		cl.set(OutcomeBadRequest)
		k.writeTokenError(w, http.StatusBadRequest, "invalid_request", "Missing form parameter: grant_type")
		return
	case "password", "client_credentials", "refresh_token":
	default:
		cl.set(OutcomeBadRequest)
		k.writeTokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}
	c, ok := k.authClient(cl, w, r, f)
	if !ok {
		return
	}
	cl.user = c.ID
	switch gt {
	case "password":
		k.password(cl, w, c, f)
	case "client_credentials":
		k.clientCredentials(cl, w, c)
	default:
		k.refresh(cl, w, c, f)
	}
}

func (k *Keycloak) password(cl *call, w http.ResponseWriter, c KeycloakClient, f url.Values) {
	if c.DisableDirectGrants {
		cl.set(OutcomeNotAllowed)
		k.writeTokenError(w, http.StatusBadRequest, "unauthorized_client", "Client not allowed for direct access grants")
		return
	}
	user := k.username(f.Get("username"))
	cl.user = f.Get("username")
	if !k.checkPassword(user, f.Get("password")) {
		cl.set(OutcomeBadCredentials)
		k.writeTokenError(w, http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")
		return
	}
	cl.user = user
	k.mu.Lock()
	g := k.tokens.newGrant(user, c.ID)
	resp := k.issue(cl, g, true, true)
	k.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

// username maps a login (user name, or e-mail as Keycloak allows) to the user name.
func (k *Keycloak) username(login string) string {
	for u := range k.cfg.users {
		if login == keycloakEmail(u) {
			return u
		}
	}
	return login
}

func keycloakEmail(user string) string {
	if strings.Contains(user, "@") {
		return user
	}
	return user + "@example.com"
}

func (k *Keycloak) clientCredentials(cl *call, w http.ResponseWriter, c KeycloakClient) {
	switch {
	case c.Secret == "":
		cl.set(OutcomeNotAllowed)
		k.writeTokenError(w, http.StatusUnauthorized, "unauthorized_client", "Public client not allowed to retrieve service account")
		return
	case c.DisableServiceAccount:
		cl.set(OutcomeNotAllowed)
		k.writeTokenError(w, http.StatusUnauthorized, "unauthorized_client", "Client not enabled to retrieve service account")
		return
	}
	k.mu.Lock()
	g := k.tokens.newGrant("service-account-"+c.ID, c.ID)
	resp := k.issue(cl, g, false, false)
	k.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

func (k *Keycloak) refresh(cl *call, w http.ResponseWriter, c KeycloakClient, f url.Values) {
	rt := f.Get("refresh_token")
	if rt == "" {
		cl.set(OutcomeBadRequest)
		k.writeTokenError(w, http.StatusBadRequest, "invalid_request", "Missing parameter: refresh_token")
		return
	}
	cl.token = Fingerprint(rt)
	k.mu.Lock()
	if rr := k.tokens.refresh[rt]; rr != nil && rr.g.client != c.ID {
		k.mu.Unlock()
		cl.set(OutcomeBadRequest)
		k.writeTokenError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token. Token client and authorized client don't match")
		return
	}
	g, st, o := k.redeem(rt)
	if st != refreshOK {
		k.mu.Unlock()
		cl.set(o)
		k.writeTokenError(w, http.StatusBadRequest, "invalid_grant", keycloakRefreshErr[st])
		return
	}
	cl.user = g.user
	resp := k.issue(cl, g, true, !k.cfg.noRotation)
	k.mu.Unlock()
	writeJSON(w, http.StatusOK, noStore(), resp)
}

var keycloakRefreshErr = map[refreshState]string{
	refreshUnknown: "Invalid refresh token",
	refreshExpired: "Token is not active",
	refreshStale:   "Stale token",
	refreshDead:    "Session not active",
}

// issue mints the tokens of a response. A session (not client_credentials) gets an ID
// token and session_state, and a new refresh token when newRefresh is set.
// Called with k.mu held.
func (k *Keycloak) issue(cl *call, g *grant, session, newRefresh bool) map[string]any {
	iss := k.Issuer()
	sub := "f:" + Fingerprint(g.user)
	common := map[string]any{"iss": iss, "sub": sub, "azp": g.client, "sid": g.id,
		"session_state": g.id, "preferred_username": g.user}
	scope := "profile email"
	if session {
		scope = "openid profile email"
	}
	claims := map[string]any{"typ": "Bearer", "aud": "account", "scope": scope}
	if !strings.HasPrefix(g.user, "service-account-") {
		claims["email"] = keycloakEmail(g.user)
	}
	for key, v := range common {
		claims[key] = v
	}
	at, exp := k.mintAccess(g, "HS256", claims)
	cl.token = Fingerprint(at)
	typ := "Bearer"
	if k.cfg.lowercaseType {
		typ = "bearer"
	}
	m := map[string]any{"access_token": at, "token_type": typ, "not-before-policy": 0,
		"scope": scope, "refresh_expires_in": 0}
	k.putExpiresIn(m, k.cfg.accessTTL)
	if !session {
		return m
	}
	now := k.now()
	if newRefresh {
		rc := map[string]any{"typ": "Refresh", "aud": iss, "jti": rand.Text(), "iat": now.Unix(),
			"exp": now.Add(k.cfg.refreshTTL).Unix()}
		for key, v := range common {
			rc[key] = v
		}
		m["refresh_token"] = k.mintRefresh(g, signJWT("HS256", k.cfg.signingKey, rc))
	}
	if g.refresh != nil {
		m["refresh_expires_in"] = max(0, expiresIn(g.refresh.exp.Sub(k.now())))
	}
	idc := map[string]any{"typ": "ID", "aud": g.client, "jti": rand.Text(), "iat": now.Unix(), "exp": exp.Unix(),
		"email": keycloakEmail(g.user)}
	for key, v := range common {
		idc[key] = v
	}
	m["id_token"] = signJWT("HS256", k.cfg.signingKey, idc)
	m["session_state"] = g.id
	return m
}

// revoke serves RFC 7009 revocation: 200 for any token, known or not. A refresh token
// ends its session; an access token dies alone.
func (k *Keycloak) revoke(cl *call, w http.ResponseWriter, r *http.Request) {
	f := form(r, cl.body)
	c, ok := k.authClient(cl, w, r, f)
	if !ok {
		return
	}
	cl.user = c.ID
	tok := f.Get("token")
	if tok == "" {
		cl.set(OutcomeBadRequest)
		k.writeTokenError(w, http.StatusBadRequest, "invalid_request", "Token not provided")
		return
	}
	cl.token = Fingerprint(tok)
	k.mu.Lock()
	var owner *grant
	rr, a := k.tokens.refresh[tok], k.tokens.access[tok]
	switch {
	case rr != nil:
		owner = rr.g
	case a != nil:
		owner = a.g
	}
	if owner != nil && owner.client != c.ID {
		k.mu.Unlock()
		cl.set(OutcomeBadClient)
		k.writeTokenError(w, http.StatusBadRequest, "unauthorized_client", "Unmatching clients")
		return
	}
	switch {
	case rr != nil:
		k.tokens.kill(rr.g)
	case a != nil:
		a.killed = true
	}
	k.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
