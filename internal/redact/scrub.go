package redact

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// minSecret is the length in bytes below which Scrub ignores a secret:
// replacing two- or three-byte strings would mangle ordinary words without
// protecting anything.
const minSecret = 4

// Scrub replaces with Placeholder every occurrence in s of each secret of
// at least 4 bytes (shorter ones are ignored: replacing them would mangle
// ordinary words without protecting anything), in the forms a server uses
// to echo what it received:
//
//   - raw bytes;
//   - URL percent-encoding of any byte (%XX, either case of hex) and '+'
//     for a space (form encoding);
//   - JSON string escapes: \uXXXX in any case of hex, UTF-16 surrogate
//     pairs for runes outside the BMP, \/ \\ \" \b \f \n \r \t;
//   - HTML character references: &#NNN;, &#xHH; and &#XHH; (at most 16
//     digits, leading zeros allowed), &amp; &lt; &gt; &quot; &apos;;
//   - hex of the whole secret, in either case;
//   - base64, standard or URL alphabet, padded or not, also when the secret
//     is only part of what was encoded, at any alignment (an HTTP Basic
//     credential base64(id + ":" + secret), with or without the form
//     escaping of RFC 6749), and also when the base64 text itself has its
//     '/' escaped for JSON (\/) or its '+', '/' and '=' percent-encoded.
//
// The first three kinds mix freely inside one occurrence: each character
// of the secret may be written raw or in any of the escapes, as servers
// that escape only some characters do. Inside base64, the secret may be in
// any of these first three forms.
//
// Each occurrence is replaced as a whole, from the first byte of its
// encoded form to the last; for base64, the whole run of base64 characters
// that holds the secret is replaced (with its padding). Overlapping
// occurrences, of one secret or several, become one Placeholder. All other
// bytes of s are kept as they are.
//
// Escapes are recognised wherever they stand, not only where a JSON, URL or
// HTML parser would read them, and a decoded escape must stand for whole
// bytes of the secret: an escape that decodes to a multi-byte rune matches
// only where the secret holds that whole rune. Scrub is linear in len(s)
// for each secret, except that secrets which repeat themselves (such as
// "aaaaaaaa") can cost up to len(s) times their length.
func Scrub(s string, secrets ...string) string {
	minLen := 0
	for _, sec := range secrets {
		if usable(sec, s) && (minLen == 0 || len(sec) < minLen) {
			minLen = len(sec)
		}
	}
	if minLen == 0 {
		return s
	}
	sc := scrubber{s: s}
	escaped := strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '\\') >= 0 || strings.IndexByte(s, '&') >= 0
	plus := strings.IndexByte(s, '+') >= 0
	for _, sec := range secrets {
		if !usable(sec, s) {
			continue
		}
		if escaped || plus && strings.IndexByte(sec, ' ') >= 0 {
			sc.matcher(sec).run(s, sc.add)
		} else {
			sc.rawSpans(sec)
		}
	}
	sc.base64Spans(secrets, minLen)
	return sc.result()
}

// ScrubClip makes a server-supplied string fit for an error or a log line:
// it is Scrub, then Clip to n bytes, then Scrub again. Scrubbing first means
// a cut cannot leave the first bytes of a secret behind; scrubbing again
// catches a secret that Clip spelled out by turning control characters into
// spaces ("pass\tword" for the secret "pass word").
func ScrubClip(s string, n int, secrets ...string) string {
	return Scrub(Clip(Scrub(s, secrets...), n), secrets...)
}

// usable reports whether Scrub looks for sec in s: sec is long enough, and
// not longer than s, since every form of a secret is at least as long as
// the secret.
func usable(sec, s string) bool {
	return len(sec) >= minSecret && len(sec) <= len(s)
}

// span is a half-open byte range [a, b) of the scrubbed string that is to
// be replaced with Placeholder.
type span struct{ a, b int }

// scrubber holds the state of one Scrub call: the input, the spans found so
// far, the matcher and the base64 runs waiting to be searched.
type scrubber struct {
	s       string
	spans   []span
	m       matcher
	secrets []string // for the base64 search
	minLen  int      // length of the shortest secret searched for
	b64     b64scan
}

