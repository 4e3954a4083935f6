package bearerkit

import (
	"context"
	"net/http"
	"strings"
)

type httpClientKey struct{}

// WithHTTPClientContext returns a context under which the grants and
// presets whose own HTTPClient is nil, and Discover given a nil client,
// send their token, revocation and discovery requests with hc. A Transport
// (and so a Client made WithHTTPClient) passes its own to every renewal
// this way, so that timeouts, a proxy and TLS settings are set once for
// everything. An Authenticator of your own should do the same with
// HTTPClientFromContext.
func WithHTTPClientContext(ctx context.Context, hc *http.Client) context.Context {
	return context.WithValue(ctx, httpClientKey{}, hc)
}

// HTTPClientFromContext returns the *http.Client that ctx carries (see
// WithHTTPClientContext), or nil.
func HTTPClientFromContext(ctx context.Context) *http.Client {
	hc, _ := ctx.Value(httpClientKey{}).(*http.Client)
	return hc
}

// authClient picks the client of a request bearerkit sends for an
// Authenticator: its own, else the context's, else http.DefaultClient
// (looked up now, so httpmock.Activate works).
func authClient(ctx context.Context, own *http.Client) *http.Client {
	if own != nil {
		return own
	}
	if hc := HTTPClientFromContext(ctx); hc != nil {
		return hc
	}
	return http.DefaultClient
}

// authClient is the client the Transport hands its Authenticator's
// requests: the one NewClient was given, else one on Base, made once at
// first need; nil when neither is set (http.DefaultClient then). st.mu must
// be held.
func (st *state) authClient() *http.Client {
	t := st.t
	if t.authHC != nil || t.Base == nil {
		return t.authHC
	}
	if st.baseHC == nil {
		st.baseHC = &http.Client{Transport: t.Base}
	}
	return st.baseHC
}

// apiBaser is an Authenticator that knows the root of its platform's API
// (Dataddo), so NewClient needs no base URL.
type apiBaser interface{ apiBaseURL() string }

// baseFiller is an Authenticator that can take its BaseURL from the
// Client's base URL when it has none.
type baseFiller interface {
	withBaseURL(base string) Authenticator
}

// endpointer lists the URLs an Authenticator sends credentials to, for
// NewClient's plain-http check.
type endpointer interface{ endpoints() []string }

func endpointsOf(a Authenticator) []string {
	if e, ok := a.(endpointer); ok && !isNil(a) {
		return e.endpoints()
	}
	return nil
}

func (d Dataddo) apiBaseURL() string { return d.BaseURL }

func (d Dataddo) withBaseURL(base string) Authenticator {
	if d.BaseURL == "" {
		d.BaseURL = strings.TrimRight(base, "/")
	}
	return d
}

func (f fallback) apiBaseURL() string {
	for _, a := range f {
		if b, ok := a.(apiBaser); ok && !isNil(a) {
			if u := b.apiBaseURL(); u != "" {
				return u
			}
		}
	}
	return ""
}

func (f fallback) withBaseURL(base string) Authenticator {
	out := make(fallback, len(f))
	for i, a := range f {
		out[i] = a
		if b, ok := a.(baseFiller); ok && !isNil(a) {
			out[i] = b.withBaseURL(base)
		}
	}
	return out
}

func (f fallback) endpoints() []string {
	var out []string
	for _, a := range f {
		out = append(out, endpointsOf(a)...)
	}
	return out
}

func (g PasswordGrant) endpoints() []string     { return []string{g.TokenURL} }
func (g RefreshGrant) endpoints() []string      { return []string{g.TokenURL} }
func (g ClientCredentials) endpoints() []string { return []string{g.TokenURL} }
func (d Dataddo) endpoints() []string           { return []string{d.BaseURL} }
func (o OneData) endpoints() []string           { return []string{o.BaseURL} }
func (a AuthAPI) endpoints() []string           { return []string{a.BaseURL} }
func (k Keycloak) endpoints() []string          { return []string{k.TokenURL()} }
