package bearerkit

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// ErrRedirectRefused is matched (errors.Is) by the error of a request that
// bearerkit sends with a credential (a token, refresh, revocation or
// discovery request) when the server redirected it to another origin, or to
// plain http on a host that is not loopback: the redirect is not followed,
// so the password, client secret, refresh or access token never goes there.
// errors.As finds the *RedirectError, which names the target.
var ErrRedirectRefused = errors.New("bearerkit: refusing to follow a redirect with credentials to another origin")

// RedirectError is a redirect that bearerkit refused to follow with a
// credential. Location is the target without user information, query or
// fragment. errors.Is(err, ErrRedirectRefused) is true of it.
type RedirectError struct {
	// StatusCode is the redirect's status: 301, 302, 303, 307 or 308.
	StatusCode int
	// From and Location are the origin the request was for and where the
	// server sent it, both without user information, query or fragment.
	From, Location string
}

// Error names the target, never a secret.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("refused to follow the %d redirect from %s to %s: another origin, credentials stay with their own", e.StatusCode, e.From, e.Location)
}

// Is reports whether target is ErrRedirectRefused.
func (e *RedirectError) Is(target error) bool { return target == ErrRedirectRefused }

// credentialClient returns a copy of hc that follows a redirect only to the
// origin of the request it started with, and with hc's own CheckRedirect
// (or net/http's limit of 10) on top. hc itself is never modified.
func credentialClient(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	if next == nil {
		c.CheckRedirect = checkCredentialRedirectDefault
		return &c
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkCredentialRedirect(req, via); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// checkCredentialRedirectDefault is the CheckRedirect of a credential
// request whose client has none: net/http's default limit of 10 redirects,
// after checkCredentialRedirect.
func checkCredentialRedirectDefault(req *http.Request, via []*http.Request) error {
	if err := checkCredentialRedirect(req, via); err != nil {
		return err
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// checkCredentialRedirect refuses a redirect that leaves the first request's
// origin (a change of scheme, such as https to http, is one).
func checkCredentialRedirect(req *http.Request, via []*http.Request) error {
	if len(via) == 0 || sameOrigin(via[0].URL, req.URL) {
		return nil
	}
	e := &RedirectError{From: redact.URL(via[0].URL.String()), Location: redact.URL(req.URL.String())}
	if req.Response != nil {
		e.StatusCode = req.Response.StatusCode
	}
	return e
}
