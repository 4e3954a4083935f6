package redact_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// testSecrets cover the characters that the encodings treat specially:
// ':' '/' '@' '+' ' ' for URLs and Basic; the double quote, backslash,
// '<' '&' '>' and the apostrophe for JSON and HTML; control characters, a
// rune outside ASCII and one outside the BMP; and the 4-byte minimum.
var testSecrets = []string{
	"s3cr3t-T0ken_value",
	"p@ss:w/rd+ä😀 x",
	"tab\there\"q\\b<&>'!",
	"k3y!",
	"ab cd",
}

// TestScrubEncodings checks that every secret is taken out in every
// encoding, at every variant of the mixed ones, and that the text around
// it is kept byte for byte.
func TestScrubEncodings(t *testing.T) {
	const before, after = "error: ", " (end) a%20b &amp; \\n caf\u00e9"
	for _, sec := range testSecrets {
		for _, e := range encodings {
			for seed := range 4 {
				enc, ok := e.enc(sec, seed)
				if !ok {
					t.Fatalf("%s: not defined for %q", e.name, sec)
				}
				got := redact.Scrub(before+enc+after, sec)
				if want := before + redact.Placeholder + after; got != want {
					t.Errorf("%s (seed %d) of %q:\n in: %q\ngot: %q\nwant %q", e.name, seed, sec, before+enc+after, got, want)
				}
			}
		}
	}
}

