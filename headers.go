package bearerkit

import (
	"net/http"
)

// header is one precomputed header of a token: its canonical key and a
// value slice shared by every request that carries the token. Nothing in
// bearerkit or net/http writes into it; Header.Set and Add replace or copy
// it.
type header struct {
	key string
	val []string
	// cookies is set in cookie mode: val is then joined to the caller's
	// Cookie header, without the caller's cookies of these names, instead
	// of replacing it.
	cookies *CookieNames
}

// tokenHeaders computes the headers that carry tok: Authorization (plus
// X-realm-id and X-provider when set), or a Cookie header in cookie mode.
func tokenHeaders(tok *Token, cookies *CookieNames) []header {
	if cookies != nil {
		return []header{{key: "Cookie", val: []string{cookies.cookieHeader(tok)}, cookies: cookies}}
	}
	hs := make([]header, 1, 3)
	hs[0] = header{key: "Authorization", val: []string{tok.Type() + " " + accessValue(tok.AccessToken)}}
	if tok.RealmID != "" {
		hs = append(hs, header{key: "X-Realm-Id", val: []string{tok.RealmID}})
	}
	if tok.Provider != "" {
		hs = append(hs, header{key: "X-Provider", val: []string{tok.Provider}})
	}
	return hs
}

// authorize returns a shallow copy of req with a new header map holding the
// caller's headers and the token's. req itself is never modified.
func authorize(req *http.Request, hs []header) *http.Request {
	r2 := new(http.Request)
	*r2 = *req
	h := make(http.Header, len(req.Header)+len(hs))
	for k, v := range req.Header {
		h[k] = v
	}
	for i := range hs {
		if hs[i].cookies != nil {
			if prev := req.Header.Values(hs[i].key); len(prev) > 0 {
				if kept := hs[i].cookies.strip(prev); kept != "" {
					h[hs[i].key] = []string{kept + "; " + hs[i].val[0]}
					continue
				}
			}
		}
		h[hs[i].key] = hs[i].val
	}
	r2.Header = h
	return r2
}
