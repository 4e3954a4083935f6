package bearerkit

import (
	"context"
	"net/http"
)

// A renewal normally runs on a goroutine of its own, so that the request
// that started it gets an error at RenewTimeout even when an Authenticator
// or a TokenStore ignores its context, and returns when its own context
// ends while the renewal goes on for the others. When neither can happen,
// the goroutine buys nothing and costs a goroutine start, its stack and two
// thread wake-ups (about half of a renewal answered from memory): the
// request that starts the renewal runs it itself. That is the case when
// the request's context cannot end (ctx.Done() is nil, as for
// context.Background) and every step is known to return by the renewal's
// deadline: an Authenticator of this package (or a Fallback of them)
// sending with an *http.Client whose Transport is an *http.Transport (nil
// meaning http.DefaultTransport, when that is one) and that has no
// CheckRedirect or Jar of the caller's, and no TokenStore, a MemoryStore or
// a FileStore. Requests that join the renewal wait as before, and a timer
// still lands it for them at RenewTimeout.

// httpAuthenticator is an Authenticator of this package whose every step
// is a request sent with its HTTPClient (nil: the context's, else
// http.DefaultClient), which returns when its context ends if that
// client's does.
type httpAuthenticator interface {
	Authenticator
	ownHTTPClient() *http.Client
}

func (g PasswordGrant) ownHTTPClient() *http.Client     { return g.HTTPClient }
func (g RefreshGrant) ownHTTPClient() *http.Client      { return g.HTTPClient }
func (g ClientCredentials) ownHTTPClient() *http.Client { return g.HTTPClient }
func (k Keycloak) ownHTTPClient() *http.Client          { return k.HTTPClient }
func (d Dataddo) ownHTTPClient() *http.Client           { return d.HTTPClient }
func (o OneData) ownHTTPClient() *http.Client           { return o.HTTPClient }
func (a AuthAPI) ownHTTPClient() *http.Client           { return a.HTTPClient }

// inline reports whether the request whose context is ctx may run the
// renewal it starts itself (see above).
func (st *state) inline(ctx context.Context) bool {
	if ctx.Done() != nil {
		return false
	}
	t := st.t
	switch s := t.Store.(type) {
	case nil:
	case *MemoryStore:
		if s == nil {
			return false
		}
	case *FileStore:
		if s == nil {
			return false
		}
	default:
		return false
	}
	hc := HTTPClientFromContext(ctx)
	if hc == nil {
		hc = st.authClient()
	}
	return boundedAuth(t.Auth, hc, true)
}

// boundedAuth reports whether a returns by its context's end, sending with
// its own client or else ctxClient (nil: http.DefaultClient).
func boundedAuth(a Authenticator, ctxClient *http.Client, top bool) bool {
	switch a := a.(type) {
	case fallback:
		if !top || len(a) == 0 {
			return false
		}
		for _, s := range a {
			if !boundedAuth(s, ctxClient, false) {
				return false
			}
		}
		return true
	case httpAuthenticator:
		if isNil(a) {
			return false
		}
		hc := a.ownHTTPClient()
		if hc == nil {
			hc = ctxClient
		}
		return boundedClient(hc)
	}
	return false
}

// boundedClient reports whether a request sent with hc (nil:
// http.DefaultClient) returns when its context ends: net/http's own
// Transport does, whatever it waits for; a RoundTripper, a CheckRedirect or
// a cookie Jar of the caller's may not.
func boundedClient(hc *http.Client) bool {
	if hc == nil {
		hc = http.DefaultClient
	}
	if hc.CheckRedirect != nil || hc.Jar != nil {
		return false
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	return ok && tr != nil
}
