package bearerkit_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// tokenRequest is what a token endpoint was sent.
type tokenRequest struct {
	method, contentType, accept, authorization string
	form                                       url.Values
}

// captureEndpoint answers every token request with body (JSON) and records
// what it was sent.
func captureEndpoint(t *testing.T, status int, body string) (*http.Client, func() []tokenRequest) {
	var mu sync.Mutex
	var got []tokenRequest
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		form, err := url.ParseQuery(drain(r))
		assert.NoError(t, err)
		mu.Lock()
		got = append(got, tokenRequest{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization"), form})
		mu.Unlock()
		resp := reply(r, status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	return &http.Client{Transport: rt}, func() []tokenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]tokenRequest(nil), got...)
	}
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

const okToken = `{"access_token":"new-at","token_type":"bearer","refresh_token":"new-rt","expires_in":3600}`

// The grants send RFC 6749 form requests with the right client
// authentication.
func TestGrantRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		auth     func(hc *http.Client) bearerkit.Authenticator
		prev     *bearerkit.Token
		wantForm url.Values
		wantAuth string
	}{
		{"password, basic", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: "my client", ClientSecret: "s3:cr&t", Username: "alice", Password: "pw", Scopes: []string{"openid", "offline_access"}, HTTPClient: hc}
		}, nil, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"}, "scope": {"openid offline_access"}},
			basic("my client", "s3:cr&t")},
		{"password, public client", func(hc *http.Client) bearerkit.Authenticator {
			return &bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: "app", Username: "alice", Password: "pw", HTTPClient: hc}
		}, nil, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"}, "client_id": {"app"}}, ""},
		{"password, params", func(hc *http.Client) bearerkit.Authenticator {
			return &bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: "sec", AuthStyle: bearerkit.AuthStyleParams, Username: "alice", Password: "pw", HTTPClient: hc}
		}, nil, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"}, "client_id": {"app"}, "client_secret": {"sec"}}, ""},
		{"refresh, basic", func(hc *http.Client) bearerkit.Authenticator {
			return &bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: "sec", HTTPClient: hc}
		}, &bearerkit.Token{AccessToken: "old", RefreshToken: "old-rt"},
			url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"old-rt"}}, basic("app", "sec")},
		{"refresh, public client", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: "app", HTTPClient: hc}
		}, &bearerkit.Token{AccessToken: "old", RefreshToken: "old-rt"},
			url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"old-rt"}, "client_id": {"app"}}, ""},
		{"client credentials", func(hc *http.Client) bearerkit.Authenticator {
			return &bearerkit.ClientCredentials{TokenURL: tokenURL, ClientID: "svc", ClientSecret: "sec", Scopes: []string{"api"}, HTTPClient: hc}
		}, &bearerkit.Token{AccessToken: "old", RefreshToken: "ignored"},
			url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}, basic("svc", "sec")},
		{"client credentials, params", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.ClientCredentials{TokenURL: tokenURL, ClientID: "svc", ClientSecret: "sec", AuthStyle: bearerkit.AuthStyleParams, HTTPClient: hc}
		}, nil, url.Values{"grant_type": {"client_credentials"}, "client_id": {"svc"}, "client_secret": {"sec"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc, got := captureEndpoint(t, http.StatusOK, okToken)
			tok, err := tt.auth(hc).Authenticate(context.Background(), tt.prev)
			require.NoError(t, err)
			assert.Equal(t, "new-at", tok.AccessToken)
			assert.Equal(t, "new-rt", tok.RefreshToken)
			reqs := got()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPost, reqs[0].method)
			assert.Equal(t, "application/x-www-form-urlencoded", reqs[0].contentType)
			assert.Equal(t, "application/json", reqs[0].accept)
			assert.Equal(t, tt.wantAuth, reqs[0].authorization)
			assert.Equal(t, tt.wantForm, reqs[0].form)
		})
	}
}

