package bearerkit

import "strings"

// CookieNames names the cookies that carry a Token, for platforms and web
// apps that take the credential as cookies (Dataddo's web flow) instead of
// headers. An empty name leaves that value out.
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

// cookieHeader renders tok as a Cookie header value.
func (n *CookieNames) cookieHeader(tok *Token) string {
	var b strings.Builder
	add := func(name, value string) {
		if name == "" || value == "" {
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
