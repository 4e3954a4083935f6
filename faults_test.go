package bearerkit_test

// The fault matrix (issue 5): every way a token endpoint or an API can
// misbehave, and every step at which a caller can give up, each with its
// exact outcome: the error (type, sentinel, what it says), how many times
// the token endpoint was called and how often the password was sent, that
// nothing secret leaked into the error, and that no goroutine was left
// behind. The token endpoint is bearerkittest's Keycloak emulator (its
// FailNext knobs); the API is a loopback server in front of the emulator's
// API, which can also answer what the emulator cannot (a 401 without
// WWW-Authenticate, a redirect to another host, a hang).
//
// No assertion is about wall-clock time: every call has a deadline of a few
// seconds, and a call that should not hang must come back with its own
// result, not with that deadline's error.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// faultDeadline bounds every call of the matrix.
const faultDeadline = 5 * time.Second

// TestFaultMatrix runs the matrix without a logger.
func TestFaultMatrix(t *testing.T) {
	runFaultMatrix(t, newLeakSink(nil))
}

// faultRow is one line of the matrix.
type faultRow struct {
	name   string
	kcOpts []bearerkittest.Option
	opts   []bearerkit.Option
	setup  func(e *faultEnv)             // before the step: log in, inject failures
	step   func(e *faultEnv) faultResult // nil: one GET with a faultDeadline
	want   faultWant
	after  func(e *faultEnv) // further steps, with their own checks
}

// faultWant is the exact outcome of a row's step; the counts are totals of
// the whole row, setup and after included.
type faultWant struct {
	status        int               // the API's status; 0: the step fails
	authErr       *faultAuthErrWant // the error is (or wraps) this *AuthError; nil: it is no AuthError
	is            []error           // errors.Is targets
	says          []string          // substrings of the error
	expiry        *time.Duration
	tokenCalls    int
	passwordSends int
}

type faultAuthErrWant struct {
	status      int
	code        string
	grant       string
	temporary   bool
	retryAfter  time.Duration
	contentType string
}

// faultResult is what a step got.
type faultResult struct {
	status int
	err    error
	tok    *bearerkit.Token
}

func faultExpiresIn(d time.Duration) *time.Duration { return &d }

var faultNoExpiry = faultExpiresIn(0)

func runFaultMatrix(t *testing.T, sink *leakSink) {
	for _, row := range faultRows() {
		t.Run(row.name, func(t *testing.T) {
			runFaultRow(t, row, sink)
		})
	}
}

func runFaultRow(t *testing.T, row faultRow, sink *leakSink) {
	noLeak := noNewGoroutines(t)
	e := newFaultEnv(t, sink, row.kcOpts, row.opts)
	var res faultResult
	defer func() {
		// Teardown first: release hangs, wait for renewals still in
		// flight, close every connection; then count and look for
		// leftover goroutines.
		e.close()
		s := settledStats(e.kc)
		calls := s.LoginAttempts + s.Refreshes + s.RefreshFailures
		assert.Equal(t, row.want.tokenCalls, calls, "token endpoint calls (%+v)", s)
		assert.Equal(t, row.want.passwordSends, s.PasswordSends, "password sends")
		noLeak()
	}()

	if row.setup != nil {
		row.setup(e)
	}
	if row.step != nil {
		res = row.step(e)
	} else {
		res = e.get(e.c, faultDeadline)
	}
	e.check(res, row.want)
	if row.after != nil {
		row.after(e)
	}
}

// settledStats returns the emulator's counters once they stop moving: a
// handler that reset its connection is counted just after the client saw
// the reset, and a closed server does not wait for hijacked connections.
func settledStats(kc *bearerkittest.Keycloak) bearerkittest.Stats {
	prev := kc.Stats()
	for range 100 {
		time.Sleep(5 * time.Millisecond)
		cur := kc.Stats()
		if cur == prev {
			return cur
		}
		prev = cur
	}
	return prev
}

