package bearerkittest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"strings"
	"time"
)

var b64 = base64.RawURLEncoding

func hasher(alg string) func() hash.Hash {
	if alg == "HS512" {
		return sha512.New
	}
	return sha256.New
}

// signJWT returns a compact JWS of claims, signed with HMAC (alg "HS256" or "HS512").
func signJWT(alg string, key []byte, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	in := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	m := hmac.New(hasher(alg), key)
	m.Write([]byte(in))
	return in + "." + b64.EncodeToString(m.Sum(nil))
}

// verifyJWT checks the header's alg and the signature, and returns the claims.
// It does not look at exp: the token store decides validity.
func verifyJWT(tok, alg string, key []byte) (map[string]any, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil || hdr.Alg != alg {
		return nil, false
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, false
	}
	m := hmac.New(hasher(alg), key)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return nil, false
	}
	pb, err := b64.DecodeString(parts[1])
	var claims map[string]any
	if err != nil || json.Unmarshal(pb, &claims) != nil {
		return nil, false
	}
	return claims, true
}

// mintAccess signs an access token for g, valid for the configured TTL from now, and
// registers it. extra claims are merged over the standard ones (jti, iat, exp, sub).
// Called with c.mu held.
func (c *Core) mintAccess(g *grant, alg string, extra map[string]any) (string, time.Time) {
	if r := c.replaying(g); r != nil && r.nextAccess != "" {
		return r.nextAccess, r.nextAccessExp // WithReuseGrace: the same token again
	}
	now := c.now()
	exp := now.Add(c.cfg.accessTTL)
	claims := map[string]any{
		"jti": rand.Text(),
		"iat": now.Unix(),
		"exp": exp.Unix(),
		"sub": g.user,
	}
	for k, v := range extra {
		claims[k] = v
	}
	tok := signJWT(alg, c.cfg.signingKey, claims)
	c.tokens.addAccess(g, tok, exp)
	return tok, exp
}

// mintRefresh registers tok (or, when tok is "", a new opaque token) as g's live refresh
// token, valid for the configured TTL. Called with c.mu held.
func (c *Core) mintRefresh(g *grant, tok string) string {
	if r := c.replaying(g); r != nil && r.nextRefresh != "" {
		return r.nextRefresh // WithReuseGrace: the same token again
	}
	if tok == "" {
		tok = "rt_" + rand.Text() + rand.Text()
	}
	c.tokens.setRefresh(g, tok, c.now().Add(c.cfg.refreshTTL))
	return tok
}
