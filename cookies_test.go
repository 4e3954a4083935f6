package bearerkit_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Cookie sessions for web apps (CookieSession) and the transport's cookie
// mode (WithCookies), against the Dataddo emulator where a platform is
// needed.

// browser is a minimal cookie jar: it keeps what Set-Cookie headers say
// (deleting on Max-Age<=0) and renders a Cookie header.
type browser struct {
	order []string
	vals  map[string]string
}

func newBrowser() *browser { return &browser{vals: map[string]string{}} }

func (b *browser) take(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.vals, c.Name)
			continue
		}
		if _, ok := b.vals[c.Name]; !ok {
			b.order = append(b.order, c.Name)
		}
		b.vals[c.Name] = c.Value
	}
}

func (b *browser) header() string {
	var parts []string
	for _, n := range b.order {
		if v, ok := b.vals[n]; ok {
			parts = append(parts, n+"="+v)
		}
	}
	return strings.Join(parts, "; ")
}

func (b *browser) request(target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if h := b.header(); h != "" {
		r.Header.Set("Cookie", h)
	}
	return r
}

func (b *browser) clone() *browser {
	c := newBrowser()
	c.order = append(c.order, b.order...)
	for k, v := range b.vals {
		c.vals[k] = v
	}
	return c
}

// setCookies returns rec's Set-Cookie headers by cookie name.
func setCookies(rec *httptest.ResponseRecorder) map[string]*http.Cookie {
	m := map[string]*http.Cookie{}
	for _, c := range rec.Result().Cookies() {
		m[c.Name] = c
	}
	return m
}

func dataddoLogin(t *testing.T, d *bearerkittest.Dataddo) *bearerkit.Token {
	t.Helper()
	tok, err := bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword, HTTPClient: d.Client()}.
		Authenticate(context.Background(), nil)
	require.NoError(t, err)
	return tok
}

// sessionAuth is the Dataddo preset as a web app's per-request Client
// uses it: no password, renewal only.
func sessionAuth(d *bearerkittest.Dataddo) bearerkit.Dataddo {
	return bearerkit.Dataddo{BaseURL: d.URL(), HTTPClient: d.Client()}
}

// loggedIn starts an emulator and a browser holding the cookies of a
// login answer.
func loggedIn(t *testing.T, s *bearerkit.CookieSession, opts ...bearerkittest.Option) (*bearerkittest.Dataddo, *browser, *bearerkit.Token) {
	t.Helper()
	d := bearerkittest.NewDataddo(t, append([]bearerkittest.Option{bearerkittest.WithBasePath("/api/v2")}, opts...)...)
	tok := dataddoLogin(t, d)
	rec := httptest.NewRecorder()
	require.NoError(t, s.SetToken(rec, httptest.NewRequest(http.MethodPost, "http://127.0.0.1/login", nil), tok))
	b := newBrowser()
	b.take(t, rec)
	return d, b, tok
}

