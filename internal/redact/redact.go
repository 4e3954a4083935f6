// Package redact is the plumbing that keeps secrets out of strings: fixed
// placeholders, URL scrubbing and the fmt.Formatter glue shared by every type
// of bearerkit that holds a credential.
package redact

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
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

// Scrub replaces every occurrence of each non-trivial secret in s with
// Placeholder. Secrets shorter than 4 bytes are left alone: replacing them
// would mangle ordinary words without protecting anything.
func Scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue
		}
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Placeholder)
		}
	}
	return s
}

// Clip makes a server-supplied string safe to show: at most n bytes, with
// control characters replaced, so a hostile server cannot flood or forge log
// lines through an error message.
func Clip(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
