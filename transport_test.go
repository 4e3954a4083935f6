package bearerkit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Behaviour 1: headers.
func TestTransportHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tok  bearerkit.Token
		want http.Header // headers the API must see; "" means absent
	}{
		{"empty type is Bearer", bearerkit.Token{AccessToken: "abc"},
			http.Header{"Authorization": {"Bearer abc"}, "X-Realm-Id": {""}, "X-Provider": {""}}},
		{"lower-case bearer", bearerkit.Token{AccessToken: "abc", TokenType: "bearer"},
			http.Header{"Authorization": {"Bearer abc"}}},
		{"odd-case bearer", bearerkit.Token{AccessToken: "abc", TokenType: "BeArEr"},
			http.Header{"Authorization": {"Bearer abc"}}},
		{"pasted with prefix", bearerkit.Token{AccessToken: "Bearer abc"},
			http.Header{"Authorization": {"Bearer abc"}}},
		{"pasted with lower-case prefix and type", bearerkit.Token{AccessToken: "bearer abc", TokenType: "Bearer"},
			http.Header{"Authorization": {"Bearer abc"}}},
		{"pasted with extra spaces", bearerkit.Token{AccessToken: "Bearer   abc"},
			http.Header{"Authorization": {"Bearer abc"}}},
		{"other scheme kept", bearerkit.Token{AccessToken: "abc", TokenType: "DPoP"},
			http.Header{"Authorization": {"DPoP abc"}}},
		{"realm and provider", bearerkit.Token{AccessToken: "abc", RealmID: "42", Provider: "google"},
			http.Header{"Authorization": {"Bearer abc"}, "X-Realm-Id": {"42"}, "X-Provider": {"google"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got http.Header
			base := rtFunc(func(r *http.Request) (*http.Response, error) {
				got = r.Header.Clone()
				return reply(r, http.StatusOK, ""), nil
			})
			tok := tt.tok
			tr := transport(bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
				c := tok
				return &c, nil
			}), base, nil, nil)
			req, err := http.NewRequest(http.MethodGet, "https://api.example.com/x", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Basic c3RhbGU=") // replaced, not doubled
			req.Header.Set("X-Custom", "kept")
			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			resp.Body.Close()
			for k, v := range tt.want {
				assert.Equal(t, v[0], got.Get(k), k)
			}
			assert.Equal(t, []string{got.Get("Authorization")}, got.Values("Authorization"), "one Authorization header")
			assert.NotContains(t, got.Get("Authorization"), "Bearer Bearer")
			assert.NotContains(t, strings.ToLower(got.Get("Authorization")), "bearer bearer")
			assert.Equal(t, "kept", got.Get("X-Custom"))
		})
	}
}

// Behaviour 1: the caller's request is never modified, on any path.
func TestTransportDoesNotModifyRequest(t *testing.T) {
	t.Parallel()
	paths := []struct {
		name   string
		status func(auth string) int
		auth   bearerkit.Authenticator
	}{
		{"success", nil, &issuer{}},
		{"401 then replay", func(a string) int {
			if a == "Bearer tok-1" {
				return http.StatusUnauthorized
			}
			return http.StatusOK
		}, &issuer{}},
		{"always 401", func(string) int { return http.StatusUnauthorized }, &issuer{}},
		{"auth failure", nil, bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
			return nil, errors.New("no")
		})},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			tr := transport(p.auth, &recorder{status: p.status}, nil, nil)
			req, err := http.NewRequest(http.MethodPost, "https://api.example.com/v1/items?q=1", strings.NewReader("payload"))
			require.NoError(t, err)
			req.Header.Set("X-Custom", "kept")
			req.Header.Set("Cookie", "a=b")
			hdr := req.Header
			wantHdr := req.Header.Clone()
			wantURL := *req.URL
			wantHost, wantLen, wantMethod := req.Host, req.ContentLength, req.Method

			resp, err := tr.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}

			assert.Equal(t, wantHdr, req.Header)
			assert.Equal(t, wantURL, *req.URL)
			assert.Equal(t, wantHost, req.Host)
			assert.Equal(t, wantLen, req.ContentLength)
			assert.Equal(t, wantMethod, req.Method)
			assert.Empty(t, req.Header.Get("Authorization"))
			req.Header.Set("X-Probe", "1")
			assert.Equal(t, "1", hdr.Get("X-Probe"), "req.Header is still the caller's map")
		})
	}
}

