package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"

	"github.com/bearerkit/bearerkit"
)

// The exit codes.
const (
	exitOK          = 0 // success
	exitInternal    = 1 // anything else: a bug, an answer bearerkit cannot use
	exitUsage       = 2 // bad command line or profile settings
	exitNotLoggedIn = 3 // no token, or the session has ended: log in
	exitRefused     = 4 // the platform refused the credential
	exitTemporary   = 5 // network error, 5xx, 429, timeout: try again later
	exitStore       = 6 // the config or token file cannot be read or written
	exitAPI         = 7 // the API answered with a status >= 400 (api; status's member lookup)
)

// cliError is an error with its exit code decided where it arose, and an
// optional hint printed after it.
type cliError struct {
	code int
	err  error
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// usageErrorf is a usage error (exit code 2).
func usageErrorf(format string, args ...any) error {
	return &cliError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// storeError is a problem with a local file (exit code 6).
func storeError(err error) error {
	var ce *cliError
	if errors.As(err, &ce) {
		return err
	}
	return &cliError{code: exitStore, err: err}
}

// errNotLoggedIn says the profile holds no token and nothing to log in
// with.
var errNotLoggedIn = errors.New("not logged in")

// helpShown is returned when -h printed the usage: exit code 0, nothing
// more to say.
type helpShown struct{}

func (*helpShown) Error() string { return "help shown" }

// apiStatusError is an api answer with a status >= 400 (exit code 7).
type apiStatusError struct {
	method, url string
	status      string
}

// Error says which request got which status.
func (e *apiStatusError) Error() string {
	return fmt.Sprintf("%s %s: the API answered %s", e.method, e.url, e.status)
}

// exitCode maps an error to the exit code, with errors.Is and errors.As on
// bearerkit's sentinels and types.
func exitCode(err error) int {
	var ce *cliError
	var hs *helpShown
	var ase *apiStatusError
	var apiErr *bearerkit.APIError
	var ae *bearerkit.AuthError
	var ne net.Error
	var pe *fs.PathError
	switch {
	case err == nil, errors.As(err, &hs):
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ase), errors.As(err, &apiErr):
		return exitAPI
	case errors.Is(err, errNotLoggedIn),
		errors.Is(err, bearerkit.ErrRefreshOnly), // the session ended and no password is at hand
		errors.Is(err, bearerkit.ErrNoRefreshToken):
		return exitNotLoggedIn
	case errors.Is(err, bearerkit.ErrInsecureHTTP),
		errors.Is(err, bearerkit.ErrInvalidOption):
		return exitUsage
	case errors.Is(err, bearerkit.ErrTokenRejected),
		errors.Is(err, bearerkit.ErrRefusedElsewhere),
		errors.Is(err, bearerkit.ErrRedirectRefused):
		return exitRefused
	case errors.Is(err, bearerkit.ErrAuthenticatorPanic):
		return exitInternal
	case errors.As(err, &ae):
		switch {
		case ae.Temporary():
			return exitTemporary
		case ae.Rejected(), ae.StatusCode >= 400 && ae.StatusCode <= 499:
			return exitRefused
		}
		return exitInternal // an answer that is not a token
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return exitTemporary
	case errors.As(err, &pe):
		return exitStore
	}
	return exitInternal
}