// Grants missing what they need fail without calling the server.
func TestGrantMisconfigured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth func(hc *http.Client) bearerkit.Authenticator
		prev *bearerkit.Token
		want error
	}{
		{"password without password", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "alice", HTTPClient: hc}
		}, nil, bearerkit.ErrInvalidOption},
		{"password without username", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.PasswordGrant{TokenURL: tokenURL, Password: "pw", HTTPClient: hc}
		}, nil, bearerkit.ErrInvalidOption},
		{"password without TokenURL", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.PasswordGrant{Username: "alice", Password: "pw", HTTPClient: hc}
		}, nil, bearerkit.ErrInvalidOption},
		{"password with a bad TokenURL", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.PasswordGrant{TokenURL: "https://exa mple.com/\x7f", Username: "alice", Password: "pw", HTTPClient: hc}
		}, nil, bearerkit.ErrInvalidOption},
		{"client credentials without id", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.ClientCredentials{TokenURL: tokenURL, ClientSecret: "s", HTTPClient: hc}
		}, nil, bearerkit.ErrInvalidOption},
		{"refresh without prev", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.RefreshGrant{TokenURL: tokenURL, HTTPClient: hc}
		}, nil, bearerkit.ErrNoRefreshToken},
		{"refresh without refresh token", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.RefreshGrant{TokenURL: tokenURL, HTTPClient: hc}
		}, &bearerkit.Token{AccessToken: "at"}, bearerkit.ErrNoRefreshToken},
		{"password over plain http", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.PasswordGrant{TokenURL: "http://auth.example.com/token", Username: "alice", Password: "pw", HTTPClient: hc}
		}, nil, bearerkit.ErrInsecureHTTP},
		{"refresh over plain http", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.RefreshGrant{TokenURL: "http://auth.example.com/token", HTTPClient: hc}
		}, &bearerkit.Token{AccessToken: "at", RefreshToken: "rt"}, bearerkit.ErrInsecureHTTP},
		{"client credentials over plain http", func(hc *http.Client) bearerkit.Authenticator {
			return bearerkit.ClientCredentials{TokenURL: "http://10.1.2.3/token", ClientID: "svc", ClientSecret: "s", HTTPClient: hc}
		}, nil, bearerkit.ErrInsecureHTTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc, got := captureEndpoint(t, http.StatusOK, okToken)
			_, err := tt.auth(hc).Authenticate(context.Background(), tt.prev)
			require.ErrorIs(t, err, tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "bearerkit: "), err.Error())
			assert.Empty(t, got(), "the server was not called")
		})
	}
}

// Misconfiguration is not a passing failure: the Transport does not retry
// it, and a Fallback stops at it.
func TestMisconfigurationNotRetried(t *testing.T) {
	t.Parallel()
	for name, g := range map[string]bearerkit.Authenticator{
		"no password":    bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "alice"},
		"no TokenURL":    bearerkit.PasswordGrant{Username: "alice", Password: "pw"},
		"no ClientID":    bearerkit.ClientCredentials{TokenURL: tokenURL},
		"ftp TokenURL":   bearerkit.PasswordGrant{TokenURL: "ftp://auth.example.com/token", Username: "alice", Password: "pw"},
		"plain http":     bearerkit.PasswordGrant{TokenURL: "http://auth.example.com/token", Username: "alice", Password: "pw"},
		"unparsable URL": bearerkit.PasswordGrant{TokenURL: "https://exa mple.com/", Username: "alice", Password: "pw"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls int
			counted := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
				calls++
				return g.Authenticate(ctx, prev)
			})
			_, err := transport(counted, okBase, nil, nil).Token(context.Background())
			var ae *bearerkit.AuthError
			require.ErrorAs(t, err, &ae)
			assert.False(t, ae.Temporary(), "%v", err)
			assert.Equal(t, 1, calls, "not retried")
		})
	}
}

// The grants refuse an http token endpoint unless it is loopback or the
// context allows it.
func TestGrantInsecureHTTPOptIn(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder(http.MethodPost, "=~/token$",
		httpmock.NewStringResponder(http.StatusOK, okToken).HeaderSet(http.Header{"Content-Type": {"application/json"}}))
	hc := &http.Client{Transport: mock}
	g := bearerkit.PasswordGrant{TokenURL: "http://auth.example.com/token", Username: "alice", Password: "pw", HTTPClient: hc}
	_, err := g.Authenticate(context.Background(), nil)
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
	assert.Zero(t, mock.GetTotalCallCount())

	tok, err := g.Authenticate(bearerkit.WithInsecureHTTPContext(context.Background()), nil)
	require.NoError(t, err)
	assert.Equal(t, "new-at", tok.AccessToken)

	g.TokenURL = "http://localhost:8080/token"
	_, err = g.Authenticate(context.Background(), nil)
	require.NoError(t, err)

	// A Transport that allows plain http passes that on to its grants.
	g.TokenURL = "http://auth.example.com/token"
	tr := transport(g, okBase, nil, func(tr *bearerkit.Transport) { tr.AllowInsecureHTTP = true })
	_, err = tr.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 3, mock.GetTotalCallCount())
}

