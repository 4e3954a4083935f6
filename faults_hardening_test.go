package bearerkit_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// The fault matrix's rows for issue 8: redirects off the origin, echoes of
// every credential, Retry-After of any size, an API that refuses every
// token, a blocked TokenStore and a panicking Authenticator.
func hardeningRows() []faultRow {
	pw, rt := "password", "refresh_token"
	login, refresh, api := bearerkittest.EndpointLogin, bearerkittest.EndpointRefresh, bearerkittest.EndpointAPI
	killed := func(then func(e *faultEnv)) func(e *faultEnv) {
		return func(e *faultEnv) {
			e.mustGet(e.c, http.StatusOK)
			e.kc.KillAccessTokens()
			if then != nil {
				then(e)
			}
		}
	}
	redirectTo := func(ep bearerkittest.Endpoint, status int, to func(e *faultEnv) string) func(e *faultEnv) {
		return func(e *faultEnv) {
			e.kc.FailNext(ep, 1, bearerkittest.Failure{Kind: bearerkittest.FailRedirect, Status: status, Location: to(e)})
		}
	}
	other := func(e *faultEnv) string { return e.otherURL() + "?steal=1" }
	otherName := func(e *faultEnv) string { // the emulator itself, by another name
		return strings.Replace(e.kc.TokenURL(), "127.0.0.1", "localhost", 1)
	}
	nothingElsewhere := func(e *faultEnv) {
		assert.Empty(e.t, e.otherSeen(), "a credential reached the redirect's target")
	}
	sameAgain := func(code int) func(e *faultEnv) {
		return func(e *faultEnv) {
			nothingElsewhere(e)
			res := e.get(e.c, faultDeadline)
			var ae *bearerkit.AuthError
			if assert.ErrorAs(e.t, res.err, &ae) {
				assert.Equal(e.t, code, ae.StatusCode)
			}
			e.sink.value(res.err)
		}
	}
	redirected := func(status int, grant string) *faultAuthErrWant {
		return &faultAuthErrWant{status: status, grant: grant}
	}
	echo := func(ep bearerkittest.Endpoint, status int) func(e *faultEnv) {
		return func(e *faultEnv) {
			e.kc.FailNext(ep, 1, bearerkittest.Failure{Kind: bearerkittest.FailEcho, Status: status})
		}
	}

	return []faultRow{
		// --- Redirects of credential-bearing requests.
		{name: "redirect/login 307 to another origin", setup: redirectTo(login, 307, other),
			want: faultWant{authErr: redirected(307, pw), is: []error{bearerkit.ErrRedirectRefused},
				says: []string{"307 Temporary Redirect", "to http://localhost:"}, tokenCalls: 1, passwordSends: 1},
			after: sameAgain(307)}, // cooled down: not asked again
		{name: "redirect/login 308 to the same server by another name", setup: redirectTo(login, 308, otherName),
			want: faultWant{authErr: redirected(308, pw), is: []error{bearerkit.ErrRedirectRefused}, says: []string{"308 Permanent Redirect"}, tokenCalls: 1, passwordSends: 1}},
		{name: "redirect/login 302 to another origin", setup: redirectTo(login, 302, other),
			want:  faultWant{authErr: redirected(302, pw), is: []error{bearerkit.ErrRedirectRefused}, tokenCalls: 1, passwordSends: 1},
			after: nothingElsewhere},
		{name: "redirect/login 307 on the same origin is followed",
			setup: redirectTo(login, 307, func(e *faultEnv) string { return e.kc.TokenURL() }),
			want:  faultWant{status: 200, tokenCalls: 2, passwordSends: 2}},
		{name: "redirect/refresh 308 to another origin sends no password",
			setup: killed(redirectTo(refresh, 308, other)),
			want:  faultWant{authErr: redirected(308, rt), is: []error{bearerkit.ErrRedirectRefused}, tokenCalls: 2, passwordSends: 1},
			after: nothingElsewhere},

		// --- Servers that echo what they got.
		{name: "echo/login 400", setup: echo(login, 400),
			want: faultWant{authErr: &faultAuthErrWant{status: 400, code: "invalid_request", grant: pw}, says: []string{"400 Bad Request"}, tokenCalls: 1, passwordSends: 1}},
		{name: "echo/login 401", setup: echo(login, 401),
			want: faultWant{authErr: &faultAuthErrWant{status: 401, code: "invalid_request", grant: pw}, tokenCalls: 1, passwordSends: 1}},
		{name: "echo/refresh 400 sends no password", setup: killed(echo(refresh, 400)),
			want: faultWant{authErr: &faultAuthErrWant{status: 400, code: "invalid_request", grant: rt}, tokenCalls: 2, passwordSends: 1}},
		{name: "echo/API 401", setup: func(e *faultEnv) { e.mustGet(e.c, http.StatusOK); echo(api, 401)(e) },
			want: faultWant{status: 200, tokenCalls: 2, passwordSends: 1}},
		{name: "echo/API 400 through Client.Do",
			setup: func(e *faultEnv) { e.mustGet(e.c, http.StatusOK); echo(api, 400)(e) },
			step: func(e *faultEnv) faultResult {
				req, err := e.c.NewRequest(context.Background(), http.MethodGet, "types", nil)
				require.NoError(e.t, err)
				_, err = e.c.Do(req, nil)
				return faultResult{err: err}
			},
			want: faultWant{says: []string{"400 Bad Request", "invalid_request"}, tokenCalls: 1, passwordSends: 1}},

		// --- Retry-After of any size: no retry, a cool-down.
		{name: "token/503 with an overflowing Retry-After",
			setup: func(e *faultEnv) {
				e.kc.FailNext(login, 1, bearerkittest.Failure{Status: 503, RetryAfter: "99999999999999999999"})
			},
			want: faultWant{authErr: &faultAuthErrWant{status: 503, code: "temporarily_unavailable", grant: pw, temporary: true, retryAfter: 10 * 365 * 24 * time.Hour},
				tokenCalls: 1, passwordSends: 1},
			after: sameAgain(503)},
		{name: "token/429 with a Retry-After in year 9999",
			setup: func(e *faultEnv) {
				e.kc.FailNext(login, 1, bearerkittest.Failure{Status: 429, RetryAfter: "Fri, 31 Dec 9999 23:59:59 GMT"})
			},
			want: faultWant{authErr: &faultAuthErrWant{status: 429, code: "invalid_request", grant: pw, temporary: true, retryAfter: 10 * 365 * 24 * time.Hour},
				tokenCalls: 1, passwordSends: 1},
			after: sameAgain(429)},

		// --- An API that refuses every token: one renewal per cool-down.
		{name: "api/401 to every token",
			setup: func(e *faultEnv) {
				e.mustGet(e.c, http.StatusOK)
				e.kc.FailNext(api, 12, bearerkittest.Failure{Status: 401})
			},
			want: faultWant{status: 401, tokenCalls: 2, passwordSends: 1},
			after: func(e *faultEnv) {
				for range 10 {
					res := e.get(e.c, faultDeadline)
					assert.ErrorIs(e.t, res.err, bearerkit.ErrTokenRejected)
					e.sink.value(res.err)
				}
			}},

		// --- A blocked TokenStore and a panicking Authenticator.
		{name: "store/Load blocks past RenewTimeout",
			step: func(e *faultEnv) faultResult {
				store := &blockingStore{blockLoad: true, release: make(chan struct{})}
				c := e.newClient(bearerkit.WithTokenStore(store), bearerkit.WithRenewTimeout(300*time.Millisecond))
				res := e.get(c, faultDeadline)
				close(store.release)
				return res
			},
			want: faultWant{is: []error{context.DeadlineExceeded}, says: []string{"did not finish within RenewTimeout (300ms)", "TokenStore"}}},
		{name: "auth/Authenticator panics, then works",
			step: func(e *faultEnv) faultResult {
				var calls atomic.Int32
				auth := e.auth()
				panicky := bearerkit.AuthenticatorFunc(func(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
					if calls.Add(1) == 1 {
						var k *bearerkit.Keycloak
						return k.Authenticate(ctx, prev)
					}
					return auth.Authenticate(ctx, prev)
				})
				c, err := bearerkit.NewClient(e.api.ts.URL, panicky, e.opts...)
				require.NoError(e.t, err)
				e.track(c)
				res := e.get(c, faultDeadline)
				e.mustGet(c, http.StatusOK)
				return res
			},
			want: faultWant{is: []error{bearerkit.ErrAuthenticatorPanic}, says: []string{"the Authenticator panicked: runtime error"}, tokenCalls: 1, passwordSends: 1}},
	}
}
