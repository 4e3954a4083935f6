package redact_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// encoding is one way a server may write a secret back. enc returns the
// encoded secret, or false when the encoding is not defined for it (JSON
// and HTML cannot carry invalid UTF-8). seed picks the variant of the
// mixed encodings; the others ignore it.
type encoding struct {
	name string
	enc  func(sec string, seed int) (string, bool)
}

// encodings are the forms Scrub must recognise, mixtures included.
var encodings = []encoding{
	{"raw", func(s string, _ int) (string, bool) { return s, true }},
	{"percent upper", func(s string, _ int) (string, bool) {
		return pctBytes(s, "%%%02X", func(int) bool { return true }), true
	}},
	{"percent lower", func(s string, _ int) (string, bool) {
		return pctBytes(s, "%%%02x", func(int) bool { return true }), true
	}},
	{"percent half", func(s string, seed int) (string, bool) {
		return pctBytes(s, "%%%02X", func(i int) bool { return (i+seed)%2 == 0 }), true
	}},
	{"query escape", func(s string, _ int) (string, bool) { return url.QueryEscape(s), true }},
	{"path escape", func(s string, _ int) (string, bool) { return url.PathEscape(s), true }},
	{"plus for space", func(s string, _ int) (string, bool) { return strings.ReplaceAll(s, " ", "+"), true }},
	{"json", func(s string, _ int) (string, bool) { return jsonString(s, true) }},
	{"json no html escape", func(s string, _ int) (string, bool) { return jsonString(s, false) }},
	{"json all \\u upper", func(s string, _ int) (string, bool) { return jsonU(s, "\\u%04X", func(int, rune) bool { return true }) }},
	{"json all \\u lower", func(s string, _ int) (string, bool) { return jsonU(s, "\\u%04x", func(int, rune) bool { return true }) }},
	{"json php", func(s string, _ int) (string, bool) { return jsonPHP(s) }},
	{"json short escapes", func(s string, _ int) (string, bool) { return jsonShort(s) }},
	{"json half \\u", func(s string, seed int) (string, bool) {
		return jsonU(s, "\\u%04x", func(i int, _ rune) bool { return (i+seed)%2 == 0 })
	}},
	{"html escape", func(s string, _ int) (string, bool) { return validThen(s, html.EscapeString) }},
	{"html named", func(s string, _ int) (string, bool) { return validThen(s, htmlNamed) }},
	{"html decimal", func(s string, _ int) (string, bool) { return htmlRefs(s, "&#%d;", func(int) bool { return true }) }},
	{"html decimal zeros", func(s string, _ int) (string, bool) { return htmlRefs(s, "&#%07d;", func(int) bool { return true }) }},
	{"html hex lower", func(s string, _ int) (string, bool) { return htmlRefs(s, "&#x%x;", func(int) bool { return true }) }},
	{"html hex upper zeros", func(s string, _ int) (string, bool) { return htmlRefs(s, "&#X%06X;", func(int) bool { return true }) }},
	{"html half", func(s string, seed int) (string, bool) {
		return htmlRefs(s, "&#%d;", func(i int) bool { return (i+seed)%2 == 0 })
	}},
	{"hex lower", func(s string, _ int) (string, bool) { return hex.EncodeToString([]byte(s)), true }},
	{"hex upper", func(s string, _ int) (string, bool) { return strings.ToUpper(hex.EncodeToString([]byte(s))), true }},
	{"base64 std", func(s string, _ int) (string, bool) { return base64.StdEncoding.EncodeToString([]byte(s)), true }},
	{"base64 raw std", func(s string, _ int) (string, bool) { return base64.RawStdEncoding.EncodeToString([]byte(s)), true }},
	{"base64 url", func(s string, _ int) (string, bool) { return base64.URLEncoding.EncodeToString([]byte(s)), true }},
	{"base64 raw url", func(s string, _ int) (string, bool) { return base64.RawURLEncoding.EncodeToString([]byte(s)), true }},
	{"base64 json \\/", func(s string, _ int) (string, bool) {
		return strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte(s)), "/", `\/`), true
	}},
	{"base64 query escaped", func(s string, _ int) (string, bool) {
		return url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(s))), true
	}},
	{"basic rfc6749", func(s string, seed int) (string, bool) {
		id := basicIDs[seed%len(basicIDs)]
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(s))), true
	}},
	{"basic plain", func(s string, seed int) (string, bool) {
		id := basicIDs[seed%len(basicIDs)]
		return base64.StdEncoding.EncodeToString([]byte(id + ":" + s)), true
	}},
	{"basic url unpadded", func(s string, seed int) (string, bool) {
		id := basicIDs[seed%len(basicIDs)]
		return base64.RawURLEncoding.EncodeToString([]byte(id + ":" + s)), true
	}},
	{"mixed per rune", func(s string, seed int) (string, bool) { return mixed(s, seed) }},
}

