package bearerkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

func TestAuthorizersService_List(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/services", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testAuth(t, r)
		writeBody(w, 200, `[
			{"id":1,"service":"google_analytics4","label":"GA4","last_action":"2024-03-04T10:30:00Z","status":true,"status_detail":"","customer_id":1001,"service_type":"source"},
			{"id":2,"service":"google_sheets","label":"Sheets","status":false,"status_detail":"oauth2: cannot fetch token: 400 Bad Request","service_type":"source"}]`)
	})
	as, _, err := c.Authorizers.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("%d authorizers", len(as))
	}
	a := as[0]
	if a.ID != "1" || a.Service != "google_analytics4" || a.ServiceType != "source" || a.CustomerID != "1001" ||
		!a.LastAction.Equal(time.Date(2024, 3, 4, 10, 30, 0, 0, time.UTC)) || a.Broken() {
		t.Errorf("authorizer %+v", a)
	}
	if b := as[1]; !b.Broken() || !strings.Contains(b.StatusDetail, "400 Bad Request") {
		t.Errorf("authorizer %+v should be broken", b)
	}
}

func TestAuthorizer_Broken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body   string
		broken bool
		detail string
	}{
		{`{"status":true}`, false, ""},
		{`{"status":false,"status_detail":"invalid_grant"}`, true, "invalid_grant"},
		{`{"status":"broken","status_detail":{"error":"invalid_grant"}}`, true, `{"error":"invalid_grant"}`},
		{`{"status":"ok"}`, false, ""},
		{`{"status":0}`, true, ""},
		{`{"status":null}`, false, ""},
		{`{"status":"weird"}`, false, ""},
		{`{}`, false, ""},
	}
	for _, tt := range tests {
		var a bearerkit.Authorizer
		if err := json.Unmarshal([]byte(tt.body), &a); err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if a.Broken() != tt.broken || a.StatusDetail != tt.detail {
			t.Errorf("%s: Broken() = %v, StatusDetail %q; want %v %q", tt.body, a.Broken(), a.StatusDetail, tt.broken, tt.detail)
		}
	}
	var nilA *bearerkit.Authorizer
	if nilA.Broken() {
		t.Error("a nil authorizer is broken")
	}
}

func TestAuthorizersService_Get(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /services/{id}", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r)
		writeBody(w, 200, `{"id":`+r.PathValue("id")+`,"service":"bigquery","service_type":"destination"}`)
	})
	a, _, err := c.Authorizers.Get(context.Background(), "3")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "3" || a.Service != "bigquery" || a.Status != nil {
		t.Errorf("authorizer %+v", a)
	}
}

func TestAuthorizersService_Test(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		ok         bool
		message    string
		duration   time.Duration
		logs       []string
	}{
		{"passed", `{"status":true,"message":"Connection OK","started":"2024-03-04T09:30:00Z","ended":"2024-03-04T09:30:00.412Z","duration":0.412,"memory_mb":23.5,"logs":["a","b"]}`,
			true, "Connection OK", 412 * time.Millisecond, []string{"a", "b"}},
		{"failed", `{"status":false,"message":"oauth2: cannot fetch token: 400 Bad Request {\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}","logs":"Refreshing\nfailed\n"}`,
			false, `oauth2: cannot fetch token: 400 Bad Request {"error":"invalid_grant","error_description":"Bad Request"}`, 0, []string{"Refreshing", "failed"}},
		{"status word, duration from times", `{"status":"error","started":"2024-03-04T09:30:00Z","ended":"2024-03-04T09:30:02Z","logs":[{"message":"x"},3]}`,
			false, "", 2 * time.Second, []string{"x", "3"}},
		{"duration string", `{"status":"success","duration":"1.5s"}`, true, "", 1500 * time.Millisecond, nil},
		{"no status", `{"message":"?"}`, false, "?", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("GET /services/{id}/debug", func(w http.ResponseWriter, r *http.Request) {
				testAuth(t, r)
				writeBody(w, 200, tt.body)
			})
			res, _, err := c.Authorizers.Test(context.Background(), "2")
			if err != nil {
				t.Fatalf("a test result is data, not an error: %v", err)
			}
			if res.OK() != tt.ok || res.Message != tt.message || res.Duration != tt.duration || strings.Join(res.Logs, "|") != strings.Join(tt.logs, "|") {
				t.Errorf("result %+v", res)
			}
			if string(res.Raw) != tt.body {
				t.Errorf("Raw = %s", res.Raw)
			}
		})
	}
}

