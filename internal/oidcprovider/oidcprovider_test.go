package oidcprovider

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ---- helpers ------------------------------------------------------------------

var httpClient = &http.Client{Timeout: 10 * time.Second}

type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r reply) str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// basicAuth builds an Authorization header value per RFC 6749 section
// 2.3.1: client id and secret are form-urlencoded before base64.
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// rawBasicAuth is what net/http's SetBasicAuth does: no form-urlencoding.
func rawBasicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := httpClient.Do(req)
	noErr(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	noErr(t, err)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		noErr(t, json.Unmarshal(raw, &r.Body), "body: %s", raw)
	}
	return r
}

func post(t *testing.T, endpoint, authorization string, form url.Values) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	noErr(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return do(t, req)
}

func get(t *testing.T, endpoint, bearer string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, endpoint, nil)
	noErr(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(t, req)
}

func passwordGrant(t *testing.T, p *Provider, user, pass string, extra url.Values) reply {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "client_id": {PublicClientID}, "username": {user}, "password": {pass}}
	for k, v := range extra {
		form[k] = v
	}
	return post(t, p.TokenURL(), "", form)
}

func login(t *testing.T, p *Provider) (access, refresh string) {
	t.Helper()
	r := passwordGrant(t, p, User, Password, nil)
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	mustNotEmpty(t, r.str("access_token"))
	mustNotEmpty(t, r.str("refresh_token"))
	return r.str("access_token"), r.str("refresh_token")
}

func refresh(t *testing.T, p *Provider, rt string) reply {
	t.Helper()
	return post(t, p.TokenURL(), "", url.Values{"grant_type": {"refresh_token"}, "client_id": {PublicClientID}, "refresh_token": {rt}})
}

func revokePublic(t *testing.T, p *Provider, token, hint string) reply {
	t.Helper()
	form := url.Values{"token": {token}, "client_id": {PublicClientID}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	return post(t, p.RevocationURL(), "", form)
}

func assertOAuthError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	equal(t, status, r.Status, r.Raw)
	equal(t, code, r.str("error"), r.Raw)
}

func assertAPIStatus(t *testing.T, p *Provider, token string, status int) reply {
	t.Helper()
	r := get(t, p.APIURL(), token)
	equal(t, status, r.Status, r.Raw)
	if status == http.StatusUnauthorized {
		contains(t, r.Header.Get("WWW-Authenticate"), `Bearer realm="`+p.Issuer()+`"`)
		contains(t, r.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
	}
	return r
}

// waitAPI401 polls the API until it answers 401 and returns how long it took.
func waitAPI401(t *testing.T, p *Provider, token string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := get(t, p.APIURL(), token)
		if r.Status == http.StatusUnauthorized {
			contains(t, r.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
			return time.Since(start)
		}
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		mustLess(t, time.Since(start), limit, "token still accepted after %v", limit)
		time.Sleep(100 * time.Millisecond)
	}
}

// ---- tests ------------------------------------------------------------------

func TestDiscovery(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})
	t.Logf("start took %v", p.StartDuration)

	isTrue(t, strings.HasPrefix(p.Issuer(), "http://127.0.0.1:"), p.Issuer())
	r := get(t, p.DiscoveryURL(), "")
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	equal(t, p.Issuer(), r.str("issuer"))
	equal(t, p.TokenURL(), r.str("token_endpoint"))
	equal(t, p.RevocationURL(), r.str("revocation_endpoint"))
	equal(t, p.IntrospectionURL(), r.str("introspection_endpoint"))
	equal(t, p.JWKSURL(), r.str("jwks_uri"))
	sameElements(t, []any{"authorization_code", "refresh_token", "client_credentials", "password"}, r.Body["grant_types_supported"])
	subset(t, r.Body["token_endpoint_auth_methods_supported"], []any{"none", "client_secret_basic", "client_secret_post"})

	t.Run("KeycloakLayout", func(t *testing.T) {
		t.Parallel()
		k := Start(t, Config{KeycloakLayout: true, Realm: "tenant1"})
		base := k.BaseURL()
		equal(t, base+"/realms/tenant1", k.Issuer())
		equal(t, base+"/realms/tenant1/protocol/openid-connect/token", k.TokenURL())
		equal(t, base+"/realms/tenant1/protocol/openid-connect/revoke", k.RevocationURL())
		equal(t, base+"/realms/tenant1/protocol/openid-connect/token/introspect", k.IntrospectionURL())

		d := get(t, k.DiscoveryURL(), "")
		mustEqual(t, http.StatusOK, d.Status, d.Raw)
		equal(t, k.Issuer(), d.str("issuer"))
		equal(t, k.TokenURL(), d.str("token_endpoint"))
		equal(t, k.RevocationURL(), d.str("revocation_endpoint"))

		at, _ := login(t, k)
		assertAPIStatus(t, k, at, http.StatusOK)
		equal(t, http.StatusNotFound, get(t, base+"/token", "").Status)
	})
}