// check compares a step's result with want.
func (e *faultEnv) check(res faultResult, want faultWant) {
	t := e.t
	t.Helper()
	e.sink.value(res.err)
	if res.tok != nil {
		e.sink.value(res.tok)
		e.sink.value(*res.tok)
	}
	if want.status != 0 || want.expiry != nil {
		require.NoError(t, res.err)
		if want.status != 0 {
			assert.Equal(t, want.status, res.status, "status")
		}
		if want.expiry != nil {
			require.NotNil(t, res.tok)
			if *want.expiry == 0 {
				assert.True(t, res.tok.Expiry.IsZero(), "expiry %v, want none", res.tok.Expiry)
			} else {
				assert.WithinDuration(t, time.Now().Add(*want.expiry), res.tok.Expiry, 10*time.Second, "expiry")
			}
		}
		return
	}
	require.Error(t, res.err)
	msg := res.err.Error()
	var ae *bearerkit.AuthError
	if want.authErr == nil {
		assert.False(t, errors.As(res.err, &ae), "an AuthError: %v", res.err)
	} else if assert.True(t, errors.As(res.err, &ae), "no AuthError in %T: %v", res.err, res.err) {
		w := want.authErr
		assert.Equal(t, w.status, ae.StatusCode, "AuthError.StatusCode")
		assert.Equal(t, w.code, ae.Code, "AuthError.Code")
		assert.Equal(t, w.grant, ae.Grant, "AuthError.Grant")
		assert.Equal(t, w.temporary, ae.Temporary(), "AuthError.Temporary")
		assert.Equal(t, w.retryAfter, ae.RetryAfter, "AuthError.RetryAfter")
		assert.Equal(t, w.contentType, ae.ContentType, "AuthError.ContentType")
		e.sink.value(ae)
		e.sink.value(*ae)
	}
	for _, target := range want.is {
		assert.ErrorIs(t, res.err, target)
	}
	hung := false
	for _, target := range want.is {
		hung = hung || target == context.DeadlineExceeded
	}
	if !hung {
		// It came back with its own answer, before its deadline.
		assert.NotErrorIs(t, res.err, context.DeadlineExceeded, "the call hung until its deadline")
	}
	for _, s := range want.says {
		assert.Contains(t, msg, s)
	}
	e.sink.assertClean(t, "error of the step", msg)
}

// ---------------------------------------------------------------------------
// The rows.

