package bearerkit

import (
	"maps"
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
	b := new(headerBuf)
	b.fill(tok, cookies, "")
	return b.list()
}

// headerBuf holds a token's headers: the first one (Authorization, or
// Cookie, the only one of nearly every token) and its value in place, so
// that a snapshot and its headers are one allocation.
type headerBuf struct {
	hs   [1]header
	vals [1]string
	more *[]header // all of them, when there are more (X-Realm-Id, X-Provider)
}

func (b *headerBuf) list() []header {
	if b.more != nil {
		return *b.more
	}
	return b.hs[:]
}

// fill computes tok's headers into b; auth, when not empty, is the
// Authorization value. Each value slice has a capacity of one, so that
// appending to it (Header.Add) copies it rather than writing past it.
func (b *headerBuf) fill(tok *Token, cookies *CookieNames, auth string) {
	if cookies != nil {
		b.vals[0] = cookies.cookieHeader(tok)
		b.hs[0] = header{key: "Cookie", val: b.vals[:], cookies: cookies}
		return
	}
	if auth == "" {
		auth, _ = authorization(tok)
	}
	b.vals[0] = auth
	b.hs[0] = header{key: "Authorization", val: b.vals[:]}
	if tok.RealmID == "" && tok.Provider == "" {
		return
	}
	hs := append(make([]header, 0, 3), b.hs[0])
	if tok.RealmID != "" {
		hs = append(hs, header{key: "X-Realm-Id", val: []string{tok.RealmID}})
	}
	if tok.Provider != "" {
		hs = append(hs, header{key: "X-Provider", val: []string{tok.Provider}})
	}
	b.more = &hs
}

// authorization returns tok's Authorization value, and tok's access token
// sharing that value's bytes (see shareAccess).
func authorization(tok *Token) (auth, access string) {
	auth = tok.Type() + " " + accessValue(tok.AccessToken)
	return auth, shareAccess(auth, tok.AccessToken)
}

// shareAccess returns access as the tail of auth, its Authorization value,
// when it is the very same text (it has no "Bearer " prefix of its own), so
// that a token held with its header holds its access token once: a JWT can
// take a kilobyte.
func shareAccess(auth, access string) string {
	if len(auth) > len(access) && auth[len(auth)-len(access):] == access && auth[len(auth)-len(access)-1] == ' ' {
		return auth[len(auth)-len(access):]
	}
	return access
}

// sameAuthorization reports whether auth is tok's Authorization value.
func sameAuthorization(auth string, tok *Token) bool {
	if auth == "" {
		return false
	}
	a, typ := accessValue(tok.AccessToken), tok.Type()
	return len(auth) == len(typ)+1+len(a) && auth[:len(typ)] == typ && auth[len(typ)] == ' ' && auth[len(typ)+1:] == a
}

// authorize returns a shallow copy of req with a new header map holding the
// caller's headers and the token's. req itself is never modified.
func authorize(req *http.Request, hs []header) *http.Request {
	r2 := new(http.Request)
	*r2 = *req
	var h http.Header
	if cloneFits(len(req.Header), len(hs)) {
		// A map's clone copies its table as it is, with no hashing: two
		// to three times faster than inserting each header again.
		h = maps.Clone(req.Header)
	}
	if h == nil {
		h = make(http.Header, len(req.Header)+len(hs))
		for k, v := range req.Header {
			h[k] = v
		}
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

// cloneFits reports whether a clone of a header map of n entries most
// likely takes k more without growing, which would cost more than building
// a new map of the right size. A clone has the capacity of its original.
// Go's maps hold up to 8 entries in one group, and larger ones in tables
// of a power of two slots at least 16, filled to at most 7/8 before they
// grow: a map built entry by entry (as net/http's are) with n entries has
// at least the smallest such table that holds n. Only speed depends on
// this; any map is copied correctly either way.
func cloneFits(n, k int) bool {
	const group = 8
	switch {
	case n+k <= group:
		return true
	case n <= group:
		return false // a full group would grow into a table
	}
	slots := 2 * group
	for slots*7/8 < n {
		slots *= 2
	}
	return n+k <= slots*7/8
}