func TestPasswordGrant(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})

	r := passwordGrant(t, p, User, Password, nil)
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	equal(t, "Bearer", r.str("token_type"))
	equalNum(t, 300, r.Body["expires_in"])
	notEmpty(t, r.str("access_token"))
	notEmpty(t, r.str("refresh_token"), "refresh token is issued without offline_access by default")
	notContains(t, r.Body, "id_token", "no id_token without scope openid")
	equal(t, "no-store", r.Header.Get("Cache-Control"))

	me := assertAPIStatus(t, p, r.str("access_token"), http.StatusOK)
	equal(t, User, me.str("sub"))
	equal(t, PublicClientID, me.str("client_id"))
	equal(t, "AccessToken", me.str("token_kind"))

	t.Run("scope openid gives an id_token", func(t *testing.T) {
		r := passwordGrant(t, p, User, Password, url.Values{"scope": {"openid profile unknown-scope"}})
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		equal(t, "openid profile", r.str("scope"))
		equal(t, 3, strings.Count(r.str("id_token"), ".")+1, "id_token is a JWS")
	})

	t.Run("password needing form encoding", func(t *testing.T) {
		r := passwordGrant(t, p, User2, Password2, nil)
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		equal(t, User2, assertAPIStatus(t, p, r.str("access_token"), http.StatusOK).str("sub"))
	})

	t.Run("confidential client", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "username": {User}, "password": {Password}}
		r := post(t, p.TokenURL(), basicAuth(BasicClientID, BasicClientSecret), form)
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		equal(t, BasicClientID, assertAPIStatus(t, p, r.str("access_token"), http.StatusOK).str("client_id"))
	})

	t.Run("errors", func(t *testing.T) {
		r := passwordGrant(t, p, User, "wrong", nil)
		assertOAuthError(t, r, http.StatusBadRequest, "invalid_grant")
		equal(t, "Invalid user credentials", r.str("error_description"))

		assertOAuthError(t, passwordGrant(t, p, "nobody", Password, nil), http.StatusBadRequest, "invalid_grant")
		assertOAuthError(t, passwordGrant(t, p, "", Password, nil), http.StatusBadRequest, "invalid_request")
		assertOAuthError(t, passwordGrant(t, p, User, "", nil), http.StatusBadRequest, "invalid_request")

		r = post(t, p.TokenURL(), "", url.Values{"grant_type": {"password"}, "client_id": {"no-such-client"}, "username": {User}, "password": {Password}})
		assertOAuthError(t, r, http.StatusUnauthorized, "invalid_client")

		r = post(t, p.TokenURL(), "", url.Values{"grant_type": {"client_credentials"}, "client_id": {PublicClientID}})
		assertOAuthError(t, r, http.StatusBadRequest, "invalid_request") // grant type not allowed for this client

		r = post(t, p.TokenURL(), "", url.Values{"grant_type": {"urn:example:nope"}, "client_id": {PublicClientID}})
		assertOAuthError(t, r, http.StatusBadRequest, "unsupported_grant_type")
	})

	t.Run("BadCredentialsStatus 401 like Keycloak", func(t *testing.T) {
		t.Parallel()
		k := Start(t, Config{BadCredentialsStatus: http.StatusUnauthorized, Users: map[string]string{"carol": "pw"}})
		equal(t, map[string]string{"carol": "pw"}, k.Users)
		assertOAuthError(t, passwordGrant(t, k, "carol", "bad", nil), http.StatusUnauthorized, "invalid_grant")
		equal(t, http.StatusOK, passwordGrant(t, k, "carol", "pw", nil).Status)
		assertOAuthError(t, passwordGrant(t, k, User, Password, nil), http.StatusUnauthorized, "invalid_grant")
	})

	t.Run("RefreshOnlyWithOfflineAccess", func(t *testing.T) {
		t.Parallel()
		k := Start(t, Config{RefreshOnlyWithOfflineAccess: true})
		r := passwordGrant(t, k, User, Password, nil)
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		notContains(t, r.Body, "refresh_token")
		r = passwordGrant(t, k, User, Password, url.Values{"scope": {"offline_access"}})
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		notEmpty(t, r.str("refresh_token"))
	})
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})

	at1, rt1 := login(t, p)
	r := refresh(t, p, rt1)
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	at2, rt2 := r.str("access_token"), r.str("refresh_token")
	mustNotEmpty(t, rt2)
	notEqual(t, rt1, rt2, "rotation returns a new refresh token")
	notEqual(t, at1, at2)
	assertAPIStatus(t, p, at1, http.StatusOK) // the old access token stays valid
	assertAPIStatus(t, p, at2, http.StatusOK)

	// Reusing the rotated refresh token is rejected and revokes the grant.
	assertOAuthError(t, refresh(t, p, rt1), http.StatusBadRequest, "invalid_grant")
	assertOAuthError(t, refresh(t, p, rt2), http.StatusBadRequest, "invalid_grant")
	assertAPIStatus(t, p, at1, http.StatusUnauthorized)
	assertAPIStatus(t, p, at2, http.StatusUnauthorized)
	contains(t, p.Stderr(), "refresh token already used")

	t.Run("other client", func(t *testing.T) {
		_, rt := login(t, p)
		r := post(t, p.TokenURL(), "", url.Values{"grant_type": {"refresh_token"}, "client_id": {PostClientID}, "client_secret": {PostClientSecret}, "refresh_token": {rt}})
		assertOAuthError(t, r, http.StatusBadRequest, "invalid_grant")
		equal(t, http.StatusOK, refresh(t, p, rt).Status, "a rejected cross-client attempt does not burn the token")
	})

	t.Run("garbage", func(t *testing.T) {
		assertOAuthError(t, refresh(t, p, "not-a-token"), http.StatusBadRequest, "invalid_grant")
		assertOAuthError(t, refresh(t, p, ""), http.StatusBadRequest, "invalid_request")
	})

	t.Run("DisableRefreshRotation", func(t *testing.T) {
		t.Parallel()
		k := Start(t, Config{DisableRefreshRotation: true})
		_, rt := login(t, k)
		for range 2 {
			r := refresh(t, k, rt)
			mustEqual(t, http.StatusOK, r.Status, r.Raw)
			equal(t, rt, r.str("refresh_token"))
		}
	})
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})
	cc := url.Values{"grant_type": {"client_credentials"}}

	t.Run("basic, RFC 6749 2.3.1 encoded", func(t *testing.T) {
		r := post(t, p.TokenURL(), basicAuth(BasicClientID, BasicClientSecret), cc)
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		equal(t, "Bearer", r.str("token_type"))
		equalNum(t, 300, r.Body["expires_in"])
		notContains(t, r.Body, "refresh_token")
		me := assertAPIStatus(t, p, r.str("access_token"), http.StatusOK)
		equal(t, "ClientCredentials", me.str("token_kind"))
		equal(t, BasicClientID, me.str("client_id"))
		empty(t, me.str("sub"))
	})

	t.Run("basic, secret not encoded", func(t *testing.T) {
		r := post(t, p.TokenURL(), rawBasicAuth(BasicClientID, BasicClientSecret), cc)
		assertOAuthError(t, r, http.StatusBadRequest, "invalid_request")
	})

	t.Run("basic, wrong secret", func(t *testing.T) {
		r := post(t, p.TokenURL(), basicAuth(BasicClientID, "wrong"), cc)
		assertOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
		contains(t, r.Header.Get("WWW-Authenticate"), `Basic realm="`+p.Issuer()+`"`)
		contains(t, r.Header.Get("WWW-Authenticate"), `error="invalid_client"`)
	})

	t.Run("form fields", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {PostClientID}, "client_secret": {PostClientSecret}}
		r := post(t, p.TokenURL(), "", form)
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		equal(t, PostClientID, assertAPIStatus(t, p, r.str("access_token"), http.StatusOK).str("client_id"))
	})

	t.Run("form fields, wrong secret", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {PostClientID}, "client_secret": {"wrong"}}
		r := post(t, p.TokenURL(), "", form)
		assertOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
		empty(t, r.Header.Get("WWW-Authenticate"))
	})

	t.Run("both mechanisms at once", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {BasicClientID}, "client_secret": {BasicClientSecret}}
		r := post(t, p.TokenURL(), basicAuth(BasicClientID, BasicClientSecret), form)
		assertOAuthError(t, r, http.StatusBadRequest, "invalid_request")
	})
}