func faultRows() []faultRow {
	pw := "password"
	rt := "refresh_token"
	login := bearerkittest.EndpointLogin
	refresh := bearerkittest.EndpointRefresh
	api := bearerkittest.EndpointAPI
	fail := func(ep bearerkittest.Endpoint, n int, f bearerkittest.Failure) func(e *faultEnv) {
		return func(e *faultEnv) { e.kc.FailNext(ep, n, f) }
	}
	token200 := func(body string) func(e *faultEnv) {
		return fail(login, 1, bearerkittest.Failure{Status: 200, Body: body})
	}
	tokenStep := func(e *faultEnv) faultResult { return e.token(faultDeadline) }
	loggedIn := func(then func(e *faultEnv)) func(e *faultEnv) {
		return func(e *faultEnv) {
			e.mustGet(e.c, http.StatusOK)
			if then != nil {
				then(e)
			}
		}
	}
	killed := func(then func(e *faultEnv)) func(e *faultEnv) {
		return loggedIn(func(e *faultEnv) {
			e.kc.KillAccessTokens()
			if then != nil {
				then(e)
			}
		})
	}
	// againSame: a second request gets the same error without a call.
	againSame := func(code int) func(e *faultEnv) {
		return func(e *faultEnv) {
			res := e.get(e.c, faultDeadline)
			var ae *bearerkit.AuthError
			if assert.ErrorAs(e.t, res.err, &ae) {
				assert.Equal(e.t, code, ae.StatusCode)
			}
			e.sink.value(res.err)
		}
	}
	then200 := func(e *faultEnv) { e.mustGet(e.c, http.StatusOK) }

	rows := []faultRow{
		// --- The token endpoint, at first login.
		{name: "token/500 once then ok", setup: fail(login, 1, bearerkittest.Failure{}),
			want: faultWant{status: 200, tokenCalls: 2, passwordSends: 2}},
		{name: "token/500 three times", setup: fail(login, 3, bearerkittest.Failure{}),
			want: faultWant{authErr: &faultAuthErrWant{status: 500, code: "server_error", grant: pw, temporary: true},
				says: []string{"bearerkit: password request failed at http://127.0.0.1", "500 Internal Server Error: server_error"}, tokenCalls: 3, passwordSends: 3}},
		{name: "token/502 with Retry-After 30s", setup: fail(login, 1, bearerkittest.Failure{Status: 502, RetryAfter: "30"}),
			want: faultWant{authErr: &faultAuthErrWant{status: 502, code: "server_error", grant: pw, temporary: true, retryAfter: 30 * time.Second},
				says: []string{"502 Bad Gateway"}, tokenCalls: 1, passwordSends: 1},
			after: againSame(502)}, // answered from memory until Retry-After has passed
		{name: "token/503 with Retry-After 1s then ok", setup: fail(login, 1, bearerkittest.Failure{Status: 503, RetryAfter: "1"}),
			want: faultWant{status: 200, tokenCalls: 2, passwordSends: 2}},
		{name: "token/503 with Retry-After past the request deadline",
			setup: fail(login, 1, bearerkittest.Failure{Status: 503, RetryAfter: "3"}),
			step:  func(e *faultEnv) faultResult { return e.get(e.c, 2*time.Second) },
			want: faultWant{authErr: &faultAuthErrWant{status: 503, code: "temporarily_unavailable", grant: pw, temporary: true, retryAfter: 3 * time.Second},
				says: []string{"503 Service Unavailable"}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/429 three times", setup: fail(login, 3, bearerkittest.Failure{Status: 429}),
			want: faultWant{authErr: &faultAuthErrWant{status: 429, code: "invalid_request", grant: pw, temporary: true},
				says: []string{"429 Too Many Requests"}, tokenCalls: 3, passwordSends: 3}},
		{name: "token/hang past the request deadline",
			setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: time.Minute}),
			step:  func(e *faultEnv) faultResult { return e.get(e.c, 300*time.Millisecond) },
			want:  faultWant{is: []error{context.DeadlineExceeded}, says: []string{"context deadline exceeded"}, tokenCalls: 1, passwordSends: 1},
			after: func(e *faultEnv) {
				// A second caller joins the login still in flight, and
				// gives up too: still one call.
				res := e.get(e.c, 300*time.Millisecond)
				assert.ErrorIs(e.t, res.err, context.DeadlineExceeded)
			}},
		{name: "token/hang past RenewTimeout",
			opts:  []bearerkit.Option{bearerkit.WithRenewTimeout(300 * time.Millisecond)},
			setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: time.Minute}),
			want: faultWant{authErr: &faultAuthErrWant{grant: pw}, is: []error{context.DeadlineExceeded},
				says: []string{"password request failed", "context deadline exceeded"}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/connection reset once then ok", setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailReset}),
			want: faultWant{status: 200, tokenCalls: 2, passwordSends: 2}},
		{name: "token/connection reset three times", setup: fail(login, 3, bearerkittest.Failure{Kind: bearerkittest.FailReset}),
			want: faultWant{authErr: &faultAuthErrWant{grant: pw, temporary: true},
				says: []string{"password request failed at http://127.0.0.1"}, tokenCalls: 3, passwordSends: 3}},
		{name: "token/malformed JSON", setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailMalformedJSON}),
			want: faultWant{authErr: &faultAuthErrWant{status: 200, grant: pw, contentType: "application/json"},
				says: []string{"malformed JSON token response"}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/HTML error page 502 three times", setup: fail(login, 3, bearerkittest.Failure{Kind: bearerkittest.FailHTML}),
			want: faultWant{authErr: &faultAuthErrWant{status: 502, grant: pw, temporary: true, contentType: "text/html; charset=utf-8"},
				says: []string{`502 Bad Gateway (content type "text/html; charset=utf-8")`}, tokenCalls: 3, passwordSends: 3}},
		{name: "token/HTML page with 200", setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailHTML, Status: 200}),
			want: faultWant{authErr: &faultAuthErrWant{status: 200, grant: pw, contentType: "text/html; charset=utf-8"},
				says: []string{"token response is not JSON"}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/2 MiB body", setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailOversized}),
			want: faultWant{authErr: &faultAuthErrWant{status: 200, grant: pw},
				says: []string{"response body larger than 1 MiB"}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/200 without access_token", setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailNoAccessToken}),
			want: faultWant{authErr: &faultAuthErrWant{status: 200, grant: pw, contentType: "application/json"},
				says: []string{"token response has no access_token"}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/token_type MAC", setup: token200(`{"access_token":"` + faultOpaque("mac") + `","token_type":"MAC","expires_in":300}`),
			want: faultWant{authErr: &faultAuthErrWant{status: 200, grant: pw, contentType: "application/json"},
				says: []string{`unsupported token_type "MAC"`}, tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in as string", kcOpts: []bearerkittest.Option{bearerkittest.WithExpiresIn(bearerkittest.ExpiresInString)},
			step: tokenStep, want: faultWant{expiry: faultExpiresIn(300 * time.Second), tokenCalls: 1, passwordSends: 1},
			after: then200},
		{name: "token/expires_in as string without JWT", setup: token200(`{"access_token":"` + faultOpaque("str") + `","expires_in":"3600"}`),
			step: tokenStep, want: faultWant{expiry: faultExpiresIn(time.Hour), tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in absent with JWT", kcOpts: []bearerkittest.Option{bearerkittest.WithExpiresIn(bearerkittest.ExpiresInOmitted)},
			step: tokenStep, want: faultWant{expiry: faultExpiresIn(300 * time.Second), tokenCalls: 1, passwordSends: 1},
			after: then200},
		{name: "token/expires_in absent without JWT", setup: token200(`{"access_token":"` + faultOpaque("noexp") + `","token_type":"Bearer"}`),
			step: tokenStep, want: faultWant{expiry: faultNoExpiry, tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in negative with JWT", setup: token200(`{"access_token":"` + faultJWT(time.Hour) + `","expires_in":-60}`),
			step: tokenStep, want: faultWant{expiry: faultExpiresIn(time.Hour), tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in negative without JWT", setup: token200(`{"access_token":"` + faultOpaque("neg") + `","expires_in":-60}`),
			step: tokenStep, want: faultWant{expiry: faultNoExpiry, tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in zero with JWT", setup: token200(`{"access_token":"` + faultJWT(2*time.Hour) + `","expires_in":0}`),
			step: tokenStep, want: faultWant{expiry: faultExpiresIn(2 * time.Hour), tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in zero without JWT", setup: token200(`{"access_token":"` + faultOpaque("zero") + `","expires_in":"0"}`),
			step: tokenStep, want: faultWant{expiry: faultNoExpiry, tokenCalls: 1, passwordSends: 1}},
		{name: "token/expires_in unreadable string", setup: token200(`{"access_token":"` + faultOpaque("soon") + `","expires_in":"soon"}`),
			step: tokenStep, want: faultWant{expiry: faultNoExpiry, tokenCalls: 1, passwordSends: 1}},

		// --- Renewal with the refresh token, after an API 401.
		{name: "refresh/invalid_grant falls back to the password",
			setup: killed(func(e *faultEnv) { e.kc.ExpireRefreshTokens() }),
			want:  faultWant{status: 200, tokenCalls: 3, passwordSends: 2}},
		{name: "refresh/401 falls back to the password",
			setup: killed(fail(refresh, 1, bearerkittest.Failure{Status: 401})),
			want:  faultWant{status: 200, tokenCalls: 3, passwordSends: 2}},
		{name: "refresh/400 sends no password and cools down",
			setup: killed(fail(refresh, 1, bearerkittest.Failure{Status: 400})),
			want: faultWant{authErr: &faultAuthErrWant{status: 400, code: "invalid_request", grant: rt},
				says: []string{"refresh_token request failed", "400 Bad Request: invalid_request"}, tokenCalls: 2, passwordSends: 1},
			after: againSame(400)},
		{name: "refresh/500 three times sends no password",
			setup: killed(fail(refresh, 3, bearerkittest.Failure{})),
			want: faultWant{authErr: &faultAuthErrWant{status: 500, code: "server_error", grant: rt, temporary: true},
				says: []string{"refresh_token request failed"}, tokenCalls: 4, passwordSends: 1}},
		{name: "refresh/rotated refresh token reused", setup: faultReuseSetup, step: faultReuseStep,
			want:  faultWant{status: 200, tokenCalls: 6, passwordSends: 3},
			after: faultReuseAfter},

		// --- The API.
		{name: "api/401 with WWW-Authenticate", setup: killed(nil),
			want: faultWant{status: 200, tokenCalls: 2, passwordSends: 1},
			after: func(e *faultEnv) {
				seen := e.api.seen()
				require.Len(e.t, seen, 3)
				assert.Equal(e.t, seen[0].auth, seen[1].auth, "the first try carries the killed token")
				assert.NotEqual(e.t, seen[1].auth, seen[2].auth, "the replay carries the new token")
			}},
		{name: "api/401 without WWW-Authenticate",
			setup: loggedIn(func(e *faultEnv) { e.api.push(faultAPIStatus(401, nil)) }),
			want:  faultWant{status: 200, tokenCalls: 2, passwordSends: 1}},
		{name: "api/401 twice in a row", setup: loggedIn(fail(api, 2, bearerkittest.Failure{Status: 401})),
			want:  faultWant{status: 401, tokenCalls: 2, passwordSends: 1},
			after: then200}, // the renewed token works; no second renewal
		{name: "api/403", setup: loggedIn(fail(api, 1, bearerkittest.Failure{Status: 403})),
			want: faultWant{status: 403, tokenCalls: 1, passwordSends: 1}},
		{name: "api/redirect to another host",
			setup: loggedIn(func(e *faultEnv) { e.api.push(faultAPIRedirect(e.otherURL())) }),
			want:  faultWant{status: 200, tokenCalls: 1, passwordSends: 1},
			after: func(e *faultEnv) {
				hdrs := e.otherSeen()
				require.Len(e.t, hdrs, 1)
				assert.Empty(e.t, hdrs[0].Get("Authorization"), "credentials went to another host")
				assert.Empty(e.t, hdrs[0].Get("Cookie"))
			}},
		{name: "api/401 to a body that cannot be replayed",
			setup: loggedIn(fail(api, 1, bearerkittest.Failure{Status: 401})),
			step: func(e *faultEnv) faultResult {
				body := &faultBody{r: strings.NewReader(`{"once":true}`)}
				res := e.send(e.c, http.MethodPost, faultDeadline, body)
				assert.True(e.t, body.isClosed(), "the request body was not closed")
				return res
			},
			want: faultWant{status: 401, tokenCalls: 2, passwordSends: 1},
			after: func(e *faultEnv) {
				e.mustGet(e.c, http.StatusOK) // renewed already: no call
				seen := e.api.seen()
				require.Len(e.t, seen, 3)
				assert.Equal(e.t, `{"once":true}`, seen[1].body)
			}},
		{name: "api/401 to a body that can be replayed",
			setup: loggedIn(fail(api, 1, bearerkittest.Failure{Status: 401})),
			step: func(e *faultEnv) faultResult {
				return e.send(e.c, http.MethodPost, faultDeadline, strings.NewReader(`{"twice":true}`))
			},
			want: faultWant{status: 200, tokenCalls: 2, passwordSends: 1},
			after: func(e *faultEnv) {
				seen := e.api.seen()
				require.Len(e.t, seen, 3)
				assert.Equal(e.t, `{"twice":true}`, seen[1].body)
				assert.Equal(e.t, `{"twice":true}`, seen[2].body)
			}},

		// --- Callers that give up, at every step.
		{name: "ctx/cancelled before login",
			step: func(e *faultEnv) faultResult {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return e.sendCtx(ctx, e.c, http.MethodGet, nil)
			},
			want: faultWant{is: []error{context.Canceled}, says: []string{"context canceled"}}},
		{name: "ctx/deadline passed before login",
			step: func(e *faultEnv) faultResult {
				ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
				defer cancel()
				return e.sendCtx(ctx, e.c, http.MethodGet, nil)
			},
			want: faultWant{is: []error{context.DeadlineExceeded}, says: []string{"context deadline exceeded"}}},
		{name: "ctx/cancelled during login",
			setup: fail(login, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: 300 * time.Millisecond}),
			step:  func(e *faultEnv) faultResult { return e.cancelOnTokenCall(e.c) },
			want:  faultWant{is: []error{context.Canceled}, says: []string{"context canceled"}, tokenCalls: 1, passwordSends: 1},
			after: then200}, // the login went on for the others: no second call
		{name: "ctx/cancelled during the 401 renewal",
			setup: killed(fail(refresh, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: 300 * time.Millisecond})),
			step:  func(e *faultEnv) faultResult { return e.cancelOnTokenCall(e.c) },
			want:  faultWant{is: []error{context.Canceled}, says: []string{"context canceled"}, tokenCalls: 2, passwordSends: 1},
			after: then200},
		{name: "ctx/deadline expires during the 401 renewal",
			setup: killed(fail(refresh, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: time.Minute})),
			step:  func(e *faultEnv) faultResult { return e.get(e.c, time.Second) },
			want:  faultWant{is: []error{context.DeadlineExceeded}, says: []string{"context deadline exceeded"}, tokenCalls: 2, passwordSends: 1}},
		{name: "ctx/cancelled during the replay",
			setup: killed(func(e *faultEnv) { e.api.push(nil, faultAPIHang) }),
			step: func(e *faultEnv) faultResult {
				ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
				defer cancel()
				e.api.onRequest(2, cancel) // the replay
				return e.sendCtx(ctx, e.c, http.MethodGet, nil)
			},
			want:  faultWant{is: []error{context.Canceled}, says: []string{"context canceled"}, tokenCalls: 2, passwordSends: 1},
			after: then200},
		{name: "ctx/deadline expires during the replay",
			setup: killed(func(e *faultEnv) { e.api.push(nil, faultAPIHang) }),
			step:  func(e *faultEnv) faultResult { return e.get(e.c, time.Second) },
			want:  faultWant{is: []error{context.DeadlineExceeded}, says: []string{"context deadline exceeded"}, tokenCalls: 2, passwordSends: 1},
			after: then200},
		{name: "ctx/cancelled during the first API call",
			setup: func(e *faultEnv) { e.api.push(faultAPIHang) },
			step: func(e *faultEnv) faultResult {
				ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
				defer cancel()
				e.api.onRequest(1, cancel)
				return e.sendCtx(ctx, e.c, http.MethodGet, nil)
			},
			want:  faultWant{is: []error{context.Canceled}, says: []string{"context canceled"}, tokenCalls: 1, passwordSends: 1},
			after: then200},
	}
	return append(rows, hardeningRows()...)
}

// The rotated-refresh-token row: a second process starts from a stale
// store whose refresh token was rotated out. The emulator's reuse detection
// kills the whole session; both processes recover with one password send
// each, and never loop.
func faultReuseSetup(e *faultEnv) {
	e.mustGet(e.c, http.StatusOK) // login: refresh token R1
	stale, err := e.store.Load(context.Background())
	require.NoError(e.t, err)
	e.stale = stale
	e.kc.KillAccessTokens()
	e.mustGet(e.c, http.StatusOK) // 401, refresh: R1 rotated out for R2
}

func faultReuseStep(e *faultEnv) faultResult {
	old := *e.stale
	old.Expiry = time.Now().Add(-time.Minute)
	store := &bearerkit.MemoryStore{}
	require.NoError(e.t, store.Save(context.Background(), &old))
	second := e.newClient(bearerkit.WithTokenStore(store))
	return e.get(second, faultDeadline) // R1 again: reuse, session killed; password
}

func faultReuseAfter(e *faultEnv) {
	assert.Equal(e.t, 1, e.kc.Stats().ReuseDetections)
	// The first process's session died with the reuse: its access token
	// is answered 401 and R2 is refused, so it logs in again.
	e.mustGet(e.c, http.StatusOK)
}

// ---------------------------------------------------------------------------
// The environment of one row.

type faultEnv struct {
	t     *testing.T
	sink  *leakSink
	kc    *bearerkittest.Keycloak
	api   *faultAPI
	other *httptest.Server
	base  *http.Transport // the API clients' connections
	tap   *faultTapRT     // the token endpoint's client
	store *bearerkit.MemoryStore
	c     *bearerkit.Client
	opts  []bearerkit.Option

	mu         sync.Mutex
	otherHdrs  []http.Header
	clients    []*bearerkit.Client
	closedOnce sync.Once
	stale      *bearerkit.Token
}

func newFaultEnv(t *testing.T, sink *leakSink, kcOpts []bearerkittest.Option, opts []bearerkit.Option) *faultEnv {
	t.Helper()
	kc, err := bearerkittest.StartKeycloak(kcOpts...)
	require.NoError(t, err)
	e := &faultEnv{t: t, sink: sink, kc: kc, store: &bearerkit.MemoryStore{}}
	e.api = newFaultAPI(kc, sink)
	e.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.otherHdrs = append(e.otherHdrs, r.Header.Clone())
		e.mu.Unlock()
		_, _ = io.WriteString(w, `{"elsewhere":true}`)
	}))
	e.base = &http.Transport{}
	e.tap = &faultTapRT{base: kc.Client().Transport, sink: sink}
	sink.secret(bearerkittest.DefaultPassword)
	sink.secret(bearerkittest.DefaultClientSecret)
	sink.secret(base64.StdEncoding.EncodeToString([]byte(bearerkittest.DefaultConfidentialClient + ":" + bearerkittest.DefaultClientSecret)))
	e.opts = append([]bearerkit.Option{
		bearerkit.WithHTTPClient(&http.Client{Transport: e.base}),
		bearerkit.WithRenewTimeout(faultDeadline),
	}, opts...)
	if sink.logger != nil {
		e.opts = append(e.opts, bearerkit.WithLogger(sink.logger))
	}
	e.c = e.newClient(bearerkit.WithTokenStore(e.store))
	return e
}