// matcher returns the scrubber's matcher, set up for sec. There is one,
// reused for every secret, since the secrets are searched one after the
// other.
func (sc *scrubber) matcher(sec string) *matcher {
	sc.m.init(sec)
	return &sc.m
}

// add records the span [a, b), merging it into the last one if they
// overlap (a cheap step that keeps the list short when a secret repeats).
func (sc *scrubber) add(a, b int) {
	if n := len(sc.spans); n > 0 {
		if last := &sc.spans[n-1]; a < last.b && last.a < b {
			last.a, last.b = min(last.a, a), max(last.b, b)
			return
		}
	}
	sc.spans = append(sc.spans, span{a, b})
}

// result returns s with every span replaced by Placeholder; overlapping
// spans are merged first, adjacent ones each get their own Placeholder.
func (sc *scrubber) result() string {
	if len(sc.spans) == 0 {
		return sc.s
	}
	spans := sc.spans
	slices.SortFunc(spans, func(x, y span) int { return cmp.Compare(x.a, y.a) })
	var b strings.Builder
	b.Grow(len(sc.s))
	done := 0 // bytes of s written or replaced
	cur := spans[0]
	flush := func() {
		b.WriteString(sc.s[done:cur.a])
		b.WriteString(Placeholder)
		done = cur.b
	}
	for _, sp := range spans[1:] {
		if sp.a < cur.b {
			cur.b = max(cur.b, sp.b)
			continue
		}
		flush()
		cur = sp
	}
	flush()
	b.WriteString(sc.s[done:])
	return b.String()
}

// rawSpans records every raw occurrence of sec, overlapping ones included.
// It stands in for the matcher when s holds no escape that could spell part
// of sec.
func (sc *scrubber) rawSpans(sec string) {
	s := sc.s
	for i := 0; ; {
		j := strings.Index(s[i:], sec)
		if j < 0 {
			return
		}
		sc.add(i+j, i+j+len(sec))
		i += j + 1
	}
}

// hexSpans records every occurrence of the hex encoding of sec, in any mix
// of upper and lower case, inside s[a:b]. Scrub calls it on the runs of
// base64 characters only, since hex digits are base64 characters.
func (sc *scrubber) hexSpans(sec string, a, b int) {
	r := sc.s[a:b]
	n := 2 * len(sec)
	first := hexDigits[sec[0]>>4]
	cur := [2]cursor{{b: first, next: -1}, {b: upperASCII(first), next: -1}}
	for i := 0; i+n <= len(r); i++ {
		i = min(cur[0].at(r, i), cur[1].at(r, i))
		if i+n > len(r) {
			return
		}
		if hexOf(r[i:i+n], sec) {
			sc.add(a+i, a+i+n)
		}
	}
}

// hexDigits are the lower-case hex digits.
const hexDigits = "0123456789abcdef"

// upperASCII returns c in upper case if it is an ASCII letter.
func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// hexOf reports whether h (of length 2*len(sec)) is the hex encoding of
// sec, in any case.
func hexOf(h, sec string) bool {
	for k := 0; k < len(sec); k++ {
		hi, lo := unhex(h[2*k]), unhex(h[2*k+1])
		if hi < 0 || lo < 0 || byte(hi<<4|lo) != sec[k] {
			return false
		}
	}
	return true
}

// unhex returns the value of the hex digit c, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// cursor finds the occurrences of one byte in a string from left to right,
// remembering the next one so that repeated questions cost nothing: asked
// for positions that only increase, it scans the string once.
type cursor struct {
	b    byte
	next int // position of the next b at or after the last question; -1 before the first
}

// at returns the position of the first b in s at or after i, or len(s).
func (c *cursor) at(s string, i int) int {
	if c.next < i {
		if j := strings.IndexByte(s[i:], c.b); j >= 0 {
			c.next = i + j
		} else {
			c.next = len(s)
		}
	}
	return c.next
}

// maxRefDigits is the most digits, leading zeros included, that an HTML
// numeric character reference may have to be recognised.
const maxRefDigits = 16

// state is a partial match: the first k bytes of the secret were read from
// the text starting at start.
type state struct{ k, start int }

