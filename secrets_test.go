package bearerkit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Secrets used below; none may ever be printed.
const (
	secAccess   = "ACCESS-0123456789abcdef"
	secRefresh  = "REFRESH-fedcba9876543210"
	secPassword = "P4ssw0rd-hunter2!"
	secClient   = "CLIENT-SECRET-c0ffee"
	secAPIKey   = "API-KEY-deadbeef"
)

var allSecrets = []string{secAccess, secRefresh, secPassword, secClient, secAPIKey}

// assertNoSecret fails if s holds a secret, raw or encoded.
func assertNoSecret(t *testing.T, s, what string) {
	t.Helper()
	for _, sec := range allSecrets {
		for _, enc := range []string{
			sec,
			hex.EncodeToString([]byte(sec)),
			strings.ToUpper(hex.EncodeToString([]byte(sec))),
			base64.StdEncoding.EncodeToString([]byte(sec)),
			fmt.Sprint([]byte(sec)),
		} {
			if strings.Contains(s, enc) {
				t.Errorf("%s shows a secret (%q): %s", what, sec, s)
			}
		}
	}
}

// keyAuth is a user's own Authenticator, holding a secret and printing
// nothing special.
type keyAuth struct{ APIKey string }

func (k keyAuth) Authenticate(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
	return &bearerkit.Token{AccessToken: secAccess}, nil
}

// Behaviour 9: no fmt verb or slog handler shows a secret, for values and
// pointers.
func TestNothingPrintsSecrets(t *testing.T) {
	t.Parallel()
	tok := bearerkit.Token{AccessToken: secAccess, RefreshToken: secRefresh, TokenType: "Bearer", Expiry: time.Now(), RealmID: "7", Provider: "google"}
	pw := bearerkit.PasswordGrant{TokenURL: "https://user:" + secPassword + "@auth.example.com/token?key=" + secAPIKey, ClientID: "app", ClientSecret: secClient, Username: "alice", Password: secPassword, Scopes: []string{"openid"}}
	rg := bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: secClient}
	cc := bearerkit.ClientCredentials{TokenURL: tokenURL, ClientID: "svc", ClientSecret: secClient}
	st := bearerkit.StaticToken{AccessToken: "Bearer " + secAccess, RealmID: "7"}
	chain := bearerkit.Fallback(rg, &pw)

	tokenEndpoint := &http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
		resp := reply(r, http.StatusOK, `{"access_token":"`+secAccess+`","refresh_token":"`+secRefresh+`","expires_in":3600}`)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})}
	pw.HTTPClient = tokenEndpoint
	usable := pw
	usable.TokenURL = tokenURL // NewClient refuses a TokenURL with user information
	c, err := bearerkit.NewClient(apiURL+"?api_key="+secAPIKey, bearerkit.Fallback(&rg, &usable), bearerkit.WithHTTPClient(&http.Client{Transport: okBase}), bearerkit.WithTokenStore(&bearerkit.MemoryStore{}))
	require.NoError(t, err)
	got, err := c.Token(context.Background()) // the Client now holds the secrets
	require.NoError(t, err)
	require.Equal(t, secAccess, got.AccessToken)
	tr := bearerkit.ClientTransport(c)
	userTr := &bearerkit.Transport{Auth: keyAuth{APIKey: secAPIKey}}
	userClient, err := bearerkit.NewClient(apiURL, keyAuth{APIKey: secAPIKey})
	require.NoError(t, err)

	values := map[string]any{
		"Token": tok, "*Token": &tok,
		"PasswordGrant": pw, "*PasswordGrant": &pw,
		"RefreshGrant": rg, "*RefreshGrant": &rg,
		"ClientCredentials": cc, "*ClientCredentials": &cc,
		"StaticToken": st, "*StaticToken": &st,
		"Fallback":                              chain,
		"*Client":                               c,
		"Client":                                *c,
		"*Transport":                            tr,
		"Transport":                             *tr,
		"Transport with a user's Authenticator": userTr,
		"Client with a user's Authenticator":    userClient,
		"Fallback with a user's Authenticator":  bearerkit.Fallback(keyAuth{APIKey: secAPIKey}),
	}
	// Inside a slice or map fmt still reaches the Format methods. (slog's
	// JSONHandler would marshal them with encoding/json, which a Token
	// must support for TokenStores: log a Token itself, not a slice.)
	composites := map[string]any{
		"[]Token":                       []bearerkit.Token{tok},
		"map":                           map[string]*bearerkit.Token{"t": &tok},
		"[]bearerkit.Authenticator":     []bearerkit.Authenticator{pw, &rg, st},
		"struct with an exported Token": struct{ T bearerkit.Token }{tok},
	}
	for name, v := range composites {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			assertNoSecret(t, fmt.Sprintf(verb, v), name+" "+verb)
		}
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%100v", "%-v"}
	for name, v := range values {
		for _, verb := range verbs {
			assertNoSecret(t, fmt.Sprintf(verb, v), name+" "+verb)
		}
		assertNoSecret(t, fmt.Sprint(v), name+" Sprint")
		assertNoSecret(t, fmt.Sprintln(v), name+" Sprintln")
		for hname, h := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			l := slog.New(h(&buf))
			l.Info("value", "v", v)
			l.Info("any", slog.Any("v", v))
			l.Info("group", slog.Group("g", "v", v))
			l.With("v", v).Info("with")
			assertNoSecret(t, buf.String(), name+" slog "+hname)
		}
	}

	// The redacted forms still say what is set.
	assert.Contains(t, tok.String(), "[redacted]")
	assert.Contains(t, fmt.Sprintf("%v", pw), "alice")
	assert.Contains(t, fmt.Sprintf("%v", pw), "auth.example.com")
	assert.Contains(t, fmt.Sprintf("%#v", &tok), "bearerkit.Token{")
}

