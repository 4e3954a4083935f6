package oauth2bearerkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// ErrTokenSource is wrapped by the errors of this package's Authenticators
// when their oauth2 source failed other than with an answer of a token
// endpoint or a network error (those are *bearerkit.AuthError values), or
// returned no access token; and by TokenSource's when its TokenGetter
// returned no access token.
var ErrTokenSource = errors.New("oauth2bearerkit: the token source failed")

// Bounds of what a server's error fields may put into an error.
const (
	maxCode        = 100
	maxDescription = 300
	maxRetryAfter  = 24 * time.Hour
)

// fetch gets a token with get and converts it, or converts its error. With
// async, get runs in a goroutine of its own and fetch stops waiting when
// ctx ends (for a source that takes no context); a panic in it is an error
// wrapping bearerkit.ErrAuthenticatorPanic.
func fetch(ctx context.Context, grant, endpoint string, secrets []string, get func(context.Context) (*oauth2.Token, error), async bool) (*bearerkit.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, &bearerkit.AuthError{Grant: grant, Endpoint: endpoint, Err: err}
	}
	var tok *oauth2.Token
	var err error
	if async {
		type result struct {
			tok *oauth2.Token
			err error
		}
		ch := make(chan result, 1) // the goroutine never blocks on it
		go func() {
			defer func() {
				if v := recover(); v != nil {
					// The value may hold a secret: only its type is told.
					ch <- result{err: fmt.Errorf("%w: the oauth2.TokenSource panicked (a %T)", bearerkit.ErrAuthenticatorPanic, v)}
				}
			}()
			t, e := get(ctx)
			ch <- result{t, e}
		}()
		select {
		case r := <-ch:
			tok, err = r.tok, r.err
		case <-ctx.Done():
			return nil, &bearerkit.AuthError{Grant: grant, Endpoint: endpoint, Err: ctx.Err()}
		}
	} else {
		tok, err = get(ctx)
	}
	if err != nil {
		return nil, convertErr(err, grant, endpoint, secrets)
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("%w: it returned no access token", ErrTokenSource)
	}
	return FromOAuth2(tok), nil
}

// convertErr turns an error of x/oauth2 into one bearerkit understands,
// without secrets:
//
//   - an *oauth2.RetrieveError (the token endpoint answered an error)
//     becomes an *AuthError with its status, RFC 6749 code and
//     description (scrubbed and clipped), Content-Type when it had no code,
//     and Retry-After; its raw body is dropped;
//   - a *url.Error (no answer came) or a context error becomes an
//     *AuthError with status 0 wrapping it, scrubbed;
//   - anything else is wrapped, scrubbed, with ErrTokenSource.
func convertErr(err error, grant, endpoint string, secrets []string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ae := &bearerkit.AuthError{
			Grant:       grant,
			Endpoint:    endpoint,
			Code:        redact.ScrubClip(re.ErrorCode, maxCode, secrets...),
			Description: redact.ScrubClip(re.ErrorDescription, maxDescription, secrets...),
		}
		if r := re.Response; r != nil {
			ae.StatusCode = r.StatusCode
			if r.Request != nil && r.Request.URL != nil {
				ae.Endpoint = redact.URL(r.Request.URL.String())
			}
			if re.ErrorCode == "" {
				ae.ContentType = redact.ScrubClip(r.Header.Get("Content-Type"), maxCode, secrets...)
			}
			ae.RetryAfter = retryAfter(r.Header.Get("Retry-After"), time.Now())
		}
		return ae
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if endpoint == "" {
			endpoint = redact.URL(ue.URL)
		}
		return &bearerkit.AuthError{Grant: grant, Endpoint: endpoint, Err: scrub(err, secrets)}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &bearerkit.AuthError{Grant: grant, Endpoint: endpoint, Err: scrub(err, secrets)}
	}
	return fmt.Errorf("%w: %w", ErrTokenSource, scrub(err, secrets))
}

// scrub returns err, with the URL of a *url.Error (which http.Client puts
// in its errors) taken down to scheme, host and path, and when its text
// still holds a secret, an error with that text scrubbed that answers
// errors.Is for err's chain but does not unwrap to it (whose text holds the
// secret).
func scrub(err error, secrets []string) error {
	if ue, ok := err.(*url.Error); ok {
		cp := *ue
		cp.URL = redact.URL(ue.URL)
		if cp.Err != nil {
			cp.Err = scrub(cp.Err, secrets)
		}
		err = &cp
	}
	msg := err.Error()
	if clean := redact.Scrub(msg, secrets...); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// scrubbedError is an error whose text had secrets taken out.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }

// Is reports whether the original error matches target.
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// retryAfter parses a Retry-After header: seconds, or an HTTP date in the
// future; 0 when absent or unusable, at most maxRetryAfter.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}