// auth is the Authenticator of every client: Keycloak's password grant with
// a confidential client, renewed with the (rotating) refresh token.
func (e *faultEnv) auth() bearerkit.Keycloak {
	return bearerkit.Keycloak{
		ServerURL: e.kc.URL(), Realm: e.kc.Realm(),
		ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: bearerkittest.DefaultClientSecret,
		Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword,
		HTTPClient: &http.Client{Transport: e.tap},
	}
}

func (e *faultEnv) newClient(opts ...bearerkit.Option) *bearerkit.Client {
	e.t.Helper()
	auth := e.auth()
	c, err := bearerkit.NewClient(e.api.ts.URL, auth, append(append([]bearerkit.Option(nil), e.opts...), opts...)...)
	require.NoError(e.t, err)
	e.track(c)
	e.sink.value(c, *c, bearerkit.ClientTransport(c), auth, &auth)
	return c
}

// track makes close wait for c's renewals.
func (e *faultEnv) track(c *bearerkit.Client) {
	e.mu.Lock()
	e.clients = append(e.clients, c)
	e.mu.Unlock()
}

func (e *faultEnv) otherURL() string {
	u, _ := url.Parse(e.other.URL)
	return "http://localhost:" + u.Port() + "/landing"
}

func (e *faultEnv) otherSeen() []http.Header {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]http.Header(nil), e.otherHdrs...)
}

