package redact

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// readsAs reports, by plain recursion, whether t[i:end] can be read as
// p[k:] with each position read either raw or as the escape that begins
// there: the definition that the matcher computes without backtracking.
func readsAs(t string, i, end int, p string, k int) bool {
	if i == end {
		return k == len(p)
	}
	if k < len(p) && t[i] == p[k] && readsAs(t, i+1, end, p, k+1) {
		return true
	}
	w, d, r := parseEscape(t, i)
	return w > 0 && i+w <= end && hasAt(p, k, d[:r]) && readsAs(t, i+w, end, p, k+r)
}

// bruteScrub replaces the union of all the spans t[a:b] that read as p,
// merging overlapping spans as Scrub does.
func bruteScrub(t, p string) string {
	sc := scrubber{s: t}
	for a := range len(t) {
		for b := a + 1; b <= len(t); b++ {
			if readsAs(t, a, b, p, 0) {
				sc.spans = append(sc.spans, span{a, b})
			}
		}
	}
	return sc.result()
}

// TestMatcherAgainstBruteForce compares the matcher with bruteScrub on
// short random texts made of escapes, pieces of escapes and the secret's
// bytes, so that readings overlap and compete.
func TestMatcherAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"a", "b", "%", "%61", "%62", "%25", "%2", "5", "+", " ", "\\", "\\u0061", "\\u00", "\\/", "/", "&", "&#97;", "&#x62;", "&amp;", "#", ";", "61"}
	secretBytes := "ab%/ &5"
	for n := range 20000 {
		var p strings.Builder
		for range 4 + r.IntN(3) {
			p.WriteByte(secretBytes[r.IntN(len(secretBytes))])
		}
		sec := p.String()
		var text strings.Builder
		for range r.IntN(6) {
			text.WriteString(pieces[r.IntN(len(pieces))])
		}
		if r.IntN(4) > 0 {
			text.WriteString(encodeRandomly(r, sec))
		}
		for range r.IntN(6) {
			text.WriteString(pieces[r.IntN(len(pieces))])
		}
		in := text.String()
		sc := scrubber{s: in}
		sc.matcher(sec).run(in, sc.add)
		if got, want := sc.result(), bruteScrub(in, sec); got != want {
			t.Fatalf("case %d: secret %q in %q:\n got %q\nwant %q", n, sec, in, got, want)
		}
	}
}

// encodeRandomly writes each byte of the ASCII string p raw or in one of
// the escapes that stand for it, picked at random.
func encodeRandomly(r *rand.Rand, p string) string {
	named := map[byte]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '"': "&quot;", '\'': "&apos;"}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch r.IntN(7) {
		case 0:
			b.WriteByte(c)
		case 1:
			fmt.Fprintf(&b, "%%%02X", c)
		case 2:
			fmt.Fprintf(&b, "\\u%04x", c)
		case 3:
			fmt.Fprintf(&b, "&#%d;", c)
		case 4:
			fmt.Fprintf(&b, "&#x%X;", c)
		case 5:
			if n, ok := named[c]; ok {
				b.WriteString(n)
			} else if c == ' ' {
				b.WriteByte('+')
			} else if c == '/' {
				b.WriteString(`\/`)
			} else {
				b.WriteByte(c)
			}
		case 6:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// TestMatcherReuse checks that one matcher gives the same answers when it
// is reused across secrets of different lengths and across texts, as
// Scrub does.
func TestMatcherReuse(t *testing.T) {
	var m matcher
	var got []string
	emit := func(a, b int) { got = append(got, fmt.Sprint(a, b)) }
	for _, tc := range []struct {
		p, t string
		want string
	}{
		{"abcdefgh", "xx%61bcdefgh abcdefg", "[2 12]"},
		{"abab", "abababab", "[0 4 2 6 4 8]"},
		{"ab%2", "ab%252%2", "[0 4 0 6]"},
		{"abcdefgh", "abcdefg", "[]"},
	} {
		got = got[:0]
		m.init(tc.p)
		m.run(tc.t, emit)
		if s := fmt.Sprint(got); s != tc.want {
			t.Errorf("matcher for %q on %q reported %s, want %s", tc.p, tc.t, s, tc.want)
		}
	}
}
