package bearerkit_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

func TestNewClientValidation(t *testing.T) {
	t.Parallel()
	auth := bearerkit.StaticToken{AccessToken: "at"}
	tests := []struct {
		name string
		base string
		auth bearerkit.Authenticator
		opts []bearerkit.Option
		want error
	}{
		{"empty base URL", "", auth, nil, bearerkit.ErrInvalidOption},
		{"relative base URL", "/api", auth, nil, bearerkit.ErrInvalidOption},
		{"no host", "https:///api", auth, nil, bearerkit.ErrInvalidOption},
		{"ftp", "ftp://api.example.com/", auth, nil, bearerkit.ErrInvalidOption},
		{"unparsable", "https://api.example.com/%zz", auth, nil, bearerkit.ErrInvalidOption},
		{"user info", "https://u:p@api.example.com/", auth, nil, bearerkit.ErrInvalidOption},
		{"nil auth", "https://api.example.com/", nil, nil, bearerkit.ErrInvalidOption},
		{"plain http", "http://api.example.com/", auth, nil, bearerkit.ErrInsecureHTTP},
		{"nil option", "https://api.example.com/", auth, []bearerkit.Option{nil}, bearerkit.ErrInvalidOption},
		{"WithHTTPClient(nil)", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithHTTPClient(nil)}, bearerkit.ErrInvalidOption},
		{"WithTokenStore(nil)", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithTokenStore(nil)}, bearerkit.ErrInvalidOption},
		{"WithLogger(nil)", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithLogger(nil)}, bearerkit.ErrInvalidOption},
		{"WithOrigins bad", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithOrigins("files.example.com")}, bearerkit.ErrInvalidOption},
		{"WithOrigins ftp", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithOrigins("ftp://files.example.com")}, bearerkit.ErrInvalidOption},
		{"WithExpirySkew negative", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithExpirySkew(-time.Second)}, bearerkit.ErrInvalidOption},
		{"WithRefreshWindow negative", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithRefreshWindow(-time.Second)}, bearerkit.ErrInvalidOption},
		{"WithCoolDown negative", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithCoolDown(-time.Second)}, bearerkit.ErrInvalidOption},
		{"WithRenewTimeout zero", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithRenewTimeout(0)}, bearerkit.ErrInvalidOption},
		{"WithOnToken(nil)", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithOnToken(nil)}, bearerkit.ErrInvalidOption},
		{"WithCookies without access name", "https://api.example.com/", auth, []bearerkit.Option{bearerkit.WithCookies(bearerkit.CookieNames{RealmID: "r"})}, bearerkit.ErrInvalidOption},
		{"https", "https://api.example.com/v1", auth, nil, nil},
		{"loopback http", "http://127.0.0.1:8080/", auth, nil, nil},
		{"localhost http", "http://localhost/", auth, nil, nil},
		{"http opted in", "http://api.internal/", auth, []bearerkit.Option{bearerkit.WithInsecureHTTP()}, nil},
		{"every option", "https://api.example.com/", auth, []bearerkit.Option{
			bearerkit.WithHTTPClient(&http.Client{}), bearerkit.WithTokenStore(&bearerkit.MemoryStore{}),
			bearerkit.WithLogger(slog.New(slog.DiscardHandler)), bearerkit.WithOrigins("https://files.example.com"),
			bearerkit.WithExpirySkew(0), bearerkit.WithRefreshWindow(time.Minute), bearerkit.WithCoolDown(0),
			bearerkit.WithRenewTimeout(time.Second), bearerkit.WithOnToken(func(bearerkit.Token) {}),
			bearerkit.WithCookies(bearerkit.DataddoCookies),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := bearerkit.NewClient(tt.base, tt.auth, tt.opts...)
			if tt.want == nil {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, c, "never a half-configured Client")
			assert.Regexp(t, "^bearerkit: ", err.Error())
			assert.NotContains(t, err.Error(), "u:p@", "no user info in errors")
		})
	}
}

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://api.example.com":              "https://api.example.com/",
		"https://api.example.com/v1":           "https://api.example.com/v1/",
		"https://api.example.com/v1/":          "https://api.example.com/v1/",
		"https://api.example.com/v1?debug=1#x": "https://api.example.com/v1/",
		"https://api.example.com/a%2Fb":        "https://api.example.com/a%2Fb/",
	} {
		c, err := bearerkit.NewClient(in, bearerkit.StaticToken{AccessToken: "at"})
		require.NoError(t, err)
		assert.Equal(t, want, c.BaseURL().String(), in)
		c.BaseURL().Path = "/changed"
		assert.Equal(t, want, c.BaseURL().String(), "BaseURL returns a copy")
	}
}

