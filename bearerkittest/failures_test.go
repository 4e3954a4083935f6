package bearerkittest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

var aliceForm = url.Values{"username": {bearerkittest.DefaultUsername}, "password": {bearerkittest.DefaultPassword}}

func TestFailureKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		f     bearerkittest.Failure
		check func(t *testing.T, r reply)
	}{
		{"zero failure", bearerkittest.Failure{}, func(t *testing.T, r reply) {
			assert.Equal(t, 500, r.Status)
			assert.Equal(t, "server_error", r.JSON(t)["error"])
		}},
		{"503 with Retry-After", bearerkittest.Failure{Status: 503, RetryAfter: "1"}, func(t *testing.T, r reply) {
			assert.Equal(t, 503, r.Status)
			assert.Equal(t, "1", r.Header.Get("Retry-After"))
			assert.Equal(t, "temporarily_unavailable", r.JSON(t)["error"])
		}},
		{"oauth error", bearerkittest.Failure{Status: 400, Error: "invalid_grant", ErrorDescription: "nope"}, func(t *testing.T, r reply) {
			assert.Equal(t, 400, r.Status)
			assert.Equal(t, map[string]any{"error": "invalid_grant", "error_description": "nope"}, r.JSON(t))
		}},
		{"raw body", bearerkittest.Failure{Status: 429, Body: `{"rate":"limited"}`}, func(t *testing.T, r reply) {
			assert.Equal(t, 429, r.Status)
			assert.JSONEq(t, `{"rate":"limited"}`, string(r.Body))
		}},
		{"malformed json", bearerkittest.Failure{Kind: bearerkittest.FailMalformedJSON}, func(t *testing.T, r reply) {
			assert.Equal(t, 200, r.Status)
			var v any
			assert.Error(t, json.Unmarshal(r.Body, &v))
		}},
		{"oversized", bearerkittest.Failure{Kind: bearerkittest.FailOversized}, func(t *testing.T, r reply) {
			assert.Equal(t, 200, r.Status)
			assert.Len(t, r.Body, 2<<20)
			assert.True(t, json.Valid(r.Body))
		}},
		{"oversized, custom size", bearerkittest.Failure{Kind: bearerkittest.FailOversized, Size: 100}, func(t *testing.T, r reply) {
			assert.Len(t, r.Body, 100)
		}},
		{"html", bearerkittest.Failure{Kind: bearerkittest.FailHTML}, func(t *testing.T, r reply) {
			assert.Equal(t, 502, r.Status)
			assert.Contains(t, r.Header.Get("Content-Type"), "text/html")
			assert.Contains(t, string(r.Body), "<h1>502 Bad Gateway</h1>")
		}},
		{"html 503", bearerkittest.Failure{Kind: bearerkittest.FailHTML, Status: 503, RetryAfter: "2"}, func(t *testing.T, r reply) {
			assert.Equal(t, 503, r.Status)
			assert.Equal(t, "2", r.Header.Get("Retry-After"))
		}},
		{"no access token", bearerkittest.Failure{Kind: bearerkittest.FailNoAccessToken}, func(t *testing.T, r reply) {
			assert.Equal(t, 200, r.Status)
			assert.NotContains(t, r.JSON(t), "access_token")
		}},
		{"delay, then normal", bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: 30 * time.Millisecond}, func(t *testing.T, r reply) {
			assert.Equal(t, 200, r.Status)
			assert.Contains(t, r.JSON(t), "access_token")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := bearerkittest.NewAuthAPI(t)
			a.FailNext(bearerkittest.EndpointLogin, 1, tc.f)
			require.Equal(t, 1, a.Pending(bearerkittest.EndpointLogin))
			start := time.Now()
			tc.check(t, postForm(t, a.Client(), a.URL()+"/auth/password", aliceForm))
			assert.GreaterOrEqual(t, time.Since(start), tc.f.Delay)
			assert.Equal(t, 200, postForm(t, a.Client(), a.URL()+"/auth/password", aliceForm).Status, "only one call fails")
			s := a.Stats()
			assert.Equal(t, 1, s.Injected)
			assert.Equal(t, 2, s.LoginAttempts)
			assert.Equal(t, 2, s.PasswordSends, "the password reached the server both times")
			ev := a.Events()
			require.Len(t, ev, 2)
			assert.True(t, ev[0].Injected)
			assert.False(t, ev[1].Injected)
		})
	}
}

