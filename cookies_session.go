package bearerkit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bearerkit/bearerkit/internal/jwtexp"
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

// Token reads the token back from r's cookies. Its Expiry is the access
// token's exp claim when that is a JWT, else zero (the token is then used
// until the platform answers 401).
//
// When the access-token cookie has expired but the refresh-token cookie is
// still there, the token has no AccessToken, only a RefreshToken (and
// RealmID, Provider): Client renews it. Without either cookie the error is
// ErrNoSession; a cookie that cannot be a token (see CookieError) gives a
// *CookieError; a bad configuration an error wrapping ErrInvalidOption.
// Cookies of other names are ignored; of two cookies with one name (a
// different Path) the first is used, as browsers send the most specific
// first.
func (s *CookieSession) Token(r *http.Request) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	names := s.names()
	vals, err := readCookies(r.Header["Cookie"], names)
	if err != nil {
		return nil, err
	}
	tok := &Token{AccessToken: vals[0], RefreshToken: vals[1], RealmID: vals[2], Provider: vals[3]}
	if tok.AccessToken == "" && tok.RefreshToken == "" {
		return nil, ErrNoSession
	}
	if exp, ok := jwtexp.Expiry(tok.AccessToken); ok {
		tok.Expiry = exp
	}
	return tok, nil
}

// readCookies finds the values of names' cookies in Cookie header lines:
// the first of each name, without the optional quotes; "" for a missing
// or empty one.
func readCookies(lines []string, names *CookieNames) ([4]string, error) {
	var vals [4]string
	var seen [4]bool
	list := names.list()
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			name, val, _ := strings.Cut(strings.Trim(part, " \t"), "=")
			name = strings.Trim(name, " \t")
			i := 0
			for i < 4 && (list[i] == "" || list[i] != name) {
				i++
			}
			if i == 4 || seen[i] {
				continue
			}
			seen[i] = true
			val = strings.Trim(val, " \t")
			if len(name)+len(val) > MaxCookieSize {
				return vals, &CookieError{Name: name, Reason: "is longer than " + strconv.Itoa(MaxCookieSize) + " bytes"}
			}
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if !validCookieValue(val) {
				return vals, &CookieError{Name: name, Reason: "has characters a cookie value cannot hold"}
			}
			vals[i] = val
		}
	}
	return vals, nil
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

// Client returns a Client of the API at baseURL for the user whose cookies
// r carries, for the duration of one request: the token comes from the
// cookies, and every renewed token is written to w as Set-Cookie headers
// (replacing earlier ones), so the browser always holds the newest refresh
// token. auth renews the token; for a platform that rotates refresh tokens
// it needs no password (bearerkit.Dataddo with BaseURL and HTTPClient
// only): when the refresh token is dead the renewal fails instead.
//
// Client renews the token at once when it has expired (or its access-token
// cookie has), so the error may be the renewal's, typically an *AuthError;
// the app should then Clear the cookies and ask the user to log in, unless
// AuthError.Temporary says the platform is only unreachable. Without a
// session the error wraps ErrNoSession. opts are NewClient's; the
// TokenStore and the background renewal are Client's own.
//
// Renewed tokens are added to w when the renewing API call returns, so
// make the calls before writing the response, from the handler's goroutine
// or from goroutines it waits for. Renewals of one refresh token by
// concurrent requests are shared (see RotationGrace).
func (s *CookieSession) Client(w http.ResponseWriter, r *http.Request, baseURL string, auth Authenticator, opts ...Option) (*Client, error) {
	tok, err := s.Token(r)
	if err != nil {
		return nil, err
	}
	if auth == nil {
		return nil, fmt.Errorf("%w: CookieSession.Client: nil Authenticator", ErrInvalidOption)
	}
	st := &sessionStore{s: s, w: w, r: r, tok: tok}
	a := &sessionAuth{s: s, inner: auth}
	if tok.AccessToken == "" {
		a.seed = tok
	}
	all := make([]Option, 0, len(opts)+2)
	all = append(append(all, opts...), WithTokenStore(st), WithRefreshWindow(0))
	c, err := NewClient(baseURL, a, all...)
	if err != nil {
		return nil, err
	}
	c.auth = auth // what the Client prints as
	c.http.Transport = &sessionRT{next: c.http.Transport, st: st}
	_, err = c.transport.Token(r.Context())
	st.flush()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// sessionStore is the TokenStore of one request's Client: it loads the
// token from the request's cookies and keeps each renewed one until
// flush writes it to the response, in a goroutine of the handler's.
type sessionStore struct {
	s   *CookieSession
	w   http.ResponseWriter
	r   *http.Request
	tok *Token // read from the cookies

	mu      sync.Mutex
	pending *Token
}

// Load returns the cookies' token, unless it has no access token.
func (st *sessionStore) Load(context.Context) (*Token, error) {
	if st.tok.AccessToken == "" {
		return nil, nil
	}
	c := *st.tok
	return &c, nil
}

// Save keeps t for flush. It runs in the renewal's goroutine, which may
// outlive the handler, so it does not touch the response.
func (st *sessionStore) Save(_ context.Context, t *Token) error {
	if t == nil {
		return nil
	}
	if _, err := st.s.tokenCookies(st.r, t, time.Now()); err != nil {
		return err
	}
	c := *t
	st.mu.Lock()
	st.pending = &c
	st.mu.Unlock()
	return nil
}

// flush writes the newest saved token to the response.
func (st *sessionStore) flush() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.pending == nil {
		return
	}
	if cs, err := st.s.tokenCookies(st.r, st.pending, time.Now()); err == nil {
		st.s.write(st.w, cs)
	}
	st.pending = nil
}

