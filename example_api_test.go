package bearerkit_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// In these examples the Dataddo emulator of bearerkittest stands in for
// the platform; a real program passes the platform's base URL, such as
// https://headless.dataddo.com/customer-api/v1, instead of platform.URL().

func ExampleSourcesService_List() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	sources, _, err := client.Sources.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sources {
		fmt.Println(s.ID, s.Label, s.Status)
	}
	// Output:
	// 101 GA4 sessions ok
	// 102 Budget sheet broken
	// 103 GA4 conversions ok
}

func ExampleSourcesService_All() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	// The grid is decoded source by source; stop whenever you like.
	for s, err := range client.Sources.All(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		if s.Status == "broken" {
			fmt.Printf("%s (%s) needs its authorizer %s fixed\n", s.Label, s.ID, s.ServiceID)
			break
		}
	}
	// Output:
	// Budget sheet (102) needs its authorizer 2 fixed
}

func ExampleSourcesService_Preview() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	rows, _, err := client.Sources.Preview(context.Background(), "101", 3)
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range rows {
		fmt.Println(row["date"], row["campaign"], row["sessions"])
	}
	// Output:
	// 2024-03-04 retargeting 207
	// 2024-03-03 newsletter 220
	// 2024-03-02 spring_sale 233
}

func ExampleSourcesService_DetectQuality() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	// A limit of 0 checks the first 1000 rows.
	report, _, err := client.Sources.DetectQuality(context.Background(), "101", 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows checked:", report.RowsChecked)
	for _, issue := range report.Issues {
		fmt.Printf("%s %s: %s\n", issue.Severity, issue.Kind, issue.Message)
	}
	// Output:
	// rows checked: 120
	// warning null_values: 7 of 120 values are null
	// warning duplicate_rows: 2 rows duplicate an earlier row
}

func ExampleClient_Member() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	me, _, err := client.Member(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Email, me.Role)
	// Output:
	// alice@example.com admin
}

func ExampleAPITokensService_Create() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	tok, _, err := client.APITokens.Create(ctx, "nightly export")
	if err != nil {
		log.Fatal(err)
	}
	// tok.Token is the secret: store it, never print it. Printing the
	// APIToken redacts it.
	fmt.Println(tok.Name, tok.Token != "")
	fmt.Printf("%v\n", bearerkit.APIToken{ID: "1", Name: "demo", Token: "ddo_secret"})

	if _, err := client.APITokens.Delete(ctx, tok.ID); err != nil {
		log.Fatal(err)
	}
	// Output:
	// nightly export true
	// bearerkit.APIToken{ID: 1, Name: demo, Token: [redacted]}
}

func ExampleAuthorizersService_Test() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	authorizers, _, err := client.Authorizers.List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range authorizers {
		// A failed test is a result, not an error.
		res, _, err := client.Authorizers.Test(ctx, a.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %s: ok=%v broken=%v\n", a.ID, a.Service, res.OK(), a.Broken())
	}
	// Output:
	// 1 google_analytics4: ok=true broken=false
	// 2 google_sheets: ok=false broken=true
	// 3 bigquery: ok=true broken=false
	// 4 facebook_ads: ok=true broken=false
}

func ExampleAuthorizersService_Delete() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.Authorizers.Delete(context.Background(), "1")
	var apiErr *bearerkit.APIError
	switch {
	case errors.Is(err, bearerkit.ErrAuthorizerInUse) && errors.As(err, &apiErr):
		fmt.Println("still in use:", apiErr.Message)
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("deleted")
	}
	// Output:
	// still in use: Service 1 cannot be deleted: it is used by 2 source(s): 101, 103
}

func ExampleAuthorizersService_AuthorizeURL() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	broken, _, err := client.Authorizers.Get(ctx, "2")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("broken:", broken.Broken())

	// Step 1: send the user to the consent page. State is a random value
	// bound to the user's session.
	consentURL, _, err := client.Authorizers.AuthorizeURL(ctx, broken.Service, &bearerkit.AuthorizeRequest{
		State:       "random-state-bound-to-the-session",
		ServiceID:   broken.ID,
		RedirectURI: "https://app.example/oauth/callback",
	})
	if err != nil {
		log.Fatal(err)
	}

	// The browser comes back to the redirect URI; the emulator plays the
	// user who consents. Check the state in it, then:
	callbackURL, _ := platform.ApproveOAuth(consentURL)

	// Step 2: hand the callback URL to the platform.
	fixed, _, err := client.Authorizers.CompleteAuthorization(ctx, broken.Service, callbackURL)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("broken:", fixed.Broken())
	// Output:
	// broken: true
	// broken: false
}

func ExampleClient_NewRequest() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	// An endpoint the services do not cover: a path relative to the base
	// URL (no leading slash), decoded into a type of your own.
	req, err := client.NewRequest(context.Background(), http.MethodGet, "sources", nil)
	if err != nil {
		log.Fatal(err)
	}
	var sources []struct {
		ID    int    `json:"id"`
		Label string `json:"label"`
	}
	if _, err := client.Do(req, &sources); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(sources), sources[0].Label)

	_, err = client.NewRequest(context.Background(), http.MethodGet, "/sources", nil)
	fmt.Println(errors.Is(err, bearerkit.ErrInvalidOption))
	// Output:
	// 3 GA4 sessions
	// true
}

func ExampleAPIError() {
	platform, _ := bearerkittest.StartDataddo()
	defer platform.Close()
	client, err := bearerkit.NewClient(platform.URL(), bearerkit.Dataddo{
		BaseURL: platform.URL(), Email: "alice@example.com", Password: "wonderland-42",
	})
	if err != nil {
		log.Fatal(err)
	}

	_, resp, err := client.Sources.Get(context.Background(), "999")
	var apiErr *bearerkit.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
		fmt.Println(resp.StatusCode == apiErr.StatusCode)
	}
	// Output:
	// 404 Source 999 not found
	// true
}