// farState is a partial match that awaits text position x, more than one
// byte ahead (after an escape).
type farState struct {
	x int
	state
}

// matcher finds the occurrences of one secret written with any mix of raw
// bytes and escapes (percent, '+', JSON, HTML). It simulates the
// nondeterministic automaton whose states are the lengths of the secret's
// prefix read so far: from each text position there are at most two ways
// on (the raw byte, or the escape that starts there), so the work per
// position is bounded by the number of live states, itself at most the
// length of the secret, and there is no backtracking. Each live state
// carries the earliest position where a reading that reached it began, so
// that a match is replaced from its earliest possible start.
type matcher struct {
	p     string
	now   []state    // states at the current position
	next  []state    // states at the next position
	far   []farState // states further ahead (at most 20 bytes: the widest escape)
	seen  []int      // seen[k] = i+1 when position i has a state k; nil until needed
	where []int      // where[k]: index of that state in now
	cur   [5]cursor  // bytes at which a match can begin
	ncur  int
}

// init makes m a matcher for the secret p (len(p) >= 1), keeping the
// memory it already has.
func (m *matcher) init(p string) {
	m.p = p
	if len(m.seen) < len(p) {
		m.seen, m.where = nil, nil
	}
	m.ncur = 0
	for _, b := range []byte{p[0], '%', '\\', '&'} {
		m.cur[m.ncur].b = b
		m.ncur++
	}
	if strings.IndexByte(p, ' ') >= 0 {
		m.cur[m.ncur].b = '+'
		m.ncur++
	}
}

// run calls emit(a, b) for every occurrence of the secret in t, t[a:b]
// being its encoded form. One occurrence may be reported several times,
// with different starts; the spans overlap, and the caller merges them.
func (m *matcher) run(t string, emit func(a, b int)) {
	m.now, m.next, m.far = m.now[:0], m.next[:0], m.far[:0]
	clear(m.seen)
	for c := range m.cur[:m.ncur] {
		m.cur[c].next = -1
	}
	p := m.p
	for i := 0; i < len(t); i++ {
		if len(m.now) == 0 && len(m.far) == 0 {
			// Nothing under way: skip to the next byte that can begin a
			// match, the secret's first byte or the first byte of an escape.
			j := len(t)
			for c := range m.cur[:m.ncur] {
				j = min(j, m.cur[c].at(t, i))
			}
			if j == len(t) {
				return
			}
			i = j
		}
		if len(m.far) > 0 {
			m.takeFar(i)
		}
		states := m.now
		if len(states) > 1 {
			states = m.dedupe(states, i)
		}
		c := t[i]
		for _, st := range states {
			if p[st.k] == c {
				m.push(i, i+1, st.k+1, st.start, emit)
			}
		}
		if p[0] == c {
			m.push(i, i+1, 1, i, emit)
		}
		if c == '%' || c == '\\' || c == '&' || c == '+' {
			if w, d, r := parseEscape(t, i); w > 0 {
				dec := d[:r]
				for _, st := range states {
					if hasAt(p, st.k, dec) {
						m.push(i, i+w, st.k+r, st.start, emit)
					}
				}
				if hasAt(p, 0, dec) {
					m.push(i, i+w, r, i, emit)
				}
			}
		}
		m.now, m.next = m.next, m.now[:0]
	}
}

// takeFar moves the states that await position i from far to now.
func (m *matcher) takeFar(i int) {
	n := 0
	for _, f := range m.far {
		if f.x == i {
			m.now = append(m.now, f.state)
		} else {
			m.far[n] = f
			n++
		}
	}
	m.far = m.far[:n]
}

// dedupe keeps one state per prefix length among the states at position
// i, with the earliest start.
func (m *matcher) dedupe(states []state, i int) []state {
	if m.seen == nil {
		// Allocated on first use: most texts never have two states at
		// one position.
		m.seen, m.where = make([]int, len(m.p)), make([]int, len(m.p))
	}
	n := 0
	for _, st := range states {
		if m.seen[st.k] == i+1 {
			if j := m.where[st.k]; st.start < states[j].start {
				states[j].start = st.start
			}
			continue
		}
		m.seen[st.k] = i + 1
		m.where[st.k] = n
		states[n] = st
		n++
	}
	return states[:n]
}

