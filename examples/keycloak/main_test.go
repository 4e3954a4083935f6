package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/examples/internal/wiresecrets"
)

func TestKeycloak(t *testing.T) {
	t.Setenv("KEYCLOAK_SERVER_URL", "")
	rec := wiresecrets.Record(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for s, n := range map[string]int{
		"(the Keycloak preset's: true)":                                      1,
		"grant types         password, client_credentials, refresh_token":    1,
		"aiconnections/types: 200, 3 items: OpenAI":                          3,
		"on the wire: api 401 -> refresh 200 -> api 200":                     1,
		"refresh token rotated: true":                                        1,
		"aiconnections/types: 401":                                           1, // the revoked access token
		"refresh token: false":                                               1, // client credentials
		"emulator: 2 logins (1 with the password), 1 refresh, 2 revocations": 1,
	} {
		if c := strings.Count(got, s); c != n {
			t.Errorf("output has %q %d times, want %d", s, c, n)
		}
	}
	rec.AssertAbsent(t, got)
}

func TestKeycloakRealNeedsSettings(t *testing.T) {
	t.Setenv("KEYCLOAK_SERVER_URL", "https://sso.invalid")
	t.Setenv("KEYCLOAK_REALM", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "KEYCLOAK_REALM") {
		t.Fatalf("run = %v, want an error naming KEYCLOAK_REALM", err)
	}
}
