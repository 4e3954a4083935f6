package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit/examples/internal/wiresecrets"
)

func TestDataddo(t *testing.T) {
	t.Setenv("DATADDO_BASE_URL", "") // the emulator, whatever the environment says
	rec := wiresecrets.Record(t)
	var out bytes.Buffer
	if err := run(context.Background(), &out, nil); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)

	apiLine := regexp.MustCompile(`(?m)^  > GET \S+ .*$`)
	calls := apiLine.FindAllString(got, -1)
	if len(calls) != 5 {
		t.Errorf("%d API calls shown, want 5", len(calls))
	}
	for _, l := range calls {
		if !strings.Contains(l, "Authorization: Bearer [redacted]  X-Realm-Id: 1  X-Provider: dataddo") {
			t.Errorf("API call without the Dataddo headers: %s", l)
		}
	}
	for re, n := range map[string]int{`POST \S+/auth  -> 200`: 1, `POST \S+/refresh .* -> 200`: 1, `-> 401`: 1, `BROKEN: `: 1} {
		if c := len(regexp.MustCompile(re).FindAllString(got, -1)); c != n {
			t.Errorf("%d lines match %q, want %d", c, re, n)
		}
	}
	if !strings.Contains(got, "emulator: 1 password send(s), 1 refresh(es)") {
		t.Error("unexpected emulator counters")
	}
	rec.AssertAbsent(t, got)
}

func TestDataddoStore(t *testing.T) {
	t.Setenv("DATADDO_BASE_URL", "")
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	rec := wiresecrets.Record(t)
	var out bytes.Buffer
	for range 2 { // the second run finds the first one's token (from a dead emulator)
		if err := run(context.Background(), &out, []string{"-store"}); err != nil {
			t.Fatalf("run: %v\n%s", err, out.String())
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "bearerkit-dataddo-token.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v", fi, err)
	}
	rec.AssertAbsent(t, out.String())
}

func TestDataddoRealNeedsCredentials(t *testing.T) {
	t.Setenv("DATADDO_BASE_URL", "https://dataddo.invalid/api/v2")
	t.Setenv("DATADDO_EMAIL", "")
	if err := run(context.Background(), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "DATADDO_EMAIL") {
		t.Fatalf("run = %v, want an error naming DATADDO_EMAIL", err)
	}
}
