// Command onedata uses the ONE DATA preset. ONE DATA's login answers with
// the token in a response header (Authorization, formerly X-Auth-Token), not
// in the body, and has no refresh token: bearerkit reads the header, takes
// the expiry from the JWT's exp claim, and logs in again when the API
// answers 401. It also shows a token pasted from the browser (StaticToken):
// used as is, and an error saying to replace it once it is rejected.
//
// With no environment it runs against an emulated ONE DATA
// (bearerkittest.StartOneData). Set these to use a real instance:
//
//	ONEDATA_BASE_URL   the instance's root, e.g. https://onedata.example.com
//	ONEDATA_USERNAME   the user (an e-mail)
//	ONEDATA_PASSWORD   the password
//	ONEDATA_TOKEN      optional: a token copied from the browser, used instead of the password
//	ONEDATA_API_PATH   optional: the API call to make (default api/v1/users/me)
//
//	go run ./examples/onedata
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "onedata:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("no arguments expected; configure with environment variables (see go doc)")
	}
	base, path := os.Getenv("ONEDATA_BASE_URL"), os.Getenv("ONEDATA_API_PATH")
	if path == "" {
		path = "api/v1/users/me"
	}
	var auth bearerkit.Authenticator
	var emu *bearerkittest.OneData
	switch {
	case base == "":
		var err error
		if emu, err = bearerkittest.StartOneData(); err != nil {
			return err
		}
		defer emu.Close()
		base = emu.URL()
		fmt.Fprintf(w, "emulated ONE DATA at %s (set ONEDATA_BASE_URL, ONEDATA_USERNAME, ONEDATA_PASSWORD for a real one)\n", base)
		auth = bearerkit.OneData{BaseURL: base, Username: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword,
			HTTPClient: &http.Client{Transport: showLogin{w}}}
	case os.Getenv("ONEDATA_TOKEN") != "":
		auth = bearerkit.StaticToken{AccessToken: os.Getenv("ONEDATA_TOKEN")}
	case os.Getenv("ONEDATA_USERNAME") == "" || os.Getenv("ONEDATA_PASSWORD") == "":
		return errors.New("ONEDATA_BASE_URL is set: set ONEDATA_USERNAME and ONEDATA_PASSWORD (or ONEDATA_TOKEN) too")
	default:
		auth = bearerkit.OneData{BaseURL: base, Username: os.Getenv("ONEDATA_USERNAME"), Password: os.Getenv("ONEDATA_PASSWORD"),
			HTTPClient: &http.Client{Transport: showLogin{w}}}
	}

	c, err := bearerkit.NewClient(base, auth)
	if err != nil {
		return err
	}
	defer c.HTTPClient().CloseIdleConnections()
	if err := call(ctx, w, c, path); err != nil {
		return err
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "token: expires in %s (the JWT's exp claim; no expires_in is sent), refresh token: %v\n",
		time.Until(tok.Expiry).Round(time.Minute), tok.RefreshToken != "")
	if emu == nil {
		return nil
	}

	fmt.Fprintln(w, "\nthe emulator kills the token: 401, so the SDK logs in again and replays")
	emu.KillAccessTokens()
	if err := call(ctx, w, c, "api/v1/datasets"); err != nil {
		return err
	}
	s := emu.Stats()
	fmt.Fprintf(w, "emulator: %d logins, %d password sends, %d refreshes, %d API calls (%d answered 401)\n",
		s.Logins, s.PasswordSends, s.Refreshes, s.APICalls, s.APIUnauthorized)
	if s.Logins != 2 || s.PasswordSends != 2 || s.Refreshes != 0 || s.APIUnauthorized != 1 {
		return fmt.Errorf("unexpected counters: %+v", s)
	}

	fmt.Fprintln(w, "\na token pasted from the browser (StaticToken), as it comes: \"Bearer eyJ...\"")
	static, err := bearerkit.NewClient(base, bearerkit.StaticToken{AccessToken: "Bearer " + emu.MintToken(bearerkittest.DefaultEmail)})
	if err != nil {
		return err
	}
	if err := call(ctx, w, static, path); err != nil {
		return err
	}
	emu.KillAccessTokens()
	err = call(ctx, w, static, path)
	if !errors.Is(err, bearerkit.ErrTokenRejected) {
		return fmt.Errorf("a rejected static token gave %v, want ErrTokenRejected", err)
	}
	fmt.Fprintf(w, "after the server killed it: %v\n", err)
	if n := emu.Stats().Logins; n != 2 {
		return fmt.Errorf("the static token logged in (%d logins)", n)
	}
	return nil
}

// call GETs path and prints a line about the answer.
func call(ctx context.Context, w io.Writer, c *bearerkit.Client, path string) error {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	var body struct {
		Email   string `json:"email"`
		Content []struct {
			Name string `json:"name"`
		} `json:"content"`
		TotalElements int `json:"totalElements"`
	}
	if _, err := c.Do(req, &body); err != nil {
		return err
	}
	switch {
	case body.Email != "":
		fmt.Fprintf(w, "GET %s: user %s\n", path, body.Email)
	case len(body.Content) > 0:
		fmt.Fprintf(w, "GET %s: %d datasets, the first %q\n", path, body.TotalElements, body.Content[0].Name)
	default:
		fmt.Fprintf(w, "GET %s: 200\n", path)
	}
	return nil
}

// showLogin prints where the login answer put the token (never the token).
type showLogin struct{ w io.Writer }

func (s showLogin) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	for _, h := range []string{"Authorization", "X-Auth-Token"} {
		if v := resp.Header.Get(h); v != "" {
			prefix := "without a prefix"
			if strings.HasPrefix(v, "Bearer ") {
				prefix = `as "Bearer <JWT>" (the SDK does not send the prefix twice)`
			}
			fmt.Fprintf(s.w, "POST %s: %d, the token is in the %s response header, %s\n", req.URL.Path, resp.StatusCode, h, prefix)
		}
	}
	return resp, nil
}
