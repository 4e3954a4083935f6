package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/examples/internal/wiresecrets"
)

func TestOneData(t *testing.T) {
	t.Setenv("ONEDATA_BASE_URL", "")
	t.Setenv("ONEDATA_API_PATH", "")
	rec := wiresecrets.Record(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for s, n := range map[string]int{
		"the token is in the Authorization response header":       2, // the login, and the re-login after the 401
		"GET api/v1/users/me: user " + bearerkittest.DefaultEmail: 2, // the preset, then the static token
		"GET api/v1/datasets: 2 datasets":                         1,
		"emulator: 2 logins, 2 password sends, 0 refreshes":       1,
		"cannot be renewed; replace it":                           1,
	} {
		if c := strings.Count(got, s); c != n {
			t.Errorf("output has %q %d times, want %d", s, c, n)
		}
	}
	rec.AssertAbsent(t, got)
}

func TestOneDataRealNeedsCredentials(t *testing.T) {
	t.Setenv("ONEDATA_BASE_URL", "https://onedata.invalid")
	t.Setenv("ONEDATA_TOKEN", "")
	t.Setenv("ONEDATA_USERNAME", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "ONEDATA_USERNAME") {
		t.Fatalf("run = %v, want an error naming ONEDATA_USERNAME", err)
	}
}