func TestCookieSession_SetTokenFlags(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	tok := &bearerkit.Token{AccessToken: "at-1", RefreshToken: "rt-1", RealmID: "7", Provider: "google", Expiry: time.Now().Add(time.Hour)}
	rec := httptest.NewRecorder()
	require.NoError(t, s.SetToken(rec, httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/login", nil), tok))
	cs := setCookies(rec)
	require.Len(t, cs, 4)
	want := map[string]string{"accessToken": "at-1", "refreshToken": "rt-1", "realmId": "7", "provider": "google"}
	for name, v := range want {
		c := cs[name]
		require.NotNil(t, c, name)
		assert.Equal(t, v, c.Value, name)
		assert.True(t, c.HttpOnly, name)
		assert.Equal(t, http.SameSiteLaxMode, c.SameSite, name)
		assert.Equal(t, "/", c.Path, name)
		assert.Empty(t, c.Domain, name)
		assert.False(t, c.Secure, "plain HTTP to loopback: %s", name)
	}
	assert.InDelta(t, 3600, cs["accessToken"].MaxAge, 2)
	month := int(bearerkit.DefaultRefreshMaxAge / time.Second)
	assert.Equal(t, month, cs["refreshToken"].MaxAge)
	assert.Equal(t, month, cs["realmId"].MaxAge)
	assert.Equal(t, month, cs["provider"].MaxAge)
	for _, line := range rec.Header().Values("Set-Cookie") {
		assert.Contains(t, line, "HttpOnly")
		assert.Contains(t, line, "SameSite=Lax")
	}
}

func TestCookieSession_Secure(t *testing.T) {
	t.Parallel()
	tok := &bearerkit.Token{AccessToken: "at"}
	tlsReq := func(target string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.TLS = &tls.ConnectionState{}
		return r
	}
	fwd := func(target, k, v string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set(k, v)
		return r
	}
	cases := []struct {
		name     string
		insecure bool
		r        *http.Request
		want     bool
	}{
		{"loopback http", false, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9/", nil), false},
		{"localhost http", false, httptest.NewRequest(http.MethodGet, "http://localhost:9/", nil), false},
		{"ipv6 loopback http", false, httptest.NewRequest(http.MethodGet, "http://[::1]:9/", nil), false},
		{"public http (behind a proxy)", false, httptest.NewRequest(http.MethodGet, "http://app.example.com/", nil), true},
		{"https", false, tlsReq("https://app.example.com/"), true},
		{"https loopback", false, tlsReq("https://127.0.0.1/"), true},
		{"X-Forwarded-Proto", false, fwd("http://127.0.0.1/", "X-Forwarded-Proto", "https"), true},
		{"Forwarded", false, fwd("http://127.0.0.1/", "Forwarded", `for=1.2.3.4;proto="https"`), true},
		{"Insecure, public http", true, httptest.NewRequest(http.MethodGet, "http://app.internal/", nil), false},
		{"Insecure, https", true, tlsReq("https://app.internal/"), true},
	}
	for _, c := range cases {
		s := &bearerkit.CookieSession{Insecure: c.insecure}
		rec := httptest.NewRecorder()
		require.NoError(t, s.SetToken(rec, c.r, tok), c.name)
		assert.Equal(t, c.want, setCookies(rec)["accessToken"].Secure, c.name)

		rec = httptest.NewRecorder()
		s.Clear(rec, c.r)
		assert.Equal(t, c.want, setCookies(rec)["accessToken"].Secure, "Clear: %s", c.name)
	}
}

func TestCookieSession_Options(t *testing.T) {
	t.Parallel()
	s := &bearerkit.CookieSession{Names: bearerkit.DataddoBrowserCookies, Path: "/app", Domain: "example.com", RefreshMaxAge: 2 * time.Hour}
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)

	// No expiry: the access cookie lives as long as the session. No refresh
	// token: its cookie is deleted; realm and provider follow the access
	// token.
	rec := httptest.NewRecorder()
	require.NoError(t, s.SetToken(rec, r, &bearerkit.Token{AccessToken: "Bearer at", RefreshToken: "rt", RealmID: "1", Provider: "p"}))
	cs := setCookies(rec)
	assert.Equal(t, "at", cs["dataddo-access-token"].Value, "a pasted Bearer prefix is not stored")
	assert.Equal(t, 7200, cs["dataddo-access-token"].MaxAge)
	assert.Equal(t, 7200, cs["dataddo-refresh-token"].MaxAge)
	for _, c := range cs {
		assert.Equal(t, "/app", c.Path)
		assert.Equal(t, "example.com", c.Domain)
	}

	rec = httptest.NewRecorder()
	rec.Header().Add("Set-Cookie", "theme=dark")
	require.NoError(t, s.SetToken(rec, r, &bearerkit.Token{AccessToken: "old"}))
	require.NoError(t, s.SetToken(rec, r, &bearerkit.Token{AccessToken: "at2", Expiry: time.Now().Add(10 * time.Minute)}))
	lines := rec.Header().Values("Set-Cookie")
	assert.Len(t, lines, 5, "a second SetToken replaces the first's headers: %q", lines)
	assert.Equal(t, "theme=dark", lines[0])
	cs = setCookies(rec)
	assert.Equal(t, "at2", cs["dataddo-access-token"].Value)
	assert.InDelta(t, 600, cs["dataddo-access-token"].MaxAge, 2)
	assert.Less(t, cs["dataddo-refresh-token"].MaxAge, 0, "no refresh token: its cookie is deleted")
	assert.Less(t, cs["dataddo-realm"].MaxAge, 0)
	assert.Less(t, cs["dataddo-provider"].MaxAge, 0)

	// The refresh cookie never dies before the access cookie.
	s2 := &bearerkit.CookieSession{RefreshMaxAge: time.Minute}
	rec = httptest.NewRecorder()
	require.NoError(t, s2.SetToken(rec, r, &bearerkit.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}))
	cs = setCookies(rec)
	assert.GreaterOrEqual(t, cs["refreshToken"].MaxAge, cs["accessToken"].MaxAge)
}

func TestCookieSession_Clear(t *testing.T) {
	t.Parallel()
	s := &bearerkit.CookieSession{Path: "/app"}
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "http://localhost/logout", nil)
	require.NoError(t, s.SetToken(rec, r, &bearerkit.Token{AccessToken: "a", RefreshToken: "r"}))
	s.Clear(rec, r)
	lines := rec.Header().Values("Set-Cookie")
	assert.Len(t, lines, 4, "Clear replaces SetToken's headers: %q", lines)
	for _, l := range lines {
		assert.Contains(t, l, "Max-Age=0")
		assert.Contains(t, l, "Path=/app")
		assert.Contains(t, l, "HttpOnly")
	}
	assert.Len(t, setCookies(rec), 4)
}