// Behaviour 9: errors hold no secret, even when the server echoes them.
func TestErrorsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	echoes := []struct {
		name, contentType, body string
		status                  int
	}{
		{"error_description", "application/json", `{"error":"invalid_grant","error_description":"bad password ` + secPassword + ` for alice"}`, 400},
		{"message", "application/json", `{"statusCode":401,"message":"refresh token ` + secRefresh + ` is dead"}`, 401},
		{"error code", "application/json", `{"error":"` + secPassword + `"}`, 400},
		{"client secret", "application/json", `{"error":"invalid_client","error_description":"secret ` + secClient + ` is wrong"}`, 401},
		{"control characters", "application/json", `{"error":"invalid_grant","error_description":"` + secPassword[:4] + `\t` + secPassword[4:] + `"}`, 400},
		{"HTML echo", "text/html", `<html>password=` + secPassword + `</html>`, 500},
		{"200 HTML echo", "text/html", `<html>password=` + secPassword + `</html>`, 200},
		{"200 no token echo", "application/json", `{"password":"` + secPassword + `","refresh_token":"` + secRefresh + `"}`, 200},
		{"content type echo", "text/" + secPassword, `x`, 500},
		{"bad token type echo", "application/json", `{"access_token":"` + secAccess + `","token_type":"` + secRefresh + `"}`, 200},
	}
	for _, e := range echoes {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			rt := rtFunc(func(r *http.Request) (*http.Response, error) {
				resp := reply(r, e.status, e.body)
				resp.Header.Set("Content-Type", e.contentType)
				return resp, nil
			})
			hc := &http.Client{Transport: rt}
			prev := &bearerkit.Token{AccessToken: secAccess, RefreshToken: secRefresh}
			// Each grant must keep out what it sent.
			for _, g := range []struct {
				auth bearerkit.Authenticator
				sent []string
			}{
				{bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: secClient, Username: "alice", Password: secPassword, HTTPClient: hc},
					[]string{secPassword, secClient}},
				{bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: secClient, HTTPClient: hc},
					[]string{secRefresh, secAccess, secClient}},
				{bearerkit.ClientCredentials{TokenURL: tokenURL, ClientID: "app", ClientSecret: secClient, HTTPClient: hc},
					[]string{secClient}},
			} {
				_, err := g.auth.Authenticate(context.Background(), prev)
				require.Error(t, err)
				checkErr(t, err, fmt.Sprintf("%s %T", e.name, g.auth), g.sent...)
			}
		})
	}

	// A network error that quotes the request.
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("proxy refused body password=" + secPassword + "&x")
	})
	_, err := bearerkit.PasswordGrant{TokenURL: "https://auth.example.com/token?key=" + secAPIKey, Username: "alice", Password: secPassword, HTTPClient: &http.Client{Transport: rt}}.Authenticate(context.Background(), nil)
	require.Error(t, err)
	checkErr(t, err, "network error")

	// An unparsable base URL or one with user info.
	_, err = bearerkit.NewClient("https://alice:"+secPassword+"@api.example.com/", bearerkit.StaticToken{AccessToken: "x"})
	require.Error(t, err)
	checkErr(t, err, "NewClient user info")
	_, err = bearerkit.NewClient("https://api.example.com/\x7f?key="+secAPIKey, bearerkit.StaticToken{AccessToken: "x"})
	require.Error(t, err)
	checkErr(t, err, "NewClient bad URL")
	_, err = bearerkit.NewClient("ftp://api.example.com/?key="+secAPIKey, bearerkit.StaticToken{AccessToken: "x"})
	require.Error(t, err)
	checkErr(t, err, "NewClient ftp URL")
}

