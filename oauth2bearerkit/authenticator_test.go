package oauth2bearerkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/oauth2bearerkit"
)

// Secrets of the token-endpoint tests: none may appear in an error.
const (
	clientSecret = "client-SECRET-5a9f"
	refresh1     = "refresh-ONE-7b2c"
	refresh2     = "refresh-TWO-0d4e"
	access1      = "access-ONE-19fa"
)

// endpoint is an httptest token endpoint that answers with respond and
// records the forms it got.
type endpoint struct {
	srv     *httptest.Server
	mu      sync.Mutex
	forms   []url.Values
	respond func(w http.ResponseWriter, r *http.Request)
}

func newEndpoint(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *endpoint {
	t.Helper()
	e := &endpoint{respond: respond}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		e.mu.Lock()
		e.forms = append(e.forms, r.PostForm)
		e.mu.Unlock()
		e.respond(w, r)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *endpoint) calls() []url.Values {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]url.Values(nil), e.forms...)
}

func (e *endpoint) auth() oauth2bearerkit.ConfigAuthenticator {
	return oauth2bearerkit.ConfigAuthenticator{
		Config: &oauth2.Config{ClientID: "app", ClientSecret: clientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/token", AuthStyle: oauth2.AuthStyleInParams}},
		Token:      &oauth2.Token{AccessToken: access1, RefreshToken: refresh1, Expiry: time.Now().Add(-time.Minute)},
		HTTPClient: e.srv.Client(),
	}
}

func jsonAnswer(status int, body string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// noSecret fails if err's text, in any fmt form, holds a secret.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Error("no error")
		return
	}
	for _, form := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, s := range secrets {
			if strings.Contains(form, s) {
				t.Errorf("secret %q in error: %s", s, form)
			}
		}
	}
}

func TestConfigAuthenticatorRefreshes(t *testing.T) {
	e := newEndpoint(t, jsonAnswer(200, `{"access_token":"access-TWO","token_type":"bearer","expires_in":300,"refresh_token":"`+refresh2+`","realm_id":42}`))
	a := e.auth()
	tok, err := a.Authenticate(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := bearerkit.Token{AccessToken: "access-TWO", TokenType: "bearer", RefreshToken: refresh2, RealmID: "42"}
	got := *tok
	got.Expiry = time.Time{}
	if got != want || time.Until(tok.Expiry) <= 0 {
		t.Errorf("token %#v, expiry %v; want %#v", got, tok.Expiry, want)
	}
	// Later renewals use prev's refresh token, not the stale first one.
	if _, err := a.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	forms := e.calls()
	if len(forms) != 2 {
		t.Fatalf("%d token requests, want 2", len(forms))
	}
	for i, rt := range []string{refresh1, refresh2} {
		f := forms[i]
		if f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != rt || f.Get("client_id") != "app" || f.Get("client_secret") != clientSecret {
			t.Errorf("request %d form %v, want a refresh with %s", i, f, rt)
		}
	}
}

func TestConfigAuthenticatorStartToken(t *testing.T) {
	e := newEndpoint(t, jsonAnswer(500, `{}`))
	a := e.auth()
	a.Token.Expiry = time.Now().Add(time.Hour)
	tok, err := a.Authenticate(context.Background(), nil)
	if err != nil || tok.AccessToken != access1 || tok.RefreshToken != refresh1 {
		t.Fatalf("first use with a valid Token: %v, %v", tok, err)
	}
	if n := len(e.calls()); n != 0 {
		t.Errorf("%d token requests for a valid start token, want 0", n)
	}

	// No refresh token anywhere: ErrNoRefreshToken, so Fallback moves on.
	_, err = a.Authenticate(context.Background(), &bearerkit.Token{AccessToken: "x"})
	var ae *bearerkit.AuthError
	if !errors.Is(err, bearerkit.ErrNoRefreshToken) || !errors.As(err, &ae) {
		t.Errorf("prev without refresh token: %v", err)
	}
	next := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return &bearerkit.Token{AccessToken: "from-next"}, nil
	})
	tok, err = bearerkit.Fallback(oauth2bearerkit.ConfigAuthenticator{Config: a.Config}, next).Authenticate(context.Background(), nil)
	if err != nil || tok.AccessToken != "from-next" {
		t.Errorf("Fallback past a ConfigAuthenticator without token: %v, %v", tok, err)
	}
	if n := len(e.calls()); n != 0 {
		t.Errorf("%d token requests without a refresh token, want 0", n)
	}
}

func TestConfigAuthenticatorErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond func(http.ResponseWriter, *http.Request)
		check   func(t *testing.T, ae *bearerkit.AuthError, err error)
	}{
		{"invalid_grant echoing the refresh token",
			jsonAnswer(400, `{"error":"invalid_grant","error_description":"refresh token `+refresh1+` is stale; secret `+clientSecret+`"}`),
			func(t *testing.T, ae *bearerkit.AuthError, err error) {
				if ae.StatusCode != 400 || ae.Code != "invalid_grant" || !ae.Rejected() || !bearerkit.IsRefused(err) || ae.Temporary() {
					t.Errorf("%+v: want a refused 400 invalid_grant", ae)
				}
				if !strings.Contains(ae.Description, "is stale") || !strings.Contains(ae.Description, "[redacted]") {
					t.Errorf("description %q, want the server's, scrubbed", ae.Description)
				}
			}},
		{"unauthorized_client 401",
			jsonAnswer(401, `{"error":"unauthorized_client"}`),
			func(t *testing.T, ae *bearerkit.AuthError, err error) {
				if ae.StatusCode != 401 || !ae.Rejected() {
					t.Errorf("%+v", ae)
				}
			}},
		{"503 with Retry-After",
			jsonAnswer(503, `upstream down`, "Retry-After", "7", "Content-Type", "text/plain"),
			func(t *testing.T, ae *bearerkit.AuthError, err error) {
				if ae.StatusCode != 503 || ae.RetryAfter != 7*time.Second || !ae.Temporary() || ae.Rejected() || ae.ContentType != "text/plain" {
					t.Errorf("%+v: want a temporary 503 with RetryAfter 7s", ae)
				}
			}},
		{"HTML page echoing the secret",
			jsonAnswer(502, `<html>bad gateway for client_secret=`+clientSecret+`&refresh_token=`+refresh1+`</html>`, "Content-Type", "text/html"),
			func(t *testing.T, ae *bearerkit.AuthError, err error) {
				if ae.StatusCode != 502 || ae.Code != "" || ae.ContentType != "text/html" {
					t.Errorf("%+v", ae)
				}
			}},
		{"200 with an error code",
			jsonAnswer(200, `{"error":"invalid_client"}`),
			func(t *testing.T, ae *bearerkit.AuthError, err error) {
				if ae.StatusCode != 200 || ae.Code != "invalid_client" || !ae.Rejected() {
					t.Errorf("%+v", ae)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEndpoint(t, tc.respond)
			_, err := e.auth().Authenticate(context.Background(), nil)
			var ae *bearerkit.AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want an *AuthError", err, err)
			}
			if ae.Grant != "refresh_token" || ae.Endpoint != e.srv.URL+"/token" {
				t.Errorf("grant %q endpoint %q", ae.Grant, ae.Endpoint)
			}
			var re *oauth2.RetrieveError
			if errors.As(err, &re) {
				t.Error("the *oauth2.RetrieveError (with the raw body) is reachable")
			}
			tc.check(t, ae, err)
			noSecret(t, err, clientSecret, refresh1, access1)
		})
	}
}