// Behaviour 8: rotation keeps the newest refresh token, and the old one when
// the answer has none; prev is never modified.
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       bearerkit.Token
	}{
		{"rotated", `{"access_token":"at2","refresh_token":"rt2","realm_id":"9","provider":"p2"}`,
			bearerkit.Token{AccessToken: "at2", RefreshToken: "rt2", RealmID: "9", Provider: "p2"}},
		{"not rotated", `{"access_token":"at2"}`,
			bearerkit.Token{AccessToken: "at2", RefreshToken: "rt1", RealmID: "7", Provider: "google"}},
		{"empty refresh token", `{"access_token":"at2","refresh_token":""}`,
			bearerkit.Token{AccessToken: "at2", RefreshToken: "rt1", RealmID: "7", Provider: "google"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc, _ := captureEndpoint(t, http.StatusOK, tt.body)
			prev := &bearerkit.Token{AccessToken: "at1", RefreshToken: "rt1", RealmID: "7", Provider: "google"}
			orig := *prev
			tok, err := bearerkit.RefreshGrant{TokenURL: tokenURL, HTTPClient: hc}.Authenticate(context.Background(), prev)
			require.NoError(t, err)
			assert.Equal(t, tt.want, *tok)
			assert.Equal(t, orig, *prev, "prev is not modified")
		})
	}
}

// Behaviour 6: Fallback moves on only when a credential is dead.
func TestFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		movesOn bool
	}{
		{"no refresh token", bearerkit.ErrNoRefreshToken, true},
		{"wrapped no refresh token", fmt.Errorf("preset: %w", bearerkit.ErrNoRefreshToken), true},
		{"401", &bearerkit.AuthError{StatusCode: 401}, true},
		{"invalid_grant 400", &bearerkit.AuthError{StatusCode: 400, Code: "invalid_grant"}, true},
		{"invalid_client", &bearerkit.AuthError{StatusCode: 400, Code: "invalid_client"}, true},
		{"unauthorized_client", &bearerkit.AuthError{StatusCode: 400, Code: "unauthorized_client"}, true},
		{"invalid_request 400", &bearerkit.AuthError{StatusCode: 400, Code: "invalid_request"}, false},
		{"500", &bearerkit.AuthError{StatusCode: 500}, false},
		{"503", &bearerkit.AuthError{StatusCode: 503, Code: "temporarily_unavailable"}, false},
		{"429", &bearerkit.AuthError{StatusCode: 429, RetryAfter: time.Second}, false},
		{"network", &bearerkit.AuthError{Err: errors.New("connection refused")}, false},
		{"cancelled", context.Canceled, false},
		{"other error", errors.New("disk on fire"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var firstPrev, secondPrev *bearerkit.Token
			first := bearerkit.AuthenticatorFunc(func(_ context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
				firstPrev = prev
				return nil, tt.err
			})
			secondCalls := 0
			second := bearerkit.AuthenticatorFunc(func(_ context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
				secondCalls++
				secondPrev = prev
				return &bearerkit.Token{AccessToken: "second"}, nil
			})
			prev := &bearerkit.Token{AccessToken: "old"}
			tok, err := bearerkit.Fallback(first, second).Authenticate(context.Background(), prev)
			assert.Same(t, prev, firstPrev)
			if !tt.movesOn {
				assert.ErrorIs(t, err, tt.err)
				assert.Zero(t, secondCalls, "the chain stopped")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "second", tok.AccessToken)
			assert.Equal(t, 1, secondCalls)
			assert.Same(t, prev, secondPrev, "every step gets the same prev")
		})
	}
}