// close releases everything the row holds, in an order that lets every
// goroutine end: hung handlers first, then the renewals in flight, then
// the servers and connections.
func (e *faultEnv) close() {
	e.closedOnce.Do(func() {
		e.api.stop()
		e.kc.Close()
		e.mu.Lock()
		clients := append([]*bearerkit.Client(nil), e.clients...)
		e.mu.Unlock()
		for _, c := range clients {
			bearerkit.WaitIdle(bearerkit.ClientTransport(c))
		}
		if tok, _ := e.store.Load(context.Background()); tok != nil {
			e.sink.value(tok, *tok)
		}
		e.api.ts.Close()
		e.other.Close()
		e.base.CloseIdleConnections()
		for _, s := range e.api.seen() {
			if tok, ok := strings.CutPrefix(s.auth, "Bearer "); ok {
				e.sink.secret(tok)
			}
		}
	})
}

func (e *faultEnv) get(c *bearerkit.Client, d time.Duration) faultResult {
	return e.send(c, http.MethodGet, d, nil)
}

func (e *faultEnv) mustGet(c *bearerkit.Client, status int) {
	e.t.Helper()
	res := e.get(c, faultDeadline)
	require.NoError(e.t, res.err)
	require.Equal(e.t, status, res.status)
}

func (e *faultEnv) send(c *bearerkit.Client, method string, d time.Duration, body io.Reader) faultResult {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return e.sendCtx(ctx, c, method, body)
}

