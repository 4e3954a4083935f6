package bearerkit_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Issue 8, points 4 and 5: servers echo what they received, encoded; no
// secret reaches an error or a log record in any of those encodings.

// secretForms returns the ways a server may echo sec.
func secretForms(sec string) map[string]string {
	js, _ := json.Marshal(sec)
	inner := string(js[1 : len(js)-1])
	var allU, html strings.Builder
	for _, r := range sec {
		fmt.Fprintf(&html, "&#x%x;", r)
		if r < 0x10000 {
			fmt.Fprintf(&allU, `\u%04X`, r)
		} else {
			r -= 0x10000
			fmt.Fprintf(&allU, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		}
	}
	return map[string]string{
		"raw":              sec,
		"query":            url.QueryEscape(sec),
		"path":             url.PathEscape(sec),
		"json":             inner,
		"json with \\/":    strings.ReplaceAll(inner, "/", `\/`),
		"json \\u00XX":     allU.String(),
		"html":             html.String(),
		"base64":           base64.StdEncoding.EncodeToString([]byte(sec)),
		"base64url":        base64.RawURLEncoding.EncodeToString([]byte(sec)),
		"hex":              hex.EncodeToString([]byte(sec)),
		"basic":            base64.StdEncoding.EncodeToString([]byte("app:" + sec)),
		"basic form-coded": base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("app") + ":" + url.QueryEscape(sec))),
	}
}

// assertNoSecretForm fails if text holds any of secrets in any form.
func assertNoSecretForm(t *testing.T, text, what string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		for form, enc := range secretForms(sec) {
			if strings.Contains(text, enc) {
				t.Errorf("%s shows a secret (%.6s…) as %s: %s", what, sec, form, text)
			}
		}
	}
}

// Secrets with the characters encodings treat differently.
const (
	echoPassword = `pa/ss w+rd:ä"<&>` + "\U0001F600"
	echoSecret   = "client/secret+1=2&3"
	echoAccess   = "access.token/with+slash="
	echoRefresh  = "refresh:token~ä/?"
)

// carried lists what a request carried: form and JSON values, and the
// credential headers (Basic decoded into id and secret).
func carried(r *http.Request, body []byte) []string {
	var out []string
	if vals, err := url.ParseQuery(string(body)); err == nil {
		for _, vs := range vals {
			out = append(out, vs...)
		}
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, v := range m {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	if id, sec, ok := r.BasicAuth(); ok {
		out = append(out, id, sec)
		if uid, err := url.QueryUnescape(id); err == nil {
			out = append(out, uid)
		}
		if usec, err := url.QueryUnescape(sec); err == nil {
			out = append(out, usec)
		}
	}
	for _, h := range []string{"Authorization", "X-Refresh-Token", "Cookie"} {
		for _, v := range r.Header.Values(h) {
			out = append(out, v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				out = append(out, cred)
			}
		}
	}
	return out
}

// echoServer answers every request with status and everything it carried,
// in every form secretForms knows, in every field a client might show.
func echoServer(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b strings.Builder
		vals := carried(r, body)
		for _, v := range vals {
			for form, enc := range secretForms(v) {
				fmt.Fprintf(&b, "%s=%s ", form, enc)
			}
		}
		text := b.String()
		if len(vals) > 0 {
			last := vals[len(vals)-1]
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, url.QueryEscape(last)))
			w.Header().Set("Content-Type", "application/json; x="+url.QueryEscape(last))
		}
		out, _ := json.Marshal(map[string]any{"error": text, "error_description": text, "message": text, "statusCode": status})
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

// Every credential-bearing call, answered by a server that echoes what it
// got, in every status class a client turns into an error.
func TestNoSecretInAnyEncodingOfAnEcho(t *testing.T) {
	t.Parallel()
	secrets := []string{echoPassword, echoSecret, echoAccess, echoRefresh}
	prev := &bearerkit.Token{AccessToken: echoAccess, RefreshToken: echoRefresh, RealmID: "7", Provider: "google"}
	for _, status := range []int{400, 401, 403, 404, 500, 503, 200} {
		hc := &http.Client{Transport: handlerRT{echoServer(status)}}
		base := "https://auth.example.test"
		calls := map[string]func() error{
			"PasswordGrant": func() error {
				_, err := bearerkit.PasswordGrant{TokenURL: base + "/token", ClientID: "app", ClientSecret: echoSecret, Username: "alice", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), nil)
				return err
			},
			"PasswordGrant params": func() error {
				_, err := bearerkit.PasswordGrant{TokenURL: base + "/token", ClientID: "app", ClientSecret: echoSecret, AuthStyle: bearerkit.AuthStyleParams, Username: "alice", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), nil)
				return err
			},
			"RefreshGrant": func() error {
				_, err := bearerkit.RefreshGrant{TokenURL: base + "/token", ClientID: "app", ClientSecret: echoSecret, HTTPClient: hc}.Authenticate(context.Background(), prev)
				return err
			},
			"ClientCredentials": func() error {
				_, err := bearerkit.ClientCredentials{TokenURL: base + "/token", ClientID: "app", ClientSecret: echoSecret, HTTPClient: hc}.Authenticate(context.Background(), nil)
				return err
			},
			"Dataddo login": func() error {
				_, err := bearerkit.Dataddo{BaseURL: base, Email: "a@example.com", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), nil)
				return err
			},
			"Dataddo refresh": func() error {
				_, err := bearerkit.Dataddo{BaseURL: base, Email: "a@example.com", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), prev)
				return err
			},
			"Dataddo refresh with X-Refresh-Token": func() error {
				_, err := bearerkit.Dataddo{BaseURL: base, HTTPClient: hc}.Authenticate(context.Background(), &bearerkit.Token{RefreshToken: echoRefresh})
				return err
			},
			"Dataddo revoke": func() error {
				return bearerkit.Dataddo{BaseURL: base, HTTPClient: hc}.Revoke(context.Background(), prev)
			},
			"OneData": func() error {
				_, err := bearerkit.OneData{BaseURL: base, Username: "alice", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), nil)
				return err
			},
			"AuthAPI": func() error {
				_, err := bearerkit.AuthAPI{BaseURL: base, Username: "alice", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), prev)
				return err
			},
			"Keycloak": func() error {
				_, err := bearerkit.Keycloak{ServerURL: base, Realm: "r", ClientID: "app", ClientSecret: echoSecret, Username: "alice", Password: echoPassword, HTTPClient: hc}.Authenticate(context.Background(), prev)
				return err
			},
			"Keycloak revoke": func() error {
				return bearerkit.Keycloak{ServerURL: base, Realm: "r", ClientID: "app", ClientSecret: echoSecret, HTTPClient: hc}.Revoke(context.Background(), prev)
			},
			"Revoker": func() error {
				return bearerkit.Revoker{URL: base + "/revoke", ClientID: "app", ClientSecret: echoSecret, HTTPClient: hc}.RevokeToken(context.Background(), prev)
			},
			"Discover": func() error { _, err := bearerkit.Discover(context.Background(), base, hc); return err },
		}
		for name, call := range calls {
			err := call()
			what := fmt.Sprintf("%s answered %d", name, status)
			if status == 200 && (name == "Dataddo revoke" || name == "Keycloak revoke" || name == "Revoker") {
				assert.NoError(t, err, what)
				continue
			}
			require.Error(t, err, what)
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				assertNoSecretForm(t, fmt.Sprintf(verb, err), what+" "+verb, secrets...)
			}
			var ae *bearerkit.AuthError
			if assert.ErrorAs(t, err, &ae, what) {
				assertNoSecretForm(t, ae.Code+" "+ae.Description+" "+ae.ContentType+" "+ae.Endpoint, what+" fields", secrets...)
			}
		}
	}
}

