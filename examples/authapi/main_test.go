package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/examples/internal/wiresecrets"
)

func TestAuthAPI(t *testing.T) {
	t.Setenv("AUTHAPI_BASE_URL", "")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the token file's directory goes
	rec := wiresecrets.Record(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for _, s := range []string{
		"on the wire: /auth/password 200 -> /v1/me 200\n",
		"on the wire: /v1/echo 401 -> /auth/refresh 200 -> /v1/echo 200\n",
		"the body came back after the replay: true\n",
		"on the wire: /v1/me 401 -> /auth/refresh 503 -> /auth/refresh 200 -> /v1/me 200\n",
		"on the wire: /v1/me 200\n", // the second client, from the token file
		"mode -rw-------\n",
		"on the wire: /v1/me 401 -> /auth/refresh 401 -> /auth/password 200 -> /v1/me 200\n",
		"emulator: 2 password sends, 2 refreshes (+2 failed: one 503, one 401)",
	} {
		if c := strings.Count(got, s); c != 1 {
			t.Errorf("output has %q %d times, want once", s, c)
		}
	}
	if n := strings.Count(got, "/auth/password"); n != 2 {
		t.Errorf("%d password logins on the wire, want 2", n)
	}
	rec.AssertAbsent(t, got)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the temporary directory was not removed: %v", left)
	}
}

func TestAuthAPIRealNeedsSettings(t *testing.T) {
	t.Setenv("AUTHAPI_BASE_URL", "https://auth.invalid")
	t.Setenv("AUTHAPI_API_URL", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "AUTHAPI_API_URL") {
		t.Fatalf("run = %v, want an error naming AUTHAPI_API_URL", err)
	}
}