func TestConfigAuthenticatorNoAnswer(t *testing.T) {
	e := newEndpoint(t, jsonAnswer(200, `{"token_type":"bearer"}`))
	a := e.auth()
	// A 200 without access_token.
	_, err := a.Authenticate(context.Background(), nil)
	if !errors.Is(err, oauth2bearerkit.ErrTokenSource) {
		t.Errorf("no access_token: err = %v, want ErrTokenSource", err)
	}
	// No answer at all: a network error, temporary.
	e.srv.Close()
	_, err = a.Authenticate(context.Background(), nil)
	var ae *bearerkit.AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 0 || !ae.Temporary() || ae.Endpoint != e.srv.URL+"/token" {
		t.Errorf("closed server: err = %v, want a temporary *AuthError", err)
	}
	noSecret(t, err, clientSecret, refresh1, access1)
	// A context already cancelled sends nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Authenticate(ctx, nil); !errors.Is(err, context.Canceled) || !errors.As(err, &ae) || ae.Temporary() {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestConfigAuthenticatorRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		jsonAnswer(200, `{"access_token":"stolen"}`)(w, r)
	}))
	t.Cleanup(other.Close)
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			http.Redirect(w, r, other.URL+"/token", http.StatusTemporaryRedirect)
		}
	})
	_, err := e.auth().Authenticate(context.Background(), nil)
	if !errors.Is(err, bearerkit.ErrRedirectRefused) || !bearerkit.IsRefused(err) {
		t.Errorf("redirect to another origin: err = %v, want ErrRedirectRefused", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other origin got %d requests with the refresh token", n)
	}
	noSecret(t, err, clientSecret, refresh1, access1)

	// On the same origin, redirects are followed.
	same := newEndpoint(t, nil)
	same.respond = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			http.Redirect(w, r, "/token2", http.StatusTemporaryRedirect)
			return
		}
		jsonAnswer(200, `{"access_token":"moved"}`)(w, r)
	}
	if tok, err := same.auth().Authenticate(context.Background(), nil); err != nil || tok.AccessToken != "moved" {
		t.Errorf("same-origin redirect: %v, %v", tok, err)
	}
}

func TestConfigAuthenticatorValidate(t *testing.T) {
	cfg := func(u string) *oauth2.Config { return &oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: u}} }
	for _, tc := range []struct {
		a    oauth2bearerkit.ConfigAuthenticator
		want error
	}{
		{oauth2bearerkit.ConfigAuthenticator{}, bearerkit.ErrInvalidOption},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("")}, bearerkit.ErrInvalidOption},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("/token")}, bearerkit.ErrInvalidOption},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("https://user:pw@sso.example.com/token")}, bearerkit.ErrInvalidOption},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("http://sso.example.com/token")}, bearerkit.ErrInsecureHTTP},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("http://sso.example.com/token"), AllowInsecureHTTP: true}, nil},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("http://127.0.0.1:8080/token")}, nil},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("http://localhost/token")}, nil},
		{oauth2bearerkit.ConfigAuthenticator{Config: cfg("https://sso.example.com/token")}, nil},
	} {
		err := tc.a.Validate()
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("Validate(%v) = %v, want %v", tc.a, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("user information in %v", err)
		}
		if tc.want != nil {
			_, aerr := tc.a.Authenticate(context.Background(), nil)
			if !errors.Is(aerr, tc.want) {
				t.Errorf("Authenticate with %v: %v", tc.a, aerr)
			}
		}
	}
	// NewClient checks it at construction (bearerkit.Validator).
	if _, err := bearerkit.NewClient("https://api.example.com", oauth2bearerkit.ConfigAuthenticator{}); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("NewClient with an empty ConfigAuthenticator: %v", err)
	}
	if _, err := bearerkit.NewClient("https://api.example.com", oauth2bearerkit.Authenticator(nil)); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("NewClient with Authenticator(nil): %v", err)
	}
	if _, err := bearerkit.NewClient("https://api.example.com", oauth2bearerkit.FuncAuthenticator(nil)); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("NewClient with FuncAuthenticator(nil): %v", err)
	}
	if _, err := oauth2bearerkit.Authenticator(nil).Authenticate(context.Background(), nil); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("Authenticator(nil).Authenticate: %v", err)
	}
	if _, err := oauth2bearerkit.FuncAuthenticator(nil).Authenticate(context.Background(), nil); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("FuncAuthenticator(nil).Authenticate: %v", err)
	}
}