// sessionRT flushes renewed tokens to the response after each request,
// in the caller's goroutine.
type sessionRT struct {
	next http.RoundTripper
	st   *sessionStore
}

func (rt *sessionRT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(req)
	rt.st.flush()
	return resp, err
}

// CloseIdleConnections closes the idle connections of the wrapped
// transport, if it can.
func (rt *sessionRT) CloseIdleConnections() {
	if ci, ok := rt.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// sessionAuth renews a cookie session's token: it starts from the
// cookies' refresh token when the access token is gone, and shares
// renewals of one refresh token between requests.
type sessionAuth struct {
	s     *CookieSession
	inner Authenticator
	seed  *Token // the cookies' token when it has no access token
}

func (a *sessionAuth) Authenticate(ctx context.Context, prev *Token) (*Token, error) {
	if prev == nil && a.seed != nil {
		c := *a.seed
		prev = &c
	}
	g := a.s.grace()
	if prev == nil || prev.RefreshToken == "" || g <= 0 {
		return a.inner.Authenticate(ctx, prev)
	}
	return a.s.shared.do(ctx, prev.RefreshToken, g, func() (*Token, error) {
		return a.inner.Authenticate(ctx, prev)
	})
}

func (a *sessionAuth) String() string   { return fmt.Sprint(printable(a.inner)) }
func (a *sessionAuth) GoString() string { return fmt.Sprintf("%#v", printable(a.inner)) }

// renewals joins the renewals of one refresh token and remembers their
// results for a grace period, by a digest of the refresh token.
type renewals struct {
	mu        sync.Mutex
	m         map[[sha256.Size]byte]*renewal
	nextSweep time.Time
}

type renewal struct {
	done  chan struct{}
	tok   *Token
	err   error
	over  bool      // done is closed; guarded by renewals.mu
	until time.Time // a successful result is shared until then
}

// maxRenewals bounds the remembered renewals; past it, renewals are not
// shared.
const maxRenewals = 4096

func (rs *renewals) do(ctx context.Context, refresh string, grace time.Duration, fn func() (*Token, error)) (*Token, error) {
	key := sha256.Sum256([]byte(refresh))
	now := time.Now()
	rs.mu.Lock()
	if rs.m == nil {
		rs.m = make(map[[sha256.Size]byte]*renewal)
	}
	if len(rs.m) > 0 && !now.Before(rs.nextSweep) {
		for k, e := range rs.m {
			if e.over && !now.Before(e.until) {
				delete(rs.m, k)
			}
		}
		rs.nextSweep = now.Add(grace)
	}
	e := rs.m[key]
	if e != nil && e.over && !now.Before(e.until) {
		delete(rs.m, key)
		e = nil
	}
	if e != nil {
		rs.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return nil, e.err
		}
		c := *e.tok
		return &c, nil
	}
	if len(rs.m) >= maxRenewals {
		rs.mu.Unlock()
		return fn()
	}
	e = &renewal{done: make(chan struct{})}
	rs.m[key] = e
	rs.mu.Unlock()

	defer func() {
		rs.mu.Lock()
		e.over = true
		if e.err != nil || e.tok == nil {
			if e.err == nil {
				e.err = errors.New("bearerkit: renewal failed")
			}
			delete(rs.m, key)
		} else {
			e.until = time.Now().Add(grace)
		}
		rs.mu.Unlock()
		close(e.done)
	}()
	tok, err := fn()
	if err == nil && tok != nil {
		c := *tok
		e.tok = &c
	}
	e.err = err
	return tok, err
}
