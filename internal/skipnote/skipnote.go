// Package skipnote skips a test that needs a program the machine lacks
// (Node.js, Chromium, redis-server) visibly. go test shows the output of a
// passing package only under -v, so a plain t.Skip goes unnoticed; Skip
// also writes one line per test binary and missing program straight to
// the terminal (/dev/tty; stderr when there is none) naming what is skipped
// and the command that installs it. Under CI (the environment variable CI
// is set) a missing program fails the test instead: CI installs them all.
package skipnote

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	mu   sync.Mutex
	seen = map[string]bool{}
)

// Skip fails t under CI, and otherwise notes once, on the terminal, that
// what (e.g. "the OpenID Connect tests") is skipped and why (what is
// missing), with install, the command that installs it; then it skips t.
func Skip(t testing.TB, what, why, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s skipped: %s; install with: %s", what, why, install)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI is set, so this is a failure, not a skip", msg)
	}
	Note(msg)
	t.Skip(msg)
}

// Note writes msg once per test binary, prefixed with the package's
// directory, where a person running go test sees it.
func Note(msg string) {
	mu.Lock()
	defer mu.Unlock()
	if seen[msg] {
		return
	}
	seen[msg] = true
	line := fmt.Sprintf("NOTE %s: %s\n", pkgDir(), msg)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if _, err := io.WriteString(tty, line); err == nil {
			return
		}
	}
	fmt.Fprint(os.Stderr, line)
}

// pkgDir names the package under test by its directory (go test runs a
// test binary in it), shortened to its last two elements.
func pkgDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	return filepath.Join(filepath.Base(filepath.Dir(wd)), filepath.Base(wd))
}
