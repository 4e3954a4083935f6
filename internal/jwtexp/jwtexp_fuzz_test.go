package jwtexp

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxExp is 9999-12-31T23:59:59Z, the last instant Expiry accepts.
const maxExp = 253402300799

func jwt(payload string) string {
	return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
}

// FuzzExpiry reads hostile tokens (seeds in testdata/fuzz/FuzzExpiry).
// Invariants: no panic; ok only for a compact JWS of bounded length whose
// expiry lies in (1970, 9999]; and a token built around the fuzzed exp
// reads back exactly.
func FuzzExpiry(f *testing.F) {
	f.Add(jwt(`{"sub":"a","exp":1700000000}`), int64(1700000000))
	f.Add("not-a-jwt", int64(-1))
	f.Fuzz(func(t *testing.T, token string, exp int64) {
		got, ok := Expiry(token)
		if ok {
			if len(token) > maxLen || strings.Count(token, ".") < 2 {
				t.Fatalf("ok for a token that is not a bounded JWS: %d bytes", len(token))
			}
			if s := got.Unix(); s < 0 || s > maxExp {
				t.Fatalf("expiry %v out of range", got)
			}
		} else if !got.IsZero() {
			t.Fatalf("not ok but expiry %v", got)
		}

		// Round trip: an integer exp claim reads back as that instant.
		got, ok = Expiry(jwt(`{"iss":"x","exp":` + strconv.FormatInt(exp, 10) + `}`))
		switch {
		case exp > 0 && exp <= maxExp:
			if !ok || !got.Equal(time.Unix(exp, 0)) {
				t.Fatalf("exp %d read as %v, %v", exp, got, ok)
			}
		case ok:
			t.Fatalf("exp %d accepted as %v", exp, got)
		}
	})
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name, token string
		want        int64 // unix seconds; 0: not ok
	}{
		{"int", jwt(`{"exp":1700000000}`), 1700000000},
		{"float", jwt(`{"exp":1700000000.0}`), 1700000000},
		{"exponent", jwt(`{"exp":1.7e9}`), 1700000000},
		{"padded payload", strings.Replace(jwt(`{"exp":1700000000}`), ".c2ln", "==.c2ln", 1), 1700000000},
		{"numeric string exp (json.Number accepts it)", jwt(`{"exp":"1700000000"}`), 1700000000},
		{"non-numeric string exp", jwt(`{"exp":"soon"}`), 0},
		{"no exp", jwt(`{"sub":"x"}`), 0},
		{"null exp", jwt(`{"exp":null}`), 0},
		{"negative", jwt(`{"exp":-5}`), 0},
		{"zero", jwt(`{"exp":0}`), 0},
		{"past year 9999", jwt(`{"exp":253402300800}`), 0},
		{"huge", jwt(`{"exp":1e400}`), 0},
		{"not json", jwt(`exp=1`), 0},
		{"array payload", jwt(`[1,2]`), 0},
		{"one dot", "a.b", 0},
		{"empty header", "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1}`)) + ".s", 0},
		{"std base64", "h." + base64.StdEncoding.EncodeToString([]byte(`{"exp":1700000000,"x":"??>"}`)) + ".s", 0},
		{"too long", jwt(`{"exp":1700000000,"p":"` + strings.Repeat("a", maxLen) + `"}`), 0},
		{"empty", "", 0},
	}
	for _, tt := range tests {
		got, ok := Expiry(tt.token)
		if tt.want == 0 {
			if ok {
				t.Errorf("%s: got %v, want not ok", tt.name, got)
			}
			continue
		}
		if !ok || got.Unix() != tt.want {
			t.Errorf("%s: got %v, %v; want %d", tt.name, got, ok, tt.want)
		}
	}
}
