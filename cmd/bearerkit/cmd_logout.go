package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bearerkit/bearerkit"
)

// logoutUsage is "bearerkit help logout".
const logoutUsage = `Usage: bearerkit logout [--local]

Ends the profile's session: revokes it where the platform can (Dataddo,
Keycloak), and deletes the token file. ONE DATA and the token service
cannot revoke a token: it is deleted here and stays valid until it expires.
The token file is deleted even when the revocation fails (the command then
says so, and exits with the failure's code).

Flags:
  --local   only delete the token file; revoke nothing
` + commonUsage

// logoutCmd is "bearerkit logout".
var logoutCmd = &command{
	name:    "logout",
	summary: "revoke the session where the platform can, and delete the token",
	usage:   logoutUsage,
	run:     runLogout,
}

// runLogout ends the profile's session.
func runLogout(ctx context.Context, e *env, args []string) error {
	flags := newFlagSet("logout", e)
	var local bool
	flags.BoolVar(&local, "local", false, "")
	if err := parseFlagsOnly(e, flags, logoutUsage, args); err != nil {
		return err
	}
	ss, err := e.openSession(0)
	if err != nil {
		return err
	}
	if ss.store == nil {
		return usageErrorf("the token comes from BEARERKIT_TOKEN: there is nothing to log out of")
	}
	tok, err := ss.store.Load(ctx)
	if err != nil {
		return err
	}
	if tok == nil {
		return &cliError{code: exitNotLoggedIn, err: fmt.Errorf("profile %s is not logged in", ss.name)}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if local {
		if err := ss.store.Clear(ctx); err != nil {
			return storeError(err)
		}
		fmt.Fprintf(e.err, "Logged out of profile %s: the token file was deleted; the session was not revoked (--local).\n", ss.name)
		return nil
	}
	outcome, err := logout(ctx, e, ss, tok)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.err, "Logged out of profile %s: the session was %s, and the token file deleted.\n", ss.name, outcome)
	return nil
}

// logout ends the session with the SDK's Client.Logout: it revokes the
// token where the platform can (Dataddo, Keycloak, an OpenID provider with
// a revocation endpoint) and deletes the token file, even when the
// revocation fails. It says what became of the session.
func logout(ctx context.Context, e *env, ss *session, tok *bearerkit.Token) (string, error) {
	p := ss.p
	// Renewals during logout use the refresh token only.
	ss.store.canLogin = false
	ss.secrets.password = ""
	var revoker bearerkit.TokenRevoker
	switch {
	case p.Platform == platformDataddo:
		revoker = bearerkit.Dataddo{BaseURL: p.URL, Email: p.User}
	case p.Platform == platformKeycloak && p.Issuer != "":
		c, err := bearerkit.Discover(ss.authContext(ctx), p.Issuer, nil)
		if err != nil {
			return "", err
		}
		if c.RevocationEndpoint != "" {
			revoker = c.Revoker(p.clientID(), ss.secrets.clientSecret)
		}
	case p.Platform == platformKeycloak:
		revoker = p.keycloak(ss.secrets)
	}
	opts := []bearerkit.Option{}
	if revoker != nil {
		opts = append(opts, bearerkit.WithRevoker(revoker))
	}
	c, err := ss.client(e, opts...)
	if err != nil {
		return "", err
	}
	if p.Platform == platformDataddo && tok.Expired() {
		// Dataddo revokes with the access token: renew an expired one
		// first. A session that cannot be renewed is over already.
		if _, err := c.Token(ctx); err != nil {
			if !ended(err) {
				return "", err
			}
			if err := ss.store.Clear(ctx); err != nil {
				return "", storeError(err)
			}
			return "already over", nil
		}
	}
	err = c.Logout(ctx)
	switch {
	case err == nil:
		return "revoked", nil
	case errors.Is(err, bearerkit.ErrNoRevoker) && isOnly(err, bearerkit.ErrNoRevoker):
		return "not revoked (" + noRevocation(p) + ": the token stays valid until it expires)", nil
	case ended(err):
		return "already over", nil
	}
	if errors.Is(err, bearerkit.ErrInvalidOption) {
		return "", storeError(err) // the store could not be cleared
	}
	return "", &cliError{code: exitCode(err), err: fmt.Errorf("the token file was deleted, but the session could not be revoked, and stays valid until it expires: %w", err)}
}

// noRevocation says why a platform's sessions are not revoked.
func noRevocation(p *profile) string {
	switch p.Platform {
	case platformOneData:
		return "ONE DATA cannot revoke tokens"
	case platformAuthAPI:
		return "the token service cannot revoke tokens"
	case platformKeycloak:
		return "the OpenID provider has no revocation endpoint"
	}
	return "a static token cannot be revoked from here"
}

// isOnly reports whether err, a join of errors, holds nothing but target.
func isOnly(err, target error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !isOnly(e, target) {
				return false
			}
		}
		return true
	}
	if w := errors.Unwrap(err); w != nil && err != target {
		return isOnly(w, target)
	}
	return err == target
}

// ended reports whether err says the session is already dead: the
// platform refused the credential (not a network error, a 5xx or a 429).
func ended(err error) bool {
	var ae *bearerkit.AuthError
	if errors.As(err, &ae) && !ae.Temporary() && ae.StatusCode >= 400 && ae.StatusCode <= 499 {
		return true
	}
	return errors.Is(err, bearerkit.ErrRefreshOnly) || errors.Is(err, bearerkit.ErrNoRefreshToken)
}
