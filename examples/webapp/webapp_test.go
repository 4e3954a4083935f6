package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// The web app driven by a Go HTTP client with a cookie jar; e2e_test.go
// drives it in a real browser.

type app struct {
	platform *bearerkittest.Dataddo
	srv      *httptest.Server
	browser  *http.Client
	jar      *cookiejar.Jar
}

func startApp(t *testing.T, kill bool) *app {
	t.Helper()
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"))
	cfg := Config{PlatformURL: d.URL(), PlatformClient: d.Client()}
	if kill {
		cfg.KillTokens = d.KillAccessTokens
	}
	srv := httptest.NewServer(NewServer(cfg))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &app{platform: d, srv: srv, browser: browser, jar: jar}
}

// do sends a request (a form POST when form is not nil) and returns the
// status, Location and body.
func (a *app) do(t *testing.T, method, path string, form url.Values, header ...string) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, a.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", a.srv.URL)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := a.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (a *app) cookies() map[string]string {
	u, _ := url.Parse(a.srv.URL)
	m := map[string]string{}
	for _, c := range a.jar.Cookies(u) {
		m[c.Name] = c.Value
	}
	return m
}

func (a *app) login(t *testing.T) {
	t.Helper()
	status, loc, body := a.do(t, http.MethodPost, "/login", url.Values{"email": {bearerkittest.DefaultEmail}, "password": {bearerkittest.DefaultPassword}})
	if status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("login: %d %q %s", status, loc, body)
	}
}

func wantStatus(t *testing.T, what string, status int, loc string, want int, wantLoc string) {
	t.Helper()
	if status != want || loc != wantLoc {
		t.Fatalf("%s: got %d %q, want %d %q", what, status, loc, want, wantLoc)
	}
}

func TestWebapp_Flow(t *testing.T) {
	t.Parallel()
	a := startApp(t, false)
	status, loc, _ := a.do(t, http.MethodGet, "/", nil)
	wantStatus(t, "without a session", status, loc, http.StatusSeeOther, "/login")

	a.login(t)
	c := a.cookies()
	for _, name := range []string{"accessToken", "refreshToken", "realmId", "provider"} {
		if c[name] == "" {
			t.Fatalf("no %s cookie after login: %v", name, c)
		}
	}
	status, _, body := a.do(t, http.MethodGet, "/", nil)
	if status != http.StatusOK {
		t.Fatalf("home: %d %s", status, body)
	}
	for _, want := range []string{bearerkittest.DefaultEmail, "GA4 sessions", "Budget sheet", "GA4 conversions", `id="preview"`, `class="row"`} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if strings.Contains(body, c["accessToken"]) || strings.Contains(body, c["refreshToken"]) {
		t.Error("the page shows a token")
	}
	status, _, body = a.do(t, http.MethodGet, "/?source=102", nil)
	if status != http.StatusOK || !strings.Contains(body, `<span id="preview-label">Budget sheet</span>`) {
		t.Errorf("preview of 102: %d", status)
	}
	status, _, _ = a.do(t, http.MethodGet, "/?source=999", nil)
	if status != http.StatusNotFound {
		t.Errorf("unknown source: %d", status)
	}

	// The platform kills the token early: the page still works, with new
	// cookies.
	a.platform.KillAccessTokens()
	status, _, body = a.do(t, http.MethodGet, "/", nil)
	if status != http.StatusOK || !strings.Contains(body, "GA4 sessions") {
		t.Fatalf("home after the kill: %d %s", status, body)
	}
	c2 := a.cookies()
	if c2["accessToken"] == c["accessToken"] || c2["refreshToken"] == c["refreshToken"] || c2["accessToken"] == "" {
		t.Fatal("the cookies were not renewed")
	}
	st := a.platform.Stats()
	if st.Refreshes != 1 || st.APIUnauthorized != 1 || st.PasswordSends != 1 {
		t.Errorf("stats %+v", st)
	}

	status, loc, _ = a.do(t, http.MethodPost, "/logout", url.Values{})
	wantStatus(t, "logout", status, loc, http.StatusSeeOther, "/login?m=out")
	if c := a.cookies(); len(c) != 0 {
		t.Errorf("cookies left after logout: %v", c)
	}
	if st := a.platform.Stats(); st.Revocations != 1 {
		t.Errorf("the token was not revoked: %+v", st)
	}
	status, loc, _ = a.do(t, http.MethodGet, "/", nil)
	wantStatus(t, "after logout", status, loc, http.StatusSeeOther, "/login")
}

