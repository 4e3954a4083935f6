package jwtexp_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bearerkit/bearerkit/internal/jwtexp"
)

func token(payload string) string {
	return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2lnbmF0dXJl"
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	padded := "eyJhbGciOiJub25lIn0." + base64.URLEncoding.EncodeToString([]byte(`{"exp":1700000000}`)) + ".sig"
	tests := []struct {
		name  string
		token string
		want  time.Time // zero: not ok
	}{
		{"integer exp", token(`{"sub":"alice","exp":1700000000}`), time.Unix(1700000000, 0)},
		{"fractional exp", token(`{"exp":1700000000.25}`), time.Unix(1700000000, 250000000)},
		{"exponent notation", token(`{"exp":1.7e9}`), time.Unix(1700000000, 0)},
		{"padded base64", padded, time.Unix(1700000000, 0)},
		{"unsigned JWT", strings.TrimSuffix(token(`{"exp":1700000000}`), "c2lnbmF0dXJl"), time.Unix(1700000000, 0)},
		{"last accepted second", token(`{"exp":253402300799}`), time.Unix(253402300799, 0)},
		{"no exp", token(`{"sub":"alice"}`), time.Time{}},
		{"exp null", token(`{"exp":null}`), time.Time{}},
		{"exp zero", token(`{"exp":0}`), time.Time{}},
		{"exp negative", token(`{"exp":-1}`), time.Time{}},
		{"exp past year 9999", token(`{"exp":253402300800}`), time.Time{}},
		{"exp huge", token(`{"exp":1e400}`), time.Time{}},
		{"exp a word", token(`{"exp":"tomorrow"}`), time.Time{}},
		{"exp an object", token(`{"exp":{"at":1}}`), time.Time{}},
		{"payload not JSON", token(`exp=1700000000`), time.Time{}},
		{"payload a JSON array", token(`[1700000000]`), time.Time{}},
		{"payload not base64url", "eyJhbGciOiJub25lIn0.!!!.sig", time.Time{}},
		{"payload standard base64", "eyJhbGciOiJub25lIn0." + base64.StdEncoding.EncodeToString([]byte(`{"exp":1700000000,"x":"??>"}`)) + ".sig", time.Time{}},
		{"empty", "", time.Time{}},
		{"opaque token", "2YotnFZFEjr1zCsicMWpAA", time.Time{}},
		{"one dot", "abc.def", time.Time{}},
		{"empty header", "." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1700000000}`)) + ".sig", time.Time{}},
		{"empty payload", "abc..sig", time.Time{}},
		{"too long", token(`{"exp":1700000000,"pad":"` + strings.Repeat("x", 64<<10) + `"}`), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := jwtexp.Expiry(tt.token)
			if tt.want.IsZero() {
				assert.False(t, ok)
				assert.True(t, got.IsZero(), "not ok gives the zero time, got %v", got)
				return
			}
			assert.True(t, ok)
			assert.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
		})
	}
}
