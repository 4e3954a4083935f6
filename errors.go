package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNoRefreshToken is returned by an Authenticator that renews with a
// refresh token (RefreshGrant, the refresh step of a preset) when it has
// none: at first use, or when the server never issued one. Fallback treats
// it as "this credential is dead, try the next Authenticator".
var ErrNoRefreshToken = errors.New("bearerkit: no refresh token")

// ErrInsecureHTTP is returned (wrapped) when credentials would be sent over
// plain http:// to a host that is not loopback and the user has not opted in
// with WithInsecureHTTP or Transport.AllowInsecureHTTP.
var ErrInsecureHTTP = errors.New("bearerkit: refusing to send credentials over plain http")

// ErrInvalidOption is returned (wrapped) by NewClient and other constructors
// for a nil or out-of-range option or argument.
var ErrInvalidOption = errors.New("bearerkit: invalid option")

// ErrTokenNotSaved is wrapped by the error Client.Token (Transport.Token)
// returns with a token the TokenStore failed to save: requests use the
// token, but a restarted process will not find it (nor its refresh token).
// The store's own error is wrapped too.
var ErrTokenNotSaved = errors.New("bearerkit: the token could not be saved to the TokenStore")

// ErrTokenRejected is returned (wrapped) when the API rejected a token that
// cannot be renewed: a StaticToken that expired or was answered with 401 must
// be replaced by the user.
var ErrTokenRejected = errors.New("bearerkit: the token was rejected and cannot be renewed; replace it")

// AuthError is a failed authentication: a token endpoint that answered with
// an error (RFC 6749 §5.2), an answer that is not a usable token, or a
// request that got no answer at all.
//
// errors.As finds it through the *url.Error that http.Client wraps around
// transport errors. Its fields and its Error string never hold a secret,
// even when a server echoes one back.
type AuthError struct {
	// StatusCode is the HTTP status of the answer; 0 when no answer came
	// (then Err says why).
	StatusCode int

	// Code and Description are the RFC 6749 "error" and
	// "error_description" fields (or a platform's own message), when given.
	Code, Description string

	// Grant names what was attempted: "password", "refresh_token",
	// "client_credentials", "dataddo login", ….
	Grant string

	// Endpoint is the URL that was called, without user information or
	// query.
	Endpoint string

	// ContentType is the Content-Type of an answer that could not be used
	// as a token response (an HTML error page, say).
	ContentType string

	// RetryAfter is the delay the server asked for in a Retry-After header
	// (429, 503); zero when it gave none.
	RetryAfter time.Duration

	// Err is the underlying cause, if any: a network error, a decoding
	// error, ErrNoRefreshToken ….
	Err error

	hint string // what to check, added to Error by a preset that knows
}

// Error describes the failure without secrets. It starts with "bearerkit: ".
func (e *AuthError) Error() string { return destutter(e.message()) }

func (e *AuthError) message() string {
	var b strings.Builder
	b.WriteString("bearerkit: ")
	if e.Grant != "" {
		b.WriteString(e.Grant)
		b.WriteString(" ")
	}
	// "authentication failed" only when the credential itself was
	// refused; anything else is a request that failed.
	if e.Rejected() {
		b.WriteString("authentication failed")
	} else {
		b.WriteString("request failed")
	}
	if e.Endpoint != "" {
		b.WriteString(" at ")
		b.WriteString(e.Endpoint)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.ContentType != "" {
		fmt.Fprintf(&b, " (content type %q)", e.ContentType)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	switch {
	case e.hint != "":
		fmt.Fprintf(&b, " (%s)", e.hint)
	case e.StatusCode == http.StatusNotFound:
		b.WriteString(" (no such endpoint: check the base URL, and the realm for Keycloak)")
	case e.StatusCode == http.StatusMethodNotAllowed:
		b.WriteString(" (the endpoint does not take this method: check the base URL)")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *AuthError) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed: no answer came
// because of a network error (a refused or reset connection, a timeout of
// the connection itself; not a cancelled context, and not an error of a
// RoundTripper that is no network failure, such as a mock without a
// responder), or the server answered 5xx, 429 or 408. A rejected
// credential is not temporary.
func (e *AuthError) Temporary() bool {
	if e.StatusCode == 0 {
		if e.Err == nil || errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
			return false
		}
		return isNetworkError(e.Err)
	}
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// Rejected reports whether the server refused the credential itself: a 401,
// or an RFC 6749 invalid_grant, invalid_client or unauthorized_client. Such
// a credential will not start working by being sent again.
func (e *AuthError) Rejected() bool {
	switch e.Code {
	case "invalid_grant", "invalid_client", "unauthorized_client":
		return true
	}
	return e.StatusCode == http.StatusUnauthorized
}

// isNetworkError reports whether err (from an http.Client or a transport)
// is a failure of the network: a net.Error below any *url.Error (which
// itself claims to be a net.Error whatever it wraps), or a connection
// closed mid-answer.
func isNetworkError(err error) bool {
	var se *scrubbedError
	if errors.As(err, &se) {
		return se.network
	}
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			break
		}
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if _, isURL := ne.(*url.Error); !isURL {
			return true
		}
	}
	// Resets and refusals arrive as *net.OpError, a net.Error, above.
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// isDead reports whether err says the credential an Authenticator used is
// dead, so that Fallback moves on to the next one.
func isDead(err error) bool {
	if errors.Is(err, ErrNoRefreshToken) {
		return true
	}
	var ae *AuthError
	return errors.As(err, &ae) && ae.Rejected()
}

// isTransient reports whether a failed renewal may succeed if tried again
// soon: a network error, a 5xx or a 429.
func isTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	return false
}

// isRefused reports whether a failed renewal means the credentials were
// refused, or the endpoint is wrong (any 4xx but 408 and 429, a redirect to
// another origin), so that
// asking again at once would only hammer the server, resend the password
// and perhaps lock the account: the cool-down applies.
func isRefused(err error) bool {
	if errors.Is(err, ErrNoRefreshToken) || errors.Is(err, ErrTokenRejected) || errors.Is(err, ErrRedirectRefused) || errors.Is(err, ErrRefusedElsewhere) {
		return true
	}
	var ae *AuthError
	if !errors.As(err, &ae) {
		return false
	}
	c := ae.StatusCode
	return ae.Rejected() || (c >= 400 && c <= 499 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests)
}
