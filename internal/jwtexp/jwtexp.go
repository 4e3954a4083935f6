// Package jwtexp reads the expiry claim of a JSON Web Token without
// verifying it. The result is a scheduling hint only: bearerkit never trusts
// a token's claims for security.
package jwtexp

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// maxLen bounds the work done on a hostile token.
const maxLen = 64 << 10

// Expiry returns the time in the "exp" claim of token, a compact JWS
// (header.payload.signature). ok is false when token is not a JWT or has no
// usable exp claim.
func Expiry(token string) (exp time.Time, ok bool) {
	if len(token) > maxLen {
		return time.Time{}, false
	}
	first := strings.IndexByte(token, '.')
	if first <= 0 {
		return time.Time{}, false
	}
	rest := token[first+1:]
	second := strings.IndexByte(rest, '.')
	if second <= 0 {
		return time.Time{}, false
	}
	payload := strings.TrimRight(rest[:second], "=")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	f, err := claims.Exp.Float64()
	// Reject values that time.Unix cannot represent sensibly (NaN, negative,
	// past year 9999).
	if err != nil || math.IsNaN(f) || f <= 0 || f > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}