func TestHTTPClient(t *testing.T) {
	t.Parallel()
	c, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: "at"})
	require.NoError(t, err)
	assert.Same(t, c.HTTPClient(), c.HTTPClient(), "the same client every call")
	assert.NotSame(t, http.DefaultClient, c.HTTPClient())
	_, isTransport := c.HTTPClient().Transport.(*bearerkit.Transport)
	assert.True(t, isTransport)
}

// WithHTTPClient: its Transport becomes the base, its Timeout, Jar and
// CheckRedirect are kept, and it is never modified.
func TestWithHTTPClient(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	redirects := 0
	checkRedirect := func(*http.Request, []*http.Request) error { redirects++; return http.ErrUseLastResponse }
	hc := &http.Client{Transport: rec, Timeout: 7 * time.Second, Jar: jar, CheckRedirect: checkRedirect}
	before := *hc

	c, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: "at"}, bearerkit.WithHTTPClient(hc))
	require.NoError(t, err)
	got := c.HTTPClient()
	assert.NotSame(t, hc, got)
	assert.Equal(t, 7*time.Second, got.Timeout)
	assert.Same(t, jar, got.Jar)
	assert.NotNil(t, got.CheckRedirect)

	resp, err := got.Get(apiURL + "x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"Bearer at"}, rec.seen(), "sent through the given client's transport")

	assert.Same(t, before.Transport, hc.Transport, "the caller's client is not modified")
	assert.Equal(t, before.Timeout, hc.Timeout)
	assert.Same(t, before.Jar, hc.Jar)

	// A client without a Transport: http.DefaultTransport, looked up at
	// call time (see the httpmock tests).
	c2, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: "at"}, bearerkit.WithHTTPClient(&http.Client{Timeout: time.Second}))
	require.NoError(t, err)
	assert.Nil(t, bearerkit.ClientTransport(c2).Base)
}

// The options reach the Transport.
func TestOptionsApplied(t *testing.T) {
	t.Parallel()
	store := &bearerkit.MemoryStore{}
	logger := slog.New(slog.DiscardHandler)
	c, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: "at"},
		bearerkit.WithTokenStore(store), bearerkit.WithLogger(logger),
		bearerkit.WithExpirySkew(time.Minute), bearerkit.WithRefreshWindow(0), bearerkit.WithCoolDown(3*time.Minute),
		bearerkit.WithRenewTimeout(9*time.Second), bearerkit.WithInsecureHTTP(),
		bearerkit.WithOrigins("https://files.example.com", "https://cdn.example.com"))
	require.NoError(t, err)
	tr := bearerkit.ClientTransport(c)
	assert.Same(t, store, tr.Store)
	assert.Same(t, logger, tr.Logger)
	assert.Equal(t, time.Minute, tr.ExpirySkew)
	assert.Negative(t, tr.RefreshWindow, "0 turns background renewal off")
	assert.Equal(t, 3*time.Minute, tr.CoolDown)
	assert.Equal(t, 9*time.Second, tr.RenewTimeout)
	assert.True(t, tr.AllowInsecureHTTP)
	assert.Equal(t, []string{"https://api.example.com", "https://files.example.com", "https://cdn.example.com"}, tr.Origins)
}

// WithOnToken sees each new token before any request carries it.
func TestWithOnToken(t *testing.T) {
	t.Parallel()
	var seen []string
	rec := &recorder{status: func(a string) int {
		if a == "Bearer tok-1" {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	}}
	base := rtFunc(func(r *http.Request) (*http.Response, error) {
		assert.Contains(t, seen, r.Header.Get("Authorization")[len("Bearer "):], "OnToken ran first")
		return rec.RoundTrip(r)
	})
	c, err := bearerkit.NewClient(apiURL, &issuer{}, bearerkit.WithHTTPClient(&http.Client{Transport: base}),
		bearerkit.WithOnToken(func(tok bearerkit.Token) { seen = append(seen, tok.AccessToken) }))
	require.NoError(t, err)
	resp, err := c.HTTPClient().Get(apiURL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"tok-1", "tok-2"}, seen)
}

