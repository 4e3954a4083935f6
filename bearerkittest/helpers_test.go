package bearerkittest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// reply is a response read in full.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object.
func (r reply) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// do sends a request; hdr is "Name", "value" pairs.
func do(t testing.TB, c *http.Client, method, u string, body io.Reader, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func postJSON(t testing.TB, c *http.Client, u string, v any, hdr ...string) reply {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return do(t, c, http.MethodPost, u, bytes.NewReader(b), append([]string{"Content-Type", "application/json"}, hdr...)...)
}

func postForm(t testing.TB, c *http.Client, u string, f url.Values, hdr ...string) reply {
	t.Helper()
	return do(t, c, http.MethodPost, u, strings.NewReader(f.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, hdr...)...)
}

func get(t testing.TB, c *http.Client, u string, hdr ...string) reply {
	t.Helper()
	return do(t, c, http.MethodGet, u, nil, hdr...)
}

// claims decodes the payload of a JWT without checking it.
func claims(t testing.TB, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// jwtHeader decodes the header of a JWT.
func jwtHeader(t testing.TB, jwt string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// requireOAuthError checks an RFC 6749 §5.2 error answer.
func requireOAuthError(t testing.TB, r reply, status int, code, desc string) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, code, m["error"], "body: %s", r.Body)
	if desc != "" {
		require.Equal(t, desc, m["error_description"], "body: %s", r.Body)
	}
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"))
}

func bearerHdr(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
