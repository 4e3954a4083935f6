package bearerkit_test

// Helpers for oidc_test.go: a RoundTripper that counts calls to the token
// and revocation endpoints by grant type, and direct calls to the
// provider's protected resource.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/oidcprovider"
)

// oidcCall is one request seen by an oidcCounter.
type oidcCall struct {
	Key        string // grant_type, "revocation" or "other"
	Status     int    // answer status; 0 on a transport error
	Basic      bool   // Authorization: Basic was sent
	FormID     bool   // client_id was a form field
	FormSecret bool   // client_secret was a form field
}

// oidcCounter wraps http.DefaultTransport and records every request,
// keyed by the grant_type of its form (read from a copy of the body).
type oidcCounter struct {
	mu    sync.Mutex
	calls []oidcCall
}

func (c *oidcCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	form, out, err := oidcReadForm(req)
	if err != nil {
		return nil, err
	}
	call := oidcCall{
		Key:        form.Get("grant_type"),
		Basic:      strings.HasPrefix(req.Header.Get("Authorization"), "Basic "),
		FormID:     form.Has("client_id"),
		FormSecret: form.Has("client_secret"),
	}
	if call.Key == "" {
		call.Key = "other"
		if form.Has("token") {
			call.Key = "revocation"
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(out)
	if resp != nil {
		call.Status = resp.StatusCode
	}
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.mu.Unlock()
	return resp, err
}

// oidcReadForm returns the form of req, read from a cloned body, and the
// request to send on (req itself, or a clone with a fresh body when req had
// no GetBody).
func oidcReadForm(req *http.Request) (url.Values, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return url.Values{}, req, nil
	}
	var data []byte
	out := req
	if req.GetBody != nil {
		b, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		data, err = io.ReadAll(b)
		b.Close()
		if err != nil {
			return nil, nil, err
		}
	} else {
		var err error
		data, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, nil, err
		}
		out = req.Clone(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(data))
	}
	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, nil, err
	}
	return form, out, nil
}

// client returns an *http.Client for the grants' HTTPClient field.
func (c *oidcCounter) client() *http.Client { return &http.Client{Transport: c} }

// count returns how many requests had this key.
func (c *oidcCounter) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, call := range c.calls {
		if call.Key == key {
			n++
		}
	}
	return n
}

// all returns a copy of the requests seen.
func (c *oidcCounter) all() []oidcCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]oidcCall(nil), c.calls...)
}

// total returns how many requests were seen.
func (c *oidcCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// last returns the last request seen.
func (c *oidcCounter) last(t *testing.T) oidcCall {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotEmpty(t, c.calls, "no request reached the token endpoint")
	return c.calls[len(c.calls)-1]
}

// oidcStatusRecorder is a Client base transport that records the status of
// every API answer.
type oidcStatusRecorder struct {
	mu       sync.Mutex
	statuses []int
}

func (r *oidcStatusRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if resp != nil {
		r.mu.Lock()
		r.statuses = append(r.statuses, resp.StatusCode)
		r.mu.Unlock()
	}
	return resp, err
}

func (r *oidcStatusRecorder) seen() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.statuses...)
}

// oidcMe is the provider's GET /api/me answer.
type oidcMe struct {
	Sub       string `json:"sub"`
	ClientID  string `json:"client_id"`
	TokenKind string `json:"token_kind"`
}

// oidcAPI calls the provider's API directly with access and returns the
// status, the decoded answer (on 200) and the WWW-Authenticate header.
func oidcAPI(t *testing.T, p *oidcprovider.Provider, access string) (int, oidcMe, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.APIURL(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var me oidcMe
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	}
	return resp.StatusCode, me, resp.Header.Get("WWW-Authenticate")
}

// oidcRequireAPI asserts that access works at the provider's API and
// returns who it belongs to.
func oidcRequireAPI(t *testing.T, p *oidcprovider.Provider, access string) oidcMe {
	t.Helper()
	require.NotEmpty(t, access)
	status, me, _ := oidcAPI(t, p, access)
	require.Equal(t, http.StatusOK, status, "the access token should work at the API")
	return me
}

// oidcRequireDead asserts that the API refuses access with 401 and an
// invalid_token challenge.
func oidcRequireDead(t *testing.T, p *oidcprovider.Provider, access string) {
	t.Helper()
	status, _, www := oidcAPI(t, p, access)
	require.Equal(t, http.StatusUnauthorized, status, "the access token should be dead")
	require.Contains(t, www, `error="invalid_token"`)
}

// oidcWaitExpired polls the API with access until it answers 401: a real
// expiry at the provider, not a guess. It fails after within.
func oidcWaitExpired(t *testing.T, p *oidcprovider.Provider, access string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for {
		status, _, _ := oidcAPI(t, p, access)
		if status == http.StatusUnauthorized {
			return time.Since(start)
		}
		require.Equal(t, http.StatusOK, status, "unexpected API status while waiting for expiry")
		require.True(t, time.Now().Before(deadline), "the access token did not expire within %v", within)
		time.Sleep(50 * time.Millisecond)
	}
}

// oidcGet sends GET u through the Client and returns the status and the
// decoded answer (on 200), or the error.
func oidcGet(t *testing.T, c *bearerkit.Client, u string) (int, oidcMe, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		return 0, oidcMe{}, err
	}
	defer resp.Body.Close()
	var me oidcMe
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	}
	return resp.StatusCode, me, nil
}

// oidcTokens collects the tokens a Client obtained (WithOnToken).
type oidcTokens struct {
	mu   sync.Mutex
	toks []bearerkit.Token
}

func (o *oidcTokens) add(tok bearerkit.Token) {
	o.mu.Lock()
	o.toks = append(o.toks, tok)
	o.mu.Unlock()
}

func (o *oidcTokens) all() []bearerkit.Token {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bearerkit.Token(nil), o.toks...)
}

// oidcAuthError asserts that err holds an *AuthError and returns it.
func oidcAuthError(t *testing.T, err error) *bearerkit.AuthError {
	t.Helper()
	require.Error(t, err)
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	return ae
}
