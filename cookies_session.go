package bearerkit

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults of CookieSession's zero-valued fields.
const (
	// DefaultRefreshMaxAge is how long the refresh-token cookie lives.
	DefaultRefreshMaxAge = 30 * 24 * time.Hour

	// DefaultRotationGrace is how long a renewal's result is handed to
	// other requests that present the refresh token it replaced.
	DefaultRotationGrace = 30 * time.Second
)

// ErrNoSession is returned (wrapped) by CookieSession.Token and
// CookieSession.Client when a request carries no usable session: neither an
// access-token nor a refresh-token cookie, or one that was tampered with (a
// *CookieError, which errors.Is matches to ErrNoSession). The user must log
// in.
var ErrNoSession = errors.New("bearerkit: no session cookies")

// CookieError is a session cookie that a request carries but that cannot
// be a token: characters no cookie value may hold, or more than
// MaxCookieSize bytes. It never holds the cookie's value. errors.Is(err,
// ErrNoSession) is true of it.
type CookieError struct {
	// Name is the cookie's name.
	Name string
	// Reason says what is wrong with its value.
	Reason string
}

// Error describes the cookie by name, without its value.
func (e *CookieError) Error() string {
	return "bearerkit: session cookie " + strconv.Quote(e.Name) + " " + e.Reason
}

// Unwrap returns ErrNoSession.
func (e *CookieError) Unwrap() error { return ErrNoSession }

// CookieSession keeps a user's Token in cookies of a web app that calls a
// platform on the user's behalf: SetToken after the login, Client on every
// request (it writes renewed tokens back as Set-Cookie headers, so the
// browser always holds the newest refresh token), Clear at logout.
//
// Every cookie is HttpOnly (page scripts cannot read it), SameSite=Lax and
// Secure, except on a request that came over plain HTTP to a loopback host
// (development on http://127.0.0.1 or http://localhost) or, with Insecure,
// to any host. A request that came over TLS, or through a proxy that says
// so with X-Forwarded-Proto or Forwarded, always gets Secure cookies.
//
// The access-token cookie expires with the access token (Max-Age from
// Token.Expiry); the refresh-token, realm and provider cookies live
// RefreshMaxAge, or as long as the access token when there is no refresh
// token.
//
// The zero value is ready to use, with the DataddoCookies names. A
// CookieSession is safe for concurrent use; set its fields before first use
// and do not copy it afterwards.
type CookieSession struct {
	// Names are the cookie names; the zero value means DataddoCookies.
	Names CookieNames

	// Path and Domain are the cookies' attributes. Path "" means "/";
	// Domain "" makes host-only cookies (the safest choice).
	Path, Domain string

	// RefreshMaxAge is the lifetime of the refresh-token cookie (and of
	// the realm and provider cookies). Zero or negative means
	// DefaultRefreshMaxAge. It is never shorter than the access token's.
	RefreshMaxAge time.Duration

	// Insecure leaves Secure off on any request that came over plain HTTP,
	// not only on loopback ones: for a web app served over plain HTTP on a
	// trusted network. HTTPS requests still get Secure cookies.
	Insecure bool

	// RotationGrace is how long a renewal's new token is handed to other
	// requests of this process that present the refresh token it
	// replaced — a browser's parallel requests, or a second tab, all
	// carrying the same cookies — instead of each sending the rotated-out
	// refresh token to the platform, which answers invalid_grant and, with
	// reuse detection, ends the whole session. Concurrent renewals of one
	// refresh token are always joined into one. Zero means
	// DefaultRotationGrace; negative turns both off. Web apps that run
	// several processes should route a user to one of them.
	RotationGrace time.Duration

	// AllowPasswordLogin lets Client's Authenticator renew a session with
	// its own credentials (a password, a client secret) when the cookies'
	// refresh token is missing or dead. Leave it false unless every visitor
	// of the app may act as the account those credentials belong to: with
	// it, any browser that presents made-up cookies is handed that
	// account's tokens.
	AllowPasswordLogin bool

	shared renewals
}

func (s *CookieSession) names() *CookieNames {
	if s.Names == (CookieNames{}) {
		return &DataddoCookies
	}
	return &s.Names
}

func (s *CookieSession) path() string {
	if s.Path == "" {
		return "/"
	}
	return s.Path
}

func (s *CookieSession) refreshMaxAge() time.Duration {
	if s.RefreshMaxAge <= 0 {
		return DefaultRefreshMaxAge
	}
	return s.RefreshMaxAge
}

func (s *CookieSession) grace() time.Duration {
	switch {
	case s.RotationGrace == 0:
		return DefaultRotationGrace
	case s.RotationGrace < 0:
		return 0
	}
	return s.RotationGrace
}

// check validates the configuration.
func (s *CookieSession) check() error {
	if err := s.names().check(); err != nil {
		return err
	}
	probe := http.Cookie{Name: "probe", Value: "x", Path: s.path(), Domain: s.Domain}
	if !strings.HasPrefix(probe.Path, "/") || probe.Valid() != nil {
		return fmt.Errorf("%w: CookieSession: Path %q or Domain %q cannot be a cookie attribute", ErrInvalidOption, clipName(s.Path), clipName(s.Domain))
	}
	return nil
}

