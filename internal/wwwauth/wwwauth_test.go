package wwwauth

import (
	"reflect"
	"strings"
	"testing"
)

type params = map[string]string

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Challenge
	}{
		{"empty", "", nil},
		{"only separators", " , ,\t, ", nil},
		{"scheme only", "Bearer", []Challenge{{Scheme: "Bearer"}}},
		{"RFC 6750 realm", `Bearer realm="example"`, []Challenge{{Scheme: "Bearer", Params: params{"realm": "example"}}}},
		{
			"RFC 6750 invalid_token",
			`Bearer realm="example", error="invalid_token", error_description="The access token expired"`,
			[]Challenge{{Scheme: "Bearer", Params: params{"realm": "example", "error": "invalid_token", "error_description": "The access token expired"}}},
		},
		{
			"RFC 6750 insufficient_scope",
			`Bearer error="insufficient_scope", scope="read write"`,
			[]Challenge{{Scheme: "Bearer", Params: params{"error": "insufficient_scope", "scope": "read write"}}},
		},
		{
			"RFC 7235 example",
			`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`,
			[]Challenge{
				{Scheme: "Newauth", Params: params{"realm": "apps", "type": "1", "title": `Login to "apps"`}},
				{Scheme: "Basic", Params: params{"realm": "simple"}},
			},
		},
		{"token68", "Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXegDTALBgkqhkiG9xIBAgKiggFkBIIBYE4=", []Challenge{{Scheme: "Negotiate", Token68: "YIIBhwYGKwYBBQUCoIIBezCCAXegDTALBgkqhkiG9xIBAgKiggFkBIIBYE4="}}},
		{"token68 padding then next", "Negotiate abc==, Bearer", []Challenge{{Scheme: "Negotiate", Token68: "abc=="}, {Scheme: "Bearer"}}},
		{"token68 with slash and plus", "X a+b/c", []Challenge{{Scheme: "X", Token68: "a+b/c"}}},
		{"schemes only", "Negotiate, NTLM ,Basic", []Challenge{{Scheme: "Negotiate"}, {Scheme: "NTLM"}, {Scheme: "Basic"}}},
		{
			"empty elements and BWS",
			`,  Bearer  realm = "a" ,, , error =invalid_token ,Basic realm=b,`,
			[]Challenge{{Scheme: "Bearer", Params: params{"realm": "a", "error": "invalid_token"}}, {Scheme: "Basic", Params: params{"realm": "b"}}},
		},
		{"names are case-insensitive, first wins", `Bearer Realm="a", REALM="b", Error=x`, []Challenge{{Scheme: "Bearer", Params: params{"realm": "a", "error": "x"}}}},
		{"escapes", `Bearer error_description="a \\ b \"c\" \d"`, []Challenge{{Scheme: "Bearer", Params: params{"error_description": `a \ b "c" d`}}}},
		{"empty quoted", `Bearer realm=""`, []Challenge{{Scheme: "Bearer", Params: params{"realm": ""}}}},
		{"comma in quotes", `Bearer scope="a, b=c", realm=x`, []Challenge{{Scheme: "Bearer", Params: params{"scope": "a, b=c", "realm": "x"}}}},
		{"tab separators", "Bearer\trealm=\"x\"", []Challenge{{Scheme: "Bearer", Params: params{"realm": "x"}}}},
		{"utf-8 obs-text kept", `Bearer error_description="jeton expiré"`, []Challenge{{Scheme: "Bearer", Params: params{"error_description": "jeton expiré"}}}},

		// Malformed: stop, keep what came before (the current challenge too).
		{"unterminated quote", `Basic realm="x", Bearer error="invalid`, []Challenge{{Scheme: "Basic", Params: params{"realm": "x"}}, {Scheme: "Bearer"}}},
		{"control character in quotes", "Bearer error=\"a\x01b\", realm=x", []Challenge{{Scheme: "Bearer"}}},
		{"newline in quotes", "Bearer realm=\"a\r\nSet-Cookie: x\"", []Challenge{{Scheme: "Bearer"}}},
		{"missing value", `Bearer realm=, Basic`, []Challenge{{Scheme: "Bearer", Token68: "realm="}, {Scheme: "Basic"}}},
		{"missing value before quote", `Bearer a="x", realm= , Basic`, []Challenge{{Scheme: "Bearer", Params: params{"a": "x"}}}},
		{"no space after scheme", `Bearer"x"`, []Challenge{{Scheme: "Bearer"}}},
		{"garbage start", `"quoted"`, nil},
		{"junk after value", `Bearer realm="x" junk, Basic`, []Challenge{{Scheme: "Bearer", Params: params{"realm": "x"}}}},
		{"dangling escape", `Bearer realm="x\`, []Challenge{{Scheme: "Bearer"}}},
		{"escaped control", "Bearer realm=\"x\\\x00\"", []Challenge{{Scheme: "Bearer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParamAndFind(t *testing.T) {
	cs := Parse(`Basic realm="b", Bearer realm="api", error="invalid_token"`)
	c, ok := Find(cs, "bearer")
	if !ok || c.Param("ERROR") != "invalid_token" || c.Param("realm") != "api" || c.Param("scope") != "" {
		t.Fatalf("Find/Param: %#v, %v", c, ok)
	}
	if _, ok := Find(cs, "Negotiate"); ok {
		t.Error("Find found a scheme that is not there")
	}
	if (Challenge{}).Param("x") != "" {
		t.Error("Param of a challenge without params")
	}
}

func TestLimits(t *testing.T) {
	many := strings.Repeat("Basic, ", MaxChallenges+10)
	if n := len(Parse(many)); n != MaxChallenges {
		t.Errorf("%d challenges, want %d", n, MaxChallenges)
	}
	var b strings.Builder
	b.WriteString("Bearer ")
	for i := 0; i < MaxParams+10; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("p")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString("=1")
	}
	cs := Parse(b.String())
	if len(cs) != 1 || len(cs[0].Params) != MaxParams {
		t.Errorf("got %d challenges, %d params; want 1, %d", len(cs), len(cs[0].Params), MaxParams)
	}
	long := `Bearer realm="` + strings.Repeat("a", MaxLen) + `"`
	cs = Parse(long) // cut inside the quoted string
	if len(cs) != 1 || cs[0].Params != nil {
		t.Errorf("header past MaxLen: %#v", cs)
	}
}

func TestParseAllocs(t *testing.T) {
	h := `Bearer realm="example", error="invalid_token", error_description="The access token expired"`
	if n := testing.AllocsPerRun(100, func() { Parse(h) }); n > 3 {
		t.Errorf("%v allocations, want at most 3 (slice, map, map bucket)", n)
	}
}

func FuzzParse(f *testing.F) {
	// Seeds are also in testdata/fuzz/FuzzParse.
	f.Add(`Bearer realm="example", error="invalid_token", error_description="The access token expired"`)
	f.Add(`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`)
	f.Fuzz(func(t *testing.T, h string) {
		cs := Parse(h)
		if len(cs) > MaxChallenges {
			t.Fatalf("%d challenges", len(cs))
		}
		limit := min(len(h), MaxLen)
		total := 0
		for _, c := range cs {
			if c.Scheme == "" {
				t.Fatalf("empty scheme in %#v", cs)
			}
			for _, r := range c.Scheme {
				if r > 0x7e || !isTchar(byte(r)) {
					t.Fatalf("scheme %q is not a token", c.Scheme)
				}
			}
			if len(c.Params) > MaxParams {
				t.Fatalf("%d params", len(c.Params))
			}
			if c.Token68 != "" && c.Params != nil {
				t.Fatalf("token68 and params: %#v", c)
			}
			total += len(c.Scheme) + len(c.Token68)
			for k, v := range c.Params {
				if k == "" || k != strings.ToLower(k) {
					t.Fatalf("param name %q", k)
				}
				if strings.ContainsAny(v, "\x00\r\n\x7f") {
					t.Fatalf("control character in value %q", v)
				}
				total += len(k) + len(v)
			}
		}
		// Everything returned comes from the input: no amplification.
		if total > limit {
			t.Fatalf("output of %d bytes from %d bytes of input", total, limit)
		}
		// Parsing is deterministic and a header re-parses the same.
		if again := Parse(h); !reflect.DeepEqual(cs, again) {
			t.Fatalf("not deterministic")
		}
	})
}
