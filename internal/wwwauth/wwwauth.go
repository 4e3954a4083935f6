// Package wwwauth parses WWW-Authenticate headers (RFC 7235 §4.1, with the
// Bearer parameters of RFC 6750 §3), for diagnosing a 401. It never fails:
// a malformed header yields the challenges read before the fault. Values
// are the server's: clip them (redact.Clip) before logging or showing them.
package wwwauth

import "strings"

// Bounds on the work done for a hostile header.
const (
	// MaxLen is how much of a header is read; the rest is ignored.
	MaxLen = 8 << 10
	// MaxChallenges is the most challenges returned.
	MaxChallenges = 16
	// MaxParams is the most parameters kept per challenge.
	MaxParams = 32
)

// Challenge is one authentication challenge: a scheme with either a
// token68 (Negotiate, Basic credentials-style) or auth parameters.
type Challenge struct {
	// Scheme is the auth-scheme as sent ("Bearer"); compare it with
	// strings.EqualFold.
	Scheme string

	// Token68 is the token68 form of the challenge, if it has one.
	Token68 string

	// Params holds the auth parameters, names lower-cased, quoted-string
	// values unquoted; nil when there are none. A repeated name keeps its
	// first value.
	Params map[string]string
}

// Param returns the value of the parameter name (case-insensitive), or "".
func (c Challenge) Param(name string) string {
	return c.Params[strings.ToLower(name)]
}

// Find returns the first challenge of scheme (case-insensitive).
func Find(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.Scheme, scheme) {
			return c, true
		}
	}
	return Challenge{}, false
}

// Parse reads the challenges of one WWW-Authenticate field value (join
// several fields with ", "). Empty list elements are skipped. At a syntax
// error it stops and returns what came before, the challenge being read
// included; at most MaxLen bytes, MaxChallenges challenges and MaxParams
// parameters per challenge are read.
func Parse(header string) []Challenge {
	if len(header) > MaxLen {
		header = header[:MaxLen]
	}
	p := parser{s: header}
	var cs []Challenge
	for len(cs) < MaxChallenges {
		p.skipListSeparators()
		if p.eof() {
			break
		}
		scheme := p.token()
		if scheme == "" {
			break
		}
		c := Challenge{Scheme: scheme}
		ok := p.challengeBody(&c)
		cs = append(cs, c)
		if !ok {
			break
		}
	}
	return cs
}

type parser struct {
	s string
	i int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

// skipOWS skips spaces and tabs and reports how many.
func (p *parser) skipOWS() int {
	n := 0
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
		n++
	}
	return n
}

func (p *parser) skipListSeparators() {
	for !p.eof() && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

// token reads a token (RFC 9110 §5.6.2); "" when none is there.
func (p *parser) token() string {
	start := p.i
	for !p.eof() && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// challengeBody reads what follows a scheme: nothing, a token68, or auth
// params, up to the comma that starts the next challenge (left unread).
// It reports false at a syntax error.
func (p *parser) challengeBody(c *Challenge) bool {
	if p.skipOWS() == 0 {
		return p.eof() || p.peek() == ','
	}
	if p.eof() || p.peek() == ',' {
		return true
	}
	if t68, ok := p.token68(); ok {
		c.Token68 = t68
		return true
	}
	for {
		name := p.token()
		if name == "" {
			return false
		}
		p.skipOWS()
		if p.peek() != '=' {
			return false
		}
		p.i++
		p.skipOWS()
		var val string
		if p.peek() == '"' {
			v, ok := p.quoted()
			if !ok {
				return false
			}
			val = v
		} else if val = p.token(); val == "" {
			return false
		}
		if c.Params == nil {
			c.Params = make(map[string]string, 4)
		}
		name = strings.ToLower(name)
		if _, dup := c.Params[name]; !dup && len(c.Params) < MaxParams {
			c.Params[name] = val
		}
		p.skipOWS()
		if p.eof() {
			return true
		}
		if p.peek() != ',' {
			return false
		}
		if !p.paramFollows() {
			return true // the comma starts the next challenge
		}
		p.skipListSeparators()
	}
}

// token68 reads a token68 (RFC 7235 §2.1) when one stands at the cursor
// on its own: followed by the end or a comma. Otherwise it reads nothing.
func (p *parser) token68() (string, bool) {
	j := p.i
	for j < len(p.s) && isToken68Char(p.s[j]) {
		j++
	}
	if j == p.i {
		return "", false
	}
	for j < len(p.s) && p.s[j] == '=' {
		j++
	}
	t68 := p.s[p.i:j]
	for j < len(p.s) && (p.s[j] == ' ' || p.s[j] == '\t') {
		j++
	}
	if j < len(p.s) && p.s[j] != ',' {
		return "", false
	}
	p.i = j
	return t68, true
}

// paramFollows reports whether, past the comma(s) at the cursor, the next
// list element is an auth-param ("name =") rather than a new challenge.
// The cursor does not move.
func (p *parser) paramFollows() bool {
	save := p.i
	defer func() { p.i = save }()
	p.skipListSeparators()
	if p.token() == "" {
		return false
	}
	p.skipOWS()
	return p.peek() == '='
}

// quoted reads a quoted-string (RFC 9110 §5.6.4) and returns it unquoted.
func (p *parser) quoted() (string, bool) {
	p.i++ // the opening quote
	start := p.i
	var b []byte // only when there is an escape
	for !p.eof() {
		c := p.s[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			if b != nil {
				s = string(b)
			}
			p.i++
			return s, true
		case c == '\\':
			if p.i+1 >= len(p.s) || !isQuotedPairChar(p.s[p.i+1]) {
				return "", false
			}
			if b == nil {
				b = append([]byte(nil), p.s[start:p.i]...)
			}
			b = append(b, p.s[p.i+1])
			p.i += 2
		case isQdtext(c):
			if b != nil {
				b = append(b, c)
			}
			p.i++
		default:
			return "", false
		}
	}
	return "", false // unterminated
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}

// isQdtext: HTAB, SP, %x21, %x23-5B, %x5D-7E, obs-text.
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (0x23 <= c && c <= 0x5b) || (0x5d <= c && c <= 0x7e) || c >= 0x80
}

// isQuotedPairChar: HTAB, SP, VCHAR, obs-text.
func isQuotedPairChar(c byte) bool {
	return c == '\t' || (0x20 <= c && c <= 0x7e) || c >= 0x80
}
