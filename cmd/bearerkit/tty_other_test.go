//go:build !linux

package main

import "github.com/rogpeppe/go-internal/testscript"

// cmdTTYExec needs Linux's pseudo-terminals; scripts that use it skip
// elsewhere ([!linux] skip).
func cmdTTYExec(ts *testscript.TestScript, neg bool, args []string) {
	ts.Fatalf("ttyexec is only implemented on Linux")
}
