package bearerkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/bearerkit/bearerkit"
)

// A Client logs in lazily with the password grant and sends the token to its
// API; here both run on an in-process test server.
func ExampleNewClient() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("username") != "alice" || r.FormValue("password") != "wonderland" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, `{"access_token":"at-1","token_type":"bearer","expires_in":3600,"refresh_token":"rt-1"}`)
	})
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"name":"Alice"}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client, err := bearerkit.NewClient(srv.URL+"/api/v1/", &bearerkit.PasswordGrant{
		TokenURL: srv.URL + "/oauth/token",
		ClientID: "example-app",
		Username: "alice",
		Password: "wonderland",
	})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.HTTPClient().Get(srv.URL + "/api/v1/me")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK {"name":"Alice"}
}

// Fallback renews with the refresh token and sends the password only when
// there is none or it is dead. Here the API revokes the first access token,
// so the Client renews it once, with the refresh token.
func ExampleFallback() {
	mux := http.NewServeMux()
	issued := 0
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		grant := r.FormValue("grant_type")
		fmt.Println("token endpoint:", grant)
		if grant == "refresh_token" && r.FormValue("refresh_token") != "rt-1" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		issued++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"bearer","refresh_token":"rt-%d","expires_in":3600}`, issued, issued)
	})
	mux.HandleFunc("GET /api/report", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth == "Bearer at-1" {
			fmt.Println("api:", auth, "-> 401")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Println("api:", auth, "-> 200")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	auth := bearerkit.Fallback(
		&bearerkit.RefreshGrant{TokenURL: srv.URL + "/token", ClientID: "app"},
		&bearerkit.PasswordGrant{TokenURL: srv.URL + "/token", ClientID: "app", Username: "alice", Password: "wonderland"},
	)
	client, err := bearerkit.NewClient(srv.URL+"/api/", auth)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.HTTPClient().Get(srv.URL + "/api/report")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// token endpoint: password
	// api: Bearer at-1 -> 401
	// token endpoint: refresh_token
	// api: Bearer at-2 -> 200
	// 200 OK
}

// A custom Authenticator: this platform exchanges an API key for a session
// token that lives ten minutes. Returning an *AuthError for the server's
// refusal lets the Transport tell a dead key from a passing failure.
func ExampleAuthenticatorFunc() {
	const apiKey = "k-123"
	mux := http.NewServeMux()
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != apiKey {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"session":"s-42","ttl":600}`)
	})
	mux.HandleFunc("GET /v2/ping", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "pong for ", r.Header.Get("Authorization"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	login := bearerkit.AuthenticatorFunc(func(ctx context.Context, _ *bearerkit.Token) (*bearerkit.Token, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/session", nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Api-Key", apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, &bearerkit.AuthError{Grant: "api key", Err: err}
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, &bearerkit.AuthError{Grant: "api key", StatusCode: resp.StatusCode}
		}
		var s struct {
			Session string `json:"session"`
			TTL     int    `json:"ttl"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			return nil, &bearerkit.AuthError{Grant: "api key", StatusCode: resp.StatusCode, Err: err}
		}
		return &bearerkit.Token{AccessToken: s.Session, Expiry: time.Now().Add(time.Duration(s.TTL) * time.Second)}, nil
	})

	client, err := bearerkit.NewClient(srv.URL+"/v2/", login)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.HTTPClient().Get(srv.URL + "/v2/ping")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: pong for Bearer s-42
}

// A token pasted from the browser's DevTools, "Bearer " prefix and all.
func ExampleStaticToken() {
	var revoked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() || r.Header.Get("Authorization") != "Bearer eyJhbGciOi.example" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()

	client, err := bearerkit.NewClient(srv.URL, bearerkit.StaticToken{AccessToken: "Bearer eyJhbGciOi.example"})
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.HTTPClient().Get(srv.URL + "/anything")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// Once the API rejects it, it must be replaced: there is nothing to
	// renew it with.
	revoked.Store(true)
	_, err = client.HTTPClient().Get(srv.URL + "/anything")
	fmt.Println(errors.Is(err, bearerkit.ErrTokenRejected))
	// Output:
	// 200 OK
	// true
}
