package bearerkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Issue 8, points 2, 11 and 12: what a Client accepts from its caller.

// authRecorder is a base RoundTripper that answers 200 and records the
// Authorization header each host was sent.
type authRecorder struct {
	mu   sync.Mutex
	sent map[string][]string // host → Authorization values
}

func (r *authRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	if r.sent == nil {
		r.sent = map[string][]string{}
	}
	r.sent[req.URL.Host] = append(r.sent[req.URL.Host], req.Header.Get("Authorization"))
	r.mu.Unlock()
	return reply(req, http.StatusOK, "ok"), nil
}

func (r *authRecorder) all() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for k, v := range r.sent {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func (r *authRecorder) got(host string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[host]
}

// Point 2: hosts are compared as net/http dials them, after IDNA, not
// after a Unicode case fold. "apİ.example.test" lower-cases (strings.ToLower)
// to the base host but is dialed as xn--api-bec.example.test.
func TestOriginsCompareWhatIsDialed(t *testing.T) {
	t.Parallel()
	rec := &authRecorder{}
	c, err := bearerkit.NewClient("https://api.example.test/v1/", bearerkit.StaticToken{AccessToken: secAccess},
		bearerkit.WithHTTPClient(&http.Client{Transport: rec}),
		bearerkit.WithOrigins("https://B\u00fccher.example", "https://files.example.test"))
	require.NoError(t, err)
	for _, u := range []string{
		"https://ap\u0130.example.test/v1/x", // dialed as xn--api-bec.example.test
		"https://AP\u0130.EXAMPLE.TEST/v1/x",
		"https://api.example.test\u3002evil/x", // an ideographic full stop
		"https://a\u200db.example/x",           // IDNA refuses the joiner: no credentials
		"https://xn--api-bec.example.test/x",
		"http://api.example.test/v1/x", // another scheme is another origin
		"https://api.example.test:8443/v1/x",
		"https://files.example.test.evil.example/x",
	} {
		resp, err := c.HTTPClient().Get(u)
		if err == nil {
			resp.Body.Close()
		}
	}
	for host, auths := range rec.all() {
		if host == "api.example.test" || host == "xn--bcher-kva.example" || host == "files.example.test" {
			continue
		}
		for _, a := range auths {
			assert.Empty(t, a, "credentials went to %q", host)
		}
	}
	assert.NotEmpty(t, rec.all(), "the requests were sent")

	// Spellings of the same dialed host are the same origin.
	for _, u := range []string{
		"https://API.Example.TEST/v1/x",
		"https://api.example.test:443/v1/x",
		"https://xn--bcher-kva.example/x", // WithOrigins("https://Bücher.example")
		"https://B\u00dcCHER.example/x",   // also dialed as xn--bcher-kva.example
		"https://files.example.test/x",
	} {
		resp, err := c.HTTPClient().Get(u)
		require.NoError(t, err, u)
		resp.Body.Close()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		got := rec.got(req.URL.Host)
		require.NotEmpty(t, got, u)
		assert.Equal(t, "Bearer "+secAccess, got[len(got)-1], "no credentials for %s", u)
	}
}

// An internationalized base URL is kept in its ASCII form, which is what
// requests are sent to and compared with; a name IDNA refuses is refused.
func TestNewClientInternationalizedBaseURL(t *testing.T) {
	t.Parallel()
	rec := &authRecorder{}
	c, err := bearerkit.NewClient("https://B\u00fccher.example/api/", bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	assert.Equal(t, "https://xn--bcher-kva.example/api/", c.BaseURL().String())
	req, err := c.NewRequest(context.Background(), http.MethodGet, "sources", nil)
	require.NoError(t, err)
	_, err = c.Do(req, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer " + secAccess}, rec.got("xn--bcher-kva.example"))

	for _, bad := range []string{"https://a\u200db.example/", "https://\u00e9\uffff.example/"} {
		_, err := bearerkit.NewClient(bad, bearerkit.StaticToken{AccessToken: secAccess})
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, bad)
		_, err = bearerkit.NewClient("https://api.example.test/", bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithOrigins(bad))
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, bad)
		tr := &bearerkit.Transport{Auth: bearerkit.StaticToken{AccessToken: secAccess}, Origins: []string{bad}, Base: rec}
		_, err = tr.RoundTrip(mustRequest(t, "https://api.example.test/"))
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, bad)
	}
}

// Origins with user information or a query are printed and reported
// without them.
func TestOriginsPrintedWithoutSecrets(t *testing.T) {
	t.Parallel()
	tr := &bearerkit.Transport{Auth: bearerkit.StaticToken{AccessToken: secAccess}, Origins: []string{"https://alice:" + secPassword + "@api.example.test/?key=" + secAPIKey}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assertNoSecret(t, fmt.Sprintf(verb, tr), "Transport "+verb)
	}
	assert.Contains(t, fmt.Sprint(tr), "api.example.test")
	for _, o := range []string{"ftp://alice:" + secPassword + "@api.example.test/?key=" + secAPIKey, "https://alice:" + secPassword + "@a\u200db.example/?key=" + secAPIKey} {
		_, err := bearerkit.NewClient("https://api.example.test/", bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithOrigins(o))
		require.ErrorIs(t, err, bearerkit.ErrInvalidOption)
		checkErr(t, err, "WithOrigins error")
		tr := &bearerkit.Transport{Auth: bearerkit.StaticToken{AccessToken: secAccess}, Origins: []string{o}, Base: okBase}
		_, err = tr.RoundTrip(mustRequest(t, "https://api.example.test/"))
		require.ErrorIs(t, err, bearerkit.ErrInvalidOption)
		checkErr(t, err, "Transport Origins error")
	}
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	return req
}

