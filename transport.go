package bearerkit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bearerkit/bearerkit/internal/redact"
	"github.com/bearerkit/bearerkit/internal/wwwauth"
)

// Defaults of the Transport's zero-valued fields.
const (
	DefaultExpirySkew    = 30 * time.Second
	DefaultRefreshWindow = 5 * time.Minute
	DefaultCoolDown      = time.Minute
	DefaultRenewTimeout  = 30 * time.Second
)

// Transport is an http.RoundTripper that authenticates requests with
// tokens from Auth: it adds "Authorization: Bearer …" (and X-realm-id /
// X-provider when the token has them), renews the token before it expires,
// and when the API answers 401 renews it and sends the request once more.
//
// This departs on purpose from the http.RoundTripper contract, which says a
// RoundTripper should not handle authentication: that is this one's job. It
// keeps the rest of the contract: the caller's *http.Request is never
// modified (a shallow copy with a new header map is sent), and the request
// body is always closed.
//
// Renewals are single-flight: however many requests need a new token at
// once, Auth is called once and they all get its result. A Transport is
// safe for concurrent use. Set its fields before first use and do not
// change or copy it afterwards (printing a Transport copies it: do not print
// one of your own while its first request is in flight; NewClient's may be
// printed at any time). The zero value of every field but Auth is usable.
type Transport struct {
	// Auth obtains tokens. A nil Auth, a typed nil (a nil *Dataddo) or a
	// Fallback holding one fails every authenticated request with an error
	// wrapping ErrInvalidOption. A panic inside Auth is recovered (see
	// ErrAuthenticatorPanic).
	Auth Authenticator

	// Base sends the requests; nil means http.DefaultTransport, looked up
	// at call time (so httpmock.Activate still works). It also carries the
	// token, revocation and discovery requests of an Authenticator whose
	// own HTTPClient is nil (see WithHTTPClientContext).
	Base http.RoundTripper

	// Origins restricts credentials to these origins ("https://host:port";
	// a full URL is reduced to its origin). Requests elsewhere, such as a
	// redirect to another host, are sent without credentials. Hosts are
	// compared as net/http dials them: ASCII case-insensitively, an
	// internationalized name after its IDNA conversion to ASCII; a name
	// that cannot be converted matches nothing, and such an entry here
	// fails every request with ErrInvalidOption.
	//
	// Nil means the origin of each request: a request gets credentials,
	// but a redirect that net/http follows to another origin (another
	// scheme, host or port than the request that started the chain) does
	// not. NewClient sets Origins to the base URL's origin.
	Origins []string

	// AllowInsecureHTTP allows credentials over plain http:// to hosts that
	// are not loopback. Loopback hosts are always allowed.
	AllowInsecureHTTP bool

	// Store persists the token: loaded at first use, saved after every
	// renewal before any request uses the new token. It is read again
	// before each renewal, so Transports sharing a store use the newest
	// token and never send a rotated-out refresh token. Nil keeps it in
	// memory only.
	Store TokenStore

	// ExpirySkew renews a token this long before its Expiry (never more
	// than a quarter of its lifetime). Zero means DefaultExpirySkew;
	// negative means none. Expiry is measured on the monotonic clock from
	// when the token arrived, so a wall-clock step does not move it; after
	// the machine sleeps a token may be sent late, and the API's 401 then
	// renews it.
	ExpirySkew time.Duration

	// RefreshWindow starts one background renewal this long before Expiry
	// (never more than half the token's lifetime), while requests keep
	// using the still-valid token; if it fails, they use that token until
	// it expires. Zero means DefaultRefreshWindow; negative turns
	// background renewal off.
	RefreshWindow time.Duration

	// CoolDown is how long a refused login (wrong password, dead refresh
	// token with nothing to fall back to, a redirect off the token
	// endpoint's origin) is answered from memory, with the same error,
	// before the server is asked again. It also applies when the API
	// answers 401 to a token issued for the very request it refused: for
	// that long, further 401s to that token fail with an error wrapping
	// ErrTokenRejected instead of starting another renewal (unless that
	// 401 came after the token's own renewal instant, ExpirySkew before
	// its expiry: an API so slow that the token expired on the way has not
	// refused a fresh token). Zero means DefaultCoolDown; negative turns it
	// off.
	CoolDown time.Duration

	// RenewTimeout bounds one renewal, retries included, whatever it waits
	// for: a TokenStore whose Load or Save hangs, or an Authenticator that
	// ignores its context, is abandoned at the bound (requests get an error
	// wrapping context.DeadlineExceeded that names the step), and its
	// goroutine ends when the blocked call returns. A token that a late
	// Authenticator still returns is kept if nothing newer has replaced
	// the one it renews; a Save that hangs does not keep the new token from
	// being used. The renewal runs detached from the request that started
	// it, so a caller that gives up does not cancel it for the others. A
	// renewal that waited for another process's (see Coordinator) and has
	// less than min(250 ms, RenewTimeout/8) left when its turn comes sends
	// no token request, since its answer would likely be cut off and a
	// rotated refresh token lost with it: it fails with the bound, and the
	// next renewal sends it. Zero means DefaultRenewTimeout.
	RenewTimeout time.Duration

	// Cookies, when set, sends the token as cookies with these names
	// instead of as headers. Names that are not distinct HTTP tokens fail
	// every request with ErrInvalidOption.
	Cookies *CookieNames

	// OnToken, when set, is called with each new token, after it is saved
	// and before any request uses it. It must not block for long.
	OnToken func(Token)

	// Logger receives debug, warning and error records about renewals;
	// nil means no logging. Records never hold secrets.
	Logger *slog.Logger

	// Hooks are called as tokens are renewed and requests replayed, for
	// metrics and tracing (see Hooks). The zero value calls nothing.
	Hooks Hooks

	authHC *http.Client // the client NewClient was given (WithHTTPClient)

	st atomic.Value // *state, created at first use
}