// secure reports whether cookies set in answer to r get the Secure flag.
func (s *CookieSession) secure(r *http.Request) bool {
	if r == nil {
		return !s.Insecure
	}
	if r.TLS != nil || forwardedHTTPS(r.Header) {
		return true
	}
	if s.Insecure {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return !isLoopback(host)
}

// forwardedHTTPS reports whether a proxy says the browser used HTTPS. The
// headers can be forged, but they can only turn Secure on.
func forwardedHTTPS(h http.Header) bool {
	if p, _, _ := strings.Cut(h.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(p), "https") {
		return true
	}
	first, _, _ := strings.Cut(h.Get("Forwarded"), ",")
	for pair := range strings.SplitSeq(first, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(v, `"`), "https") {
			return true
		}
	}
	return false
}

// SetToken adds Set-Cookie headers for tok to w (replacing any w already
// has for the same names), typically in the answer to the login form.
// Call it before writing the response. r is the request being answered;
// it decides the Secure flag.
//
// The error wraps ErrInvalidOption for a bad configuration, a nil token or
// one without an access token, and a value that cannot be a cookie: one
// with characters no cookie value may hold, or a cookie longer than
// MaxCookieSize, which browsers would drop. It names the cookie, never its
// value. Nothing is written then.
func (s *CookieSession) SetToken(w http.ResponseWriter, r *http.Request, tok *Token) error {
	cs, err := s.tokenCookies(r, tok, time.Now())
	if err != nil {
		return err
	}
	s.write(w, cs)
	return nil
}

// Clear adds Set-Cookie headers to w that delete the session cookies (the
// logout). It does not revoke the token at the platform: do that first,
// with the Token read back from r, where the platform can.
func (s *CookieSession) Clear(w http.ResponseWriter, r *http.Request) {
	if s.check() != nil {
		return
	}
	var cs []*http.Cookie
	for _, name := range s.names().list() {
		if name != "" {
			cs = append(cs, s.cookie(r, name, "", -1))
		}
	}
	s.write(w, cs)
}

// tokenCookies builds the cookies that carry tok.
func (s *CookieSession) tokenCookies(r *http.Request, tok *Token, now time.Time) ([]*http.Cookie, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if tok == nil || accessValue(tok.AccessToken) == "" {
		return nil, fmt.Errorf("%w: CookieSession: no access token to set", ErrInvalidOption)
	}
	n := s.names()
	refreshAge := s.refreshMaxAge()
	accessAge := refreshAge
	if !tok.Expiry.IsZero() && tok.Expiry.After(now) {
		accessAge = tok.Expiry.Sub(now)
	}
	refreshAge = max(refreshAge, accessAge)
	sessionAge := refreshAge
	if tok.RefreshToken == "" {
		sessionAge = accessAge
	}
	values := [4]struct {
		what, name, value string
		age               time.Duration
	}{
		{"access token", n.AccessToken, accessValue(tok.AccessToken), accessAge},
		{"refresh token", n.RefreshToken, tok.RefreshToken, refreshAge},
		{"realm id", n.RealmID, tok.RealmID, sessionAge},
		{"provider", n.Provider, tok.Provider, sessionAge},
	}
	var cs []*http.Cookie
	for _, v := range values {
		if v.name == "" {
			continue
		}
		switch {
		case v.value == "":
			cs = append(cs, s.cookie(r, v.name, "", -1)) // delete a stale one
			continue
		case !validCookieValue(v.value):
			return nil, fmt.Errorf("%w: CookieSession: the %s has characters a cookie value cannot hold", ErrInvalidOption, v.what)
		case len(v.name)+len(v.value) > MaxCookieSize:
			return nil, fmt.Errorf("%w: CookieSession: the %s makes a cookie longer than %d bytes, which browsers drop", ErrInvalidOption, v.what, MaxCookieSize)
		}
		cs = append(cs, s.cookie(r, v.name, v.value, maxAgeSeconds(v.age)))
	}
	return cs, nil
}

// maxAgeSeconds rounds d up to whole seconds, at least 1.
func maxAgeSeconds(d time.Duration) int {
	return int(max((d+time.Second-1)/time.Second, 1))
}

func (s *CookieSession) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     s.path(),
		Domain:   s.Domain,
		MaxAge:   maxAge,
		Secure:   s.secure(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// write replaces w's Set-Cookie headers for the session's names with cs.
func (s *CookieSession) write(w http.ResponseWriter, cs []*http.Cookie) {
	h := w.Header()
	n := s.names()
	if old := h["Set-Cookie"]; len(old) > 0 {
		kept := old[:0:0]
		for _, line := range old {
			name, _, _ := strings.Cut(line, "=")
			if !n.owns(strings.TrimSpace(name)) {
				kept = append(kept, line)
			}
		}
		if len(kept) == 0 {
			h.Del("Set-Cookie")
		} else {
			h["Set-Cookie"] = kept
		}
	}
	for _, c := range cs {
		http.SetCookie(w, c)
	}
}