// TestConfigAuthenticatorKeycloak: a token from x/oauth2's password grant,
// renewed by a bearerkit Client after each 401 with Keycloak's rotating
// refresh tokens, through the Client's own HTTP client.
func TestConfigAuthenticatorKeycloak(t *testing.T) {
	k := bearerkittest.NewKeycloak(t)
	cfg := &oauth2.Config{ClientID: bearerkittest.DefaultPublicClient,
		Endpoint: oauth2.Endpoint{TokenURL: k.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	start, err := cfg.PasswordCredentialsToken(context.WithValue(context.Background(), oauth2.HTTPClient, k.Client()),
		bearerkittest.DefaultUsername, bearerkittest.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	var viaClient atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasSuffix(r.URL.Path, "/token") {
			viaClient.Add(1)
		}
		return k.Client().Transport.RoundTrip(r)
	})}
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", oauth2bearerkit.ConfigAuthenticator{Config: cfg, Token: start}, bearerkit.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if err := clientGet(c); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		k.KillAccessTokens()
		if err := clientGet(c); err != nil {
			t.Fatal(err)
		}
	}
	st := k.Stats()
	if st.Logins != 1 || st.Refreshes != 2 || st.ReuseDetections != 0 || st.APIUnauthorized != 2 {
		t.Errorf("logins %d (want 1, x/oauth2's), refreshes %d (want 2), reuse detections %d, API 401s %d (want 2)",
			st.Logins, st.Refreshes, st.ReuseDetections, st.APIUnauthorized)
	}
	if n := viaClient.Load(); n != 2 {
		t.Errorf("%d token requests through the Client's HTTP client, want 2", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestFuncAuthenticatorKeycloak: clientcredentials.Config.Token asks the
// server every time; a refused secret is an *AuthError that the cool-down
// remembers and Fallback moves past.
func TestFuncAuthenticatorKeycloak(t *testing.T) {
	k := bearerkittest.NewKeycloak(t)
	cc := func(secret string) *clientcredentials.Config {
		return &clientcredentials.Config{ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: secret, TokenURL: k.TokenURL()}
	}
	var calls atomic.Int32
	counted := func(c *clientcredentials.Config) func(context.Context) (*oauth2.Token, error) {
		return func(ctx context.Context) (*oauth2.Token, error) {
			calls.Add(1)
			return c.Token(ctx)
		}
	}
	good, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", oauth2bearerkit.FuncAuthenticator(counted(cc(bearerkittest.DefaultClientSecret))), bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if err := clientGet(good); err != nil {
		t.Fatal(err)
	}
	k.KillAccessTokens()
	if err := clientGet(good); err != nil {
		t.Fatalf("after a 401: %v", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d token calls, want 2 (first use, 401)", n)
	}

	const wrong = "wrong-secret-e4c1"
	calls.Store(0)
	bad, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", oauth2bearerkit.FuncAuthenticator(counted(cc(wrong))), bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		err = clientGet(bad)
		var ae *bearerkit.AuthError
		if !errors.As(err, &ae) || !ae.Rejected() {
			t.Fatalf("wrong secret: err = %v, want a rejected *AuthError", err)
		}
		noSecret(t, err, wrong)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d token calls for 3 requests with a refused secret, want 1 (the cool-down)", n)
	}

	fb := bearerkit.Fallback(oauth2bearerkit.FuncAuthenticator(cc(wrong).Token), oauth2bearerkit.FuncAuthenticator(cc(bearerkittest.DefaultClientSecret).Token))
	if tok, err := fb.Authenticate(context.WithValue(context.Background(), oauth2.HTTPClient, k.Client()), nil); err != nil || tok.AccessToken == "" {
		t.Errorf("Fallback past a refused secret: %v", err)
	}
}

// TestAuthenticatorOfCachingSource: x/oauth2's sources cache their token,
// so after a 401 the same token comes back; the Client then fails the
// request with the API's 401, and asks the source once, not in a loop.
func TestAuthenticatorOfCachingSource(t *testing.T) {
	k := bearerkittest.NewKeycloak(t)
	cc := &clientcredentials.Config{ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: bearerkittest.DefaultClientSecret, TokenURL: k.TokenURL()}
	src := &countingSource{ts: cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, k.Client()))}
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", oauth2bearerkit.Authenticator(src), bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if err := clientGet(c); err != nil {
		t.Fatal(err)
	}
	k.KillAccessTokens()
	err = clientGet(c)
	var apiErr *bearerkit.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want the API's 401", err)
	}
	if n := src.calls.Load(); n != 2 {
		t.Errorf("%d source calls, want 2 (first use, one after the 401)", n)
	}
	if st := k.Stats(); st.Logins != 1 {
		t.Errorf("%d logins, want 1: the source hands back its cached token", st.Logins)
	}
}

