package bearerkit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// answer returns a PasswordGrant whose token endpoint answers with status,
// content type and body.
func answer(status int, contentType, body string) bearerkit.PasswordGrant {
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		resp := reply(r, status, body)
		resp.Header.Del("Content-Type")
		if contentType != "" {
			resp.Header.Set("Content-Type", contentType)
		}
		return resp, nil
	})
	return bearerkit.PasswordGrant{TokenURL: tokenURL, Username: testUser, Password: testPassword, HTTPClient: &http.Client{Transport: rt}}
}

// Behaviour 8: what a successful token response becomes.
func TestTokenResponses(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	jwtExp := jwt(map[string]any{"exp": exp.Unix()})
	const hour = time.Hour
	tests := []struct {
		name        string
		contentType string
		body        string
		want        bearerkit.Token // Expiry ignored
		life        time.Duration   // expected lifetime; 0: no expiry; -1: the JWT's exp
	}{
		{"JSON", "application/json", `{"access_token":"at","token_type":"bearer","refresh_token":"rt","expires_in":3600}`,
			bearerkit.Token{AccessToken: "at", TokenType: "bearer", RefreshToken: "rt"}, hour},
		{"JSON with charset", "application/json; charset=utf-8", `{"access_token":"at","expires_in":3600}`,
			bearerkit.Token{AccessToken: "at"}, hour},
		{"problem+json style suffix", "application/vnd.api+json", `{"access_token":"at","expires_in":60}`,
			bearerkit.Token{AccessToken: "at"}, time.Minute},
		{"no content type", "", `{"access_token":"at","expires_in":60}`, bearerkit.Token{AccessToken: "at"}, time.Minute},
		{"JSON as text/plain", "text/plain", ` {"access_token":"at","expires_in":60}`, bearerkit.Token{AccessToken: "at"}, time.Minute},
		{"expires_in as string", "application/json", `{"access_token":"at","expires_in":"3600"}`, bearerkit.Token{AccessToken: "at"}, hour},
		{"expires_in as padded string", "application/json", `{"access_token":"at","expires_in":" 3600 "}`, bearerkit.Token{AccessToken: "at"}, hour},
		{"expires_in fractional", "application/json", `{"access_token":"at","expires_in":1.5}`, bearerkit.Token{AccessToken: "at"}, 1500 * time.Millisecond},
		{"expires_in absent", "application/json", `{"access_token":"at"}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"expires_in null", "application/json", `{"access_token":"at","expires_in":null}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"expires_in zero", "application/json", `{"access_token":"at","expires_in":0}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"expires_in negative", "application/json", `{"access_token":"at","expires_in":-5}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"expires_in not a number", "application/json", `{"access_token":"at","expires_in":"soon"}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"expires_in absent, JWT exp", "application/json", `{"access_token":"` + jwtExp + `"}`, bearerkit.Token{AccessToken: jwtExp}, -1},
		{"expires_in zero, JWT exp", "application/json", `{"access_token":"` + jwtExp + `","expires_in":0}`, bearerkit.Token{AccessToken: jwtExp}, -1},
		{"expires_in wins over JWT exp", "application/json", `{"access_token":"` + jwtExp + `","expires_in":3600}`, bearerkit.Token{AccessToken: jwtExp}, hour},
		{"huge expires_in capped", "application/json", `{"access_token":"at","expires_in":1e300}`, bearerkit.Token{AccessToken: "at"}, 10 * 365 * 24 * hour},
		{"form-encoded", "application/x-www-form-urlencoded", `access_token=at&token_type=bearer&refresh_token=rt&expires_in=3600`,
			bearerkit.Token{AccessToken: "at", TokenType: "bearer", RefreshToken: "rt"}, hour},
		{"form-encoded as text/plain", "text/plain; charset=utf-8", `access_token=at&expires_in=60`, bearerkit.Token{AccessToken: "at"}, time.Minute},
		{"Bearer type any case", "application/json", `{"access_token":"at","token_type":"BEARER"}`, bearerkit.Token{AccessToken: "at", TokenType: "BEARER"}, 0},
		{"access token with a Bearer prefix", "application/json", `{"access_token":"Bearer at"}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"access token with a Bearer prefix twice", "application/json", `{"access_token":"bearer  BEARER at"}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"realm and provider", "application/json", `{"access_token":"at","realm_id":12345,"provider":"google"}`,
			bearerkit.Token{AccessToken: "at", RealmID: "12345", Provider: "google"}, 0},
		{"realm as string", "application/json", `{"access_token":"at","realm_id":"r-1"}`, bearerkit.Token{AccessToken: "at", RealmID: "r-1"}, 0},
		{"201 is fine", "application/json", `{"access_token":"at"}`, bearerkit.Token{AccessToken: "at"}, 0},
		{"just under 1 MiB", "application/json", `{"access_token":"at","pad":"` + strings.Repeat("x", 1<<20-40) + `"}`, bearerkit.Token{AccessToken: "at"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status := http.StatusOK
			if strings.HasPrefix(tt.name, "201") {
				status = http.StatusCreated
			}
			before := time.Now()
			tok, err := answer(status, tt.contentType, tt.body).Authenticate(context.Background(), nil)
			after := time.Now()
			require.NoError(t, err)
			got := *tok
			got.Expiry = time.Time{}
			assert.Equal(t, tt.want, got)
			switch {
			case tt.life == 0:
				assert.True(t, tok.Expiry.IsZero(), "no expiry, got %v", tok.Expiry)
			case tt.life < 0:
				assert.True(t, exp.Equal(tok.Expiry), "the exp claim: got %v, want %v", tok.Expiry, exp)
			default:
				assert.False(t, tok.Expiry.Before(before.Add(tt.life)), "expiry %v", tok.Expiry)
				assert.False(t, tok.Expiry.After(after.Add(tt.life)), "expiry %v", tok.Expiry)
			}
		})
	}
}

// Behaviour 8: what is not a usable token is an *AuthError that says what
// came back.
func TestTokenResponseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		code, desc  string
		contains    []string // in Error()
	}{
		{"RFC 6749 error", 400, "application/json", `{"error":"invalid_grant","error_description":"Invalid user credentials"}`,
			"invalid_grant", "Invalid user credentials", []string{"400 Bad Request", "invalid_grant", "Invalid user credentials", "password"}},
		{"message shape", 401, "application/json", `{"statusCode":401,"message":"Invalid email or password"}`,
			"", "Invalid email or password", []string{"401 Unauthorized", "Invalid email or password"}},
		{"HTML error page", 502, "text/html; charset=utf-8", `<html><body>Bad gateway</body></html>`,
			"", "", []string{"502 Bad Gateway", `content type "text/html; charset=utf-8"`}},
		{"HTML page with 200", 200, "text/html", `<!doctype html><html>Please log in</html>`,
			"", "", []string{"200 OK", `content type "text/html"`, "not JSON"}},
		{"200 without access token", 200, "application/json", `{"token_type":"bearer","expires_in":3600}`,
			"", "", []string{"200 OK", "no access_token", `content type "application/json"`}},
		{"200 with an empty object", 200, "application/json", `{}`, "", "", []string{"no access_token"}},
		{"access token that is only a Bearer prefix", 200, "application/json", `{"access_token":"BeArer "}`, "", "", []string{"no access_token"}},
		{"access token that is only Bearer prefixes", 200, "application/json", `{"access_token":"Bearer   bearer "}`, "", "", []string{"no access_token"}},
		{"200 with malformed JSON", 200, "application/json", `{"access_token":`, "", "", []string{"malformed JSON"}},
		{"200 with a JSON array", 200, "application/json", `[1,2]`, "", "", []string{"malformed JSON"}},
		{"other token type", 200, "application/json", `{"access_token":"at","token_type":"mac"}`,
			"", "", []string{"unsupported token_type", "mac"}},
		{"DPoP token type", 200, "application/json", `{"access_token":"at","token_type":"DPoP"}`, "", "", []string{"unsupported token_type"}},
		{"access token with a newline", 200, "application/json", `{"access_token":"a\nb"}`, "", "", []string{"cannot be sent in a header"}},
		{"expires_in not a scalar", 200, "application/json", `{"access_token":"at","expires_in":{"s":1}}`, "", "", []string{"malformed expires_in"}},
		{"body over 1 MiB", 200, "application/json", `{"access_token":"at","pad":"` + strings.Repeat("x", 2<<20) + `"}`,
			"", "", []string{"1 MiB"}},
		{"error body over 1 MiB", 400, "application/json", `{"error":"invalid_grant","pad":"` + strings.Repeat("x", 2<<20) + `"}`,
			"", "", []string{"1 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := answer(tt.status, tt.contentType, tt.body).Authenticate(context.Background(), nil)
			require.Error(t, err)
			assert.Nil(t, tok, "never a truncated success")
			var ae *bearerkit.AuthError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, "password", ae.Grant)
			assert.Equal(t, tokenURL, ae.Endpoint)
			assert.Equal(t, tt.code, ae.Code)
			assert.Equal(t, tt.desc, ae.Description)
			for _, c := range tt.contains {
				assert.Contains(t, err.Error(), c)
			}
			assert.Less(t, len(err.Error()), 1000, "the error is short")
			assert.True(t, strings.HasPrefix(err.Error(), "bearerkit: "))
		})
	}
}

// Retry-After is read as seconds or an HTTP date.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		" 7 ":                           7 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Sun, 01 Jun 2025 12:00:30 GMT": 30 * time.Second,
		"Sun, 01 Jun 2025 11:00:00 GMT": 0,
		"99999999999999":                10 * 365 * 24 * time.Hour,
	}
	for v, want := range tests {
		assert.Equal(t, want, bearerkit.RetryAfter(v, now), "%q", v)
	}

	// And it reaches the AuthError.
	g := answer(http.StatusTooManyRequests, "application/json", `{"error":"slow_down"}`)
	g.HTTPClient.Transport = rtFunc(func(r *http.Request) (*http.Response, error) {
		resp := reply(r, http.StatusTooManyRequests, `{"error":"slow_down"}`)
		resp.Header.Set("Retry-After", "42")
		return resp, nil
	})
	_, err := g.Authenticate(context.Background(), nil)
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 42*time.Second, ae.RetryAfter)
	assert.True(t, ae.Temporary())
}