func TestCookieSession_SetTokenErrors(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	secret := "s3cret;value"
	cases := []struct {
		name string
		s    *bearerkit.CookieSession
		tok  *bearerkit.Token
	}{
		{"nil token", &bearerkit.CookieSession{}, nil},
		{"no access token", &bearerkit.CookieSession{}, &bearerkit.Token{RefreshToken: "r"}},
		{"bad refresh token", &bearerkit.CookieSession{}, &bearerkit.Token{AccessToken: "a", RefreshToken: secret}},
		{"bad access token", &bearerkit.CookieSession{}, &bearerkit.Token{AccessToken: "a b" + secret}},
		{"too long", &bearerkit.CookieSession{}, &bearerkit.Token{AccessToken: strings.Repeat("x", bearerkit.MaxCookieSize)}},
		{"no access name", &bearerkit.CookieSession{Names: bearerkit.CookieNames{RefreshToken: "r"}}, &bearerkit.Token{AccessToken: "a"}},
		{"bad name", &bearerkit.CookieSession{Names: bearerkit.CookieNames{AccessToken: "a b"}}, &bearerkit.Token{AccessToken: "a"}},
		{"same name twice", &bearerkit.CookieSession{Names: bearerkit.CookieNames{AccessToken: "t", RefreshToken: "t"}}, &bearerkit.Token{AccessToken: "a"}},
		{"bad path", &bearerkit.CookieSession{Path: "/a;b"}, &bearerkit.Token{AccessToken: "a"}},
		{"relative path", &bearerkit.CookieSession{Path: "app"}, &bearerkit.Token{AccessToken: "a"}},
		{"bad domain", &bearerkit.CookieSession{Domain: "exa mple.com"}, &bearerkit.Token{AccessToken: "a"}},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		err := c.s.SetToken(rec, r, c.tok)
		require.Error(t, err, c.name)
		assert.ErrorIs(t, err, bearerkit.ErrInvalidOption, c.name)
		assert.NotContains(t, err.Error(), "s3cret", c.name)
		assert.Empty(t, rec.Header().Values("Set-Cookie"), "nothing written: %s", c.name)
	}
}