// The same through a Client, with a logger: log records (text and JSON)
// and errors hold none of it, and an API error is scrubbed of every secret
// the Client holds, not only of those its request carried.
func TestNoSecretInLogsOrAPIErrorsOfAnEcho(t *testing.T) {
	t.Parallel()
	secrets := []string{echoPassword, echoSecret, echoAccess, echoRefresh}
	var logs syncBuffer
	logger := slog.New(faultTeeHandler{slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}), slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	// The API answers 401 to everything, echoing what it got and (as a
	// hostile API might) the session's refresh token, which API requests
	// never carry.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Refresh-Token", echoRefresh) // echoed as if it had come
		echoServer(http.StatusUnauthorized).ServeHTTP(w, r)
	})
	token := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("grant_type") == "password" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":3600}`, echoAccess, echoRefresh)
			return
		}
		echoServer(http.StatusBadRequest).ServeHTTP(w, r)
	})
	auth := bearerkit.Fallback(
		bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: echoSecret, HTTPClient: &http.Client{Transport: handlerRT{token}}},
		bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: echoSecret, Username: "alice", Password: echoPassword, HTTPClient: &http.Client{Transport: handlerRT{token}}},
	)
	c, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: handlerRT{api}}), bearerkit.WithLogger(logger))
	require.NoError(t, err)
	for range 3 {
		req, err := c.NewRequest(context.Background(), http.MethodGet, "sources", nil)
		require.NoError(t, err)
		_, err = c.Do(req, nil)
		require.Error(t, err)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			assertNoSecretForm(t, fmt.Sprintf(verb, err), "API error "+verb, secrets...)
		}
		var apiErr *bearerkit.APIError
		if errors.As(err, &apiErr) {
			assertNoSecretForm(t, apiErr.Code+" "+apiErr.Message+" "+apiErr.ContentType+" "+apiErr.URL, "APIError fields", secrets...)
		}
	}
	out := logs.String()
	assert.Contains(t, out, "401", "the 401s were logged")
	assertNoSecretForm(t, out, "log records", secrets...)
}

// Point 5: an error of the underlying transport for an authenticated
// request (net/http quoting a header line it could not parse) carries no
// token, whether it comes from net/http itself or a RoundTripper.
func TestTransportErrorsHoldNoToken(t *testing.T) {
	t.Parallel()
	// A server that answers with the request's Authorization header as a
	// malformed header line.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n%s\r\n\r\n", req.Header.Get("Authorization"))
			}()
		}
	}()
	base := "http://" + ln.Addr().String() + "/"
	tok := bearerkit.StaticToken{AccessToken: echoAccess}
	c, err := bearerkit.NewClient(base, tok)
	require.NoError(t, err)
	_, err = c.HTTPClient().Get(base + "x")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "malformed")
	assertNoSecretForm(t, err.Error(), "net/http's error", echoAccess)

	_, err = (&http.Client{Transport: &bearerkit.Transport{Auth: tok}}).Get(base + "x")
	require.Error(t, err)
	assertNoSecretForm(t, err.Error(), "bare Transport's error", echoAccess)

	// A RoundTripper's own error, encoded.
	for _, enc := range secretForms(echoAccess) {
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			return nil, fmt.Errorf("proxy: bad header %s (was %s)", r.Header.Get("Authorization"), enc)
		})
		c, err := bearerkit.NewClient(apiURL, tok, bearerkit.WithHTTPClient(&http.Client{Transport: rt}))
		require.NoError(t, err)
		_, err = c.HTTPClient().Get(apiURL + "x")
		require.Error(t, err)
		assertNoSecretForm(t, err.Error(), "a RoundTripper's error", echoAccess)
		assert.Contains(t, err.Error(), "proxy: bad header")
	}
}