func TestWebapp_LoginFailures(t *testing.T) {
	t.Parallel()
	a := startApp(t, false)
	status, _, body := a.do(t, http.MethodPost, "/login", url.Values{"email": {bearerkittest.DefaultEmail}, "password": {"wrong-password"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "Wrong e-mail or password.") || strings.Contains(body, "wrong-password") {
		t.Errorf("wrong password: %d %s", status, body)
	}
	status, _, _ = a.do(t, http.MethodPost, "/login", url.Values{"email": {bearerkittest.DefaultEmail}})
	if status != http.StatusBadRequest {
		t.Errorf("no password: %d", status)
	}
	// A login form on another site posting to ours (login CSRF).
	status, _, _ = a.do(t, http.MethodPost, "/login", url.Values{"email": {bearerkittest.DefaultEmail}, "password": {bearerkittest.DefaultPassword}}, "Origin", "https://evil.example")
	if status != http.StatusForbidden {
		t.Errorf("cross-site login: %d", status)
	}
	if c := a.cookies(); len(c) != 0 {
		t.Errorf("cookies: %v", c)
	}
	if st := a.platform.Stats(); st.Logins != 0 {
		t.Errorf("stats %+v", st)
	}
	status, _, body = a.do(t, http.MethodGet, "/login", nil)
	if status != http.StatusOK || !strings.Contains(body, `id="login"`) {
		t.Errorf("login form: %d", status)
	}
}

// A session whose refresh token has died too ends: cookies cleared, back to
// the login form, and the password is never asked of the platform again.
func TestWebapp_SessionEnds(t *testing.T) {
	t.Parallel()
	a := startApp(t, false)
	a.login(t)
	a.platform.ExpireRefreshTokens()
	a.platform.KillAccessTokens()
	status, loc, _ := a.do(t, http.MethodGet, "/", nil)
	wantStatus(t, "dead session", status, loc, http.StatusSeeOther, "/login?m=expired")
	if c := a.cookies(); len(c) != 0 {
		t.Errorf("cookies left: %v", c)
	}
	if st := a.platform.Stats(); st.PasswordSends != 1 {
		t.Errorf("stats %+v", st)
	}
	_, _, body := a.do(t, http.MethodGet, "/login?m=expired", nil)
	if !strings.Contains(body, "Your session has ended.") {
		t.Error("no message")
	}
}

func TestWebapp_TamperedCookie(t *testing.T) {
	t.Parallel()
	a := startApp(t, false)
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/", nil)
	req.Header.Set("Cookie", `accessToken=abc\def; refreshToken=r`)
	resp, err := a.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := len(resp.Header.Values("Set-Cookie")); n != 4 {
		t.Errorf("%d Set-Cookie headers, want 4 deletions", n)
	}
	if st := a.platform.Stats(); st != (bearerkittest.Stats{}) {
		t.Errorf("the platform was called: %+v", st)
	}
}

func TestWebapp_Headers(t *testing.T) {
	t.Parallel()
	a := startApp(t, false)
	resp, err := a.browser.Get(a.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for k, want := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q", k, got)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestWebapp_KillEndpoint(t *testing.T) {
	t.Parallel()
	a := startApp(t, false)
	if status, _, _ := a.do(t, http.MethodPost, "/__test/kill", nil); status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		t.Errorf("kill endpoint without the option: %d", status)
	}
	b := startApp(t, true)
	b.login(t)
	if status, _, _ := b.do(t, http.MethodPost, "/__test/kill", nil); status != http.StatusNoContent {
		t.Fatalf("kill: %d", status)
	}
	if status, _, _ := b.do(t, http.MethodGet, "/", nil); status != http.StatusOK {
		t.Fatalf("home after kill: %d", status)
	}
	if st := b.platform.Stats(); st.APIUnauthorized != 1 || st.Refreshes != 1 {
		t.Errorf("stats %+v", st)
	}
}

// run serves on the address it is given until its context ends.
func TestRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, "127.0.0.1:0", pw)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	_, rest, ok := strings.Cut(line, "http://")
	if !ok {
		t.Fatalf("no URL in %q", line)
	}
	base := "http://" + strings.Fields(rest)[0]
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
}
