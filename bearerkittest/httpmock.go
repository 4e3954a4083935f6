package bearerkittest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"syscall"

	"github.com/jarcoal/httpmock"
)

// Mock is a platform's token flows (login and refresh) registered on an
// httpmock.MockTransport, for unit tests that mock their own API endpoints. It runs the
// emulators' own handlers, so bodies, status codes, counters, events and knobs
// (FailNext, KillAccessTokens, ...) are the same; a FailReset becomes a transport error
// wrapping syscall.ECONNRESET. Make one with a RegisterXxxAuth function; the zero value is
// not usable. Safe for concurrent use.
type Mock struct {
	*Core
}

// RegisterDataddoAuth registers Dataddo's POST /auth and POST and GET /refresh under
// baseURL (e.g. "https://headless.dataddo.com/customer-api/v1") on mt; pass
// httpmock.DefaultTransport to use httpmock's global activation. opts are the Dataddo
// options; WithBasePath and WithTLS are ignored (baseURL decides). It panics on a bad
// baseURL or option, as regexp.MustCompile does.
func RegisterDataddoAuth(mt *httpmock.MockTransport, baseURL string, opts ...Option) *Mock {
	return register(mt, baseURL, opts, func(o []Option) (*Core, http.Handler, error) {
		d, err := newDataddo(o)
		if err != nil {
			return nil, nil, err
		}
		return d.Core, d.handler(), nil
	}, "POST /auth", "POST /refresh", "GET /refresh")
}

// RegisterOneDataAuth registers ONE DATA's POST /api/v1/users/login under baseURL on mt.
// See RegisterDataddoAuth.
func RegisterOneDataAuth(mt *httpmock.MockTransport, baseURL string, opts ...Option) *Mock {
	return register(mt, baseURL, opts, func(o []Option) (*Core, http.Handler, error) {
		od, err := newOneData(o)
		if err != nil {
			return nil, nil, err
		}
		return od.Core, od.handler(), nil
	}, "POST /api/v1/users/login")
}

// RegisterAuthAPIAuth registers AuthAPI's POST /auth/password and POST /auth/refresh
// under baseURL on mt. See RegisterDataddoAuth.
func RegisterAuthAPIAuth(mt *httpmock.MockTransport, baseURL string, opts ...Option) *Mock {
	return register(mt, baseURL, opts, func(o []Option) (*Core, http.Handler, error) {
		a, err := newAuthAPI(o)
		if err != nil {
			return nil, nil, err
		}
		return a.Core, a.handler(), nil
	}, "POST /auth/password", "POST /auth/refresh")
}

// RegisterKeycloakAuth registers the token endpoint of a Keycloak realm on mt:
// POST {baseURL}[/auth]/realms/{realm}/protocol/openid-connect/token (all three grants).
// baseURL is the server, e.g. "https://dc.example.com". See RegisterDataddoAuth.
func RegisterKeycloakAuth(mt *httpmock.MockTransport, baseURL string, opts ...Option) *Mock {
	var path string
	return register(mt, baseURL, opts, func(o []Option) (*Core, http.Handler, error) {
		k, err := newKeycloak(o)
		if err != nil {
			return nil, nil, err
		}
		path = strings.TrimPrefix(k.Issuer(), k.URL()) + "/protocol/openid-connect/token"
		return k.Core, k.handler(), nil
	}, func() string { return "POST " + path })
}

// register builds the emulator, then registers each "METHOD /path" route (a string, or a
// func returning one once the emulator is built) relative to baseURL.
func register(mt *httpmock.MockTransport, baseURL string, opts []Option,
	build func([]Option) (*Core, http.Handler, error), routes ...any) *Mock {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		panic("bearerkittest: invalid base URL") // not echoed: it could hold credentials
	}
	c, h, err := build(slices.Concat(opts, []Option{WithBasePath(u.Path), func(c *config) error { c.tls = false; return nil }}))
	if err != nil {
		panic(err.Error())
	}
	c.origin = u.Scheme + "://" + u.Host
	c.client = &http.Client{Transport: mt}
	resp := responder(h)
	for _, r := range routes {
		route, ok := r.(string)
		if !ok {
			route = r.(func() string)()
		}
		method, path, _ := strings.Cut(route, " ")
		mt.RegisterResponder(method, c.URL()+path, resp)
	}
	return &Mock{Core: c}
}

// responder runs h on a recorder. An aborted handler (FailReset) is a connection reset.
func responder(h http.Handler) httpmock.Responder {
	return func(req *http.Request) (resp *http.Response, err error) {
		defer func() {
			if p := recover(); p != nil {
				if p != http.ErrAbortHandler {
					panic(p)
				}
				resp, err = nil, fmt.Errorf("bearerkittest: mock connection reset: %w", syscall.ECONNRESET)
			}
		}()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.Clone(req.Context()))
		resp = rec.Result()
		resp.Request = req
		return resp, nil
	}
}

// AccessToken returns the newest access token that is still valid, or "" when none is.
func (m *Mock) AccessToken() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens.latest(m.now())
}

// Authorized reports whether r carries what the platform's API requires (a live bearer
// token; for Dataddo also X-Realm-Id and X-Provider, or the cookies). It counts and logs
// the call as an EndpointAPI call answered 200 or 401.
func (m *Mock) Authorized(r *http.Request) bool {
	a, o := m.authorize(r)
	e := Event{Endpoint: EndpointAPI, Method: r.Method, Path: r.URL.Path, Outcome: o, Status: http.StatusOK}
	if o != OutcomeOK {
		e.Status = http.StatusUnauthorized
	}
	if a != nil {
		e.User, e.Token = a.g.user, Fingerprint(a.token)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e.Time = m.now()
	m.account(e, false)
	return o == OutcomeOK
}

// Protect wraps one of your API responders: requests that are not Authorized get a 401
// with WWW-Authenticate and the platform's error body; the others reach next.
func (m *Mock) Protect(next httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		if m.Authorized(req) {
			return next(req)
		}
		rec := httptest.NewRecorder()
		m.writeUnauthorized(rec, "", "Unauthorized")
		resp := rec.Result()
		resp.Request = req
		return resp, nil
	}
}