type countingSource struct {
	ts    oauth2.TokenSource
	calls atomic.Int32
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.calls.Add(1)
	return s.ts.Token()
}

type sourceFunc func() (*oauth2.Token, error)

func (f sourceFunc) Token() (*oauth2.Token, error) { return f() }

func TestAuthenticatorContextAndPanic(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	blocked := oauth2bearerkit.Authenticator(sourceFunc(func() (*oauth2.Token, error) {
		close(entered)
		<-release
		return &oauth2.Token{AccessToken: "late"}, nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := blocked.Authenticate(ctx, nil)
		done <- err
	}()
	<-entered
	cancel()
	err := <-done // returns although the source is still blocked
	close(release)
	var ae *bearerkit.AuthError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ae) || ae.Temporary() {
		t.Errorf("cancelled while the source blocks: %v", err)
	}

	const secret = "panic-SECRET-88aa"
	panicky := oauth2bearerkit.Authenticator(sourceFunc(func() (*oauth2.Token, error) { panic("token " + secret) }))
	_, err = panicky.Authenticate(context.Background(), nil)
	if !errors.Is(err, bearerkit.ErrAuthenticatorPanic) {
		t.Errorf("panicking source: %v", err)
	}
	noSecret(t, err, secret)

	// A source's own error keeps its chain, and loses the secrets the
	// call knew of (prev's tokens).
	sentinel := errors.New("metadata server unreachable")
	leaky := oauth2bearerkit.Authenticator(sourceFunc(func() (*oauth2.Token, error) {
		return nil, fmt.Errorf("refreshing %s: %w", refresh1, sentinel)
	}))
	_, err = leaky.Authenticate(context.Background(), &bearerkit.Token{AccessToken: access1, RefreshToken: refresh1})
	if !errors.Is(err, sentinel) || !errors.Is(err, oauth2bearerkit.ErrTokenSource) {
		t.Errorf("source error: %v, want it wrapped with ErrTokenSource", err)
	}
	noSecret(t, err, refresh1)

	empty := oauth2bearerkit.Authenticator(sourceFunc(func() (*oauth2.Token, error) { return nil, nil }))
	if _, err := empty.Authenticate(context.Background(), nil); !errors.Is(err, oauth2bearerkit.ErrTokenSource) {
		t.Errorf("nil token: %v", err)
	}
}

// TestPrinting: no fmt verb, slog handler or json.Marshal shows a secret
// held by a value of this package.
func TestPrinting(t *testing.T) {
	e := newEndpoint(t, jsonAnswer(500, `{}`))
	cfgAuth := e.auth()
	static := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access1, RefreshToken: refresh1})
	k := bearerkittest.NewKeycloak(t)
	c := keycloakClient(t, k, bearerkittest.DefaultPassword)
	if err := clientGet(c); err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"ConfigAuthenticator":  cfgAuth,
		"*ConfigAuthenticator": &cfgAuth,
		"Authenticator":        oauth2bearerkit.Authenticator(static),
		"FuncAuthenticator":    oauth2bearerkit.FuncAuthenticator(func(context.Context) (*oauth2.Token, error) { return nil, nil }),
		"TokenSource":          oauth2bearerkit.TokenSource(context.Background(), c),
		"in a struct":          struct{ A bearerkit.Authenticator }{cfgAuth},
		"in a slice":           []bearerkit.Authenticator{cfgAuth, oauth2bearerkit.Authenticator(static)},
	}
	secrets := []string{clientSecret, access1, refresh1, tok.AccessToken, tok.RefreshToken, bearerkittest.DefaultPassword}
	for name, v := range values {
		var forms []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			forms = append(forms, fmt.Sprintf(verb, v))
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Errorf("%s: json: %v", name, err)
		}
		forms = append(forms, string(j))
		for _, h := range []func(*bytes.Buffer) slog.Handler{
			func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
			func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		} {
			var b bytes.Buffer
			slog.New(h(&b)).Info("x", "v", v)
			forms = append(forms, b.String())
		}
		for _, f := range forms {
			for _, s := range secrets {
				if strings.Contains(f, s) {
					t.Errorf("%s printed a secret: %s", name, f)
				}
			}
		}
	}
	if s := fmt.Sprint(cfgAuth); !strings.Contains(s, "ClientSecret: [redacted]") || !strings.Contains(s, "ClientID: app") {
		t.Errorf("ConfigAuthenticator prints %s", s)
	}
}

