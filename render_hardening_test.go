package bearerkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Issue 8, point 6: every exported type that can hold a secret renders
// without it in every fmt verb, slog (text and JSON, alone and inside
// slices, maps and structs) and json.Marshal.
func TestEveryRenderingIsRedacted(t *testing.T) {
	t.Parallel()
	tok := bearerkit.Token{AccessToken: secAccess, RefreshToken: secRefresh, Expiry: time.Now().Add(time.Hour), RealmID: "7", Provider: "google"}
	ms := &bearerkit.MemoryStore{}
	require.NoError(t, ms.Save(context.Background(), &tok))
	apiTok := bearerkit.APIToken{ID: "1", Name: "ci", Token: secAPIKey}
	pw := bearerkit.PasswordGrant{TokenURL: tokenURL, ClientID: "app", ClientSecret: secClient, Username: "alice", Password: secPassword}
	c, err := bearerkit.NewClient(apiURL, bearerkit.Fallback(keyAuth{APIKey: secAPIKey}, pw), bearerkit.WithHTTPClient(&http.Client{Transport: okBase}),
		bearerkit.WithOrigins("https://alice:"+secPassword+"@files.example.com/?key="+secAPIKey))
	require.NoError(t, err)
	values := map[string]any{
		"Token": tok, "*Token": &tok,
		"*MemoryStore":                 ms,
		"APIToken":                     apiTok,
		"*APIToken":                    &apiTok,
		"Fallback with a user's type":  bearerkit.Fallback(keyAuth{APIKey: secAPIKey}, pw),
		"Dataddo":                      bearerkit.Dataddo{BaseURL: apiURL, Email: "a@example.com", Password: secPassword},
		"OneData":                      bearerkit.OneData{BaseURL: apiURL, Username: "a", Password: secPassword},
		"AuthAPI":                      bearerkit.AuthAPI{BaseURL: apiURL, Username: "a", Password: secPassword},
		"Keycloak":                     bearerkit.Keycloak{ServerURL: apiURL, Realm: "r", ClientSecret: secClient, Username: "a", Password: secPassword},
		"Revoker":                      bearerkit.Revoker{URL: tokenURL, ClientSecret: secClient},
		"StaticToken":                  bearerkit.StaticToken{AccessToken: secAccess},
		"ClientCredentials":            bearerkit.ClientCredentials{TokenURL: tokenURL, ClientID: "x", ClientSecret: secClient},
		"RefreshGrant":                 bearerkit.RefreshGrant{TokenURL: tokenURL, ClientSecret: secClient},
		"*Client":                      c,
		"*Transport":                   bearerkit.ClientTransport(c),
		"Transport with a user's type": &bearerkit.Transport{Auth: keyAuth{APIKey: secAPIKey}, Store: ms},
		"RedirectError":                &bearerkit.RedirectError{StatusCode: 302, From: "https://a.example", Location: "https://b.example/x"},
		"OpenIDConfiguration":          &bearerkit.OpenIDConfiguration{Issuer: "https://a.example", TokenEndpoint: tokenURL},
	}
	wrapped := map[string]any{}
	for name, v := range values {
		wrapped[name] = v
		wrapped["[]"+name] = []any{v}
		wrapped["map "+name] = map[string]any{"v": v}
		wrapped["struct "+name] = struct{ V any }{v}
	}
	wrapped["[]Token"] = []bearerkit.Token{tok}
	wrapped["map[string]*Token"] = map[string]*bearerkit.Token{"t": &tok}
	wrapped["struct with a Token"] = struct{ T bearerkit.Token }{tok}
	wrapped["[]*APIToken"] = []*bearerkit.APIToken{&apiTok}
	for name, v := range wrapped {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			assertNoSecret(t, fmt.Sprintf(verb, v), name+" "+verb)
		}
		if b, err := json.Marshal(v); err == nil {
			assertNoSecret(t, string(b), name+" json.Marshal")
		}
		for hname, h := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			l := slog.New(h(&buf))
			l.Info("value", "v", v)
			l.Info("group", slog.Group("g", "v", v))
			l.With("v", v).Info("with")
			assertNoSecret(t, buf.String(), name+" slog "+hname)
		}
	}

	// The redacted forms still say what is there.
	b, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"access_token":"[redacted]","refresh_token":"[redacted]","expiry":`+mustJSON(t, tok.Expiry)+`,"realm_id":"7","provider":"google"}`, string(b))
	b, err = json.Marshal(apiTok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"1","name":"ci","token":"[redacted]"}`, string(b))
	assert.Contains(t, fmt.Sprint(ms), "[redacted]")
	assert.Contains(t, fmt.Sprint(c), "api.example.com")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// A token store keeps the secrets with MarshalToken; the redacted JSON form
// cannot be mistaken for a token.
func TestTokenPersistence(t *testing.T) {
	t.Parallel()
	tok := &bearerkit.Token{AccessToken: secAccess, RefreshToken: secRefresh, TokenType: "Bearer", Expiry: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), RealmID: "7", Provider: "google"}
	b, err := bearerkit.MarshalToken(tok)
	require.NoError(t, err)
	back, err := bearerkit.UnmarshalToken(b)
	require.NoError(t, err)
	assert.Equal(t, *tok, *back)
	var viaJSON bearerkit.Token
	require.NoError(t, json.Unmarshal(b, &viaJSON))
	assert.Equal(t, *tok, viaJSON)

	redacted, err := json.Marshal(tok)
	require.NoError(t, err)
	_, err = bearerkit.UnmarshalToken(redacted)
	assert.ErrorContains(t, err, "MarshalToken")
	assert.Error(t, json.Unmarshal(redacted, &viaJSON))
	_, err = bearerkit.UnmarshalToken([]byte(`{"refresh_token":"x"}`))
	assert.Error(t, err)
	_, err = bearerkit.UnmarshalToken([]byte(`{"access_token":"` + secAccess))
	require.Error(t, err)
	assertNoSecret(t, err.Error(), "UnmarshalToken error")
	_, err = bearerkit.MarshalToken(nil)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
}