func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	const ttl = 2 * time.Second
	p := Start(t, Config{AccessTTL: ttl})

	at, rt := login(t, p)
	ccr := post(t, p.TokenURL(), basicAuth(BasicClientID, BasicClientSecret), url.Values{"grant_type": {"client_credentials"}})
	mustEqual(t, http.StatusOK, ccr.Status, ccr.Raw)
	equalNum(t, 2, ccr.Body["expires_in"], "ClientCredentialsTTL defaults to AccessTTL")
	assertAPIStatus(t, p, at, http.StatusOK)

	took := waitAPI401(t, p, at, ttl+time.Second)
	t.Logf("access token rejected %v after the first check", took)
	// Expiry is in whole seconds: the client-credentials token, issued a
	// moment later, may have crossed into the next second and expire one
	// second after the first.
	waitAPI401(t, p, ccr.str("access_token"), ttl+time.Second)

	// Renewal.
	r := refresh(t, p, rt)
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	equalNum(t, 2, r.Body["expires_in"])
	assertAPIStatus(t, p, r.str("access_token"), http.StatusOK)
}

func TestRefreshTokenExpiry(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{AccessTTL: time.Minute, RefreshTTL: 2 * time.Second})
	_, rt := login(t, p)
	time.Sleep(2100 * time.Millisecond)
	assertOAuthError(t, refresh(t, p, rt), http.StatusBadRequest, "invalid_grant")

	t.Run("grant expiry ends refreshing", func(t *testing.T) {
		t.Parallel()
		k := Start(t, Config{RefreshTTL: time.Minute, GrantTTL: 2 * time.Second})
		_, rt := login(t, k)
		r := refresh(t, k, rt)
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		time.Sleep(2100 * time.Millisecond)
		assertOAuthError(t, refresh(t, k, r.str("refresh_token")), http.StatusBadRequest, "invalid_grant")
	})
}