func TestAuthorizersService_Test_unknown(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /services/{id}/debug", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 404, `{"statusCode":404,"message":"Service 9 not found"}`)
	})
	res, _, err := c.Authorizers.Test(context.Background(), "9")
	var ae *bearerkit.APIError
	if res != nil || !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Errorf("res %v err %v", res, err)
	}
}

func TestAuthorizersService_Delete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		inUse  bool
	}{
		{"deleted", 204, "", false},
		{"conflict", 409, `{"statusCode":409,"message":"Service 1 cannot be deleted: it is used by 2 source(s): 101, 103"}`, true},
		{"bad request saying so", 400, `{"statusCode":400,"message":"Service is used by a flow"}`, true},
		{"unprocessable, code", 422, `{"error":"service_in_use"}`, true},
		{"bad request, other", 400, `{"statusCode":400,"message":"Validation failed (numeric string is expected)"}`, false},
		{"not found", 404, `{"statusCode":404,"message":"Service 9 not found"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/services/{id}", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "DELETE")
				testAuth(t, r)
				if tt.body == "" {
					w.WriteHeader(tt.status)
					return
				}
				writeBody(w, tt.status, tt.body)
			})
			resp, err := c.Authorizers.Delete(context.Background(), "1")
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("resp = %v", resp)
			}
			if tt.status == 204 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *bearerkit.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status {
				t.Fatalf("err = %v", err)
			}
			if got := errors.Is(err, bearerkit.ErrAuthorizerInUse); got != tt.inUse {
				t.Errorf("errors.Is(err, ErrAuthorizerInUse) = %v, want %v (%v)", got, tt.inUse, err)
			}
			if tt.inUse && !strings.Contains(err.Error(), "still in use") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestAuthorizersService_AuthorizeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      bearerkit.AuthorizeRequest
		wantBody string
	}{
		{"reauthorize", bearerkit.AuthorizeRequest{State: "st", ServiceID: "2", RedirectURI: "https://app.example/cb"},
			`{"state":"st","service_id":2,"redirect_uri":"https://app.example/cb"}`},
		{"new, with config", bearerkit.AuthorizeRequest{State: "st", RedirectURI: "https://app.example/cb", Config: map[string]any{"scope": "read"}},
			`{"state":"st","config":{"scope":"read"},"redirect_uri":"https://app.example/cb"}`},
		{"string id", bearerkit.AuthorizeRequest{State: "st", ServiceID: "svc-2", RedirectURI: "https://app.example/cb"},
			`{"state":"st","service_id":"svc-2","redirect_uri":"https://app.example/cb"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/services/{name}/oauth-request-url", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "POST")
				testAuth(t, r)
				if r.PathValue("name") != "google_sheets" {
					t.Errorf("name %q", r.PathValue("name"))
				}
				testJSONBody(t, r, tt.wantBody)
				writeBody(w, 200, `{"url":"https://accounts.example/o/oauth2/auth?state=st"}`)
			})
			u, _, err := c.Authorizers.AuthorizeURL(context.Background(), "google_sheets", &tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if u != "https://accounts.example/o/oauth2/auth?state=st" {
				t.Errorf("url %q", u)
			}
		})
	}
}

func TestAuthorizersService_AuthorizeURL_errors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/services/{name}/oauth-request-url", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, `{"ok":true}`)
	})
	ctx := context.Background()
	for _, req := range []*bearerkit.AuthorizeRequest{nil, {RedirectURI: "https://app.example/cb"}, {State: "s"}} {
		if _, _, err := c.Authorizers.AuthorizeURL(ctx, "x", req); !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Errorf("%+v: err = %v", req, err)
		}
	}
	_, _, err := c.Authorizers.AuthorizeURL(ctx, "x", &bearerkit.AuthorizeRequest{State: "s", RedirectURI: "https://app.example/cb"})
	if err == nil || !strings.Contains(err.Error(), "no authorization URL") {
		t.Errorf("answer without a URL: %v", err)
	}
}

func TestAuthorizersService_CompleteAuthorization(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	const cb = "https://app.example/cb?code=abc&state=st"
	mux.HandleFunc("/services/{name}/oauth-process-callback", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testAuth(t, r)
		testJSONBody(t, r, `{"callback_url":"`+cb+`"}`)
		writeBody(w, 200, `{"id":2,"service":"google_sheets","status":true,"status_detail":""}`)
	})
	a, _, err := c.Authorizers.CompleteAuthorization(context.Background(), "google_sheets", cb)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "2" || a.Broken() || a.Status == nil {
		t.Errorf("authorizer %+v", a)
	}
	if _, _, err := c.Authorizers.CompleteAuthorization(context.Background(), "google_sheets", ""); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("empty callback: %v", err)
	}
}