// push records that, from position i, the first k bytes of the secret were
// read from start up to position x, reporting a match when k is the whole
// secret.
func (m *matcher) push(i, x, k, start int, emit func(a, b int)) {
	switch {
	case k == len(m.p):
		emit(start, x)
	case x == i+1:
		m.next = append(m.next, state{k, start})
	default:
		m.far = append(m.far, farState{x, state{k, start}})
	}
}

// hasAt reports whether p[k:] begins with d.
func hasAt(p string, k int, d []byte) bool {
	if k+len(d) > len(p) {
		return false
	}
	for j, b := range d {
		if p[k+j] != b {
			return false
		}
	}
	return true
}

// parseEscape reads the escape that begins at t[i], if any: it returns its
// width w in t and the r bytes it stands for in d (a rune in UTF-8, at most
// 4 bytes), or w == 0 when t[i] does not begin an escape.
func parseEscape(t string, i int) (w int, d [utf8.UTFMax]byte, r int) {
	switch t[i] {
	case '+':
		d[0] = ' '
		return 1, d, 1
	case '%':
		if i+2 < len(t) {
			if hi, lo := unhex(t[i+1]), unhex(t[i+2]); hi >= 0 && lo >= 0 {
				d[0] = byte(hi<<4 | lo)
				return 3, d, 1
			}
		}
	case '\\':
		if i+1 >= len(t) {
			break
		}
		switch e := t[i+1]; e {
		case '/', '\\', '"':
			d[0] = e
			return 2, d, 1
		case 'b', 'f', 'n', 'r', 't':
			d[0] = jsonControl[e]
			return 2, d, 1
		case 'u':
			v, ok := hex4(t, i+2)
			if !ok {
				break
			}
			w = 6
			if utf16.IsSurrogate(v) {
				if v >= 0xdc00 || i+12 > len(t) || t[i+6] != '\\' || t[i+7] != 'u' {
					break
				}
				lo, ok := hex4(t, i+8)
				if v = utf16.DecodeRune(v, lo); !ok || v == utf8.RuneError {
					break
				}
				w = 12
			}
			return w, d, utf8.EncodeRune(d[:], v)
		}
	case '&':
		return parseReference(t, i)
	}
	return 0, d, 0
}

// jsonControl maps the letter of a JSON escape such as \n to the byte it
// stands for.
var jsonControl = [256]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads four hex digits at t[i:].
func hex4(t string, i int) (rune, bool) {
	if i+4 > len(t) {
		return 0, false
	}
	var v rune
	for _, c := range []byte(t[i : i+4]) {
		x := unhex(c)
		if x < 0 {
			return 0, false
		}
		v = v<<4 | rune(x)
	}
	return v, true
}

// htmlNamed are the named HTML character references Scrub decodes, each
// with the byte it stands for.
var htmlNamed = [...]struct {
	name string
	b    byte
}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}

// parseReference reads the HTML character reference that begins at t[i]
// ('&'), like parseEscape.
func parseReference(t string, i int) (w int, d [utf8.UTFMax]byte, r int) {
	if i+1 < len(t) && t[i+1] != '#' {
		for _, n := range htmlNamed {
			if strings.HasPrefix(t[i:], n.name) {
				d[0] = n.b
				return len(n.name), d, 1
			}
		}
		return 0, d, 0
	}
	j := i + 2
	base := 10
	if j < len(t) && (t[j] == 'x' || t[j] == 'X') {
		base = 16
		j++
	}
	digits := j
	v := 0
	for ; j < len(t) && j-digits < maxRefDigits; j++ {
		x := unhex(t[j])
		if x < 0 || x >= base {
			break
		}
		v = min(v*base+x, utf8.MaxRune+1) // saturate: no overflow, still invalid
	}
	if j == digits || j >= len(t) || t[j] != ';' || !utf8.ValidRune(rune(v)) {
		return 0, d, 0
	}
	return j + 1 - i, d, utf8.EncodeRune(d[:], rune(v))
}

