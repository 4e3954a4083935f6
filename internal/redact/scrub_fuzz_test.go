package redact_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// FuzzScrub writes a secret in the encoding picked by enc (its variant too,
// for the mixed ones) between a prefix and a suffix, and checks that
// Scrub leaves neither the secret nor its encoded form.
//
// Secrets that could be spelled across the Placeholder ("d]ab" after
// "[redacted]", or "redacted" itself) are skipped: nothing can keep those
// out of a text that the Placeholder goes into.
func FuzzScrub(f *testing.F) {
	f.Add("error: ", "p@ss:w/rd+ä😀 x", " (end)", uint8(0))
	f.Add(`{"error_description":"`, "p@ss:w/rd+ä😀 x", `"}`, uint8(11))
	f.Add("Basic ", "s3cr3t-T0ken_value", "\r\n", uint8(30))
	f.Add("xQUJD", "k3y!", "Zm9v==", uint8(29))
	f.Add("%2", "tab\there\"q\\b<&>'!", "\\", uint8(32))
	f.Add("&#", "ab cd", "%", uint8(3+2*33))
	f.Add("\\", "/\\/\\", "u", uint8(12))
	f.Add("deadbeef", "\xde\xad\xbe\xef", "00", uint8(22))
	f.Fuzz(func(t *testing.T, prefix, secret, suffix string, enc uint8) {
		if len(secret) < 4 {
			t.Skip()
		}
		e := encodings[int(enc)%len(encodings)]
		encoded, ok := e.enc(secret, int(enc)/len(encodings))
		if !ok {
			t.Skip()
		}
		if strings.ContainsAny(secret+encoded, "[]") ||
			strings.Contains(redact.Placeholder, secret) || strings.Contains(redact.Placeholder, encoded) {
			t.Skip()
		}
		in := prefix + encoded + suffix
		got := redact.Scrub(in, secret)
		if strings.Contains(got, secret) || strings.Contains(got, encoded) {
			t.Fatalf("%s of %q:\n in: %q\ngot: %q", e.name, secret, in, got)
		}
		if !strings.Contains(got, redact.Placeholder) {
			t.Fatalf("%s of %q: no Placeholder in %q", e.name, secret, got)
		}
	})
}

// BenchmarkScrub measures Scrub with five secrets on a 1 MiB error body
// that holds one of them JSON-escaped (and escapes, base64-like tokens and
// hex elsewhere), on the same body without any escape, on 200-byte strings
// like those (with long token-like words, which are decoded as base64), and
// on a typical one-line error message.
func BenchmarkScrub(b *testing.B) {
	secrets := []string{
		"p@ss/w0rd-ä",                         // password, present JSON-escaped
		"cs_9f8e7d6c5b4a39281706f5e4d3c2b1a0", // client secret
		"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVlLWhlcmU", // access token
		"rt-4b1f0e2d9c8a7b6e5f4d3c2b1a0f9e8d7c6b5a49382716",                                    // refresh token
		"api_Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1",                                                         // API token
	}
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		n := 2 + r.IntN(10)
		if r.IntN(50) == 0 {
			n = 20 + r.IntN(40) // a token-like run
		}
		var w strings.Builder
		for range n {
			w.WriteByte(letters[r.IntN(len(letters))])
		}
		return w.String()
	}
	body := func(size int, escapes bool) string {
		var s strings.Builder
		planted := !escapes
		s.WriteString(`{"error":"server_error","error_description":"`)
		const end = `"}`
		for s.Len() < size {
			s.WriteString(word())
			switch k := r.IntN(40); {
			case escapes && k == 0:
				s.WriteString(`\u00e9`)
			case escapes && k == 1:
				s.WriteString(`\/`)
			case escapes && k == 2:
				s.WriteString("%20")
			case escapes && k == 3:
				s.WriteString("&amp;")
			case k == 4:
				s.WriteString(", ")
			case k == 5:
				s.WriteString(". ")
			default:
				s.WriteByte(' ')
			}
			if !planted && s.Len() > size/2 {
				s.WriteString(`p@ss\/w0rd-\u00e4 `)
				planted = true
			}
		}
		out := s.String()[:size-len(end)] + end
		if !strings.Contains(out, `p@ss\/w0rd-\u00e4`) && escapes {
			panic("secret not planted")
		}
		return out
	}
	for _, bc := range []struct {
		name  string
		in    string
		found bool
	}{
		{"1MiB", body(1<<20, true), true},
		{"1MiB-no-escapes", body(1<<20, false), false},
		{"200B", body(200, true), true},
		{"200B-clean", body(200, false), false},
		{"error-message", "invalid_client: Client authentication failed (unknown client or unsupported authentication method)", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if got := redact.Scrub(bc.in, secrets...); strings.Contains(got, redact.Placeholder) != bc.found {
				b.Fatalf("Placeholder in the result: %v, want %v", !bc.found, bc.found)
			}
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				redact.Scrub(bc.in, secrets...)
			}
		})
	}
}