// TestRefreshOnly: under bearerkit.RefreshOnly, only prev's refresh token
// may be used; the sources' own credentials are not.
func TestRefreshOnly(t *testing.T) {
	e := newEndpoint(t, jsonAnswer(200, `{"access_token":"renewed"}`))
	ctx := bearerkit.RefreshOnly(context.Background())
	var called atomic.Int32
	src := sourceFunc(func() (*oauth2.Token, error) { called.Add(1); return &oauth2.Token{AccessToken: "own"}, nil })
	fn := func(context.Context) (*oauth2.Token, error) {
		called.Add(1)
		return &oauth2.Token{AccessToken: "own"}, nil
	}
	valid := e.auth()
	valid.Token.Expiry = time.Now().Add(time.Hour)
	for name, a := range map[string]bearerkit.Authenticator{
		"Authenticator":               oauth2bearerkit.Authenticator(src),
		"FuncAuthenticator":           oauth2bearerkit.FuncAuthenticator(fn),
		"ConfigAuthenticator expired": e.auth(),
		"ConfigAuthenticator valid":   valid,
	} {
		if _, err := a.Authenticate(ctx, nil); !errors.Is(err, bearerkit.ErrRefreshOnly) {
			t.Errorf("%s: err = %v, want ErrRefreshOnly", name, err)
		}
	}
	if n := called.Load(); n != 0 || len(e.calls()) != 0 {
		t.Errorf("%d source calls and %d token requests under RefreshOnly, want none", n, len(e.calls()))
	}
	tok, err := e.auth().Authenticate(ctx, &bearerkit.Token{AccessToken: "old", RefreshToken: refresh2})
	if err != nil || tok.AccessToken != "renewed" {
		t.Errorf("refreshing prev under RefreshOnly: %v, %v", tok, err)
	}
	if f := e.calls(); len(f) != 1 || f[0].Get("refresh_token") != refresh2 {
		t.Errorf("token requests %v, want one with prev's refresh token", f)
	}
}
