package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/internal/skipnote"
)

// TestE2EBrowser drives the web app in headless Chromium (e2e/test.mjs with
// playwright-core): login, the sources, HttpOnly and the other cookie flags
// as the browser sees them, an early token kill the page survives with
// renewed cookies, and the logout.
//
// It needs node, e2e/node_modules (npm ci) and Chromium (/usr/bin/chromium
// or $BEARERKIT_CHROMIUM); e2e/install.sh installs the last two. Without
// them the test skips, unless $CI is non-empty: then it fails.
func TestE2EBrowser(t *testing.T) {
	node, chromium := e2eTools(t)
	d := bearerkittest.NewDataddo(t, bearerkittest.WithBasePath("/api/v2"))
	srv := httptest.NewServer(NewServer(Config{PlatformURL: d.URL(), PlatformClient: d.Client(), KillTokens: d.KillAccessTokens}))
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("e2e", "test.mjs"), srv.URL)
	cmd.Env = append(os.Environ(), "BEARERKIT_CHROMIUM="+chromium)
	setProcessGroup(cmd)
	cmd.Cancel = func() error { killTree(cmd); return nil }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("node e2e/test.mjs (%v):\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("the browser test failed: %v", err)
	}
	if !strings.Contains(out.String(), "\nE2E PASS") {
		t.Fatal("the browser test did not report E2E PASS")
	}

	// What the platform saw: one login with the password, one renewal
	// after the 401, never a rotated-out refresh token, one revocation.
	st := d.Stats()
	if st.PasswordSends != 1 || st.Logins != 1 || st.Refreshes != 1 || st.RefreshFailures != 0 ||
		st.ReuseDetections != 0 || st.APIUnauthorized != 1 || st.Revocations != 1 {
		t.Errorf("platform stats %+v", st)
	}
}

// e2eTools finds node and Chromium, and checks that playwright-core is
// installed; it skips the test (fails it under CI) when one is missing.
func e2eTools(t *testing.T) (node, chromium string) {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node (Node.js 20 or newer)")
	}
	if _, err := os.Stat(filepath.Join("e2e", "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "e2e/node_modules (npm ci)")
	}
	chromium = os.Getenv("BEARERKIT_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if st, err := os.Stat(chromium); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		if p, err := exec.LookPath("chromium"); err == nil && os.Getenv("BEARERKIT_CHROMIUM") == "" {
			chromium = p
		} else {
			missing = append(missing, "Chromium at "+chromium+" (apt-get install chromium, or set BEARERKIT_CHROMIUM)")
		}
	}
	if len(missing) == 0 {
		return node, chromium
	}
	skipnote.Skip(t, "the web app's browser test", strings.Join(missing, ", "), "bash examples/webapp/e2e/install.sh")
	return "", ""
}
