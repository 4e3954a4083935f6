// Command dataddo uses the Dataddo preset: it logs in with e-mail and
// password, calls the API with the three values Dataddo wants on every call
// (the bearer token, X-realm-id and X-provider, all from the login answer),
// lists the sources and the authorizers, and shows a dead token renewed with
// POST /refresh.
//
// With no environment it runs against an emulated Dataddo
// (bearerkittest.StartDataddo). Set all three of these to use a real
// account (a username+password "system" user; SSO accounts cannot log in
// this way):
//
//	DATADDO_BASE_URL   the API root, e.g. https://headless.dataddo.com/customer-api/v1
//	DATADDO_EMAIL      the user's e-mail
//	DATADDO_PASSWORD   the user's password
//
// Flags: -store keeps the token in $TMPDIR/bearerkit-dataddo-token.json, so a
// second run reuses its refresh token instead of sending the password again.
//
//	go run ./examples/dataddo [-store]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dataddo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("dataddo", flag.ContinueOnError)
	fs.SetOutput(w)
	store := fs.Bool("store", false, "keep the token in "+filepath.Join(os.TempDir(), "bearerkit-dataddo-token.json"))
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}

	auth := bearerkit.Dataddo{
		BaseURL:  os.Getenv("DATADDO_BASE_URL"),
		Email:    os.Getenv("DATADDO_EMAIL"),
		Password: os.Getenv("DATADDO_PASSWORD"),
	}
	var emu *bearerkittest.Dataddo
	if auth.BaseURL == "" {
		var err error
		if emu, err = bearerkittest.StartDataddo(bearerkittest.WithBasePath("/customer-api/v1")); err != nil {
			return err
		}
		defer emu.Close()
		auth = bearerkit.Dataddo{BaseURL: emu.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword}
		fmt.Fprintf(w, "emulated Dataddo at %s (set DATADDO_BASE_URL, DATADDO_EMAIL, DATADDO_PASSWORD for a real one)\n", emu.URL())
	} else if auth.Email == "" || auth.Password == "" {
		return errors.New("DATADDO_BASE_URL is set: set DATADDO_EMAIL and DATADDO_PASSWORD too")
	}

	// showHeaders sits under bearerkit's transport and under the preset: it
	// sees each request as it goes out, credentials added.
	hc := &http.Client{Transport: showHeaders{w}}
	auth.HTTPClient = hc
	opts := []bearerkit.Option{bearerkit.WithHTTPClient(hc)}
	if *store {
		path := filepath.Join(os.TempDir(), "bearerkit-dataddo-token.json")
		opts = append(opts, bearerkit.WithTokenStore(&bearerkit.FileStore{Path: path}))
		fmt.Fprintf(w, "token store: %s\n", path)
	}
	c, err := bearerkit.NewClient(auth.BaseURL, auth, opts...)
	if err != nil {
		return err
	}
	defer c.HTTPClient().CloseIdleConnections()

	fmt.Fprintln(w, "\nwho am I:")
	m, _, err := c.Member(ctx)
	if err != nil {
		return err
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s, customer %s; the login gave realm_id %q, provider %q\n", m.Email, m.CustomerID, tok.RealmID, tok.Provider)

	fmt.Fprintln(w, "\nsources:")
	srcs, _, err := c.Sources.List(ctx)
	if err != nil {
		return err
	}
	for _, s := range srcs {
		fmt.Fprintf(w, "  %-5s %-20q %-18s %s\n", s.ID, s.Label, s.Type, s.Status)
	}

	fmt.Fprintln(w, "\nauthorizers:")
	auths, _, err := c.Authorizers.List(ctx)
	if err != nil {
		return err
	}
	for _, a := range auths {
		state := "ok"
		if a.Broken() {
			state = "BROKEN: " + a.StatusDetail
		}
		fmt.Fprintf(w, "  %-5s %-38q %s\n", a.ID, a.Label, state)
	}

	if emu == nil {
		return nil
	}
	fmt.Fprintln(w, "\nthe emulator kills the access token; the SDK renews it once and replays:")
	emu.KillAccessTokens()
	if _, _, err := c.Member(ctx); err != nil {
		return err
	}
	s := emu.Stats()
	fmt.Fprintf(w, "\nemulator: %d password send(s), %d refresh(es), %d API calls (%d answered 401)\n",
		s.PasswordSends, s.Refreshes, s.APICalls, s.APIUnauthorized)
	// With -store, a token left by an earlier run (of another emulator) is
	// tried first and refused; the counts below hold either way.
	if s.PasswordSends != 1 || s.Logins != 1 || s.Refreshes != 1 || s.APIUnauthorized < 1 {
		return fmt.Errorf("unexpected counters: %+v", s)
	}
	return nil
}

// showHeaders prints the method, path and the Dataddo headers of each
// request, the bearer token redacted, then the status.
type showHeaders struct{ w io.Writer }

func (s showHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "  > %s %s", req.Method, req.URL.Path)
	if v := req.Header.Get("Authorization"); v != "" {
		scheme, _, _ := strings.Cut(v, " ")
		fmt.Fprintf(&b, "  Authorization: %s [redacted]", scheme)
	}
	for _, h := range []string{"X-Realm-Id", "X-Provider"} {
		if v := req.Header.Get(h); v != "" {
			fmt.Fprintf(&b, "  %s: %s", h, v)
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		fmt.Fprintf(s.w, "%s  -> %v\n", b.String(), err)
		return nil, err
	}
	fmt.Fprintf(s.w, "%s  -> %d\n", b.String(), resp.StatusCode)
	return resp, nil
}
