package bearerkittest_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"

	"github.com/jarcoal/httpmock"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// decode reads a JSON object and closes the body.
func decode(resp *http.Response) map[string]any {
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func ExampleStartDataddo() {
	d, err := bearerkittest.StartDataddo(bearerkittest.WithBasePath("/api/v2"))
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	body := `{"email":"` + bearerkittest.DefaultEmail + `","password":"` + bearerkittest.DefaultPassword + `"}`
	resp, err := d.Client().Post(d.URL()+"/auth", "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	tok := decode(resp)
	fmt.Println(resp.StatusCode, tok["expires_in"], tok["realm_id"], tok["provider"])

	req, _ := http.NewRequest("GET", d.URL()+"/services/2/debug", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	req.Header.Set("X-Realm-Id", "1")
	req.Header.Set("X-Provider", "dataddo")
	resp, err = d.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	debug := decode(resp)
	fmt.Println(resp.StatusCode, debug["status"])
	fmt.Println(debug["message"])
	// Output:
	// 200 3600 1 dataddo
	// 200 false
	// oauth2: cannot fetch token: 400 Bad Request {"error":"invalid_grant","error_description":"Bad Request"}
}

func ExampleCore_FailNext() {
	a, err := bearerkittest.StartAuthAPI()
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	a.FailNext(bearerkittest.EndpointLogin, 1, bearerkittest.Failure{Status: 503, RetryAfter: "1"})

	form := url.Values{"username": {bearerkittest.DefaultUsername}, "password": {bearerkittest.DefaultPassword}}
	for range 2 {
		resp, err := a.Client().PostForm(a.URL()+"/auth/password", form)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	s := a.Stats()
	fmt.Println(s.LoginAttempts, s.Logins, s.PasswordSends, s.Injected)
	// Output:
	// 503 Retry-After="1"
	// 200 Retry-After=""
	// 2 1 2 1
}

func ExampleStartKeycloak() {
	k, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	post := func(f url.Values) map[string]any {
		resp, err := k.Client().PostForm(k.TokenURL(), f)
		if err != nil {
			log.Fatal(err)
		}
		return decode(resp)
	}
	tok := post(url.Values{"grant_type": {"password"}, "client_id": {bearerkittest.DefaultPublicClient},
		"username": {bearerkittest.DefaultUsername}, "password": {bearerkittest.DefaultPassword}})
	fmt.Println(tok["token_type"], tok["expires_in"], tok["refresh_expires_in"])

	first := tok["refresh_token"].(string)
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {bearerkittest.DefaultPublicClient}}
	refresh.Set("refresh_token", first)
	post(refresh) // rotates: first is now stale
	fmt.Println(post(refresh)["error_description"])
	fmt.Println(k.Stats().ReuseDetections)
	// Output:
	// Bearer 300 1800
	// Stale token
	// 1
}

func ExampleStartOneData() {
	o, err := bearerkittest.StartOneData()
	if err != nil {
		log.Fatal(err)
	}
	defer o.Close()

	body := `{"username":"` + bearerkittest.DefaultEmail + `","password":"` + bearerkittest.DefaultPassword + `"}`
	resp, err := o.Client().Post(o.URL()+"/api/v1/users/login", "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	auth := resp.Header.Get("Authorization") // "Bearer <jwt>": send it back as is

	req, _ := http.NewRequest("GET", o.URL()+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", auth)
	resp, err = o.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, decode(resp)["email"])
	// Output:
	// 200 alice@example.com
}

func ExampleCore_KillAccessTokens() {
	a, err := bearerkittest.StartAuthAPI()
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	resp, err := a.Client().PostForm(a.URL()+"/auth/password",
		url.Values{"username": {bearerkittest.DefaultUsername}, "password": {bearerkittest.DefaultPassword}})
	if err != nil {
		log.Fatal(err)
	}
	tok := decode(resp)

	a.KillAccessTokens() // dead long before expires_in
	req, _ := http.NewRequest("GET", a.URL()+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err = a.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))

	resp, err = a.Client().PostForm(a.URL()+"/auth/refresh", url.Values{"refresh_token": {tok["refresh_token"].(string)}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, a.Stats().APIUnauthorized, a.Stats().Refreshes)
	// Output:
	// 401 Bearer error="invalid_token"
	// 200 1 1
}

func ExampleRegisterDataddoAuth() {
	mt := httpmock.NewMockTransport()
	const base = "https://headless.dataddo.com/customer-api/v1"
	m := bearerkittest.RegisterDataddoAuth(mt, base)
	// Your own API endpoints, protected like the real ones.
	mt.RegisterResponder("GET", base+"/sources", m.Protect(httpmock.NewStringResponder(200, `[]`)))

	client := &http.Client{Transport: mt}
	body := `{"email":"` + bearerkittest.DefaultEmail + `","password":"` + bearerkittest.DefaultPassword + `"}`
	resp, err := client.Post(base+"/auth", "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	tok := decode(resp)
	fmt.Println(resp.StatusCode, tok["access_token"] == m.AccessToken())

	req, _ := http.NewRequest("GET", base+"/sources", nil)
	req.Header.Set("Authorization", "Bearer "+m.AccessToken())
	resp, err = client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "(no X-Realm-Id / X-Provider)")
	fmt.Println(m.Stats().Logins, m.Stats().APIUnauthorized)
	// Output:
	// 200 true
	// 401 (no X-Realm-Id / X-Provider)
	// 1 1
}
