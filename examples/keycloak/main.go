// Command keycloak talks to a Keycloak realm (DataClarity: the tenant is
// the realm) the OpenID Connect way: it discovers the endpoints from
// /.well-known/openid-configuration, logs a user in with the password grant
// and calls the API, renews with the refresh token after a 401 (Keycloak
// rotates it: the SDK keeps the newest), revokes the session (RFC 7009),
// and gets a token for a back-end client with client credentials.
// bearerkit.Keycloak{ServerURL, Realm, ClientID, Username, Password} does
// the same without discovery.
//
// With no environment it runs against an emulated Keycloak
// (bearerkittest.StartKeycloak). Set these to use a real one:
//
//	KEYCLOAK_SERVER_URL     the server root, e.g. https://sso.example.com (Keycloak < 17: https://sso.example.com/auth)
//	KEYCLOAK_REALM          the realm (DataClarity: the tenant)
//	KEYCLOAK_CLIENT_ID      the client (default dc-ui, DataClarity's public client)
//	KEYCLOAK_CLIENT_SECRET  optional: its secret; also runs the client credentials grant
//	KEYCLOAK_USERNAME       the user, for the password grant (optional with a secret)
//	KEYCLOAK_PASSWORD       the password
//	KEYCLOAK_API_URL        an API to GET, e.g. https://dc.example.com/dp/api/v1/aiconnections/types
//
//	go run ./examples/keycloak
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "keycloak:", err)
		os.Exit(1)
	}
}

// client is a Keycloak client: its id and secret ("" for a public client).
type client struct{ id, secret string }

func run(ctx context.Context, w io.Writer, args []string) error {
	if len(args) > 0 {
		return errors.New("no arguments expected; configure with environment variables (see go doc)")
	}
	env := os.Getenv
	realm := bearerkit.Keycloak{ServerURL: env("KEYCLOAK_SERVER_URL"), Realm: env("KEYCLOAK_REALM")}
	ui := client{env("KEYCLOAK_CLIENT_ID"), env("KEYCLOAK_CLIENT_SECRET")}
	if ui.id == "" {
		ui.id = bearerkit.DataClarityClientID
	}
	backend, user, password, apiURL := ui, env("KEYCLOAK_USERNAME"), env("KEYCLOAK_PASSWORD"), env("KEYCLOAK_API_URL")
	var emu *bearerkittest.Keycloak
	if realm.ServerURL == "" {
		var err error
		if emu, err = bearerkittest.StartKeycloak(); err != nil {
			return err
		}
		defer emu.Close()
		realm = bearerkit.Keycloak{ServerURL: emu.URL(), Realm: emu.Realm()}
		ui = client{bearerkittest.DefaultPublicClient, ""}
		backend = client{bearerkittest.DefaultConfidentialClient, bearerkittest.DefaultClientSecret}
		user, password, apiURL = bearerkittest.DefaultUsername, bearerkittest.DefaultPassword, emu.APIURL()
		fmt.Fprintf(w, "emulated Keycloak at %s (set the KEYCLOAK_* variables for a real one)\n", emu.URL())
	} else if realm.Realm == "" || apiURL == "" || (user == "" && backend.secret == "") {
		return errors.New("KEYCLOAK_SERVER_URL is set: set KEYCLOAK_REALM, KEYCLOAK_API_URL and KEYCLOAK_USERNAME or KEYCLOAK_CLIENT_SECRET too")
	}

	cfg, err := bearerkit.Discover(ctx, realm.Issuer(), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\ndiscovery of %s:\n  token endpoint      %s (the Keycloak preset's: %v)\n  revocation endpoint %s\n  grant types         %s\n",
		cfg.Issuer, cfg.TokenEndpoint, cfg.TokenEndpoint == realm.TokenURL(), cfg.RevocationEndpoint, strings.Join(cfg.GrantTypesSupported, ", "))

	if user != "" {
		fmt.Fprintf(w, "\npassword grant, client %s:\n", ui.id)
		var mu sync.Mutex
		var refreshTokens []string // to tell rotation; never printed
		c, err := bearerkit.NewClient(apiURL, cfg.PasswordLogin(ui.id, ui.secret, user, password),
			bearerkit.WithOnToken(func(t bearerkit.Token) { mu.Lock(); refreshTokens = append(refreshTokens, t.RefreshToken); mu.Unlock() }))
		if err != nil {
			return err
		}
		if err := get(ctx, w, c.HTTPClient(), apiURL); err != nil {
			return err
		}
		if emu != nil {
			fmt.Fprintln(w, "  the emulator kills the access token; the SDK refreshes and replays:")
			emu.KillAccessTokens()
			mark := len(emu.Events())
			if err := get(ctx, w, c.HTTPClient(), apiURL); err != nil {
				return err
			}
			var wire []string
			for _, e := range emu.Events()[mark:] {
				wire = append(wire, fmt.Sprintf("%s %d", e.Endpoint, e.Status))
			}
			fmt.Fprintf(w, "  on the wire: %s\n", strings.Join(wire, " -> "))
			mu.Lock()
			n, rotated := len(refreshTokens), len(refreshTokens) == 2 && refreshTokens[0] != refreshTokens[1]
			mu.Unlock()
			fmt.Fprintf(w, "  tokens obtained: %d; refresh token rotated: %v\n", n, rotated)
			if !rotated {
				return errors.New("the refresh did not rotate the refresh token")
			}
		}
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		if err := cfg.Revoker(ui.id, ui.secret).RevokeToken(ctx, tok); err != nil {
			return err
		}
		fmt.Fprintln(w, "  revoked (RFC 7009: the refresh token, then the access token); the old access token now gets:")
		if err := get(ctx, w, &http.Client{Transport: bearer{tok.AccessToken}}, apiURL); err != nil {
			return err
		}
	}

	if backend.secret != "" {
		fmt.Fprintf(w, "\nclient credentials, client %s (secret sent as HTTP Basic):\n", backend.id)
		c, err := bearerkit.NewClient(apiURL, cfg.ClientCredentials(backend.id, backend.secret))
		if err != nil {
			return err
		}
		if err := get(ctx, w, c.HTTPClient(), apiURL); err != nil {
			return err
		}
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  refresh token: %v (a new token is simply asked for at expiry)\n", tok.RefreshToken != "")
	}

	if emu != nil {
		s := emu.Stats()
		fmt.Fprintf(w, "\nemulator: %d logins (%d with the password), %d refresh, %d revocations, %d API calls (%d answered 401)\n",
			s.Logins, s.PasswordSends, s.Refreshes, s.Revocations, s.APICalls, s.APIUnauthorized)
		if s.Logins != 2 || s.PasswordSends != 1 || s.Refreshes != 1 || s.Revocations != 2 || s.APIUnauthorized != 2 {
			return fmt.Errorf("unexpected counters: %+v", s)
		}
	}
	return nil
}

// get GETs url with hc and prints the status and, for a JSON list, its names.
func get(ctx context.Context, w io.Writer, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var items []struct {
		Name string `json:"name"`
	}
	line := fmt.Sprintf("  GET %s: %d", req.URL.Path, resp.StatusCode)
	if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&items) == nil {
		names := make([]string, len(items))
		for i, it := range items {
			names[i] = it.Name
		}
		line += fmt.Sprintf(", %d items: %s", len(items), strings.Join(names, ", "))
	}
	fmt.Fprintln(w, line)
	return nil
}

// bearer sends one fixed access token, nothing else: no renewal, no replay.
type bearer struct{ token string }

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(req)
}