// RoundTrip sends req with credentials if its origin is one of Origins (or
// Origins is nil), renewing the token as needed, and replays it once after
// a 401 if its body can be replayed (nil, http.NoBody, or GetBody set).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := t.state()
	if !st.applies(req) {
		return t.base().RoundTrip(req)
	}
	if err := st.check(req); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	ctx := req.Context()
	s := st.cur.Load()
	if s == nil || !s.fresh(st) {
		var err error
		if s, err = t.acquire(ctx, st); err != nil {
			closeRequestBody(req)
			return nil, err
		}
	}
	base := t.base()
	resp, err := base.RoundTrip(authorize(req, s.headers()))
	if err != nil {
		return nil, scrubErr(err, tokenSecrets(s.tok))
	}
	if resp.StatusCode != http.StatusUnauthorized {
		return resp, nil
	}

	// 401: the token that request carried is dead.
	if st.t.Logger != nil {
		st.log(ctx, slog.LevelDebug, "bearerkit: API answered 401; renewing", challengeAttrs(resp, s)...)
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	ns, rerr := t.renew(ctx, st, s, reason401)
	if !replayable {
		return resp, nil
	}
	if rerr != nil {
		closeBody(resp)
		return nil, rerr
	}
	r2 := authorize(req, ns.headers())
	if req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			closeBody(resp)
			return nil, fmt.Errorf("bearerkit: rewinding the request body for replay: %w", err)
		}
		r2.Body = body
	}
	closeBody(resp)
	resp, err = base.RoundTrip(r2)
	if err != nil {
		err = scrubErr(err, tokenSecrets(ns.tok))
		st.replayed(ctx, req, 0, err)
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && !ns.pastRenewal(st.tick()) {
		st.refusedFresh(ns)
		if resp.Body != nil {
			resp.Body = &replayedBody{resp.Body}
		}
	}
	st.replayed(ctx, req, resp.StatusCode, nil)
	return resp, nil
}

// replayedBody marks the answer to a replay after a 401 that was refused
// again, so that CheckResponse can say the fresh token was refused too.
type replayedBody struct{ io.ReadCloser }

// replayed reports a replay after a 401 to the hooks.
func (st *state) replayed(ctx context.Context, req *http.Request, status int, err error) {
	if st.t.Hooks.Replayed == nil {
		return
	}
	defer st.recoverHook("Replayed")
	st.t.Hooks.Replayed(ctx, ReplayEvent{Method: req.Method, URL: redact.URL(req.URL.String()), StatusCode: status, Err: err})
}

// CloseIdleConnections closes the idle connections of Base, if it can.
func (t *Transport) CloseIdleConnections() {
	type closeIdler interface{ CloseIdleConnections() }
	if ci, ok := t.base().(closeIdler); ok {
		ci.CloseIdleConnections()
	}
}

// challengeAttrs describes a 401 for the log: the RFC 6750 error and
// error_description of its Bearer challenge, when it has one, with the
// token taken out should a hostile server echo it.
func challengeAttrs(resp *http.Response, s *snapshot) []slog.Attr {
	attrs := []slog.Attr{slog.Uint64("generation", s.gen)}
	text := func(v string, n int) string { return redact.ScrubClip(v, n, s.tok.AccessToken, s.tok.RefreshToken) }
	if c, ok := wwwauth.Find(wwwauth.Parse(resp.Header.Get("WWW-Authenticate")), "bearer"); ok {
		attrs = append(attrs,
			slog.String("error", text(c.Param("error"), 100)),
			slog.String("error_description", text(c.Param("error_description"), 200)))
	}
	return attrs
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func (t *Transport) fields() []redact.Field {
	return []redact.Field{
		{Name: "Auth", Value: printable(t.Auth)},
		{Name: "Origins", Value: redactURLs(t.Origins)},
		{Name: "AllowInsecureHTTP", Value: t.AllowInsecureHTTP},
	}
}

// String describes the transport without secrets.
func (t Transport) String() string { return redact.String("bearerkit.Transport", t.fields()...) }

// GoString is the %#v form, without secrets.
func (t Transport) GoString() string { return redact.GoString("bearerkit.Transport", t.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (t Transport) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, t.String(), t.GoString())
}

// LogValue is the slog form, without secrets.
func (t Transport) LogValue() slog.Value { return redact.LogValue(t.fields()...) }

// MarshalJSON is the JSON form, without secrets (json.Marshal would
// otherwise reach into Auth).
func (t Transport) MarshalJSON() ([]byte, error) { return redact.JSON(t.fields()...) }

// redactURLs returns us without user information, query or fragment; nil
// stays nil.
func redactURLs(us []string) []string {
	if us == nil {
		return nil
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = redact.URL(u)
	}
	return out
}

var errNoAuth = fmt.Errorf("%w: Transport has no Authenticator", ErrInvalidOption)