func TestRevocation(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})

	t.Run("access token", func(t *testing.T) {
		at, rt := login(t, p)
		r := revokePublic(t, p, at, "access_token")
		equal(t, http.StatusOK, r.Status, r.Raw)
		assertAPIStatus(t, p, at, http.StatusUnauthorized)
		// oidc-provider also revokes the refresh tokens of the grant.
		assertOAuthError(t, refresh(t, p, rt), http.StatusBadRequest, "invalid_grant")
	})

	t.Run("refresh token", func(t *testing.T) {
		at, rt := login(t, p)
		r := revokePublic(t, p, rt, "refresh_token")
		equal(t, http.StatusOK, r.Status, r.Raw)
		assertOAuthError(t, refresh(t, p, rt), http.StatusBadRequest, "invalid_grant")
		assertAPIStatus(t, p, at, http.StatusUnauthorized) // the whole grant is revoked
	})

	t.Run("unknown token", func(t *testing.T) {
		equal(t, http.StatusOK, revokePublic(t, p, "no-such-token", "").Status)
	})

	t.Run("client credentials, basic", func(t *testing.T) {
		auth := basicAuth(BasicClientID, BasicClientSecret)
		r := post(t, p.TokenURL(), auth, url.Values{"grant_type": {"client_credentials"}})
		mustEqual(t, http.StatusOK, r.Status, r.Raw)
		tok := r.str("access_token")
		assertAPIStatus(t, p, tok, http.StatusOK)
		equal(t, http.StatusOK, post(t, p.RevocationURL(), auth, url.Values{"token": {tok}}).Status)
		assertAPIStatus(t, p, tok, http.StatusUnauthorized)
	})

	t.Run("wrong client secret", func(t *testing.T) {
		r := post(t, p.RevocationURL(), basicAuth(BasicClientID, "wrong"), url.Values{"token": {"x"}})
		assertOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
	})
}