func TestCookieSession_Token(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d := bearerkittest.NewDataddo(t)
	tok := dataddoLogin(t, d)
	rec := httptest.NewRecorder()
	require.NoError(t, s.SetToken(rec, httptest.NewRequest(http.MethodPost, "http://127.0.0.1/", nil), tok))
	b := newBrowser()
	b.take(t, rec)

	got, err := s.Token(b.request("http://127.0.0.1/"))
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
	assert.Equal(t, tok.RefreshToken, got.RefreshToken)
	assert.Equal(t, "1", got.RealmID)
	assert.Equal(t, "dataddo", got.Provider)
	assert.WithinDuration(t, tok.Expiry, got.Expiry, 2*time.Second, "Expiry from the JWT's exp")

	read := func(h ...string) (*bearerkit.Token, error) {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		for _, v := range h {
			r.Header.Add("Cookie", v)
		}
		return s.Token(r)
	}

	got, err = read(`theme=dark; accessToken="abc"`, "accessToken=second; refreshToken=r1")
	require.NoError(t, err)
	assert.Equal(t, "abc", got.AccessToken, "quotes stripped, the first of two is used")
	assert.Equal(t, "r1", got.RefreshToken, "found in a second Cookie line")
	assert.True(t, got.Expiry.IsZero(), "not a JWT: no expiry")

	got, err = read("refreshToken=r1; realmId=7; provider=p")
	require.NoError(t, err, "access cookie expired, refresh cookie left")
	assert.Empty(t, got.AccessToken)
	assert.Equal(t, bearerkit.Token{RefreshToken: "r1", RealmID: "7", Provider: "p"}, *got)

	for _, h := range [][]string{nil, {""}, {"theme=dark"}, {"realmId=7; provider=p"}, {"accessToken=; refreshToken="}} {
		got, err := read(h...)
		assert.Nil(t, got)
		assert.ErrorIs(t, err, bearerkit.ErrNoSession, "%q", h)
		var ce *bearerkit.CookieError
		assert.False(t, errors.As(err, &ce), "%q", h)
	}

	secret := "s3cretvalue"
	for _, h := range []string{
		`accessToken=` + secret + `\x`,
		`accessToken="` + secret + `"x"`,
		`refreshToken=` + secret + `,x; accessToken=a`,
		`accessToken=` + secret + "\x00",
		`accessToken=` + secret + "é",
		`accessToken=` + strings.Repeat(secret, 400),
		`provider=` + secret + `"`,
	} {
		got, err := read(h)
		assert.Nil(t, got, "%q", h)
		var ce *bearerkit.CookieError
		require.ErrorAs(t, err, &ce, "%q", h)
		assert.ErrorIs(t, err, bearerkit.ErrNoSession)
		assert.NotEmpty(t, ce.Name)
		assert.NotContains(t, err.Error(), secret)
		assert.Less(t, len(err.Error()), 200)
	}

	_, err = (&bearerkit.CookieSession{Names: bearerkit.CookieNames{Provider: "p"}}).Token(b.request("http://127.0.0.1/"))
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
}

// A per-request Client: the token comes from the cookies and nothing is
// written back while it is good.
func TestCookieSession_Client(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, tok := loggedIn(t, &s)
	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	src, _, err := c.Sources.List(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, src)
	assert.Empty(t, rec.Header().Values("Set-Cookie"))
	assert.Equal(t, bearerkittest.Stats{APICalls: 1, APIOK: 1, LoginAttempts: 1, Logins: 1, PasswordSends: 1}, d.Stats())
	got, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
	assert.NotContains(t, c.String(), tok.AccessToken)

	_, err = s.Client(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil), d.URL(), sessionAuth(d))
	assert.ErrorIs(t, err, bearerkit.ErrNoSession)
	_, err = s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
}

// A token killed early: the API answers 401, the Client renews and replays,
// and the renewed token (with its rotated refresh token) goes back to the
// browser.
func TestCookieSession_ClientRenewsOn401(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, tok := loggedIn(t, &s)
	d.KillAccessTokens()

	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	assert.Empty(t, rec.Header().Values("Set-Cookie"), "no renewal before the 401")
	_, _, err = c.Sources.List(context.Background())
	require.NoError(t, err)

	cs := setCookies(rec)
	require.Contains(t, cs, "accessToken")
	assert.NotEqual(t, tok.AccessToken, cs["accessToken"].Value)
	assert.NotEqual(t, tok.RefreshToken, cs["refreshToken"].Value, "rotated")
	assert.Equal(t, "1", cs["realmId"].Value)
	assert.True(t, cs["accessToken"].HttpOnly)
	st := d.Stats()
	assert.Equal(t, 1, st.APIUnauthorized)
	assert.Equal(t, 1, st.Refreshes)
	assert.Equal(t, 1, st.PasswordSends, "only the login sent the password")

	// The browser's next request carries the new cookies and just works.
	b.take(t, rec)
	rec = httptest.NewRecorder()
	c, err = s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	_, _, err = c.Sources.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rec.Header().Values("Set-Cookie"))
	assert.Equal(t, 1, d.Stats().Refreshes)
}

// The access-token cookie has expired in the browser; the refresh-token
// cookie renews the session (GET /refresh, since there is no access token
// to send), before any API call.
func TestCookieSession_ClientRefreshCookieOnly(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, _ := loggedIn(t, &s)
	delete(b.vals, "accessToken")
	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	cs := setCookies(rec)
	require.Contains(t, cs, "accessToken", "written by Client itself")
	assert.NotEmpty(t, cs["accessToken"].Value)
	_, _, err = c.Sources.List(context.Background())
	require.NoError(t, err)
	st := d.Stats()
	assert.Equal(t, 1, st.Refreshes)
	assert.Zero(t, st.APIUnauthorized)
	var methods []string
	for _, e := range d.Events() {
		if e.Endpoint == bearerkittest.EndpointRefresh {
			methods = append(methods, e.Method)
		}
	}
	assert.Equal(t, []string{http.MethodGet}, methods)
}