func TestFallbackEdges(t *testing.T) {
	t.Parallel()
	ok := bearerkit.StaticToken{AccessToken: "at"}
	dead := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return nil, bearerkit.ErrNoRefreshToken
	})
	empty := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return &bearerkit.Token{}, nil
	})

	_, err := bearerkit.Fallback().Authenticate(context.Background(), nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
	_, err = bearerkit.Fallback(dead, nil).Authenticate(context.Background(), nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
	_, err = bearerkit.Fallback(empty, ok).Authenticate(context.Background(), nil)
	assert.ErrorContains(t, err, "returned no token")
	_, err = bearerkit.Fallback(dead, dead).Authenticate(context.Background(), nil)
	assert.ErrorIs(t, err, bearerkit.ErrNoRefreshToken, "the last error when every step is dead")

	// Fallback copies its arguments.
	auths := []bearerkit.Authenticator{dead, ok}
	f := bearerkit.Fallback(auths...)
	auths[1] = dead
	tok, err := f.Authenticate(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "at", tok.AccessToken)
}

// Behaviour 6 end to end: refresh, then the password only when the refresh
// token is dead; never because the server hiccupped.
func TestFallbackRefreshThenPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		refresh   func(n int) (int, string, http.Header)
		passwords int // password logins after the first
		ok        bool
	}{
		{"refresh works", nil, 0, true},
		{"refresh token dead", func(int) (int, string, http.Header) {
			return 400, `{"error":"invalid_grant","error_description":"Token is not active"}`, nil
		}, 1, true},
		{"refresh 401", func(int) (int, string, http.Header) { return 401, `{"error":"invalid_token"}`, nil }, 1, true},
		{"refresh 500", func(int) (int, string, http.Header) { return 500, `{"error":"server_error"}`, nil }, 0, false},
		{"refresh 429", func(int) (int, string, http.Header) {
			return 429, `{"error":"slow_down"}`, http.Header{"Retry-After": {"1"}}
		}, 0, false},
		{"refresh HTML 502", func(int) (int, string, http.Header) {
			return 502, `<html>Bad gateway</html>`, http.Header{"Content-Type": {"text/html"}}
		}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newPlatform(nil, time.Hour)
			if tt.refresh != nil {
				p.fail = func(grant string, n int) (int, string, http.Header) {
					if grant == "refresh_token" {
						return tt.refresh(n)
					}
					return 0, "", nil
				}
			}
			chain := p.login()
			first, err := chain.Authenticate(context.Background(), nil)
			require.NoError(t, err)
			require.Equal(t, 1, p.count("password"))
			require.Zero(t, p.count("refresh_token"), "no refresh token yet: straight to the password")
			tok, err := chain.Authenticate(context.Background(), first)
			assert.Equal(t, 1, p.count("refresh_token"))
			assert.Equal(t, 1+tt.passwords, p.count("password"))
			if !tt.ok {
				var ae *bearerkit.AuthError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, "refresh_token", ae.Grant)
				return
			}
			require.NoError(t, err)
			assert.NotEqual(t, first.AccessToken, tok.AccessToken)
		})
	}
}

// AuthError classifies failures.
func TestAuthErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err                 *bearerkit.AuthError
		temporary, rejected bool
	}{
		{&bearerkit.AuthError{StatusCode: 500}, true, false},
		{&bearerkit.AuthError{StatusCode: 503}, true, false},
		{&bearerkit.AuthError{StatusCode: 429}, true, false},
		{&bearerkit.AuthError{StatusCode: 408}, true, false},
		{&bearerkit.AuthError{StatusCode: 404}, false, false},
		{&bearerkit.AuthError{Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, true, false},
		{&bearerkit.AuthError{Err: &url.Error{Op: "Post", URL: tokenURL, Err: io.ErrUnexpectedEOF}}, true, false},
		// A RoundTripper's own error (a mock without a responder) is no
		// network failure: not worth a retry.
		{&bearerkit.AuthError{Err: &url.Error{Op: "Post", URL: tokenURL, Err: errors.New("no responder found")}}, false, false},
		{&bearerkit.AuthError{Err: context.Canceled}, false, false},
		{&bearerkit.AuthError{Err: fmt.Errorf("x: %w", context.DeadlineExceeded)}, false, false},
		{&bearerkit.AuthError{Err: bearerkit.ErrInsecureHTTP}, false, false},
		{&bearerkit.AuthError{Err: bearerkit.ErrInvalidOption}, false, false},
		{&bearerkit.AuthError{}, false, false},
		{&bearerkit.AuthError{StatusCode: 401}, false, true},
		{&bearerkit.AuthError{StatusCode: 400, Code: "invalid_grant"}, false, true},
		{&bearerkit.AuthError{StatusCode: 400, Code: "invalid_client"}, false, true},
		{&bearerkit.AuthError{StatusCode: 400, Code: "unauthorized_client"}, false, true},
		{&bearerkit.AuthError{StatusCode: 400, Code: "invalid_scope"}, false, false},
		{&bearerkit.AuthError{StatusCode: 403}, false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.temporary, tt.err.Temporary(), "Temporary of %v", tt.err)
		assert.Equal(t, tt.rejected, tt.err.Rejected(), "Rejected of %v", tt.err)
		assert.True(t, strings.HasPrefix(tt.err.Error(), "bearerkit: "))
	}
	e := &bearerkit.AuthError{Grant: "password", Endpoint: tokenURL, StatusCode: 400, Code: "invalid_grant", Description: "Invalid user credentials", Err: errors.New("cause")}
	assert.Equal(t, "bearerkit: password authentication failed at "+tokenURL+": 400 Bad Request: invalid_grant: Invalid user credentials: cause", e.Error())
	assert.Equal(t, "cause", errors.Unwrap(e).Error())
}

