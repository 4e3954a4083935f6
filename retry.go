package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"time"
)

// RetryPolicy says which API requests WithRetry sends again, how many times
// and how long it waits in between. The zero value means the defaults
// given with each field.
//
// Only requests whose method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT,
// DELETE) are retried, unless RetryNonIdempotent says otherwise, and only
// when their body can be sent again (no body, http.NoBody, or GetBody set,
// as NewRequest makes them). Waiting never outlasts the request's context.
// Retries sit in front of the authenticating transport: every try uses the
// current token, a 401 is renewed once by the Transport as always, and a
// failed renewal (an *AuthError) is never retried, so retries never
// multiply calls to the token endpoint.
type RetryPolicy struct {
	// MaxRetries is how many times a request may be sent again after its
	// first try. Zero means 3; negative means none.
	MaxRetries int

	// MinDelay and MaxDelay bound the backoff: retry n waits a random
	// time between d/2 and d, where d is MinDelay doubled n times, at most
	// MaxDelay. Zero means 200 ms and 10 s.
	MinDelay, MaxDelay time.Duration

	// MaxRetryAfter is the longest Retry-After (429, 503) that is waited
	// out; an answer asking for longer is returned as it is. Zero means
	// one minute.
	MaxRetryAfter time.Duration

	// StatusCodes are the answers retried. Nil means 408, 429, 500, 502,
	// 503 and 504.
	StatusCodes []int

	// RetryNonIdempotent retries POST and PATCH requests too (with a body
	// that can be replayed): only for APIs where sending one twice is safe.
	RetryNonIdempotent bool

	// ShouldRetry, when set, decides instead of StatusCodes and the
	// network-error rule whether an answer (resp) or a failure (err) is
	// retried; the method and body rules still apply, and resp's body must
	// not be read.
	ShouldRetry func(resp *http.Response, err error) bool
}

// WithRetry makes the Client send API requests again after a transient
// failure: a network error, or an answer in p.StatusCodes, honouring
// Retry-After (see RetryPolicy). Without it nothing is retried. Token
// requests have retries of their own and are never multiplied by these.
// A negative duration in p is an error wrapping ErrInvalidOption.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MinDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0 {
			return fmt.Errorf("%w: WithRetry: negative duration", ErrInvalidOption)
		}
		c.retry = &p
		return nil
	}
}

func (p *RetryPolicy) maxRetries() int {
	switch {
	case p.MaxRetries == 0:
		return 3
	case p.MaxRetries < 0:
		return 0
	}
	return p.MaxRetries
}

func (p *RetryPolicy) backoff(n int) time.Duration {
	lo, hi := p.MinDelay, p.MaxDelay
	if lo == 0 {
		lo = 200 * time.Millisecond
	}
	if hi == 0 {
		hi = 10 * time.Second
	}
	d := lo
	for range n {
		if d >= hi/2 {
			d = hi
			break
		}
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}

func (p *RetryPolicy) maxRetryAfter() time.Duration {
	if p.MaxRetryAfter == 0 {
		return time.Minute
	}
	return p.MaxRetryAfter
}

var defaultRetryStatuses = []int{408, 429, 500, 502, 503, 504}

func (p *RetryPolicy) retry(resp *http.Response, err error) bool {
	if p.ShouldRetry != nil {
		return p.ShouldRetry(resp, err)
	}
	if err != nil {
		return transientNetError(err)
	}
	codes := p.StatusCodes
	if codes == nil {
		codes = defaultRetryStatuses
	}
	return slices.Contains(codes, resp.StatusCode)
}

// transientNetError reports whether err is a network failure worth another
// try: not a cancelled context, not an error of bearerkit's own (a failed
// renewal, a refused option).
func transientNetError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *AuthError
	if errors.As(err, &ae) || errors.Is(err, ErrInvalidOption) || errors.Is(err, ErrInsecureHTTP) ||
		errors.Is(err, ErrTokenRejected) || errors.Is(err, ErrAuthenticatorPanic) || errors.Is(err, ErrRefusedElsewhere) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retryTransport sends requests again as its policy says.
type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
}

func idempotent(method string) bool {
	switch method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (rt *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := &rt.policy
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	max := p.maxRetries()
	if max == 0 || !replayable || !(idempotent(req.Method) || p.RetryNonIdempotent) {
		return rt.next.RoundTrip(req)
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.Body != nil && req.Body != http.NoBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, fmt.Errorf("bearerkit: rewinding the request body for a retry: %w", err)
				}
				r.Body = body
			}
		}
		resp, err := rt.next.RoundTrip(r)
		if attempt >= max || !p.retry(resp, err) {
			return resp, err
		}
		wait := p.backoff(attempt)
		if err == nil {
			if ra := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > 0 {
				if ra > p.maxRetryAfter() {
					return resp, nil // longer than we wait: the caller decides
				}
				wait = ra
			}
		}
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return resp, err // the next try could not finish in time
		}
		closeBody(resp)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// CloseIdleConnections closes the idle connections of the transport it
// wraps, if it can.
func (rt *retryTransport) CloseIdleConnections() {
	if ci, ok := rt.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