// An access token that has expired (by its JWT exp) is renewed up front.
// (A token that has time left is used: a token seen for the first time is
// judged by the time it has left, like any token; see RenewPolicy.Usable.)
func TestCookieSession_ClientRenewsExpiring(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, tok := loggedIn(t, &s, bearerkittest.WithAccessTokenTTL(10*time.Second))
	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	assert.Empty(t, setCookies(rec), "10 s left: used as it is")
	got, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)

	d, b, tok = loggedIn(t, &s, bearerkittest.WithAccessTokenTTL(time.Second))
	time.Sleep(time.Until(tok.Expiry)) // the token's own clock: its exp claim
	rec = httptest.NewRecorder()
	_, err = s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	cs := setCookies(rec)
	require.Contains(t, cs, "accessToken")
	assert.NotEqual(t, tok.AccessToken, cs["accessToken"].Value)
	assert.InDelta(t, 1, cs["accessToken"].MaxAge, 1)
	assert.Equal(t, 1, d.Stats().Refreshes)
	var methods []string
	for _, e := range d.Events() {
		if e.Endpoint == bearerkittest.EndpointRefresh {
			methods = append(methods, e.Method)
		}
	}
	assert.Equal(t, []string{http.MethodPost}, methods, "the documented form, with the expiring access token")
}

// A dead session: the renewal's error, no password sent, nothing written.
func TestCookieSession_ClientDeadSession(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, tok := loggedIn(t, &s)
	d.ExpireRefreshTokens()
	d.KillAccessTokens()

	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err, "the access token looks good until the API says otherwise")
	_, _, err = c.Sources.List(context.Background())
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.Temporary())
	assert.NotContains(t, err.Error(), tok.RefreshToken)
	assert.NotContains(t, err.Error(), tok.AccessToken)
	assert.Empty(t, rec.Header().Values("Set-Cookie"))

	delete(b.vals, "accessToken")
	_, err = s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.ErrorAs(t, err, &ae, "refresh cookie only: Client itself fails")
	assert.NotContains(t, err.Error(), tok.RefreshToken)
	assert.Equal(t, 1, d.Stats().PasswordSends)
}

// Requests of one browser that all carry the same dead access token and
// refresh token share one renewal, at once or shortly after each other:
// the rotated-out refresh token is never sent again, which the emulator's
// reuse detection would punish by ending the session.
func TestCookieSession_ClientSharesRenewals(t *testing.T) {
	t.Parallel()
	var s bearerkit.CookieSession
	d, b, _ := loggedIn(t, &s)
	d.KillAccessTokens()

	const n = 8
	var wg sync.WaitGroup
	recs := make([]*httptest.ResponseRecorder, n)
	errs := make([]error, n)
	for i := range n {
		recs[i] = httptest.NewRecorder()
		r := b.request("http://127.0.0.1/")
		wg.Go(func() {
			c, err := s.Client(recs[i], r, d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
			if err == nil {
				_, _, err = c.Sources.List(r.Context())
			}
			errs[i] = err
		})
	}
	wg.Wait()
	first := setCookies(recs[0])["refreshToken"]
	require.NotNil(t, first)
	for i := range n {
		require.NoError(t, errs[i], "request %d", i)
		assert.Equal(t, first.Value, setCookies(recs[i])["refreshToken"].Value, "request %d got the shared renewal", i)
	}

	// A late request with the old cookies (a second tab) gets the same.
	rec := httptest.NewRecorder()
	c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	_, _, err = c.Sources.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, first.Value, setCookies(rec)["refreshToken"].Value)

	st := d.Stats()
	assert.Equal(t, 1, st.Refreshes)
	assert.Zero(t, st.ReuseDetections)
	assert.Zero(t, st.RefreshFailures)

	// The remembered renewal is not printable.
	for _, v := range []string{first.Value, setCookies(rec)["accessToken"].Value, b.vals["refreshToken"]} {
		for _, f := range []string{"%v", "%+v", "%#v"} {
			assert.NotContains(t, fmt.Sprintf(f, &s), v)
		}
	}
}