func (e *faultEnv) sendCtx(ctx context.Context, c *bearerkit.Client, method string, body io.Reader) faultResult {
	req, err := http.NewRequestWithContext(ctx, method, e.api.ts.URL+"/types", body)
	require.NoError(e.t, err)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		e.sink.value(err)
		return faultResult{err: err}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return faultResult{status: resp.StatusCode}
}

func (e *faultEnv) token(d time.Duration) faultResult {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tok, err := e.c.Token(ctx)
	return faultResult{tok: tok, err: err}
}

// cancelOnTokenCall sends a GET and cancels it as soon as the next call to
// the token endpoint goes out.
func (e *faultEnv) cancelOnTokenCall(c *bearerkit.Client) faultResult {
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	e.tap.onNext(cancel)
	return e.sendCtx(ctx, c, http.MethodGet, nil)
}

// ---------------------------------------------------------------------------
// The API server: scripted answers first, else the emulator's API.

type faultAPIStep func(a *faultAPI, w http.ResponseWriter, r *http.Request)

type faultAPISeen struct{ method, auth, body string }

type faultAPI struct {
	ts      *httptest.Server
	kc      *bearerkittest.Keycloak
	sink    *leakSink
	closing chan struct{}
	stopped sync.Once

	mu     sync.Mutex
	script []faultAPIStep
	reqs   []faultAPISeen
	hooks  map[int]func()
}

