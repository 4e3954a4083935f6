package bearerkit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/bearerkit/bearerkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// json.Marshal, and so slog's JSONHandler for slices, maps and nested
// structs, shows no secret of an Authenticator or Revoker.
func TestJSONOfAuthenticatorsIsRedacted(t *testing.T) {
	t.Parallel()
	const pw, secret, tok = "pw-9f8e7d6c5b", "cs-1a2b3c4d5e", "tok-0f1e2d3c4b"
	auths := []any{
		bearerkit.PasswordGrant{TokenURL: "https://idp.example/token", ClientID: "app", ClientSecret: secret, Username: "u", Password: pw},
		bearerkit.RefreshGrant{TokenURL: "https://idp.example/token", ClientSecret: secret},
		bearerkit.ClientCredentials{TokenURL: "https://idp.example/token", ClientID: "app", ClientSecret: secret},
		bearerkit.StaticToken{AccessToken: tok},
		bearerkit.Dataddo{BaseURL: "https://d.example", Email: "e@x", Password: pw},
		bearerkit.OneData{BaseURL: "https://o.example", Username: "u", Password: pw},
		bearerkit.AuthAPI{BaseURL: "https://a.example", Username: "u", Password: pw},
		bearerkit.Keycloak{ServerURL: "https://k.example", Realm: "r", ClientSecret: secret, Username: "u", Password: pw},
		bearerkit.Revoker{URL: "https://k.example/revoke", ClientID: "app", ClientSecret: secret},
		bearerkit.Fallback(bearerkit.RefreshGrant{ClientSecret: secret}, bearerkit.PasswordGrant{Password: pw}),
	}
	for _, a := range auths {
		for _, v := range []any{a, []any{a}, map[string]any{"auth": a}, struct{ Auth any }{a}} {
			b, err := json.Marshal(v)
			require.NoError(t, err)
			for _, s := range []string{pw, secret, tok} {
				assert.NotContains(t, string(b), s, "%T", a)
			}
			assert.Contains(t, string(b), "[redacted]", "%T: a set secret shows as set", a)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "auths", []any{a})
		for _, s := range []string{pw, secret, tok} {
			assert.NotContains(t, buf.String(), s, "%T via slog", a)
		}
	}
}