// Behaviour 1: the request body is closed on every path.
func TestTransportClosesRequestBody(t *testing.T) {
	t.Parallel()
	failing := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return nil, errors.New("no token for you")
	})
	first401 := func(a string) int {
		if a == "Bearer tok-1" {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	}
	tests := []struct {
		name       string
		url        string
		tr         func() *bearerkit.Transport
		replayable bool
		wantErr    error // errors.Is; nil: a response
		wantBodies int   // bodies the transport got from GetBody
	}{
		{"success", "https://api.example.com/x", func() *bearerkit.Transport {
			return transport(&issuer{}, &recorder{}, nil, nil)
		}, true, nil, 0},
		{"auth failure", "https://api.example.com/x", func() *bearerkit.Transport {
			return transport(failing, &recorder{}, nil, nil)
		}, true, errors.New("no token for you"), 0},
		{"insecure refusal", "http://api.example.com/x", func() *bearerkit.Transport {
			return transport(&issuer{}, &recorder{}, nil, nil)
		}, true, bearerkit.ErrInsecureHTTP, 0},
		{"nil Auth", "https://api.example.com/x", func() *bearerkit.Transport {
			return &bearerkit.Transport{Base: &recorder{}}
		}, true, bearerkit.ErrInvalidOption, 0},
		{"bad Origins", "https://api.example.com/x", func() *bearerkit.Transport {
			return transport(&issuer{}, &recorder{}, nil, func(tr *bearerkit.Transport) { tr.Origins = []string{"ftp://x"} })
		}, true, bearerkit.ErrInvalidOption, 0},
		{"replay after 401", "https://api.example.com/x", func() *bearerkit.Transport {
			return transport(&issuer{}, &recorder{status: first401}, nil, nil)
		}, true, nil, 1},
		{"not replayable 401", "https://api.example.com/x", func() *bearerkit.Transport {
			return transport(&issuer{}, &recorder{status: first401}, nil, nil)
		}, false, nil, 0},
		{"renewal fails after 401", "https://api.example.com/x", func() *bearerkit.Transport {
			a := &issuer{hook: func(_ context.Context, n int64, _ *bearerkit.Token) error {
				if n > 1 {
					return errors.New("renewal failed")
				}
				return nil
			}}
			return transport(a, &recorder{status: first401}, nil, nil)
		}, true, nil, 0},
		{"other origin", "https://elsewhere.example.com/x", func() *bearerkit.Transport {
			return transport(&issuer{}, &recorder{}, nil, func(tr *bearerkit.Transport) { tr.Origins = []string{"https://api.example.com"} })
		}, true, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := newRecBody("payload")
			var mu sync.Mutex
			var extra []*recBody
			req, err := http.NewRequest(http.MethodPut, tt.url, nil)
			require.NoError(t, err)
			req.Body, req.ContentLength = body, 7
			if tt.replayable {
				req.GetBody = func() (io.ReadCloser, error) {
					b := newRecBody("payload")
					mu.Lock()
					extra = append(extra, b)
					mu.Unlock()
					return b, nil
				}
			}
			resp, err := tt.tr().RoundTrip(req)
			switch {
			case tt.name == "renewal fails after 401":
				require.Error(t, err)
			case tt.wantErr != nil:
				require.Error(t, err)
				if errors.Is(tt.wantErr, bearerkit.ErrInsecureHTTP) || errors.Is(tt.wantErr, bearerkit.ErrInvalidOption) {
					assert.ErrorIs(t, err, tt.wantErr)
				} else {
					assert.ErrorContains(t, err, tt.wantErr.Error())
				}
			default:
				require.NoError(t, err)
				resp.Body.Close()
			}
			assert.EqualValues(t, 1, body.closed.Load(), "the caller's body is closed once")
			mu.Lock()
			defer mu.Unlock()
			assert.Len(t, extra, tt.wantBodies)
			for _, b := range extra {
				assert.EqualValues(t, 1, b.closed.Load(), "a replayed body is closed")
			}
		})
	}
}

