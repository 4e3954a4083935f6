// Command webapp is a small web back end that calls a data platform on its
// users' behalf and keeps their tokens in the browser as HttpOnly cookies
// (bearerkit.CookieSession):
//
//	go run ./examples/webapp            # then open http://127.0.0.1:8080
//
// It runs on an emulated Dataddo (package bearerkittest) on 127.0.0.1, so it
// needs no account: log in as alice@example.com / wonderland-42.
//
//   - The login form posts the e-mail and password once: the Dataddo preset
//     logs in, and the four session cookies (accessToken, refreshToken,
//     realmId, provider) are set on the answer. The password is not kept.
//   - Each page builds a per-request Client from the cookies; when the
//     platform answers 401 (a token killed early) or the access token has
//     expired, the refresh token renews it and the new cookies go back with
//     the page, so the browser always holds the newest refresh token.
//   - The page lists the sources with a preview of one of them.
//   - Logout revokes the token at the platform and deletes the cookies.
//
// The cookies are Secure everywhere but on plain-HTTP loopback, so served
// on any other host the app must be behind HTTPS. The end-to-end test in
// e2e/ drives it in headless Chromium (see e2e_test.go).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (keep it loopback: the app serves plain HTTP)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

// run starts the emulated platform and the web app on addr, prints the
// app's URL to out, and serves until ctx is done.
func run(ctx context.Context, addr string, out io.Writer) error {
	platform, err := bearerkittest.StartDataddo(bearerkittest.WithBasePath("/api/v2"))
	if err != nil {
		return err
	}
	defer platform.Close()

	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           NewServer(Config{PlatformURL: platform.URL(), PlatformClient: platform.Client(), Logger: slog.New(slog.NewTextHandler(out, nil))}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(out, "webapp: listening on http://%s (log in as %s / %s; Ctrl-C stops)\n", l.Addr(), bearerkittest.DefaultEmail, bearerkittest.DefaultPassword)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// Config configures the web app.
type Config struct {
	// PlatformURL is the Dataddo API base URL.
	PlatformURL string

	// PlatformClient reaches the platform; nil means http.DefaultClient.
	PlatformClient *http.Client

	// Session keeps the tokens in cookies; nil means the zero
	// CookieSession (DataddoCookies names, Path "/").
	Session *bearerkit.CookieSession

	// Logger receives a record per failure; nil discards them. Records
	// never hold secrets.
	Logger *slog.Logger

	// KillTokens, when set, is served at POST /__test/kill to loopback
	// clients: the end-to-end test's way to have the platform kill the
	// access tokens early. Never set it outside tests.
	KillTokens func()
}

type server struct {
	cfg     Config
	session *bearerkit.CookieSession
	preset  bearerkit.Dataddo // without a password: renews, cannot log in
	log     *slog.Logger
}

// NewServer returns the web app's handler.
func NewServer(cfg Config) http.Handler {
	s := &server{cfg: cfg, session: cfg.Session, log: cfg.Logger}
	if s.session == nil {
		s.session = new(bearerkit.CookieSession)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.preset = bearerkit.Dataddo{BaseURL: cfg.PlatformURL, HTTPClient: cfg.PlatformClient}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	if cfg.KillTokens != nil {
		mux.HandleFunc("POST /__test/kill", s.kill)
	}
	return secureHeaders(mux)
}

// secureHeaders sets the headers every answer gets: nothing is cached
// (pages hold the user's data), no script runs, no other site frames it.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a state-changing POST that another site made the
// browser send (SameSite=Lax keeps the cookies off it, but a forged login
// needs none): its Origin, or failing that Sec-Fetch-Site, must be ours.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

// home lists the sources with a preview of one of them (?source=ID, by
// default the first).
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := s.session.Client(w, r, s.cfg.PlatformURL, s.preset, bearerkit.WithHTTPClient(s.httpClient()))
	if err != nil {
		s.sessionFailed(w, r, err)
		return
	}
	member, _, err := c.Member(ctx)
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	sources, _, err := c.Sources.List(ctx)
	if err != nil {
		s.apiFailed(w, r, err)
		return
	}
	page := homePage{Email: member.Email, Sources: sources}
	if len(sources) > 0 {
		page.Selected = sources[0]
		if id := r.URL.Query().Get("source"); id != "" {
			i := slices.IndexFunc(sources, func(src *bearerkit.Source) bool { return src.ID == id })
			if i < 0 {
				s.render(w, http.StatusNotFound, errorTmpl, errorPage{Message: "There is no such source."})
				return
			}
			page.Selected = sources[i]
		}
		rows, _, err := c.Sources.Preview(ctx, page.Selected.ID, 5)
		if err != nil {
			s.apiFailed(w, r, err)
			return
		}
		page.Columns, page.Rows = table(rows)
	}
	// Every API call is made: renewed tokens are in w's Set-Cookie headers.
	s.render(w, http.StatusOK, homeTmpl, page)
}

// sessionFailed answers a request whose cookies give no Client.
func (s *server) sessionFailed(w http.ResponseWriter, r *http.Request, err error) {
	var ae *bearerkit.AuthError
	switch {
	case errors.Is(err, bearerkit.ErrNoSession):
		var ce *bearerkit.CookieError
		if errors.As(err, &ce) {
			s.log.Warn("webapp: unusable session cookie", "error", err)
			s.session.Clear(w, r)
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Temporary():
		s.log.Error("webapp: renewing the session failed", "error", err)
		s.render(w, http.StatusServiceUnavailable, errorTmpl, errorPage{Message: "The platform cannot be reached. Try again in a moment."})
	default:
		s.log.Info("webapp: session over", "error", err)
		s.session.Clear(w, r)
		http.Redirect(w, r, "/login?m=expired", http.StatusSeeOther)
	}
}

// apiFailed answers a request whose API call failed.
func (s *server) apiFailed(w http.ResponseWriter, r *http.Request, err error) {
	var ae *bearerkit.AuthError
	var apiErr *bearerkit.APIError
	switch {
	case errors.As(err, &ae) && !ae.Temporary(),
		errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized:
		// The refresh token is dead too: the user must log in again.
		s.sessionFailed(w, r, err)
	case errors.Is(err, context.Canceled):
		// The browser went away.
	default:
		s.log.Error("webapp: platform call failed", "error", err)
		s.render(w, http.StatusBadGateway, errorTmpl, errorPage{Message: "The platform failed to answer. Try again in a moment."})
	}
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	var msg string
	switch r.URL.Query().Get("m") {
	case "expired":
		msg = "Your session has ended. Please log in again."
	case "out":
		msg = "You are logged out."
	}
	s.render(w, http.StatusOK, loginTmpl, loginPage{Message: msg, Email: bearerkittest.DefaultEmail})
}

// login logs in at the platform with the form's e-mail and password and
// sets the session cookies.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	email, password := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	if email == "" || password == "" {
		s.render(w, http.StatusBadRequest, loginTmpl, loginPage{Message: "Enter your e-mail and password.", Email: email})
		return
	}
	auth := s.preset
	auth.Email, auth.Password = email, password
	tok, err := auth.Authenticate(r.Context(), nil)
	if err != nil {
		var ae *bearerkit.AuthError
		if errors.As(err, &ae) && !ae.Temporary() {
			s.render(w, http.StatusUnauthorized, loginTmpl, loginPage{Message: "Wrong e-mail or password.", Email: email})
			return
		}
		s.log.Error("webapp: login failed", "error", err)
		s.render(w, http.StatusBadGateway, loginTmpl, loginPage{Message: "The platform cannot be reached. Try again in a moment.", Email: email})
		return
	}
	if err := s.session.SetToken(w, r, tok); err != nil {
		s.log.Error("webapp: cannot keep the token in cookies", "error", err)
		s.render(w, http.StatusInternalServerError, errorTmpl, errorPage{Message: "The session cannot be kept."})
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout revokes the token at the platform (best effort) and deletes the
// cookies.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	if tok, err := s.session.Token(r); err == nil && tok.AccessToken != "" {
		if err := s.preset.Revoke(r.Context(), tok); err != nil {
			s.log.Warn("webapp: revoking the token failed", "error", err)
		}
	}
	s.session.Clear(w, r)
	http.Redirect(w, r, "/login?m=out", http.StatusSeeOther)
}

// kill has the platform kill the access tokens (tests only; loopback
// clients only).
func (s *server) kill(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		http.NotFound(w, r)
		return
	}
	s.cfg.KillTokens()
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) httpClient() *http.Client {
	if s.cfg.PlatformClient != nil {
		return s.cfg.PlatformClient
	}
	return http.DefaultClient
}

// render executes t into a buffer first, so a template error cannot leave
// half a page.
func (s *server) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		s.log.Error("webapp: template", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// table turns preview rows into sorted columns and string cells.
func table(rows []map[string]any) ([]string, [][]string) {
	var cols []string
	for _, row := range rows {
		for k := range row {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
	}
	slices.Sort(cols)
	cells := make([][]string, len(rows))
	for i, row := range rows {
		for _, c := range cols {
			v, ok := row[c]
			switch {
			case !ok || v == nil:
				cells[i] = append(cells[i], "")
			default:
				cells[i] = append(cells[i], fmt.Sprint(v))
			}
		}
	}
	return cols, cells
}
