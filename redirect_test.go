package bearerkit_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Issue 8, points 1 and 3: no request bearerkit sends with a credential
// follows a redirect off its origin, and a bare Transport adds no
// credentials to a redirect that changed origin.

// redirectNet is a small internet on loopback: every https host (any port)
// is one TLS server, every http host one plain server, so that URLs can
// name made-up hosts. The host auth.example.test answers redirects (or,
// under /moved, real answers); every other host is a thief that records
// what it receives.
type redirectNet struct {
	tls, plain *httptest.Server
	transport  *http.Transport

	mu       sync.Mutex
	status   int    // the redirect's status
	target   string // where auth.example.test redirects
	stolen   []string
	moved    int
	authSeen int
}

const (
	redirectHost = "auth.example.test"
	sameOrigin   = "(same origin)" // a redirect target: the same path under /moved
)

func newRedirectNet(t *testing.T) *redirectNet {
	n := &redirectNet{}
	h := http.HandlerFunc(n.serve)
	n.tls = httptest.NewTLSServer(h)
	n.plain = httptest.NewServer(h)
	t.Cleanup(func() { n.tls.Close(); n.plain.Close() })
	tlsAddr, plainAddr := n.tls.Listener.Addr().String(), n.plain.Listener.Addr().String()
	n.transport = &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test's own server
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			to := tlsAddr
			if port == "80" || port == "8080" {
				to = plainAddr
			}
			var d net.Dialer
			return d.DialContext(ctx, network, to)
		},
	}
	t.Cleanup(n.transport.CloseIdleConnections)
	return n
}