// Behaviour 2: NewClient authenticates only its base origin and WithOrigins.
func TestClientOrigins(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c, err := bearerkit.NewClient("https://api.example.com/v1", bearerkit.StaticToken{AccessToken: "tok"},
		bearerkit.WithHTTPClient(&http.Client{Transport: rec}),
		bearerkit.WithOrigins("https://files.example.com/any/path"))
	require.NoError(t, err)
	tests := []struct {
		url  string
		auth bool
	}{
		{"https://api.example.com/v1/items", true},
		{"https://api.example.com/elsewhere", true},
		{"https://API.Example.COM:443/v1/items", true},
		{"https://files.example.com/blob", true},
		{"https://api.example.com:8443/v1/items", false},
		{"http://api.example.com/v1/items", false}, // another scheme: sent bare, not refused
		{"https://evil.example.com/v1/items", false},
		{"https://api.example.com.evil.com/v1/items", false},
		{"https://example.com/", false},
	}
	for _, tt := range tests {
		resp, err := c.HTTPClient().Get(tt.url)
		require.NoError(t, err, tt.url)
		resp.Body.Close()
		got := rec.seen()
		if tt.auth {
			assert.Equal(t, "Bearer tok", got[len(got)-1], tt.url)
		} else {
			assert.Empty(t, got[len(got)-1], tt.url)
		}
	}
}

// Behaviour 2: a redirect to another origin arrives without credentials.
func TestRedirectToOtherOriginIsBare(t *testing.T) {
	t.Parallel()
	var otherAuth, finalAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAuth.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Provider"))
	}))
	defer other.Close()
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/away":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		case "/v1/home":
			http.Redirect(w, r, api.URL+"/v1/final", http.StatusFound)
		case "/v1/final":
			finalAuth.Store(r.Header.Get("Authorization"))
		}
	}))
	defer api.Close()

	c, err := bearerkit.NewClient(api.URL+"/v1", bearerkit.StaticToken{AccessToken: "tok", Provider: "google"})
	require.NoError(t, err)
	resp, err := c.HTTPClient().Get(api.URL + "/v1/away")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "|", otherAuth.Load(), "no Authorization or X-Provider at the other origin")

	resp, err = c.HTTPClient().Get(api.URL + "/v1/home")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Bearer tok", finalAuth.Load(), "a redirect within the origin keeps credentials")

	// An origin added explicitly gets them.
	c2, err := bearerkit.NewClient(api.URL+"/v1", bearerkit.StaticToken{AccessToken: "tok"}, bearerkit.WithOrigins(other.URL))
	require.NoError(t, err)
	resp, err = c2.HTTPClient().Get(api.URL + "/v1/away")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Bearer tok|", otherAuth.Load())
}

// Behaviour 2: a bare Transport authenticates any origin.
func TestBareTransportAnyOrigin(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	tr := transport(bearerkit.StaticToken{AccessToken: "tok"}, rec, nil, nil)
	for _, u := range []string{"https://a.example.com/", "https://b.example.org:8443/x", "http://127.0.0.1:1/"} {
		_, _, err := send(t, tr, u)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"Bearer tok", "Bearer tok", "Bearer tok"}, rec.seen())

	// Origins set but empty: no origin at all.
	rec2 := &recorder{}
	tr2 := transport(bearerkit.StaticToken{AccessToken: "tok"}, rec2, nil, func(tr *bearerkit.Transport) { tr.Origins = []string{} })
	_, _, err := send(t, tr2, "https://a.example.com/")
	require.NoError(t, err)
	assert.Equal(t, []string{""}, rec2.seen())
}

// Behaviour 2: plain http to a non-loopback host is refused unless allowed.
func TestInsecureHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		allow   bool
		refused bool
	}{
		{"http://api.example.com/x", false, true},
		{"http://10.0.0.1/x", false, true},
		{"http://api.example.com/x", true, false},
		{"http://localhost:8080/x", false, false},
		{"http://app.localhost/x", false, false},
		{"http://127.0.0.1/x", false, false},
		{"http://[::1]:8080/x", false, false},
		{"https://api.example.com/x", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			mock := httpmock.NewMockTransport()
			mock.RegisterNoResponder(httpmock.NewStringResponder(http.StatusOK, "ok"))
			a := &issuer{}
			tr := transport(a, mock, nil, func(tr *bearerkit.Transport) { tr.AllowInsecureHTTP = tt.allow })
			_, _, err := send(t, tr, tt.url)
			if tt.refused {
				require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
				assert.Contains(t, err.Error(), "bearerkit: ")
				assert.Zero(t, mock.GetTotalCallCount(), "nothing was sent")
				assert.Zero(t, a.calls.Load(), "no login for a refused request")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, mock.GetTotalCallCount())
		})
	}
}