// b64 maps a byte to its value in the standard or the URL base64 alphabet,
// or to -1: one table for both, so that a run may be read without knowing
// its alphabet.
var b64 = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range len(std) {
		t[std[i]] = int8(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// b64Batch is the size in bytes past which decoded base64 runs are searched
// for the secrets and dropped, to bound memory.
const b64Batch = 64 << 10

// b64run is a run of base64 characters in s: s[a:b], padding included.
type b64run struct {
	a, b int
	hit  bool // a decoding of the run holds a secret
}

// b64chunk is one decoding of a run: buf[a:b] of the batch.
type b64chunk struct{ run, a, b int }

// b64scan holds the runs decoded so far and not yet searched.
type b64scan struct {
	vals   []byte // base64 values of the run being decoded
	buf    []byte
	chunks []b64chunk
	runs   []b64run
}

// base64Spans records the runs of base64 characters in s that, decoded at
// one of the four alignments, hold one of the secrets (in any of the forms
// the matcher reads), and the hex encodings of the secrets, which lie
// inside such runs. A run is a maximal sequence of characters of either
// alphabet, the JSON escape \/ counting as '/', followed by at most two
// '=': it is decoded from each of its first four characters, ignoring an
// incomplete last group, so that it is found also when the secret's base64
// is glued to other base64 characters. When s holds %2B, %2F or %3D (in
// either case), a second pass reads them as '+', '/' and '=' (base64 in a
// URL query), and looks only at the runs that hold one of them.
func (sc *scrubber) base64Spans(secrets []string, minLen int) {
	// A run of n characters decodes to at most 3n/4 bytes: it must hold
	// at least the shortest secret.
	minRun := (4*minLen + 2) / 3
	if len(sc.s) < minRun {
		return
	}
	sc.secrets, sc.minLen = secrets, minLen
	sc.scanBase64(minRun, false)
	if hasPercentBase64(sc.s) {
		sc.scanBase64(minRun, true)
	}
	sc.flushBase64()
}

// hasPercentBase64 reports whether s holds %2B, %2F or %3D, in either case.
func hasPercentBase64(s string) bool {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], '%')
		if j < 0 {
			return false
		}
		i += j
		if pctIs(s, i, '2', 'B') || pctIs(s, i, '2', 'F') || pctIs(s, i, '3', 'D') {
			return true
		}
	}
}

// scanBase64 finds the runs of at least minRun base64 characters, queues
// their decodings and, in the first pass, looks for hex in them. With pct,
// it reads %2B, %2F and %3D as '+', '/' and '=', and keeps only the runs
// that hold at least one of them.
func (sc *scrubber) scanBase64(minRun int, pct bool) {
	s := sc.s
	for i := 0; i < len(s); {
		if b64[s[i]] < 0 {
			if _, w := b64escaped(s, i, pct); w == 0 {
				i++
				continue
			}
		}
		start, n, hasPct := i, 0, false
		for i < len(s) {
			if b64[s[i]] >= 0 {
				i++
				n++
				continue
			}
			_, w := b64escaped(s, i, pct)
			if w == 0 {
				break
			}
			hasPct = hasPct || w == 3
			i += w
			n++
		}
		chars := i
		for pad := 0; pad < 2 && i < len(s); pad++ {
			if s[i] == '=' {
				i++
			} else if pct && pctIs(s, i, '3', 'D') {
				i += 3
				hasPct = true
			} else {
				break
			}
		}
		if pct && !hasPct {
			continue
		}
		if n >= minRun {
			sc.addBase64(start, chars, i, pct)
		}
		if !pct && chars-start >= 2*sc.minLen {
			for _, sec := range sc.secrets {
				if usable(sec, s) && chars-start >= 2*len(sec) {
					sc.hexSpans(sec, start, chars)
				}
			}
		}
	}
}

// b64escaped reads the escaped base64 character at s[i]: \/ for '/', and
// with pct %2B and %2F for '+' and '/'. It returns the character's value
// and its width in s, or width 0.
func b64escaped(s string, i int, pct bool) (v byte, w int) {
	switch {
	case s[i] == '\\' && i+1 < len(s) && s[i+1] == '/':
		return 63, 2
	case pct && pctIs(s, i, '2', 'B'):
		return 62, 3
	case pct && pctIs(s, i, '2', 'F'):
		return 63, 3
	}
	return 0, 0
}