// checkErr fails if err shows one of secrets (default: all of them) in any
// form: its message, fmt verbs, the errors it wraps, an AuthError's fields.
func checkErr(t *testing.T, err error, what string, secrets ...string) {
	t.Helper()
	if len(secrets) == 0 {
		secrets = allSecrets
	}
	texts := map[string]string{"Error()": err.Error()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		texts[verb] = fmt.Sprintf(verb, err)
	}
	for i, e := 0, errors.Unwrap(err); e != nil; i, e = i+1, errors.Unwrap(e) {
		texts[fmt.Sprint("wrapped ", i)] = e.Error()
	}
	var ae *bearerkit.AuthError
	if errors.As(err, &ae) {
		texts["fields"] = ae.Code + " " + ae.Description + " " + ae.ContentType + " " + ae.Endpoint
	}
	for how, text := range texts {
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Errorf("%s %s shows a secret (%q): %s", what, how, sec, text)
			}
		}
	}
}

// Behaviour 9: log records hold no secrets, on every path.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := newClock()
	p := newPlatform(clk, time.Hour)
	rt := handlerRT{p}
	pw := &bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: testClientID, ClientSecret: testSecret, Username: testUser, Password: testPassword, HTTPClient: &http.Client{Transport: rt}}
	echo := rtFunc(func(r *http.Request) (*http.Response, error) {
		body := drain(r)
		resp := reply(r, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"you sent `+body+`"}`)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	store := &bearerkit.MemoryStore{}
	c, err := bearerkit.NewClient(apiURL, bearerkit.Fallback(&bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: testClientID, ClientSecret: testSecret, HTTPClient: &http.Client{Transport: echo}}, pw),
		bearerkit.WithHTTPClient(&http.Client{Transport: rt}), bearerkit.WithLogger(logger), bearerkit.WithTokenStore(store))
	require.NoError(t, err)
	tr := bearerkit.ClientTransport(c)
	bearerkit.SetClock(tr, clk.Now)
	get := func() {
		resp, err := c.HTTPClient().Get(apiURL + "x")
		if err == nil {
			resp.Body.Close()
		}
	}
	get()    // login
	p.kill() // 401, refresh echoes the refresh token, then password
	get()    //
	clk.Add(59 * time.Minute)
	get() // background renewal
	bearerkit.WaitIdle(tr)
	clk.Add(2 * time.Hour)
	get()
	bearerkit.WaitIdle(tr)
	tok, err := store.Load(context.Background())
	require.NoError(t, err)
	require.NotNil(t, tok)
	out := buf.String()
	assert.Contains(t, out, "renew", "there were log records")
	for _, sec := range []string{testPassword, testSecret, tok.AccessToken, tok.RefreshToken, "rt-1", "at-1"} {
		assert.NotContains(t, out, sec)
	}
}

// A Client's Transport can be printed while its first request is in flight
// (printing copies it: a Transport's state must not be created by then).
func TestPrintTransportDuringFirstUse(t *testing.T) {
	t.Parallel()
	for range 20 {
		c, err := bearerkit.NewClient(apiURL, bearerkit.StaticToken{AccessToken: secAccess}, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}))
		require.NoError(t, err)
		tr := bearerkit.ClientTransport(c)
		start := make(chan struct{})
		done := make(chan string)
		go func() {
			<-start
			done <- fmt.Sprintf("%v %+v", tr, c.HTTPClient().Transport)
		}()
		close(start)
		_, err = c.Token(context.Background())
		require.NoError(t, err)
		assertNoSecret(t, <-done, "Transport in flight")
	}
}