// StaticToken is used as is, never renewed.
func TestStaticToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Truncate(time.Second)

	tok, err := bearerkit.StaticToken{AccessToken: "  Bearer abc \n", RealmID: "7", Provider: "google"}.Authenticate(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, bearerkit.Token{AccessToken: "abc", RealmID: "7", Provider: "google"}, *tok)

	j := jwt(map[string]any{"exp": exp.Unix(), "sub": "alice"})
	tok, err = bearerkit.StaticToken{AccessToken: j}.Authenticate(ctx, nil)
	require.NoError(t, err)
	assert.True(t, exp.Equal(tok.Expiry), "the JWT exp claim is the expiry")

	_, err = bearerkit.StaticToken{AccessToken: jwt(map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})}.Authenticate(ctx, nil)
	assert.ErrorIs(t, err, bearerkit.ErrTokenRejected)

	_, err = bearerkit.StaticToken{AccessToken: "abc"}.Authenticate(ctx, &bearerkit.Token{AccessToken: "abc"})
	assert.ErrorIs(t, err, bearerkit.ErrTokenRejected, "asked to replace itself")

	_, err = bearerkit.StaticToken{}.Authenticate(ctx, nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
	_, err = bearerkit.StaticToken{AccessToken: "Bearer "}.Authenticate(ctx, nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
	_, err = bearerkit.StaticToken{AccessToken: "abc\r\nX-Evil: 1"}.Authenticate(ctx, nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)

	// Through a Transport: a 401 tells the user to replace the token, and
	// the dead token is not sent again.
	rec := &recorder{status: func(string) int { return http.StatusUnauthorized }}
	tr := transport(bearerkit.StaticToken{AccessToken: "abc"}, rec, nil, nil)
	_, _, err = send(t, tr, "https://api.example.com/")
	assert.ErrorIs(t, err, bearerkit.ErrTokenRejected)
	_, _, err = send(t, tr, "https://api.example.com/")
	assert.ErrorIs(t, err, bearerkit.ErrTokenRejected)
	assert.Len(t, rec.seen(), 1)
}

// Authenticator tokens that cannot be sent are refused.
func TestTransportRefusesBadTokens(t *testing.T) {
	t.Parallel()
	for _, tok := range []*bearerkit.Token{
		nil,
		{},
		{AccessToken: "a\nb"},
		{AccessToken: "ok", TokenType: "Bearer\r\n"},
		{AccessToken: "ok", RealmID: "1\n2"},
		{AccessToken: "ok", Provider: "\x00"},
	} {
		a := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) { return tok, nil })
		rec := &recorder{}
		_, _, err := send(t, transport(a, rec, nil, nil), "https://api.example.com/")
		assert.Error(t, err, "%#v", tok)
		assert.Empty(t, rec.seen())
	}
}

// The Transport never lets an Authenticator's later changes to a token it
// returned reach requests.
func TestTransportCopiesTokens(t *testing.T) {
	t.Parallel()
	var issued *bearerkit.Token
	a := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		issued = &bearerkit.Token{AccessToken: "at"}
		return issued, nil
	})
	rec := &recorder{}
	tr := transport(a, rec, nil, nil)
	tok, err := tr.Token(context.Background())
	require.NoError(t, err)
	issued.AccessToken = "changed"
	tok.AccessToken = "changed too"
	_, _, err = send(t, tr, "https://api.example.com/")
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer at"}, rec.seen())
}
