package bearerkit

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/bearerkit/bearerkit/internal/jwtexp"
)

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
