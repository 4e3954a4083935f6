// Package redact is the plumbing that keeps secrets out of strings: fixed
// placeholders, URL scrubbing and the fmt.Formatter glue shared by every type
// of bearerkit that holds a credential.
package redact

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Placeholder stands in for a secret that is set.
const Placeholder = "[redacted]"

// Secret returns Placeholder for a non-empty secret and "" for an empty one,
// so a reader can tell whether a credential is configured without seeing it.
func Secret(s string) string {
	if s == "" {
		return ""
	}
	return Placeholder
}

// Format writes s for every verb except %#v, which gets gos. It is the body
// of the Format method of every type that holds a secret, so that no verb
// (%v, %+v, %s, %q, %x, %d …) can reach the fields.
func Format(f fmt.State, verb rune, s, gos string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, gos)
	case verb == 'q':
		fmt.Fprint(f, strconv.Quote(s))
	default:
		fmt.Fprint(f, s)
	}
}

// URL returns raw without its user information, query and fragment, which
// is where secrets hide in URLs. An unparsable URL gives "[invalid URL]".
func URL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[invalid URL]"
	}
	u.User = nil
	u.RawQuery = ""
	u.ForceQuery = false
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// Clip makes a server-supplied string safe to show: at most n bytes, with
// control characters replaced, so a hostile server cannot flood or forge log
// lines through an error message.
//
// A longer s is cut to its first n bytes (a negative n counts as 0) and
// "…" is appended. The cut never falls inside a multi-byte UTF-8 rune: it
// moves back to the start of that rune. Then the ASCII control characters
// (below 0x20, and DEL) become spaces, and invalid UTF-8 becomes U+FFFD.
// Clip does not remove secrets: see ScrubClip.
func Clip(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) > n {
		s = s[:runeCut(s, n)] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// runeCut returns where to cut s so as to keep at most its first n bytes
// (n < len(s)): n itself, or the start of a valid multi-byte rune that
// begins before n and ends after it. Invalid bytes are cut anywhere; Clip
// turns them into U+FFFD anyway.
func runeCut(s string, n int) int {
	for j := n - 1; j >= 0 && j > n-utf8.UTFMax; j-- {
		if !utf8.RuneStart(s[j]) {
			continue
		}
		if r, size := utf8.DecodeRuneInString(s[j:]); (r != utf8.RuneError || size > 1) && j+size > n {
			return j
		}
		break
	}
	return n
}