// Client.Token logs in lazily and returns a copy.
func TestClientToken(t *testing.T) {
	t.Parallel()
	a := &issuer{}
	c, err := bearerkit.NewClient(apiURL, a)
	require.NoError(t, err)
	tok, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-1", tok.AccessToken)
	tok.AccessToken = "changed"
	again, err := c.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-1", again.AccessToken)
	assert.EqualValues(t, 1, a.calls.Load())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c2, _ := bearerkit.NewClient(apiURL, &issuer{hook: func(ctx context.Context, _ int64, _ *bearerkit.Token) error {
		<-ctx.Done() // never reached before the caller gives up
		return ctx.Err()
	}}, bearerkit.WithRenewTimeout(time.Millisecond))
	_, err = c2.Token(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	bearerkit.WaitIdle(bearerkit.ClientTransport(c2))
}

// errors.As finds the *AuthError through the *url.Error of http.Client.
func TestAuthErrorThroughClient(t *testing.T) {
	t.Parallel()
	p := newPlatform(nil, time.Hour)
	p.fail = func(string, int) (int, string, http.Header) {
		return http.StatusUnauthorized, `{"error":"invalid_grant","error_description":"Invalid user credentials"}`, nil
	}
	c, err := bearerkit.NewClient(apiURL, p.password(), bearerkit.WithHTTPClient(p.client()))
	require.NoError(t, err)
	_, err = c.HTTPClient().Get(apiURL)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	assert.Equal(t, "invalid_grant", ae.Code)
	assert.True(t, ae.Rejected())
	assert.Zero(t, p.apiCount())
}

// Behaviour 11: httpmock.Activate mocks the token endpoint and the API
// behind a working auth layer. Not parallel: Activate is global.
func TestHTTPMockActivate(t *testing.T) {
	httpmock.Activate(t)
	logins := 0
	httpmock.RegisterResponder(http.MethodPost, "https://auth.example.com/token",
		func(r *http.Request) (*http.Response, error) {
			require.NoError(t, r.ParseForm())
			logins++
			resp := httpmock.NewStringResponse(http.StatusOK, `{"access_token":"mock-at-`+string(rune('0'+logins))+`","token_type":"bearer","expires_in":3600}`)
			resp.Header.Set("Content-Type", "application/json")
			return resp, nil
		})
	httpmock.RegisterResponder(http.MethodGet, "https://api.example.com/v1/items",
		func(r *http.Request) (*http.Response, error) {
			switch r.Header.Get("Authorization") {
			case "Bearer mock-at-1":
				return httpmock.NewStringResponse(http.StatusUnauthorized, "revoked"), nil
			case "Bearer mock-at-2":
				return httpmock.NewStringResponse(http.StatusOK, `["a","b"]`), nil
			}
			return httpmock.NewStringResponse(http.StatusBadRequest, "no auth"), nil
		})

	// No HTTPClient anywhere: the defaults, looked up at call time.
	c, err := bearerkit.NewClient("https://api.example.com/v1", &bearerkit.PasswordGrant{
		TokenURL: "https://auth.example.com/token", Username: "alice", Password: "pw",
	})
	require.NoError(t, err)
	resp, err := c.HTTPClient().Get("https://api.example.com/v1/items")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `["a","b"]`, string(b))
	assert.Equal(t, 2, logins, "logged in, then again after the 401")
	info := httpmock.GetCallCountInfo()
	assert.Equal(t, 2, info["POST https://auth.example.com/token"])
	assert.Equal(t, 2, info["GET https://api.example.com/v1/items"])
}

// Behaviour 11: httpmock.ActivateNonDefault(client.HTTPClient()) replaces
// the auth layer itself, for unit tests of code that only needs a client.
// Not parallel: the responders are global.
func TestHTTPMockActivateNonDefault(t *testing.T) {
	a := &issuer{}
	c, err := bearerkit.NewClient("https://api.example.com/v1", a)
	require.NoError(t, err)
	httpmock.ActivateNonDefault(c.HTTPClient())
	t.Cleanup(func() {
		httpmock.DeactivateNonDefault(c.HTTPClient())
		httpmock.Reset()
	})
	httpmock.RegisterResponder(http.MethodGet, "https://api.example.com/v1/me",
		func(r *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(http.StatusOK, "auth="+r.Header.Get("Authorization")), nil
		})

	resp, err := c.HTTPClient().Get("https://api.example.com/v1/me")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "auth=", string(b), "the mock answered, with no auth layer in between")
	assert.Zero(t, a.calls.Load(), "no login")
	assert.Equal(t, 1, httpmock.GetTotalCallCount())

	httpmock.DeactivateNonDefault(c.HTTPClient())
	_, isTransport := c.HTTPClient().Transport.(*bearerkit.Transport)
	assert.True(t, isTransport, "deactivated: the auth layer is back")
}
