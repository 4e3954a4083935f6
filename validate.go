package bearerkit

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// A Validator checks its configuration before first use. The grants,
// presets and Revoker of this package are Validators; NewClient, Fallback
// and CookieSession.Client call Validate on an Authenticator that is one
// (a Fallback on each of its steps), so that a missing field fails at
// construction, not at the first request.
type Validator interface {
	// Validate returns nil, or an error wrapping ErrInvalidOption that
	// names the field at fault. It never holds a secret.
	Validate() error
}

// invalid returns an error wrapping ErrInvalidOption about field of typ.
func invalid(typ, field, why string) error {
	return fmt.Errorf("%w: %s.%s %s", ErrInvalidOption, typ, field, why)
}

// required checks that the fields named in pairs (name, value) are set.
func required(typ string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return invalid(typ, pairs[i], "is empty")
		}
	}
	return nil
}

// checkURL checks that raw is an absolute http(s) URL without user
// information (net/http would send it as Basic credentials).
func checkURL(typ, field, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return invalid(typ, field, "is empty")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return invalid(typ, field, fmt.Sprintf("%q is not an absolute http(s) URL", redact.URL(raw)))
	}
	if u.User != nil {
		return invalid(typ, field, "must not hold user information")
	}
	if _, err := parseOrigin(raw); err != nil {
		return invalid(typ, field, "has a host that cannot be dialed (IDNA)")
	}
	return nil
}

// Validate checks TokenURL, Username and Password.
func (g PasswordGrant) Validate() error {
	if err := checkURL("PasswordGrant", "TokenURL", g.TokenURL); err != nil {
		return err
	}
	return required("PasswordGrant", "Username", g.Username, "Password", g.Password)
}

// Validate checks TokenURL.
func (g RefreshGrant) Validate() error { return checkURL("RefreshGrant", "TokenURL", g.TokenURL) }

// Validate checks TokenURL and ClientID.
func (g ClientCredentials) Validate() error {
	if err := checkURL("ClientCredentials", "TokenURL", g.TokenURL); err != nil {
		return err
	}
	return required("ClientCredentials", "ClientID", g.ClientID)
}

// Validate checks URL.
func (r Revoker) Validate() error { return checkURL("Revoker", "URL", r.URL) }

// Validate checks BaseURL, Email and Password. (A Dataddo that only
// refreshes, as CookieSession.Client uses it, needs BaseURL only.)
func (d Dataddo) Validate() error { return d.validate(false) }

func (d Dataddo) validate(refreshOnly bool) error {
	if err := checkURL("Dataddo", "BaseURL", d.BaseURL); err != nil {
		return err
	}
	if refreshOnly && d.Email == "" && d.Password == "" {
		return nil
	}
	return required("Dataddo", "Email", d.Email, "Password", d.Password)
}

// Validate checks BaseURL, Username and Password.
func (o OneData) Validate() error {
	if err := checkURL("OneData", "BaseURL", o.BaseURL); err != nil {
		return err
	}
	return required("OneData", "Username", o.Username, "Password", o.Password)
}

// Validate checks BaseURL, Username and Password. (An AuthAPI that only
// refreshes needs BaseURL only.)
func (a AuthAPI) Validate() error { return a.validate(false) }

func (a AuthAPI) validate(refreshOnly bool) error {
	if err := checkURL("AuthAPI", "BaseURL", a.BaseURL); err != nil {
		return err
	}
	if refreshOnly && a.Username == "" && a.Password == "" {
		return nil
	}
	return required("AuthAPI", "Username", a.Username, "Password", a.Password)
}

// Validate checks ServerURL (the server root: an issuer URL with /realms/
// pasted there is refused), Realm, and the credentials of the grant the
// fields call for: Password with Username, ClientSecret without.
func (k Keycloak) Validate() error { return k.validate(false) }

func (k Keycloak) validate(refreshOnly bool) error {
	if err := checkURL("Keycloak", "ServerURL", k.ServerURL); err != nil {
		return err
	}
	if u, _ := url.Parse(k.ServerURL); u != nil && strings.Contains(u.Path+"/", "/realms/") {
		return invalid("Keycloak", "ServerURL", "holds /realms/…: give the server root (e.g. https://sso.example.com or …/auth) and put the realm in Realm")
	}
	if err := required("Keycloak", "Realm", k.Realm); err != nil {
		return err
	}
	switch {
	case refreshOnly:
		return nil
	case k.Username != "":
		return required("Keycloak", "Password", k.Password)
	case k.ClientSecret == "":
		return invalid("Keycloak", "ClientSecret", "is empty (without Username, Keycloak uses client credentials, which need the client's secret)")
	}
	return nil
}

// Validate checks that AccessToken is set and can be sent in a header.
func (s StaticToken) Validate() error {
	access := accessValue(strings.TrimSpace(s.AccessToken))
	if access == "" || strings.EqualFold(access, "bearer") {
		return invalid("StaticToken", "AccessToken", "is empty")
	}
	if !validHeaderToken(access) {
		return invalid("StaticToken", "AccessToken", "has characters that cannot be sent in a header")
	}
	return nil
}

// Validate validates each step that is a Validator.
func (f fallback) Validate() error {
	if len(f) == 0 {
		return fmt.Errorf("%w: Fallback of no Authenticators", ErrInvalidOption)
	}
	return f.validate(false)
}

func (f fallback) validate(refreshOnly bool) error {
	for i, a := range f {
		if err := validateAuth(fmt.Sprintf("Fallback step %d", i), a, refreshOnly); err != nil {
			return err
		}
	}
	return nil
}

// validateAuth runs a's Validate, if it has one, after the nil checks.
// refreshOnly relaxes the presets that renew with a refresh token alone.
func validateAuth(what string, a Authenticator, refreshOnly bool) error {
	if err := checkAuthenticator(what, a); err != nil {
		return err
	}
	if refreshOnly {
		if r, ok := a.(interface{ validate(bool) error }); ok {
			return prefixed(what, r.validate(true))
		}
	}
	if v, ok := a.(Validator); ok {
		return prefixed(what, safeValidate(v))
	}
	return nil
}

// safeValidate calls a user's Validate, turning a panic into an error.
func safeValidate(v Validator) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: Validate panicked: %s", ErrInvalidOption, panicText(r, nil))
		}
	}()
	return v.Validate()
}

// prefixed puts op in front of err's message, without repeating the
// package name ("bearerkit: NewClient: invalid option: …"); nil stays nil.
func prefixed(op string, err error) error {
	if err == nil {
		return nil
	}
	return &opError{op: op, err: err}
}

type opError struct {
	op  string
	err error
}

func (e *opError) Error() string {
	return destutter("bearerkit: " + e.op + ": " + e.err.Error())
}

func (e *opError) Unwrap() error { return e.err }

// destutter drops the package name where a bearerkit message quotes
// another: "bearerkit: x: bearerkit: y" reads "bearerkit: x: y".
func destutter(s string) string {
	head, rest, ok := strings.Cut(s, "bearerkit: ")
	if !ok {
		return s
	}
	return head + "bearerkit: " + strings.ReplaceAll(rest, "bearerkit: ", "")
}
