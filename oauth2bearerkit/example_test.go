package oauth2bearerkit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/oauth2bearerkit"
)

// A bearerkit Client as the token source of a library that takes an
// oauth2.TokenSource: here an oauth2.Transport; gRPC's
// oauth.TokenSource{TokenSource: ts} is alike.
func ExampleTokenSource() {
	k, err := bearerkittest.StartKeycloak() // a Keycloak realm, for the example
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1",
		bearerkit.Keycloak{ServerURL: k.URL(), Realm: k.Realm(), Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ts := oauth2bearerkit.TokenSource(context.Background(), c)

	hc := &http.Client{Transport: &oauth2.Transport{Source: ts, Base: k.Client().Transport}}
	resp, err := hc.Get(k.URL() + "/dp/api/v1/aiconnections/types")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	tok, err := ts.Token()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, tok.Type(), tok.RefreshToken == "")
	// Output:
	// 200 Bearer true
}

// x/oauth2's client credentials as a bearerkit Authenticator: the Client
// asks for a token at first use and again after a 401.
func ExampleFuncAuthenticator() {
	k, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	cc := &clientcredentials.Config{
		ClientID:     bearerkittest.DefaultConfidentialClient,
		ClientSecret: bearerkittest.DefaultClientSecret,
		TokenURL:     k.TokenURL(),
	}
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", oauth2bearerkit.FuncAuthenticator(cc.Token),
		bearerkit.WithHTTPClient(k.Client())) // also carries the token requests
	if err != nil {
		log.Fatal(err)
	}
	get := func() int {
		req, err := c.NewRequest(context.Background(), http.MethodGet, "aiconnections/types", nil)
		if err != nil {
			log.Fatal(err)
		}
		resp, err := c.Do(req, nil)
		if err != nil {
			log.Fatal(err)
		}
		return resp.StatusCode
	}
	fmt.Println(get())
	k.KillAccessTokens()
	fmt.Println(get(), k.Stats().Logins)
	// Output:
	// 200
	// 200 2
}

// A token from an authorization code exchange (here, for the example, the
// password grant) renewed by a bearerkit Client with its refresh token.
func ExampleConfigAuthenticator() {
	k, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	cfg := &oauth2.Config{
		ClientID: bearerkittest.DefaultPublicClient,
		Endpoint: oauth2.Endpoint{TokenURL: k.TokenURL(), AuthStyle: oauth2.AuthStyleInParams},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, k.Client())
	tok, err := cfg.PasswordCredentialsToken(ctx, bearerkittest.DefaultUsername, bearerkittest.DefaultPassword)
	if err != nil {
		log.Fatal(err)
	}
	auth := oauth2bearerkit.ConfigAuthenticator{Config: cfg, Token: tok}
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", auth, bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		log.Fatal(err)
	}
	k.KillAccessTokens() // the API refuses tok: the Client refreshes it
	req, err := c.NewRequest(context.Background(), http.MethodGet, "aiconnections/types", nil)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := c.Do(req, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, k.Stats().Refreshes)
	fmt.Println(strings.ReplaceAll(fmt.Sprint(auth), k.URL(), "https://sso.example.com")) // no secret
	// Output:
	// 200 1
	// oauth2bearerkit.ConfigAuthenticator{ClientID: dc-ui, TokenURL: https://sso.example.com/realms/dataclarity/protocol/openid-connect/token, AccessToken: [redacted], RefreshToken: [redacted]}
}

// An oauth2.TokenSource as a bearerkit Authenticator.
func ExampleAuthenticator() {
	k, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	cc := &clientcredentials.Config{
		ClientID:     bearerkittest.DefaultConfidentialClient,
		ClientSecret: bearerkittest.DefaultClientSecret,
		TokenURL:     k.TokenURL(),
	}
	ts := cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, k.Client()))
	auth := oauth2bearerkit.Authenticator(ts)
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", auth, bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type(), auth)
	// Output:
	// Bearer oauth2bearerkit.Authenticator(*oauth2.reuseTokenSource)
}