// Without the sharing, the late request's rotated-out refresh token is
// what ends the session: the reason RotationGrace exists.
func TestCookieSession_ClientWithoutSharing(t *testing.T) {
	t.Parallel()
	s := bearerkit.CookieSession{RotationGrace: -1}
	d, b, _ := loggedIn(t, &s)
	d.KillAccessTokens()
	for i, want := range []bool{true, false} {
		rec := httptest.NewRecorder()
		c, err := s.Client(rec, b.request("http://127.0.0.1/"), d.URL(), sessionAuth(d), bearerkit.WithHTTPClient(d.Client()))
		require.NoError(t, err)
		_, _, err = c.Sources.List(context.Background())
		assert.Equal(t, want, err == nil, "request %d: %v", i, err)
	}
	assert.Equal(t, 1, d.Stats().ReuseDetections)
}

// The transport's cookie mode against the Dataddo emulator: the token goes
// as cookies, a killed token is renewed and the request replayed, and the
// caller's own cookies are kept (but never a stale token cookie of theirs).
func TestCookieTransport_Dataddo(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"))
	var mu sync.Mutex
	var sent []http.Header
	base := d.Client().Transport
	rec := rtFunc(func(r *http.Request) (*http.Response, error) {
		if strings.Contains(r.URL.Path, "/grids/") {
			mu.Lock()
			sent = append(sent, r.Header.Clone())
			mu.Unlock()
		}
		return base.RoundTrip(r)
	})
	auth := bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword, HTTPClient: d.Client()}
	c, err := bearerkit.NewClient(d.URL(), auth, bearerkit.WithHTTPClient(&http.Client{Transport: rec}), bearerkit.WithCookies(bearerkit.DataddoCookies))
	require.NoError(t, err)
	ctx := context.Background()

	_, _, err = c.Sources.List(ctx)
	require.NoError(t, err)
	tok1, err := c.Token(ctx)
	require.NoError(t, err)
	require.Len(t, sent, 1)
	assert.Empty(t, sent[0].Get("Authorization"))
	assert.Empty(t, sent[0].Get("X-Realm-Id"))
	assert.Equal(t, "accessToken="+tok1.AccessToken+"; refreshToken="+tok1.RefreshToken+"; realmId=1; provider=dataddo", sent[0].Get("Cookie"))

	d.KillAccessTokens()
	req, err := c.NewRequest(ctx, http.MethodGet, "grids/source", nil)
	require.NoError(t, err)
	req.Header.Set("Cookie", "theme=dark; accessToken=stale-one")
	_, err = c.Do(req, nil)
	require.NoError(t, err)
	tok2, err := c.Token(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, tok1.AccessToken, tok2.AccessToken)
	require.Len(t, sent, 3, "the 401 and its replay")
	assert.Equal(t, "theme=dark; accessToken="+tok1.AccessToken+"; refreshToken="+tok1.RefreshToken+"; realmId=1; provider=dataddo", sent[1].Get("Cookie"))
	assert.Equal(t, "theme=dark; accessToken="+tok2.AccessToken+"; refreshToken="+tok2.RefreshToken+"; realmId=1; provider=dataddo", sent[2].Get("Cookie"))
	assert.Equal(t, "theme=dark; accessToken=stale-one", req.Header.Get("Cookie"), "the caller's request is not modified")
	st := d.Stats()
	assert.Equal(t, 1, st.APIUnauthorized)
	assert.Equal(t, 1, st.Refreshes)
	assert.Equal(t, 1, st.PasswordSends)
}

// A token value that cannot be a cookie value is left out of the Cookie
// header rather than let it smuggle in other cookies.
func TestCookieTransport_BadValue(t *testing.T) {
	t.Parallel()
	var got string
	base := rtFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Get("Cookie")
		return reply(r, http.StatusOK, ""), nil
	})
	names := bearerkit.DataddoCookies
	auth := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return &bearerkit.Token{AccessToken: "at", RefreshToken: "x; accessToken=evil", Provider: "p"}, nil
	})
	tr := transport(auth, base, nil,
		func(tr *bearerkit.Transport) { tr.Cookies = &names })
	_, _, err := send(t, tr, "https://api.example.com/")
	require.NoError(t, err)
	assert.Equal(t, "accessToken=at; provider=p", got)
}
