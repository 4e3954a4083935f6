package bearerkit_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// scriptedAPI answers each call with the next status of its script (the
// last one repeats), recording the bodies it got.
type scriptedAPI struct {
	mu     sync.Mutex
	script []int
	header http.Header
	calls  int
	bodies []string
	err    error // returned instead of an answer while calls < errN
	errN   int
}

func (a *scriptedAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	body := drain(r)
	a.bodies = append(a.bodies, body)
	if a.calls <= a.errN {
		return nil, a.err
	}
	status := a.script[min(a.calls-1, len(a.script)-1)]
	resp := reply(r, status, "x")
	for k, v := range a.header {
		resp.Header[k] = v
	}
	return resp, nil
}

func (a *scriptedAPI) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

var fastRetry = bearerkit.RetryPolicy{MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

func retryClient(t *testing.T, api http.RoundTripper, auth bearerkit.Authenticator, p bearerkit.RetryPolicy) *bearerkit.Client {
	t.Helper()
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: api}), bearerkit.WithRetry(p))
	require.NoError(t, err)
	return c
}

func do(t *testing.T, c *bearerkit.Client, ctx context.Context, method, body string) (int, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, apiURL+"x", r)
	require.NoError(t, err)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Issue 9, point 5: transient answers of idempotent requests are retried,
// with backoff, and the token is fetched once.
func TestRetryTransientAnswers(t *testing.T) {
	t.Parallel()
	api := &scriptedAPI{script: []int{503, 502, 200}}
	auth := &issuer{}
	c := retryClient(t, api, auth, fastRetry)
	status, err := do(t, c, context.Background(), http.MethodGet, "")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Equal(t, 3, api.count())
	assert.Equal(t, int64(1), auth.calls.Load(), "retries reuse the token")

	// At most MaxRetries, then the last answer.
	api = &scriptedAPI{script: []int{500}}
	c = retryClient(t, api, &issuer{}, bearerkit.RetryPolicy{MaxRetries: 2, MinDelay: time.Millisecond})
	status, err = do(t, c, context.Background(), http.MethodGet, "")
	require.NoError(t, err)
	assert.Equal(t, 500, status)
	assert.Equal(t, 3, api.count())

	// Not a transient status: no retry.
	api = &scriptedAPI{script: []int{404}}
	c = retryClient(t, api, &issuer{}, fastRetry)
	status, _ = do(t, c, context.Background(), http.MethodGet, "")
	assert.Equal(t, 404, status)
	assert.Equal(t, 1, api.count())

	// Without WithRetry: nothing is retried.
	api = &scriptedAPI{script: []int{503, 200}}
	plain, err := bearerkit.NewClient(apiURL, &issuer{}, bearerkit.WithHTTPClient(&http.Client{Transport: api}))
	require.NoError(t, err)
	status, _ = do(t, plain, context.Background(), http.MethodGet, "")
	assert.Equal(t, 503, status)
	assert.Equal(t, 1, api.count())
}

// Bodies are replayed; non-idempotent methods only when asked.
func TestRetryMethodsAndBodies(t *testing.T) {
	t.Parallel()
	api := &scriptedAPI{script: []int{503, 200}}
	c := retryClient(t, api, &issuer{}, fastRetry)
	status, _ := do(t, c, context.Background(), http.MethodPost, `{"n":1}`)
	assert.Equal(t, 503, status, "POST is not retried by default")
	assert.Equal(t, 1, api.count())

	api = &scriptedAPI{script: []int{503, 200}}
	p := fastRetry
	p.RetryNonIdempotent = true
	c = retryClient(t, api, &issuer{}, p)
	status, _ = do(t, c, context.Background(), http.MethodPost, `{"n":1}`)
	assert.Equal(t, 200, status)
	assert.Equal(t, []string{`{"n":1}`, `{"n":1}`}, api.bodies, "the body was replayed")

	api = &scriptedAPI{script: []int{503, 200}}
	c = retryClient(t, api, &issuer{}, fastRetry)
	status, _ = do(t, c, context.Background(), http.MethodPut, `{"n":2}`)
	assert.Equal(t, 200, status, "PUT is idempotent")
	assert.Equal(t, 2, api.count())

	// A body that cannot be replayed is sent once.
	api = &scriptedAPI{script: []int{503, 200}}
	c = retryClient(t, api, &issuer{}, fastRetry)
	req, err := http.NewRequest(http.MethodPut, apiURL+"x", io.NopCloser(strings.NewReader("once")))
	require.NoError(t, err)
	resp, err := c.HTTPClient().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, 1, api.count())
}

// Retry-After is honoured up to MaxRetryAfter and never past the
// context's deadline.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	api := &scriptedAPI{script: []int{429, 200}, header: http.Header{"Retry-After": {"1"}}}
	c := retryClient(t, api, &issuer{}, fastRetry)
	status, err := do(t, c, context.Background(), http.MethodGet, "")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Equal(t, 2, api.count())

	api = &scriptedAPI{script: []int{503, 200}, header: http.Header{"Retry-After": {"120"}}}
	c = retryClient(t, api, &issuer{}, fastRetry)
	status, _ = do(t, c, context.Background(), http.MethodGet, "")
	assert.Equal(t, 503, status, "longer than MaxRetryAfter: answered as is")
	assert.Equal(t, 1, api.count())

	api = &scriptedAPI{script: []int{503, 200}, header: http.Header{"Retry-After": {"30"}}}
	p := fastRetry
	p.MaxRetryAfter = time.Hour
	c = retryClient(t, api, &issuer{}, p)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	status, err = do(t, c, ctx, http.MethodGet, "")
	require.NoError(t, err)
	assert.Equal(t, 503, status, "the wait would outlast the deadline")
	assert.NoError(t, ctx.Err())
}

// Network errors are retried; a failed renewal never is, so retries never
// multiply token calls.
func TestRetryErrors(t *testing.T) {
	t.Parallel()
	api := &scriptedAPI{script: []int{200}, err: &net.OpError{Op: "read", Net: "tcp", Err: io.ErrUnexpectedEOF}, errN: 2}
	c := retryClient(t, api, &issuer{}, fastRetry)
	status, err := do(t, c, context.Background(), http.MethodGet, "")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Equal(t, 3, api.count())

	var tokenCalls atomic.Int32
	failing := &bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "u", Password: "p", HTTPClient: &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		tokenCalls.Add(1)
		return reply(r, 500, `{"error":"server_error"}`), nil
	})}}
	api = &scriptedAPI{script: []int{200}}
	c = retryClient(t, api, failing, fastRetry)
	_, err = do(t, c, context.Background(), http.MethodGet, "")
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, int32(3), tokenCalls.Load(), "the renewal's own 2 retries, nothing more")
	assert.Zero(t, api.count())

	// 401 is the Transport's business: renewed once, never retried.
	api = &scriptedAPI{script: []int{401}}
	auth := &issuer{}
	c = retryClient(t, api, auth, fastRetry)
	status, _ = do(t, c, context.Background(), http.MethodGet, "")
	assert.Equal(t, 401, status)
	assert.Equal(t, 2, api.count())
	assert.Equal(t, int64(2), auth.calls.Load())

	_, err = bearerkit.NewClient(apiURL, &issuer{}, bearerkit.WithRetry(bearerkit.RetryPolicy{MinDelay: -1}))
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
}
