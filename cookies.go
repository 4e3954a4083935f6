package bearerkit

import (
	"fmt"
	"strings"
)

// CookieNames names the cookies that carry a Token, for platforms and web
// apps that take the credential as cookies (Dataddo's web flow) instead of
// headers. An empty name leaves that value out; AccessToken must be set.
// Names are HTTP tokens (letters, digits and !#$%&'*+-.^_`|~), all
// different.
type CookieNames struct {
	AccessToken, RefreshToken, RealmID, Provider string
}

// DataddoCookies are the cookie names Dataddo's API accepts:
// accessToken, refreshToken, realmId and provider.
var DataddoCookies = CookieNames{AccessToken: "accessToken", RefreshToken: "refreshToken", RealmID: "realmId", Provider: "provider"}

// DataddoBrowserCookies are the names the vendor's browser sample keeps the
// same values under: dataddo-access-token, dataddo-refresh-token,
// dataddo-realm and dataddo-provider.
var DataddoBrowserCookies = CookieNames{AccessToken: "dataddo-access-token", RefreshToken: "dataddo-refresh-token", RealmID: "dataddo-realm", Provider: "dataddo-provider"}

// MaxCookieSize is the longest cookie, name and value together, that
// CookieSession writes or accepts: browsers keep no more than 4096 bytes of
// a cookie (RFC 6265 §6.1) and silently drop a longer one.
const MaxCookieSize = 4096

// list returns the names in a fixed order: access, refresh, realm,
// provider.
func (n *CookieNames) list() [4]string {
	return [4]string{n.AccessToken, n.RefreshToken, n.RealmID, n.Provider}
}

// check validates the names.
func (n *CookieNames) check() error {
	if n.AccessToken == "" {
		return fmt.Errorf("%w: CookieNames: no access-token cookie name", ErrInvalidOption)
	}
	l := n.list()
	for i, name := range l {
		if name == "" {
			continue
		}
		if !validCookieName(name) {
			return fmt.Errorf("%w: CookieNames: %q is not a valid cookie name", ErrInvalidOption, clipName(name))
		}
		for _, other := range l[:i] {
			if other == name {
				return fmt.Errorf("%w: CookieNames: %q is used twice", ErrInvalidOption, name)
			}
		}
	}
	return nil
}

// owns reports whether name is one of n's names.
func (n *CookieNames) owns(name string) bool {
	if name == "" {
		return false
	}
	for _, m := range n.list() {
		if m == name {
			return true
		}
	}
	return false
}

// cookieHeader renders tok as a Cookie header value. A value that cannot be
// a cookie value (a space, a quote, a comma, a semicolon, a backslash, a
// control or non-ASCII byte) is left out, so that a token can never smuggle
// other cookies into the header.
func (n *CookieNames) cookieHeader(tok *Token) string {
	var b strings.Builder
	add := func(name, value string) {
		if name == "" || value == "" || !validCookieValue(value) {
			return
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name)
		b.WriteString("=")
		b.WriteString(value)
	}
	add(n.AccessToken, accessValue(tok.AccessToken))
	add(n.RefreshToken, tok.RefreshToken)
	add(n.RealmID, tok.RealmID)
	add(n.Provider, tok.Provider)
	return b.String()
}

// strip joins the caller's Cookie header values with "; ", leaving out
// the cookies named in n: the token's cookies replace them, so that a stale
// accessToken the caller set cannot shadow the fresh one (servers read the
// first of two cookies with one name).
func (n *CookieNames) strip(values []string) string {
	var b strings.Builder
	for _, v := range values {
		for part := range strings.SplitSeq(v, ";") {
			part = strings.Trim(part, " \t")
			if part == "" {
				continue
			}
			name, _, _ := strings.Cut(part, "=")
			if n.owns(strings.Trim(name, " \t")) {
				continue
			}
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(part)
		}
	}
	return b.String()
}

// validCookieName reports whether s is an HTTP token (RFC 7230 §3.2.6), as
// a cookie name must be.
func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validCookieValue reports whether s is made of RFC 6265 cookie-octets:
// printable ASCII but for space, '"', ',', ';' and '\'.
func validCookieValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}

// clipName shortens a bad cookie name for an error message.
func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