func newFaultAPI(kc *bearerkittest.Keycloak, sink *leakSink) *faultAPI {
	a := &faultAPI{kc: kc, sink: sink, closing: make(chan struct{}), hooks: map[int]func(){}}
	a.ts = httptest.NewServer(a)
	return a
}

func (a *faultAPI) stop() { a.stopped.Do(func() { close(a.closing) }) }

// push queues steps; a nil step forwards to the emulator.
func (a *faultAPI) push(steps ...faultAPIStep) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.script = append(a.script, steps...)
}

// onRequest calls fn when the n-th request from now arrives.
func (a *faultAPI) onRequest(n int, fn func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hooks[len(a.reqs)+n] = fn
}

func (a *faultAPI) seen() []faultAPISeen {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]faultAPISeen(nil), a.reqs...)
}

func (a *faultAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.reqs = append(a.reqs, faultAPISeen{method: r.Method, auth: r.Header.Get("Authorization"), body: string(body)})
	hook := a.hooks[len(a.reqs)]
	var step faultAPIStep
	if len(a.script) > 0 {
		step, a.script = a.script[0], a.script[1:]
	}
	a.mu.Unlock()
	if hook != nil {
		hook()
	}
	if step != nil {
		step(a, w, r)
		return
	}
	a.forward(w, r)
}