// Point 11: cookie names must be distinct HTTP tokens; a name that is not
// would inject cookies of its own.
func TestWithCookiesValidatesNames(t *testing.T) {
	t.Parallel()
	for name, names := range map[string]bearerkit.CookieNames{
		"injection":       {AccessToken: "x; admin"},
		"equals":          {AccessToken: "a=b"},
		"space":           {AccessToken: "access token"},
		"control":         {AccessToken: "a\r\nSet-Cookie: x"},
		"non-ASCII":       {AccessToken: "z\u00e9"},
		"empty access":    {RefreshToken: "rt"},
		"repeated":        {AccessToken: "t", RefreshToken: "t"},
		"repeated realm":  {AccessToken: "a", RealmID: "p", Provider: "p"},
		"refresh invalid": {AccessToken: "a", RefreshToken: "r;x"},
	} {
		_, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithCookies(names))
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, name)
		// The same on a bare Transport: every request fails, none is sent.
		sent := false
		tr := &bearerkit.Transport{Auth: bearerkit.StaticToken{AccessToken: secAccess}, Cookies: &names, Base: rtFunc(func(r *http.Request) (*http.Response, error) {
			sent = true
			return reply(r, 200, "ok"), nil
		})}
		_, err = tr.RoundTrip(mustRequest(t, apiURL))
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, name)
		assert.False(t, sent, name)
	}
	_, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithCookies(bearerkit.DataddoCookies))
	assert.NoError(t, err)
}

// Point 12: percent-encoded dot segments are dot segments.
func TestNewRequestRefusesEncodedDotSegments(t *testing.T) {
	t.Parallel()
	c, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: secAccess})
	require.NoError(t, err)
	for _, p := range []string{
		"%2e%2e/admin", "%2E%2E/admin", "%2e./admin", ".%2e/admin", "%2E./admin", ".%2E/admin",
		"sources/%2e%2e/%2e%2e/admin", "sources/%2e/x", "sources/%2E", "a/%2e%2e", "x/..", "./x",
		"sources/%2e%2e?x=1",
	} {
		_, err := c.NewRequest(context.Background(), http.MethodGet, p, nil)
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, p)
	}
	for _, p := range []string{"sources/..%2Fx", "sources/%2e%2e%2e", "sources/a.b", "sources/...", "sources/%252e%252e"} {
		req, err := c.NewRequest(context.Background(), http.MethodGet, p, nil)
		if assert.NoError(t, err, p) {
			assert.Contains(t, req.URL.String(), "/v1/sources/", p)
		}
	}
}

// Point 7 (construction): typed nils are refused up front.
func TestTypedNilsRefused(t *testing.T) {
	t.Parallel()
	var (
		d   *bearerkit.Dataddo
		pw  *bearerkit.PasswordGrant
		fn  bearerkit.AuthenticatorFunc
		ms  *bearerkit.MemoryStore
		fs  *bearerkit.FileStore
		kc  *bearerkit.Keycloak
		sta *bearerkit.StaticToken
	)
	for name, a := range map[string]bearerkit.Authenticator{
		"*Dataddo": d, "*PasswordGrant": pw, "AuthenticatorFunc": fn, "*Keycloak": kc, "*StaticToken": sta,
		"Fallback with a typed nil": bearerkit.Fallback(bearerkit.RefreshGrant{TokenURL: tokenURL}, pw),
		"Fallback of none":          bearerkit.Fallback(),
		"Fallback with nil":         bearerkit.Fallback(nil),
	} {
		_, err := bearerkit.NewClient(apiURL, a)
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, name)
		// A bare Transport fails each request instead, without a panic.
		tr := &bearerkit.Transport{Auth: a, Base: okBase}
		_, err = tr.RoundTrip(mustRequest(t, apiURL))
		assert.Error(t, err, name)
		_, err = tr.Token(context.Background())
		assert.Error(t, err, name)
	}
	for name, s := range map[string]bearerkit.TokenStore{"*MemoryStore": ms, "*FileStore": fs} {
		_, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithTokenStore(s))
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, name)
	}
	_, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithOnToken(nil))
	assert.True(t, errors.Is(err, bearerkit.ErrInvalidOption))
}

// A token whose access token is only a pasted "Bearer " prefix (any case,
// any spaces, repeated) is no token: the Transport refuses it rather than
// send an empty credential.
func TestTokenOfOnlyABearerPrefix(t *testing.T) {
	t.Parallel()
	for _, access := range []string{"Bearer ", "bEARER    ", "Bearer bearer "} {
		t.Run(access, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			tr := &bearerkit.Transport{
				Auth: bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
					return &bearerkit.Token{AccessToken: access}, nil
				}),
				Base: rtFunc(func(r *http.Request) (*http.Response, error) {
					sent.Add(1)
					return reply(r, http.StatusOK, "ok"), nil
				}),
			}
			_, err := tr.Token(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "no access token")
			req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/v1", nil)
			resp, err := tr.RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			require.Error(t, err)
			assert.Zero(t, sent.Load(), "nothing sent with an empty credential")
		})
	}
}

// A host that IDNA maps to nothing (net/http would dial the empty host, this
// machine) is no host: refused as a base URL or an origin.
func TestHostMappedToNothing(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"\u034f", "\u200b", "\u00ad\u034f"} {
		_, err := bearerkit.NewClient("https://"+host+"/v1/", bearerkit.StaticToken{AccessToken: secAccess})
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, "base URL host %+q", host)
		_, err = bearerkit.NewClient("https://api.example.test/v1/", bearerkit.StaticToken{AccessToken: secAccess},
			bearerkit.WithOrigins("https://"+host))
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, "origin host %+q", host)
	}
}