// pctIs reports whether s[i:] begins with '%', hi and lo, lo in either
// case.
func pctIs(s string, i int, hi, lo byte) bool {
	return i+2 < len(s) && s[i] == '%' && s[i+1] == hi && (s[i+2] == lo || s[i+2] == lo-'A'+'a')
}

// addBase64 queues the decodings of the run s[a:chars] (followed by
// padding up to end), from each of its first four characters, that are
// long enough to hold a secret.
func (sc *scrubber) addBase64(a, chars, end int, pct bool) {
	s := sc.s
	if sc.b64.buf == nil {
		// One allocation each for the common sizes: s is usually short.
		sc.b64.vals = make([]byte, 0, min(len(s), 1<<10))
		sc.b64.buf = make([]byte, 0, min(3*len(s)+8, b64Batch))
		sc.b64.runs = make([]b64run, 0, 8)
		sc.b64.chunks = make([]b64chunk, 0, 32)
	}
	vals := sc.b64.vals[:0]
	for i := a; i < chars; {
		if v := b64[s[i]]; v >= 0 {
			vals = append(vals, byte(v))
			i++
			continue
		}
		v, w := b64escaped(s, i, pct)
		vals = append(vals, v)
		i += w
	}
	sc.b64.vals = vals
	sc.b64.runs = append(sc.b64.runs, b64run{a: a, b: end})
	for off := 0; off < 4 && off < len(vals); off++ {
		start := len(sc.b64.buf)
		sc.b64.buf = decodeBase64(sc.b64.buf, vals[off:])
		if len(sc.b64.buf)-start < sc.minLen {
			sc.b64.buf = sc.b64.buf[:start]
			continue
		}
		sc.b64.chunks = append(sc.b64.chunks, b64chunk{run: len(sc.b64.runs) - 1, a: start, b: len(sc.b64.buf)})
	}
	if len(sc.b64.buf) >= b64Batch {
		sc.flushBase64()
	}
}

// decodeBase64 appends to dst the bytes that the base64 values vals stand
// for, ignoring a last group of one value and the bits that do not make a
// whole byte.
func decodeBase64(dst, vals []byte) []byte {
	n := len(vals) / 4 * 4
	for i := 0; i < n; i += 4 {
		x := uint(vals[i])<<18 | uint(vals[i+1])<<12 | uint(vals[i+2])<<6 | uint(vals[i+3])
		dst = append(dst, byte(x>>16), byte(x>>8), byte(x))
	}
	switch len(vals) - n {
	case 2:
		x := uint(vals[n])<<18 | uint(vals[n+1])<<12
		dst = append(dst, byte(x>>16))
	case 3:
		x := uint(vals[n])<<18 | uint(vals[n+1])<<12 | uint(vals[n+2])<<6
		dst = append(dst, byte(x>>16), byte(x>>8))
	}
	return dst
}

// flushBase64 searches the queued decodings for every secret, records the
// runs that hold one, and empties the queue. The decodings are searched as
// one text; a match counts only if it lies within one decoding.
func (sc *scrubber) flushBase64() {
	if len(sc.b64.chunks) == 0 {
		sc.b64.runs, sc.b64.buf = sc.b64.runs[:0], sc.b64.buf[:0]
		return
	}
	text := string(sc.b64.buf)
	chunks, runs := sc.b64.chunks, sc.b64.runs
	emit := func(a, b int) {
		// The last chunk that begins at or before a.
		k, found := slices.BinarySearchFunc(chunks, a, func(c b64chunk, a int) int { return cmp.Compare(c.a, a) })
		if !found {
			k--
		}
		if b <= chunks[k].b {
			runs[chunks[k].run].hit = true
		}
	}
	for _, sec := range sc.secrets {
		if usable(sec, sc.s) {
			sc.matcher(sec).run(text, emit)
		}
	}
	for _, r := range runs {
		if r.hit {
			sc.add(r.a, r.b)
		}
	}
	sc.b64.buf, sc.b64.chunks, sc.b64.runs = sc.b64.buf[:0], sc.b64.chunks[:0], sc.b64.runs[:0]
}