// forward asks the emulator's API, with the same credentials.
func (a *faultAPI) forward(w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, a.kc.APIURL(), nil)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	req.Header.Set("Authorization", r.Header.Get("Authorization"))
	resp, err := a.kc.Client().Do(req)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, k := range []string{"Content-Type", "Www-Authenticate"} {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func faultAPIStatus(code int, hdr http.Header) faultAPIStep {
	return func(_ *faultAPI, w http.ResponseWriter, _ *http.Request) {
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"status":%d}`, code)
	}
}

func faultAPIRedirect(to string) faultAPIStep {
	return func(_ *faultAPI, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to, http.StatusFound)
	}
}

// faultAPIHang answers nothing until the client gives up or the row ends.
func faultAPIHang(a *faultAPI, w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-a.closing:
	}
}

// ---------------------------------------------------------------------------
// The token endpoint's client: records every token issued, and can cancel
// a caller when a call goes out.

type faultTapRT struct {
	base http.RoundTripper
	sink *leakSink

	mu   sync.Mutex
	next func()
}

func (r *faultTapRT) onNext(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next = fn
}

func (r *faultTapRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	fn := r.next
	r.next = nil
	r.mu.Unlock()
	if fn != nil {
		// The call runs on the renewal's own context: cancelling the
		// caller now lands while the renewal is in flight (the emulator
		// holds the call).
		fn()
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.sink.tokensIn(b)
	var rest io.Reader = bytes.NewReader(b)
	if rerr != nil {
		rest = io.MultiReader(rest, faultErrReader{rerr})
	}
	resp.Body = io.NopCloser(rest)
	return resp, nil
}

type faultErrReader struct{ err error }

func (r faultErrReader) Read([]byte) (int, error) { return 0, r.err }

// faultBody is a request body without GetBody that records its closing.
type faultBody struct {
	r      io.Reader
	mu     sync.Mutex
	closed bool
}

func (b *faultBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *faultBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

func (b *faultBody) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// faultJWT returns an unsigned JWT expiring in d, unique per call.
func faultJWT(d time.Duration) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims, _ := json.Marshal(map[string]any{"exp": time.Now().Add(d).Unix(), "jti": rand.Text()})
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc(claims) + "." + enc([]byte(rand.Text()+rand.Text()))
}

// faultOpaque returns an opaque access token, unique per call.
func faultOpaque(kind string) string { return "opaque-" + kind + "-" + rand.Text() }

// ---------------------------------------------------------------------------
// leakSink collects the secrets of a run and everything printed during it.

type leakSink struct {
	logger *slog.Logger
	logs   *faultBuffer

	mu      sync.Mutex
	secrets map[string]bool
	values  []any
	forms   map[string][]string
}

// newLeakSink returns a sink; with logs set, its logger writes debug
// records and up there in JSON and in text.
func newLeakSink(logs *faultBuffer) *leakSink {
	s := &leakSink{secrets: map[string]bool{}, logs: logs}
	if logs != nil {
		o := &slog.HandlerOptions{Level: slog.LevelDebug}
		s.logger = slog.New(faultTeeHandler{slog.NewJSONHandler(logs, o), slog.NewTextHandler(logs, o)})
	}
	return s
}

// secret adds s, and the signature of a JWT, to what must never show.
func (s *leakSink) secret(v string) {
	if len(v) < 8 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[v] = true
	if parts := strings.Split(v, "."); len(parts) == 3 && len(parts[2]) >= 16 {
		s.secrets[parts[2]] = true
	}
}

// tokensIn adds the tokens of a token endpoint's answer.
func (s *leakSink) tokensIn(body []byte) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	for _, k := range []string{"access_token", "refresh_token", "id_token"} {
		if v, ok := m[k].(string); ok {
			s.secret(v)
		}
	}
}

func (s *leakSink) value(vs ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		if v != nil {
			s.values = append(s.values, v)
		}
	}
}

func (s *leakSink) secretList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.secrets))
	for k := range s.secrets {
		out = append(out, k)
	}
	return out
}

// leaks returns the secrets known so far that text holds, in any of the
// forms a server might echo them in (see secretForms).
func (s *leakSink) leaks(text string) []string {
	var found []string
	for _, sec := range s.secretList() {
		for _, enc := range s.formsOf(sec) {
			if strings.Contains(text, enc) {
				found = append(found, sec)
				break
			}
		}
	}
	return found
}

// formsOf returns secretForms(sec), computed once per secret.
func (s *leakSink) formsOf(sec string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.forms[sec]; ok {
		return f
	}
	if s.forms == nil {
		s.forms = map[string][]string{}
	}
	var f []string
	for _, enc := range secretForms(sec) {
		f = append(f, enc)
	}
	s.forms[sec] = f
	return f
}

// assertClean fails if text holds a secret known so far.
func (s *leakSink) assertClean(t *testing.T, what, text string) {
	t.Helper()
	for _, sec := range s.leaks(text) {
		t.Errorf("%s shows a secret (%.12s…): %s", what, sec, text)
	}
}

// assertAllClean checks every value printed with every verb, and the logs.
func (s *leakSink) assertAllClean(t *testing.T) (values, lines int) {
	t.Helper()
	s.mu.Lock()
	vals := append([]any(nil), s.values...)
	s.mu.Unlock()
	var all strings.Builder
	for _, v := range vals {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			fmt.Fprintf(&all, verb+"\n", v)
		}
		if err, ok := v.(error); ok {
			all.WriteString(err.Error() + "\n")
		}
	}
	s.assertClean(t, "a printed value", all.String())
	if s.logs != nil {
		text := s.logs.String()
		for line := range strings.SplitSeq(text, "\n") {
			if line != "" {
				lines++
				s.assertClean(t, "a log line", line)
			}
		}
	}
	return len(vals), lines
}

// faultTeeHandler sends every record to each of its handlers.
type faultTeeHandler []slog.Handler

func (h faultTeeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, x := range h {
		if x.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (h faultTeeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, x := range h {
		if x.Enabled(ctx, r.Level) {
			errs = append(errs, x.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (h faultTeeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(faultTeeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithAttrs(as)
	}
	return out
}

func (h faultTeeHandler) WithGroup(name string) slog.Handler {
	out := make(faultTeeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithGroup(name)
	}
	return out
}

// faultBuffer is a bytes.Buffer safe for concurrent writers.
type faultBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *faultBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *faultBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