func TestIntrospection(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})
	at, _ := login(t, p)
	auth := basicAuth(BasicClientID, BasicClientSecret)

	r := post(t, p.IntrospectionURL(), auth, url.Values{"token": {at}})
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	equal(t, true, r.Body["active"])
	equal(t, User, r.str("sub"))
	equal(t, PublicClientID, r.str("client_id"))

	mustEqual(t, http.StatusOK, revokePublic(t, p, at, "").Status)
	r = post(t, p.IntrospectionURL(), auth, url.Values{"token": {at}})
	mustEqual(t, http.StatusOK, r.Status, r.Raw)
	equal(t, false, r.Body["active"])
}

func TestAPI(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})

	r := get(t, p.APIURL(), "")
	equal(t, http.StatusUnauthorized, r.Status)
	equal(t, `Bearer realm="`+p.Issuer()+`"`, r.Header.Get("WWW-Authenticate"))

	assertAPIStatus(t, p, "bogus", http.StatusUnauthorized)

	_, rt := login(t, p)
	assertAPIStatus(t, p, rt, http.StatusUnauthorized) // a refresh token is not an access token
}

func TestStop(t *testing.T) {
	t.Parallel()
	p := Start(t, Config{})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port()))
	c, err := net.DialTimeout("tcp", addr, time.Second)
	noErr(t, err)
	_ = c.Close()

	begin := time.Now()
	p.Stop()
	t.Logf("stop took %v", time.Since(begin))
	select {
	case <-p.done:
	default:
		t.Fatal("process not waited for after Stop")
	}
	less(t, time.Since(begin), 3*time.Second, "node should exit on stdin EOF, not need the kill")
	_, err = net.DialTimeout("tcp", addr, time.Second)
	isErr(t, err)
	p.Stop() // idempotent
}

func TestConfigValidation(t *testing.T) {
	_, err := Config{Clients: []Client{{ID: PublicClientID, AuthMethod: AuthNone}}}.node()
	errContains(t, err, "duplicated")
	_, err = Config{Clients: []Client{{ID: "x", AuthMethod: AuthBasic}}}.node()
	errContains(t, err, "needs a secret")
	_, err = Config{BadCredentialsStatus: 200}.node()
	isErr(t, err)

	nc, err := Config{AccessTTL: 1500 * time.Millisecond, RefreshTTL: 2 * time.Hour}.node()
	noErr(t, err)
	equal(t, map[string]int{
		"AccessToken": 2, "ClientCredentials": 2, "RefreshToken": 7200,
		"Grant": 7200, "Session": 3600, "IdToken": 2,
	}, nc.TTL)
	isTrue(t, nc.RotateRefreshToken)
	equal(t, "always", nc.RefreshTokenPolicy)
	equal(t, 400, nc.BadCredentialsStatus)
	equal(t, DefaultUsers(), nc.Users)
}