// Behaviour 2: NewClient refuses an http base URL unless WithInsecureHTTP,
// which also lets the grants use an http token endpoint.
func TestClientInsecureHTTP(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder(http.MethodPost, "http://auth.example.com/token",
		httpmock.NewStringResponder(http.StatusOK, `{"access_token":"at","token_type":"bearer"}`).HeaderSet(http.Header{"Content-Type": {"application/json"}}))
	mock.RegisterResponder(http.MethodGet, "http://api.example.com/v1/x",
		func(r *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(http.StatusOK, r.Header.Get("Authorization")), nil
		})
	grant := &bearerkit.PasswordGrant{TokenURL: "http://auth.example.com/token", Username: "u", Password: "p4ssword", HTTPClient: &http.Client{Transport: mock}}

	_, err := bearerkit.NewClient("http://api.example.com/v1", grant, bearerkit.WithHTTPClient(&http.Client{Transport: mock}))
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)

	c, err := bearerkit.NewClient("http://api.example.com/v1", grant, bearerkit.WithHTTPClient(&http.Client{Transport: mock}), bearerkit.WithInsecureHTTP())
	require.NoError(t, err)
	resp, err := c.HTTPClient().Get("http://api.example.com/v1/x")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "Bearer at", string(b))

	// An https API does not make an http token endpoint acceptable: known
	// at construction, so refused there.
	mock.ZeroCallCounters()
	_, err = bearerkit.NewClient("https://api.example.com/v1", grant, bearerkit.WithHTTPClient(&http.Client{Transport: mock}))
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
	assert.Contains(t, err.Error(), "http://auth.example.com/token")
	// A bare Transport refuses at the first request, with the grant's error.
	tr := &bearerkit.Transport{Auth: grant, Base: mock}
	_, err = tr.Token(context.Background())
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "password", ae.Grant)
	assert.Zero(t, mock.GetTotalCallCount())
}

// Behaviour 4: a 401 renews once and replays with the rewound body.
func TestReplayAfter401(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies, auths []string
	var firstResp *recBody
	base := rtFunc(func(r *http.Request) (*http.Response, error) {
		b := drain(r)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, b)
		auths = append(auths, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			resp := reply(r, http.StatusUnauthorized, "expired")
			firstResp = newRecBody("expired")
			resp.Body = firstResp
			return resp, nil
		}
		return reply(r, http.StatusOK, "done"), nil
	})
	a := &issuer{}
	tr := transport(a, base, nil, nil)
	req, err := http.NewRequest(http.MethodPost, "https://api.example.com/x", strings.NewReader(`{"n":1}`))
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "done", string(b))
	assert.Equal(t, []string{`{"n":1}`, `{"n":1}`}, bodies, "the server got the body twice, identical")
	assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, auths)
	assert.EqualValues(t, 2, a.calls.Load())
	assert.EqualValues(t, 1, firstResp.closed.Load(), "the first 401 was closed")
}

// Behaviour 4: a second 401 is returned as is; 403 never renews; a body
// that cannot be replayed gets its 401, and the token is still renewed.
func TestUnauthorizedResponses(t *testing.T) {
	t.Parallel()
	t.Run("second 401 returned", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{status: func(string) int { return http.StatusUnauthorized }}
		a := &issuer{}
		resp, body, err := send(t, transport(a, rec, nil, nil), "https://api.example.com/x")
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Equal(t, "answer to Bearer tok-2", body)
		assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, rec.seen(), "replayed once only")
		assert.EqualValues(t, 2, a.calls.Load())
	})
	t.Run("403 never renews", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{status: func(string) int { return http.StatusForbidden }}
		a := &issuer{}
		tr := transport(a, rec, nil, nil)
		for range 3 {
			resp, _, err := send(t, tr, "https://api.example.com/x")
			require.NoError(t, err)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		}
		assert.EqualValues(t, 1, a.calls.Load())
		assert.Len(t, rec.seen(), 3)
	})
	t.Run("body not replayable", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{status: func(a string) int {
			if a == "Bearer tok-1" {
				return http.StatusUnauthorized
			}
			return http.StatusOK
		}}
		a := &issuer{}
		tr := transport(a, rec, nil, nil)
		req, err := http.NewRequest(http.MethodPost, "https://api.example.com/x", io.NopCloser(strings.NewReader("once")))
		require.NoError(t, err)
		require.Nil(t, req.GetBody)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Equal(t, "answer to Bearer tok-1", string(b), "its own 401, body intact")
		assert.EqualValues(t, 2, a.calls.Load(), "renewed for the next request")
		resp, _, err = send(t, tr, "https://api.example.com/x")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, rec.seen())
		assert.EqualValues(t, 2, a.calls.Load())
	})
	t.Run("renewal refused after 401", func(t *testing.T) {
		t.Parallel()
		refused := &bearerkit.AuthError{StatusCode: http.StatusBadRequest, Code: "invalid_grant"}
		a := &issuer{hook: func(_ context.Context, n int64, _ *bearerkit.Token) error {
			if n > 1 {
				return refused
			}
			return nil
		}}
		rec := &recorder{status: func(string) int { return http.StatusUnauthorized }}
		tr := transport(a, rec, nil, nil)
		_, _, err := send(t, tr, "https://api.example.com/x")
		var ae *bearerkit.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Same(t, refused, ae)
		// The dead token is not sent again, and the cool-down spares the server.
		_, _, err = send(t, tr, "https://api.example.com/x")
		require.ErrorAs(t, err, &ae)
		assert.Same(t, refused, ae)
		assert.Len(t, rec.seen(), 1)
		assert.EqualValues(t, 2, a.calls.Load())
	})
}

