package bearerkit_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// A web back end that logs its users in to Dataddo and keeps their tokens
// in HttpOnly cookies: the login sets them, each page builds a Client from
// them (renewed tokens go back to the browser), the logout revokes the
// token and clears them.
func ExampleCookieSession() {
	platform, err := bearerkittest.StartDataddo(bearerkittest.WithBasePath("/api/v2"))
	if err != nil {
		log.Fatal(err)
	}
	defer platform.Close()

	var session bearerkit.CookieSession // DataddoCookies names
	// The preset without a password renews tokens; it cannot log in.
	preset := bearerkit.Dataddo{BaseURL: platform.URL(), HTTPClient: platform.Client()}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "please log in")
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		auth := preset
		auth.Email, auth.Password = r.PostFormValue("email"), r.PostFormValue("password")
		tok, err := auth.Authenticate(r.Context(), nil)
		if err != nil {
			http.Error(w, "wrong e-mail or password", http.StatusUnauthorized)
			return
		}
		if err := session.SetToken(w, r, tok); err != nil {
			http.Error(w, "cannot keep the session", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		c, err := session.Client(w, r, platform.URL(), preset, bearerkit.WithHTTPClient(platform.Client()))
		if err != nil {
			if !errors.Is(err, bearerkit.ErrNoSession) {
				session.Clear(w, r) // the session cannot be renewed
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		sources, _, err := c.Sources.List(r.Context())
		if err != nil {
			http.Error(w, "the platform failed", http.StatusBadGateway)
			return
		}
		// Write the page after the API calls: a renewal adds Set-Cookie headers.
		fmt.Fprintf(w, "%d sources\n", len(sources))
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if tok, err := session.Token(r); err == nil && tok.AccessToken != "" {
			_ = preset.Revoke(r.Context(), tok)
		}
		session.Clear(w, r)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	app := httptest.NewServer(mux)
	defer app.Close()

	// A browser.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	show := func(resp *http.Response, err error) {
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Print(string(b))
	}
	show(browser.PostForm(app.URL+"/login", url.Values{"email": {bearerkittest.DefaultEmail}, "password": {bearerkittest.DefaultPassword}}))
	platform.KillAccessTokens() // the token dies early: the next page renews it
	show(browser.Get(app.URL + "/"))
	show(browser.PostForm(app.URL+"/logout", nil))
	fmt.Println("refreshes:", platform.Stats().Refreshes)
	// Output:
	// 3 sources
	// 3 sources
	// please log in
	// refreshes: 1
}