func TestFailNextCountsAndOrder(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	d.FailNext(bearerkittest.EndpointLogin, 2, bearerkittest.Failure{Status: 503, RetryAfter: "1"})
	d.FailNext(bearerkittest.EndpointLogin, 1, bearerkittest.Failure{Status: 502})
	d.FailNext(bearerkittest.EndpointLogin, 0, bearerkittest.Failure{Status: 418}) // nothing
	require.Equal(t, 3, d.Pending(bearerkittest.EndpointLogin))
	login := func() reply {
		return postJSON(t, d.Client(), d.URL()+"/auth", map[string]string{"email": bearerkittest.DefaultEmail, "password": bearerkittest.DefaultPassword})
	}
	for _, want := range []int{503, 503, 502, 200} {
		r := login()
		require.Equal(t, want, r.Status)
		if want == 503 {
			assert.JSONEq(t, `{"statusCode":503,"message":"Service Unavailable"}`, string(r.Body), "Dataddo's error shape")
		}
	}
	s := d.Stats()
	assert.Equal(t, 4, s.LoginAttempts)
	assert.Equal(t, 1, s.Logins)
	assert.Equal(t, 3, s.Injected)

	d.FailNext(bearerkittest.EndpointLogin, 5, bearerkittest.Failure{})
	d.ClearFailures()
	assert.Equal(t, 200, login().Status)

	// An injected 401 on the API carries WWW-Authenticate; other endpoints are untouched.
	at := login().JSON(t)["access_token"].(string)
	d.FailNext(bearerkittest.EndpointAPI, 1, bearerkittest.Failure{Status: 401})
	r := get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...)
	assert.Equal(t, 401, r.Status)
	assert.Equal(t, `Bearer error="invalid_token"`, r.Header.Get("WWW-Authenticate"))
	assert.Equal(t, 200, get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...).Status)
	s = d.Stats()
	assert.Equal(t, 2, s.APICalls)
	assert.Equal(t, 1, s.APIUnauthorized)
	assert.Equal(t, 1, s.APIOK)
}

func TestFailReset(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			t.Parallel()
			var opts []bearerkittest.Option
			if tls {
				opts = append(opts, bearerkittest.WithTLS())
			}
			a := bearerkittest.NewAuthAPI(t, opts...)
			a.FailNext(bearerkittest.EndpointLogin, 1, bearerkittest.Failure{Kind: bearerkittest.FailReset})
			_, err := a.Client().PostForm(a.URL()+"/auth/password", aliceForm)
			require.Error(t, err)
			assert.Equal(t, 200, postForm(t, a.Client(), a.URL()+"/auth/password", aliceForm).Status)
			ev := a.Events()
			require.Len(t, ev, 2)
			assert.Equal(t, 0, ev[0].Status)
			assert.Equal(t, bearerkittest.OutcomeInjected, ev[0].Outcome)
		})
	}
}

func TestLatencyRespectsContextAndClose(t *testing.T) {
	t.Parallel()
	a, err := bearerkittest.StartAuthAPI()
	require.NoError(t, err)
	t.Cleanup(a.Close)

	// A client that gives up frees the handler.
	a.FailNext(bearerkittest.EndpointLogin, 1, bearerkittest.Failure{Status: 503, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL()+"/auth/password", strings.NewReader(aliceForm.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = a.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	// Close ends a pending latency at once.
	a.FailNext(bearerkittest.EndpointAPI, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := a.Client().Get(a.URL() + "/v1/me")
		done <- err
	}()
	require.Eventually(t, func() bool { return a.Pending(bearerkittest.EndpointAPI) == 0 }, 5*time.Second, time.Millisecond)
	start := time.Now()
	a.Close()
	assert.Less(t, time.Since(start), 5*time.Second)
	<-done

	outcomes := map[bearerkittest.Outcome]int{}
	for _, e := range a.Events() {
		outcomes[e.Outcome]++
	}
	assert.Equal(t, 2, outcomes[bearerkittest.OutcomeCanceled], "events: %+v", a.Events())
}
