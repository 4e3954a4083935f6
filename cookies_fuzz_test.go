package bearerkit_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

// FuzzReadCookies feeds hostile Cookie headers to CookieSession.Token.
// Seeds are in testdata/fuzz/FuzzReadCookies.
//
// Invariants: no panic; either a token or an error, never both; an error
// is ErrNoSession or a *CookieError (which is ErrNoSession too), short,
// and never holds a cookie's value; a token has an access or a refresh
// token, every value a valid cookie value of at most MaxCookieSize bytes,
// and SetToken writes it back (when it has an access token) so that the
// browser's next request reads the same token.
func FuzzReadCookies(f *testing.F) {
	var s bearerkit.CookieSession
	f.Fuzz(func(t *testing.T, line1, line2 string) {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		r.Header["Cookie"] = []string{line1, line2}
		start := time.Now()
		tok, err := s.Token(r)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Token took %v", d)
		}
		if (tok == nil) == (err == nil) {
			t.Fatalf("token %v and error %v", tok, err)
		}
		if err != nil {
			if !errors.Is(err, bearerkit.ErrNoSession) {
				t.Fatalf("error %v is not ErrNoSession", err)
			}
			msg := err.Error()
			if len(msg) > 200 {
				t.Fatalf("error of %d bytes", len(msg))
			}
			var ce *bearerkit.CookieError
			if errors.As(err, &ce) {
				for _, p := range strings.FieldsFunc(line1+";"+line2, func(r rune) bool { return r == ';' || r == '=' }) {
					p = strings.Trim(p, " \t\"")
					if len(p) >= 8 && strings.Contains(msg, p) && !strings.Contains(ce.Name, p) {
						t.Fatalf("error %q holds %q from the header", msg, p)
					}
				}
			}
			return
		}
		if tok.AccessToken == "" && tok.RefreshToken == "" {
			t.Fatalf("token without access and refresh token: %v", tok)
		}
		for _, v := range []string{tok.AccessToken, tok.RefreshToken, tok.RealmID, tok.Provider} {
			if len(v) > bearerkit.MaxCookieSize || strings.ContainsAny(v, " \t\r\n\";,\\") {
				t.Fatalf("bad value %q", v)
			}
		}
		if tok.AccessToken == "" {
			return
		}
		rec := httptest.NewRecorder()
		if err := s.SetToken(rec, r, tok); err != nil {
			t.Fatalf("SetToken of a token read from cookies: %v", err)
		}
		next := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge >= 0 {
				next.AddCookie(c)
			}
		}
		again, err := s.Token(next)
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		want := *tok
		want.Expiry = again.Expiry
		if *again != want {
			t.Fatalf("read back %#v, want %#v", again.GoString(), want.GoString())
		}
	})
}
