package bearerkit

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
)

// secretHolder is implemented by the Authenticators of this package: it
// lists the secrets they hold (passwords, client secrets, static tokens),
// so that server text echoing one can be scrubbed of it before it reaches
// an error or a log record.
type secretHolder interface{ secrets() []string }

// secretsOf lists the secrets a holds, when it is one of this package's
// Authenticators; nil for any other (including a nil or typed-nil one).
func secretsOf(a Authenticator) []string {
	if h, ok := a.(secretHolder); ok && !isNil(a) {
		return h.secrets()
	}
	return nil
}

// isNil reports whether v is nil or a nil pointer, map, slice, func, chan
// or interface inside a non-nil interface (a "typed nil").
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

func (g PasswordGrant) secrets() []string     { return []string{g.Password, g.ClientSecret} }
func (g RefreshGrant) secrets() []string      { return []string{g.ClientSecret} }
func (g ClientCredentials) secrets() []string { return []string{g.ClientSecret} }
func (r Revoker) secrets() []string           { return []string{r.ClientSecret} }
func (d Dataddo) secrets() []string           { return []string{d.Password} }
func (o OneData) secrets() []string           { return []string{o.Password} }
func (a AuthAPI) secrets() []string           { return []string{a.Password} }
func (k Keycloak) secrets() []string          { return []string{k.Password, k.ClientSecret} }
func (s StaticToken) secrets() []string       { return []string{s.AccessToken, accessValue(s.AccessToken)} }

func (f fallback) secrets() []string {
	var out []string
	for _, a := range f {
		out = append(out, secretsOf(a)...)
	}
	return out
}

// checkAuthenticator refuses a nil Authenticator, a typed nil (a nil
// *Dataddo, a nil AuthenticatorFunc), and a Fallback with such a step, all
// of which would panic or fail at the first request instead of now.
func checkAuthenticator(what string, a Authenticator) error {
	if a == nil {
		return fmt.Errorf("%w: %s: nil Authenticator", ErrInvalidOption, what)
	}
	if isNil(a) {
		return fmt.Errorf("%w: %s: the Authenticator is a nil %T", ErrInvalidOption, what, a)
	}
	if f, ok := a.(fallback); ok {
		if len(f) == 0 {
			return fmt.Errorf("%w: %s: Fallback of no Authenticators", ErrInvalidOption, what)
		}
		for i, step := range f {
			if err := checkAuthenticator(fmt.Sprintf("%s: Fallback step %d", what, i), step); err != nil {
				return err
			}
		}
	}
	return nil
}

// secretSet remembers the most recent secrets a Client has seen in API
// answers (API token values), so that its errors can be scrubbed of them.
// It is safe for concurrent use; the zero value is empty.
type secretSet struct {
	mu   sync.Mutex
	vals []string
}

// maxSeenSecrets bounds a secretSet; the oldest are forgotten first.
const maxSeenSecrets = 64

func (s *secretSet) add(v string) {
	if len(v) < 4 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(s.vals, v) {
		return
	}
	if len(s.vals) >= maxSeenSecrets {
		s.vals = slices.Delete(s.vals, 0, 1)
	}
	s.vals = append(s.vals, v)
}

func (s *secretSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.vals)
}