func (n *redirectNet) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if scheme+"://"+r.Host != "https://"+redirectHost {
		n.stolen = append(n.stolen, fmt.Sprintf("%s %s://%s%s %v %s", r.Method, scheme, r.Host, r.URL.Path, r.Header, body))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"stolen","expires_in":60}`)
		return
	}
	n.authSeen++
	if strings.HasPrefix(r.URL.Path, "/moved") {
		n.moved++
		n.answer(w, r)
		return
	}
	target := n.target
	if target == sameOrigin {
		target = "https://" + redirectHost + "/moved" + r.URL.Path
	}
	w.Header().Set("Location", target)
	w.WriteHeader(n.status)
}

// answer is what the real endpoint says: a discovery document, a token, or
// an empty 200 (revocation).
func (n *redirectNet) answer(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		w.Header().Set("Content-Type", "application/json")
		iss := "https://" + redirectHost + strings.TrimSuffix(r.URL.Path, "/.well-known/openid-configuration")
		fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":%q}`, iss, iss+"/token")
	case strings.HasSuffix(r.URL.Path, "/revoke"):
	case strings.HasSuffix(r.URL.Path, "/login"):
		w.Header().Set("Authorization", "Bearer fresh-onedata-token")
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"fresh-access","refresh_token":"fresh-refresh","expires_in":3600}`)
	}
}

func (n *redirectNet) set(status int, target string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.status, n.target = status, target
	n.stolen, n.moved, n.authSeen = nil, 0, 0
}

func (n *redirectNet) counts() (stolen []string, moved, seen int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.stolen...), n.moved, n.authSeen
}

// redirectSecrets are what the calls below carry; none may leave the origin.
const (
	rdPassword = "rd-Password-123!"
	rdSecret   = "rd-client-secret-456"
	rdAccess   = "rd-access-token-789"
	rdRefresh  = "rd-refresh-token-abc"
)

// credentialCall is one way bearerkit sends a credential.
type credentialCall struct {
	name string
	call func(ctx context.Context, base string, hc *http.Client) error
}

func credentialCalls() []credentialCall {
	prev := &bearerkit.Token{AccessToken: rdAccess, RefreshToken: rdRefresh, RealmID: "7", Provider: "google"}
	noAccess := &bearerkit.Token{RefreshToken: rdRefresh}
	return []credentialCall{
		{"PasswordGrant basic", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.PasswordGrant{TokenURL: base + "/token", ClientID: "app", ClientSecret: rdSecret, Username: "alice", Password: rdPassword, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"PasswordGrant params", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.PasswordGrant{TokenURL: base + "/token", ClientID: "app", ClientSecret: rdSecret, AuthStyle: bearerkit.AuthStyleParams, Username: "alice", Password: rdPassword, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"RefreshGrant", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.RefreshGrant{TokenURL: base + "/token", ClientID: "app", ClientSecret: rdSecret, HTTPClient: hc}.Authenticate(ctx, prev)
			return err
		}},
		{"ClientCredentials", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.ClientCredentials{TokenURL: base + "/token", ClientID: "svc", ClientSecret: rdSecret, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"Fallback refresh then password", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Fallback(
				bearerkit.RefreshGrant{TokenURL: base + "/token", ClientID: "app", HTTPClient: hc},
				bearerkit.PasswordGrant{TokenURL: base + "/token", ClientID: "app", Username: "alice", Password: rdPassword, HTTPClient: hc},
			).Authenticate(ctx, prev)
			return err
		}},
		{"Dataddo login", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Dataddo{BaseURL: base, Email: "a@example.com", Password: rdPassword, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"Dataddo refresh with bearer", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Dataddo{BaseURL: base, HTTPClient: hc}.Authenticate(ctx, prev)
			return err
		}},
		{"Dataddo refresh with X-Refresh-Token", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Dataddo{BaseURL: base, HTTPClient: hc}.Authenticate(ctx, noAccess)
			return err
		}},
		{"Dataddo revoke", func(ctx context.Context, base string, hc *http.Client) error {
			return bearerkit.Dataddo{BaseURL: base, HTTPClient: hc}.Revoke(ctx, prev)
		}},
		{"OneData login", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.OneData{BaseURL: base, Username: "alice", Password: rdPassword, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"AuthAPI login", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.AuthAPI{BaseURL: base, Username: "alice", Password: rdPassword, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"AuthAPI refresh", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.AuthAPI{BaseURL: base, HTTPClient: hc}.Authenticate(ctx, prev)
			return err
		}},
		{"Keycloak password", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Keycloak{ServerURL: base, Realm: "r", ClientSecret: rdSecret, Username: "alice", Password: rdPassword, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"Keycloak client credentials", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Keycloak{ServerURL: base, Realm: "r", ClientID: "svc", ClientSecret: rdSecret, HTTPClient: hc}.Authenticate(ctx, nil)
			return err
		}},
		{"Keycloak revoke", func(ctx context.Context, base string, hc *http.Client) error {
			return bearerkit.Keycloak{ServerURL: base, Realm: "r", ClientSecret: rdSecret, HTTPClient: hc}.Revoke(ctx, prev)
		}},
		{"Revoker", func(ctx context.Context, base string, hc *http.Client) error {
			return bearerkit.Revoker{URL: base + "/revoke", ClientID: "app", ClientSecret: rdSecret, HTTPClient: hc}.Revoke(ctx, rdRefresh, "refresh_token")
		}},
		{"Revoker.RevokeToken", func(ctx context.Context, base string, hc *http.Client) error {
			return bearerkit.Revoker{URL: base + "/revoke", ClientID: "app", HTTPClient: hc}.RevokeToken(ctx, prev)
		}},
		{"Discover", func(ctx context.Context, base string, hc *http.Client) error {
			_, err := bearerkit.Discover(ctx, base+"/realms/r", hc)
			return err
		}},
	}
}

// Every credential-bearing call, every redirect status, every way off the
// origin: the redirect is refused with an *AuthError naming its target,
// nothing reaches the target, and the caller's http.Client is unchanged.
func TestCredentialRequestsDoNotFollowRedirectsOffOrigin(t *testing.T) {
	n := newRedirectNet(t)
	targets := map[string]string{
		"another host":                   "https://evil.example.test/steal?x=1",
		"a subdomain":                    "https://sub." + redirectHost + "/steal?x=1",
		"plain http on the same host":    "http://" + redirectHost + "/steal?x=1",
		"another port":                   "https://" + redirectHost + ":8443/steal?x=1",
		"an internationalized lookalike": "https://" + strings.Replace(redirectHost, "auth", "auth\u0130", 1) + "/steal?x=1",
		"userinfo on another host":       "https://user:pass@evil.example.test/steal",
	}
	userChecks := 0
	for _, cc := range credentialCalls() {
		for _, status := range []int{301, 302, 303, 307, 308} {
			for tname, target := range targets {
				n.set(status, target)
				hc := &http.Client{Transport: n.transport}
				if status == 307 {
					// A caller's own policy is kept, and the client is
					// not modified.
					hc.CheckRedirect = func(*http.Request, []*http.Request) error { userChecks++; return nil }
				}
				before := fmt.Sprintf("%p", hc.CheckRedirect)
				err := cc.call(context.Background(), "https://"+redirectHost, hc)
				what := fmt.Sprintf("%s, %d to %s", cc.name, status, tname)
				require.Error(t, err, what)
				assert.ErrorIs(t, err, bearerkit.ErrRedirectRefused, what)
				var ae *bearerkit.AuthError
				if assert.ErrorAs(t, err, &ae, what) {
					assert.Equal(t, status, ae.StatusCode, what)
					assert.False(t, ae.Temporary(), what)
				}
				var re *bearerkit.RedirectError
				if assert.ErrorAs(t, err, &re, what) {
					u, _ := url.Parse(target)
					assert.Equal(t, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(), re.Location, what)
					assert.Equal(t, "https://"+redirectHost+"/", re.From[:len("https://"+redirectHost)+1], what)
				}
				assert.NotContains(t, err.Error(), "x=1", what)
				assert.NotContains(t, err.Error(), "pass@", what)
				for _, sec := range []string{rdPassword, rdSecret, rdAccess, rdRefresh} {
					assert.NotContains(t, err.Error(), sec, what)
				}
				stolen, _, seen := n.counts()
				assert.Empty(t, stolen, "%s: the credential went to the target", what)
				assert.Positive(t, seen, what)
				assert.Equal(t, before, fmt.Sprintf("%p", hc.CheckRedirect), "%s: the caller's CheckRedirect was replaced", what)
			}
		}
	}
	assert.Zero(t, userChecks, "the caller's CheckRedirect is asked only about redirects bearerkit allows")
}

// A redirect on the same origin is followed (where the method allows it),
// with the caller's CheckRedirect consulted.
func TestCredentialRequestsFollowSameOriginRedirects(t *testing.T) {
	n := newRedirectNet(t)
	for _, cc := range credentialCalls() {
		for _, status := range []int{307, 308} {
			n.set(status, sameOrigin)
			asked := 0
			hc := &http.Client{Transport: n.transport, CheckRedirect: func(*http.Request, []*http.Request) error { asked++; return nil }}
			err := cc.call(context.Background(), "https://"+redirectHost, hc)
			what := fmt.Sprintf("%s, %d", cc.name, status)
			stolen, moved, _ := n.counts()
			assert.Empty(t, stolen, what)
			assert.Positive(t, moved, "%s: the same-origin redirect was not followed", what)
			assert.Positive(t, asked, "%s: the caller's CheckRedirect was not asked", what)
			if cc.name == "Discover" {
				// The document names the issuer it was moved to: refused
				// for that, not for the redirect.
				assert.NotErrorIs(t, err, bearerkit.ErrRedirectRefused, what)
				continue
			}
			assert.NoError(t, err, what)
		}
	}
}

// A user's CheckRedirect that refuses is still obeyed.
func TestCredentialRequestsKeepTheCallersRedirectPolicy(t *testing.T) {
	n := newRedirectNet(t)
	n.set(307, sameOrigin)
	stop := errors.New("no redirects here")
	hc := &http.Client{Transport: n.transport, CheckRedirect: func(*http.Request, []*http.Request) error { return stop }}
	_, err := bearerkit.PasswordGrant{TokenURL: "https://" + redirectHost + "/token", Username: "alice", Password: rdPassword, HTTPClient: hc}.Authenticate(context.Background(), nil)
	assert.ErrorIs(t, err, stop)
	_, moved, _ := n.counts()
	assert.Zero(t, moved)
}

// A refused redirect is remembered for the cool-down like any refusal: the
// endpoint is not asked again on every request.
func TestRedirectRefusalCoolsDown(t *testing.T) {
	n := newRedirectNet(t)
	n.set(302, "https://evil.example.test/")
	hc := &http.Client{Transport: n.transport}
	c, err := bearerkit.NewClient("https://api.example.test/", bearerkit.PasswordGrant{TokenURL: "https://" + redirectHost + "/token", Username: "alice", Password: rdPassword, HTTPClient: hc},
		bearerkit.WithHTTPClient(&http.Client{Transport: okBase}))
	require.NoError(t, err)
	for range 3 {
		_, err := c.HTTPClient().Get("https://api.example.test/x")
		assert.ErrorIs(t, err, bearerkit.ErrRedirectRefused)
	}
	_, _, seen := n.counts()
	assert.Equal(t, 1, seen)
}

// Point 3: a bare Transport (nil Origins) sends the token to the origin the
// request was for, along a same-origin redirect, and back to that origin,
// but never to another origin a redirect leads to (golang/oauth2#500).
func TestBareTransportRedirects(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // host+path → Authorization
	record := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen[r.Host+r.URL.Path] = r.Header.Get("Authorization")
	}
	taken := func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		m := seen
		seen = map[string]string{}
		return m
	}
	var home, other *httptest.Server
	home = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(r)
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
		}
	}))
	defer home.Close()
	other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(r)
		http.Redirect(w, r, home.URL+"/home-again", http.StatusFound)
	}))
	defer other.Close()
	homeHost := strings.TrimPrefix(home.URL, "http://")
	otherHost := strings.TrimPrefix(other.URL, "http://")

	hc := &http.Client{Transport: &bearerkit.Transport{Auth: bearerkit.StaticToken{AccessToken: rdAccess}}}
	get := func(u string) {
		t.Helper()
		resp, err := hc.Get(u)
		require.NoError(t, err)
		resp.Body.Close()
	}
	want := "Bearer " + rdAccess

	get(home.URL + "/same")
	got := taken()
	assert.Equal(t, want, got[homeHost+"/same"])
	assert.Equal(t, want, got[homeHost+"/landed"], "a same-origin redirect keeps the token")

	get(home.URL + "/away")
	got = taken()
	assert.Equal(t, want, got[homeHost+"/away"])
	assert.Contains(t, got, otherHost+"/elsewhere")
	assert.Empty(t, got[otherHost+"/elsewhere"], "the token followed a redirect to another origin")
	assert.Equal(t, want, got[homeHost+"/home-again"], "back on the origin the chain started from")
}