// TestScrubExamples checks hand-written cases: the mixtures of the brief,
// Basic credentials glued to other base64, several secrets, repeats.
func TestScrubExamples(t *testing.T) {
	const P = redact.Placeholder
	basic := func(id, sec string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(sec)))
	}
	const hard = "p@ss:w/rd+ä😀 x"
	for _, tc := range []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"half percent", `{"error":"bad password %70@s%73%3Aw%2Frd+%C3%A4%F0%9F%98%80%20x"}`, []string{hard}, `{"error":"bad password ` + P + `"}`},
		{"json slash and \\u0040", `{"error_description":"client p\u0040ss:w\/rd+\u00e4\ud83d\ude00 x unknown"}`, []string{hard}, `{"error_description":"client ` + P + ` unknown"}`},
		{"json upper hex", `"p\u0040ss:w\/rd\u002B\u00C4"`, []string{"p@ss:w/rd+Ä"}, `"` + P + `"`},
		{"html &#64;", `<p>Invalid p&#64;ss:w/rd+&#228;&#x1F600; x</p>`, []string{hard}, `<p>Invalid ` + P + `</p>`},
		{"html &#X and zeros", `<b>p&#X040;ss&#0058;w&#x2f;rd&#43;&auml;</b>`, []string{"p@ss:w/rd+"}, `<b>` + P + `&auml;</b>`},
		{"html named", `value=&quot;a&lt;b&amp;c&gt;d&apos;&quot;`, []string{`"a<b&c>d'"`}, `value=` + P},
		{"html &#39;", `it&#39;s-a-secret`, []string{"it's-a-secret"}, P},
		{"form plus", `password=p%40ss%3Aw%2Frd%2B%C3%A4%F0%9F%98%80+x&grant_type=password`, []string{hard}, `password=` + P + `&grant_type=password`},
		{"basic rfc6749", "Authorization: Basic " + basic("app", hard) + "\r\n", []string{hard}, "Authorization: Basic " + P + "\r\n"},
		{"basic plain", "Basic " + base64.StdEncoding.EncodeToString([]byte("app:"+hard)), []string{hard}, "Basic " + P},
		{"basic glued", "xQUJD" + basic("my id", hard) + " next", []string{hard}, P + " next"},
		{"base64 in JSON", `{"h":"` + strings.ReplaceAll(base64.StdEncoding.EncodeToString([]byte("\xff\xfe/"+hard)), "/", `\/`) + `"}`, []string{hard}, `{"h":"` + P + `"}`},
		{"base64 padded then text", "t=" + base64.StdEncoding.EncodeToString([]byte("s3cr3t!")) + "xyz", []string{"s3cr3t!"}, "t=" + P + "xyz"},
		{"hex mixed case", "id 73336352337421 and 73336352337421 end", []string{"s3cR3t!"}, "id " + P + " and " + P + " end"},
		{"several secrets", "a=s3cr3t-T0ken_value b=%6B%33%79%21 c=rest", []string{"k3y!", "", "x", "s3cr3t-T0ken_value"}, "a=" + P + " b=" + P + " c=rest"},
		{"overlapping secrets", "xx-abcdefgh-xx", []string{"abcdef", "defgh"}, "xx-" + P + "-xx"},
		{"overlapping repeats", "[ababab]", []string{"abab"}, "[" + P + "]"},
		{"adjacent repeats", "<abcdabcd>", []string{"abcd"}, "<" + P + P + ">"},
		{"exactly 4 bytes", "x abcd y", []string{"abcd"}, "x " + P + " y"},
		{"plus is the only escape", "q=ab+cd! end", []string{"ab cd!"}, "q=" + P + " end"},
		{"plus only, no space in the secret", "q=ab+cd! ab cd!", []string{"ab+cd!"}, "q=" + P + " ab cd!"},
		{"escape of a percent", "v=%2541bc", []string{"%41bc"}, "v=" + P},
		{"backslash before escape", `a\\u0041bcd`, []string{"Abcd"}, `a\` + P},
		{"secret with tab, json", `"pass\tword"`, []string{"pass\tword"}, `"` + P + `"`},
		{"secret with newline, raw", "pass\nword", []string{"pass\nword"}, P},
		{"invalid utf-8 secret, percent", "k=%FF%FEab", []string{"\xff\xfeab"}, "k=" + P},
	} {
		if got := redact.Scrub(tc.in, tc.secrets...); got != tc.want {
			t.Errorf("%s:\n in: %q\ngot: %q\nwant %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestScrubKeepsOrdinaryText checks that text without the secrets comes
// back byte for byte, escapes, base64, hex and near misses included.
func TestScrubKeepsOrdinaryText(t *testing.T) {
	const sec = "p@ss:w/rd+ä😀 x"
	for _, tc := range []struct {
		in      string
		secrets []string
	}{
		{"hello world", []string{"secret-value"}},
		{"", []string{"secret-value"}},
		{"hello world", nil},
		{`{"error":"invalid_client","error_description":"Client authentication failed \u00e9 \/ \\ \"x\""}`, []string{sec, "s3cr3t-T0ken_value"}},
		{"a%20b%2Fc+d &amp; &#64; &#x40; &lt;tag&gt; %zz %4 & &# &#; &#x; \\ \\u12 \\uD83D x", []string{sec}},
		{"Basic YXBwOm90aGVyLXNlY3JldA== and ZGVhZGJlZWY and 0123456789abcdef", []string{sec, "s3cr3t-T0ken_value"}},
		{"near misses: p@ss:w/rd+ä😀 y, p%40ss:w/rd+ä😀_x, p@ss:w/rd+a😀 x, @ss:w/rd+ä😀 x", []string{sec}},
		{"invalid \xff\xfe utf-8 \xc3 and ctrl \x00\x1b", []string{sec}},
		{"hex 73336372337420 of a near miss, base64 czNjcjN0IA of it", []string{"s3cr3t!"}},
		{strings.Repeat("authorization_code ", 100), []string{"s3cr3t-T0ken_value", "k3y!"}},
	} {
		if got := redact.Scrub(tc.in, tc.secrets...); got != tc.in {
			t.Errorf("Scrub(%q, %q) = %q, want it unchanged", tc.in, tc.secrets, got)
		}
	}
}

// TestScrubIgnoresShortSecrets checks that secrets under 4 bytes are left
// alone in every form, while the longer ones of the same call are not.
func TestScrubIgnoresShortSecrets(t *testing.T) {
	for _, in := range []string{"abc abc", "a%62c", "\\u0061bc", "&#97;bc", "616263", "YWJj", ""} {
		if got := redact.Scrub(in, "abc", "", "ab", "a"); got != in {
			t.Errorf("Scrub(%q, short secrets) = %q, want it unchanged", in, got)
		}
	}
	if got, want := redact.Scrub("abc abcd", "abc", "abcd"), "abc "+redact.Placeholder; got != want {
		t.Errorf("Scrub with a short and a long secret = %q, want %q", got, want)
	}
}

// TestScrubLongSecret checks a secret longer than 64 bytes (a JWT-sized
// token) in a few encodings, and a periodic one whose partial matches
// pile up.
func TestScrubLongSecret(t *testing.T) {
	long := strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 30) + "/+="
	for _, e := range encodings {
		enc, _ := e.enc(long, 1)
		if got, want := redact.Scrub("<"+enc+">", long), "<"+redact.Placeholder+">"; got != want {
			t.Errorf("%s of a %d-byte secret: got %.80q…, want %q", e.name, len(long), got, want)
		}
	}
	periodic := strings.Repeat("ab", 50)
	in := "x " + strings.Repeat("ab", 200) + "%61b y"
	if got, want := redact.Scrub(in, periodic), "x "+redact.Placeholder+" y"; got != want {
		t.Errorf("periodic secret: got %q, want %q", got, want)
	}
}

// TestClip checks the cut, at a rune boundary, and the replacement of
// control characters.
func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 3, "hel…"},
		{"hello", 0, "…"},
		{"hello", -1, "…"},
		{"a\tb\nc\x7fd\x00", 100, "a b c d "},
		{"aä", 2, "a…"},
		{"aäb", 3, "aä…"},
		{"a😀b", 2, "a…"},
		{"a😀b", 4, "a…"},
		{"a😀b", 5, "a😀…"},
		{"ab\xff\xfecd", 3, "ab\uFFFD…"},
		{"a\x80\x80\x80\x80b", 3, "a\uFFFD\uFFFD…"},
	} {
		if got := redact.Clip(tc.in, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestScrubClip checks that a secret cannot survive ScrubClip: not cut in
// half by the clip, not spelled with a control character that Clip turns
// into a space.
func TestScrubClip(t *testing.T) {
	const sec = "s3cr3t-T0ken_value"
	in := "0123456789 " + sec + " more"
	for n := range len(in) + 2 {
		got := redact.ScrubClip(in, n, sec)
		if strings.Contains(got, "s3cr") {
			t.Errorf("ScrubClip(%q, %d) = %q: holds the start of the secret", in, n, got)
		}
		if want := redact.Clip("0123456789 "+redact.Placeholder+" more", n); got != want {
			t.Errorf("ScrubClip(%q, %d) = %q, want %q", in, n, got, want)
		}
	}
	if got, want := redact.ScrubClip("bad pass\tword\r\nhere", 100, "pass word"), "bad "+redact.Placeholder+"  here"; got != want {
		t.Errorf("secret spelled with a tab: got %q, want %q", got, want)
	}
	if got, want := redact.ScrubClip("x %6B%33%79%21 y", 100, "k3y!"), "x "+redact.Placeholder+" y"; got != want {
		t.Errorf("encoded secret: got %q, want %q", got, want)
	}
}
