// Command authapi uses the AuthAPI preset, for token services with form
// POST /auth/password and POST /auth/refresh. The password is precious
// there: bearerkit sends it only when it has no refresh token or when
// /auth/refresh answers 401; a dead access token is renewed with the
// refresh token (the request replayed, its body included), a 503 is retried,
// and a FileStore lets the next process start from the stored refresh token
// instead of the password. Here two clients share one FileStore in a
// temporary directory, removed at exit, as two runs of a program would.
//
// With no environment it runs against an emulated token service
// (bearerkittest.StartAuthAPI). Set these to use a real one (production and
// staging, the "-stg" host, have separate credentials):
//
//	AUTHAPI_BASE_URL   the token service, e.g. https://auth.example.com
//	AUTHAPI_USERNAME   the user
//	AUTHAPI_PASSWORD   the password
//	AUTHAPI_API_URL    an API to GET with the token, e.g. https://api.example.com/v1/me
//
//	go run ./examples/authapi
package main

import (
	"context"
	"errors"
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
		fmt.Fprintln(os.Stderr, "authapi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	if len(args) > 0 {
		return errors.New("no arguments expected; configure with environment variables (see go doc)")
	}
	auth := bearerkit.AuthAPI{BaseURL: os.Getenv("AUTHAPI_BASE_URL"), Username: os.Getenv("AUTHAPI_USERNAME"), Password: os.Getenv("AUTHAPI_PASSWORD")}
	apiBase, getURL := os.Getenv("AUTHAPI_API_URL"), os.Getenv("AUTHAPI_API_URL")
	var emu *bearerkittest.AuthAPI
	if auth.BaseURL == "" {
		var err error
		if emu, err = bearerkittest.StartAuthAPI(); err != nil {
			return err
		}
		defer emu.Close()
		auth = bearerkit.AuthAPI{BaseURL: emu.URL(), Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword}
		apiBase, getURL = emu.URL()+"/v1/", emu.URL()+"/v1/me"
		fmt.Fprintf(w, "emulated token service at %s (set AUTHAPI_BASE_URL, AUTHAPI_USERNAME, AUTHAPI_PASSWORD, AUTHAPI_API_URL for a real one)\n", emu.URL())
	} else if auth.Username == "" || auth.Password == "" || getURL == "" {
		return errors.New("AUTHAPI_BASE_URL is set: set AUTHAPI_USERNAME, AUTHAPI_PASSWORD and AUTHAPI_API_URL too")
	}

	dir, err := os.MkdirTemp("", "bearerkit-authapi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "token.json")
	// One FileStore per client, as two processes would have.
	newClient := func() (*bearerkit.Client, error) {
		return bearerkit.NewClient(apiBase, auth, bearerkit.WithTokenStore(&bearerkit.FileStore{Path: path}))
	}
	n := 0
	step := func(title string, do func(*bearerkit.Client) error, c *bearerkit.Client) error {
		n++
		fmt.Fprintf(w, "%d. %s\n", n, title)
		mark := 0
		if emu != nil {
			mark = len(emu.Events())
		}
		if err := do(c); err != nil {
			return err
		}
		if emu != nil {
			var wire []string
			for _, e := range emu.Events()[mark:] {
				wire = append(wire, fmt.Sprintf("%s %d", e.Path, e.Status))
			}
			fmt.Fprintf(w, "   on the wire: %s\n", strings.Join(wire, " -> "))
		}
		return nil
	}
	get := func(c *bearerkit.Client) error {
		resp, err := c.HTTPClient().Get(getURL)
		if err != nil {
			return err
		}
		resp.Body.Close()
		fmt.Fprintf(w, "   GET %s: %d\n", resp.Request.URL.Path, resp.StatusCode)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", resp.Request.URL.Path, resp.Status)
		}
		return nil
	}

	first, err := newClient()
	if err != nil {
		return err
	}
	defer first.HTTPClient().CloseIdleConnections()
	if err := step("first client: no stored token, so it logs in with the password", get, first); err != nil {
		return err
	}
	if emu != nil {
		emu.KillAccessTokens()
		echo := func(c *bearerkit.Client) error {
			req, err := c.NewRequest(ctx, http.MethodPost, "echo", map[string]string{"hello": "world"})
			if err != nil {
				return err
			}
			var back map[string]string
			if _, err := c.Do(req, &back); err != nil {
				return err
			}
			fmt.Fprintf(w, "   POST /v1/echo: the body came back after the replay: %v\n", back["hello"] == "world")
			return nil
		}
		if err := step("the access token dies early: refresh, then the POST is replayed with its body", echo, first); err != nil {
			return err
		}
		emu.KillAccessTokens()
		emu.FailNext(bearerkittest.EndpointRefresh, 1, bearerkittest.Failure{Status: http.StatusServiceUnavailable})
		if err := step("dies again, and /auth/refresh answers 503 once: retried, no password", get, first); err != nil {
			return err
		}
	}

	second, err := newClient()
	if err != nil {
		return err
	}
	defer second.HTTPClient().CloseIdleConnections()
	if err := step("second client, same token file: the stored token is used: no login, no refresh", get, second); err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil {
		fmt.Fprintf(w, "   token file %s, mode %v\n", filepath.Base(path), fi.Mode().Perm())
	}
	if emu == nil {
		return nil
	}
	emu.ExpireRefreshTokens()
	emu.KillAccessTokens()
	if err := step("both tokens dead: /auth/refresh answers 401, so (only now) the password again", get, second); err != nil {
		return err
	}

	s := emu.Stats()
	fmt.Fprintf(w, "\nemulator: %d password sends, %d refreshes (+%d failed: one 503, one 401), %d API calls (%d answered 401)\n",
		s.PasswordSends, s.Refreshes, s.RefreshFailures, s.APICalls, s.APIUnauthorized)
	if s.PasswordSends != 2 || s.Logins != 2 || s.Refreshes != 2 || s.RefreshFailures != 2 || s.APIUnauthorized != 3 {
		return fmt.Errorf("unexpected counters: %+v", s)
	}
	return nil
}