// Behaviour 4 and 5: a 401 for a token that has already been replaced does
// not renew again: the request is replayed with the newer token.
func TestStale401DoesNotRenewAgain(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		slowArrived, slowGo := make(chan struct{}), make(chan struct{})
		var slow atomic.Bool
		base := rtFunc(func(r *http.Request) (*http.Response, error) {
			auth := r.Header.Get("Authorization")
			if r.URL.Path == "/slow" && slow.CompareAndSwap(false, true) {
				close(slowArrived)
				<-slowGo
			}
			if auth == "Bearer tok-1" {
				return reply(r, http.StatusUnauthorized, ""), nil
			}
			return reply(r, http.StatusOK, auth), nil
		})
		a := &issuer{}
		tr := transport(a, base, nil, nil)
		_, err := tr.Token(context.Background())
		require.NoError(t, err)

		done := make(chan string)
		go func() {
			_, body, err := send(t, tr, "https://api.example.com/slow")
			assert.NoError(t, err)
			done <- body
		}()
		<-slowArrived // carrying tok-1
		_, body, err := send(t, tr, "https://api.example.com/fast")
		require.NoError(t, err)
		assert.Equal(t, "Bearer tok-2", body)
		close(slowGo)
		assert.Equal(t, "Bearer tok-2", <-done)
		assert.EqualValues(t, 2, a.calls.Load(), "the stale 401 joined the newer token")
	})
}

// N concurrent 401s for one token renew it exactly once.
func TestConcurrent401sRenewOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n = 50
		var arrived sync.WaitGroup
		arrived.Add(n)
		gate := make(chan struct{})
		go func() { arrived.Wait(); close(gate) }()
		base := rtFunc(func(r *http.Request) (*http.Response, error) {
			if r.Header.Get("Authorization") == "Bearer tok-1" {
				arrived.Done()
				<-gate // every request carries tok-1 before any 401 comes back
				return reply(r, http.StatusUnauthorized, ""), nil
			}
			return reply(r, http.StatusOK, ""), nil
		})
		a := &issuer{}
		tr := transport(a, base, nil, nil)
		_, err := tr.Token(context.Background())
		require.NoError(t, err)
		var wg sync.WaitGroup
		var fails atomic.Int64
		for range n {
			wg.Go(func() {
				resp, _, err := send(t, tr, "https://api.example.com/x")
				if err != nil || resp.StatusCode != http.StatusOK {
					fails.Add(1)
				}
			})
		}
		wg.Wait()
		assert.Zero(t, fails.Load())
		assert.EqualValues(t, 2, a.calls.Load(), "one login, one renewal for all the 401s")
	})
}

// Cookie mode sends the token as cookies, merged with the caller's.
func TestTransportCookies(t *testing.T) {
	t.Parallel()
	var got http.Header
	base := rtFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header.Clone()
		return reply(r, http.StatusOK, ""), nil
	})
	names := bearerkit.DataddoCookies
	tr := transport(bearerkit.StaticToken{AccessToken: "Bearer at", RealmID: "7", Provider: "google"}, base, nil,
		func(tr *bearerkit.Transport) { tr.Cookies = &names })
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/", nil)
	req.Header.Set("Cookie", "theme=dark")
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, got.Get("Authorization"))
	assert.Equal(t, "theme=dark; accessToken=at; realmId=7; provider=google", got.Get("Cookie"))
	assert.Equal(t, "theme=dark", req.Header.Get("Cookie"))
}

// url.Error from http.Client still lets errors.As find the cause.
func TestTransportErrorThroughClient(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Transport: transport(&issuer{}, okBase, nil, nil)}
	_, err := hc.Get("http://api.example.com/x")
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	assert.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
}