// basicIDs are client ids of every length modulo 3, so that the secret
// falls at every alignment of the base64 groups.
var basicIDs = []string{"app", "a", "ab", "my client"}

// validThen returns f(s), or false when s is not valid UTF-8.
func validThen(s string, f func(string) string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	return f(s), true
}

// pctBytes percent-encodes, with format, the bytes i of s for which
// encode(i) holds.
func pctBytes(s, format string, encode func(i int) bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if encode(i) {
			fmt.Fprintf(&b, format, s[i])
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// jsonString is s as encoding/json writes it inside a JSON string.
func jsonString(s string, escapeHTML bool) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(escapeHTML)
	if err := e.Encode(s); err != nil {
		panic(err)
	}
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1], true
}

// jsonU writes with \u escapes (format, surrogate pairs outside the BMP)
// the runes i of s for which encode(i, r) holds, and the others raw except
// '"' and '\', which JSON requires escaped.
func jsonU(s, format string, encode func(i int, r rune) bool) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		switch {
		case encode(i, r) || r < 0x20:
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				fmt.Fprintf(&b, format+format, r1, r2)
			} else {
				fmt.Fprintf(&b, format, r)
			}
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// jsonPHP is s as PHP's json_encode writes it: '/' as \/, everything
// outside ASCII as \u escapes in lower-case hex.
func jsonPHP(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x80 || r < 0x20:
			u, _ := jsonU(string(r), "\\u%04x", func(int, rune) bool { return true })
			b.WriteString(u)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// jsonShort writes s with the two-character JSON escapes wherever one
// exists (\/ included), and \u escapes for the other control characters.
func jsonShort(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	short := map[rune]string{'/': `\/`, '\\': `\\`, '"': `\"`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}
	var b strings.Builder
	for _, r := range s {
		if e, ok := short[r]; ok {
			b.WriteString(e)
		} else if r < 0x20 {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// htmlNamed escapes the five characters that have named references.
var htmlNamed = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace

// htmlRefs writes as numeric character references (format) the runes i of
// s for which encode(i) holds, and the others as html.EscapeString does.
func htmlRefs(s, format string, encode func(i int) bool) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		if encode(i) {
			fmt.Fprintf(&b, format, r)
		} else {
			b.WriteString(html.EscapeString(string(r)))
		}
	}
	return b.String(), true
}

// mixed writes each rune of s in a form picked by seed and its index:
// raw (or '+' for a space), percent-encoded bytes in either case, a JSON
// escape (\uXXXX or a two-character one) or an HTML reference (decimal,
// hex, or named).
func mixed(s string, seed int) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		c := string(r)
		var e string
		switch (seed + i*(seed|1)) % 7 {
		case 0:
			e = c
			if r == ' ' {
				e = "+"
			}
		case 1:
			e = pctBytes(c, "%%%02X", func(int) bool { return true })
		case 2:
			e = pctBytes(c, "%%%02x", func(int) bool { return true })
		case 3:
			e, _ = jsonU(c, "\\u%04X", func(int, rune) bool { return true })
		case 4:
			e, _ = jsonShort(c)
		case 5:
			e, _ = htmlRefs(c, "&#%d;", func(int) bool { return true })
		case 6:
			e = htmlNamed(c)
			if e == c {
				e, _ = htmlRefs(c, "&#x%04x;", func(int) bool { return true })
			}
		}
		b.WriteString(e)
	}
	return b.String(), true
}
