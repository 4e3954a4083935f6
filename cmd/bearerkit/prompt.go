package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// maxSecret bounds what is read as a password or token from stdin.
const maxSecret = 64 << 10

// terminal returns the file descriptor of w when it is a terminal.
func terminal(w any) (int, bool) {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// secretSource says where login takes its secret from.
type secretSource struct {
	what      string // "password", "token", "client secret"
	fromStdin bool   // --password-stdin
	envName   string // the variable that may hold it
	envValue  string
	prompt    string // e.g. "Password for alice@example.com: "
}

// readSecret returns the secret: from stdin with --password-stdin, else
// from the environment, else typed on the terminal without echo. With no
// terminal, or with --no-input, it never waits: it fails with exit code 3
// and says how to pass the secret.
func (e *env) readSecret(src secretSource) (string, error) {
	if src.fromStdin {
		b, err := io.ReadAll(io.LimitReader(e.in, maxSecret+1))
		if err != nil {
			return "", fmt.Errorf("reading the %s from stdin: %w", src.what, err)
		}
		if len(b) > maxSecret {
			return "", usageErrorf("the %s on stdin is longer than %d bytes", src.what, maxSecret)
		}
		s := string(bytes.TrimRight(b, "\r\n"))
		if s == "" {
			return "", usageErrorf("--password-stdin: no %s on stdin", src.what)
		}
		return s, nil
	}
	if src.envValue != "" {
		return src.envValue, nil
	}
	fd, tty := terminal(e.in)
	if e.noInput || !tty {
		why := "no terminal to ask for the " + src.what + " on"
		if e.noInput {
			why = "--no-input forbids asking for the " + src.what
		}
		return "", &cliError{code: exitNotLoggedIn, err: fmt.Errorf("not logged in: %s", why),
			hint: fmt.Sprintf("Pipe the %s into \"bearerkit login%s --password-stdin\", or set %s.", src.what, profileFlag(e.profileName()), src.envName)}
	}
	fmt.Fprint(e.err, src.prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(e.err)
	if err != nil {
		return "", fmt.Errorf("reading the %s from the terminal: %w", src.what, err)
	}
	if len(b) == 0 {
		return "", usageErrorf("no %s typed", src.what)
	}
	return string(b), nil
}
