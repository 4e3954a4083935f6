// Command bearerkit logs in to a data platform once, keeps the token, and
// hands it out: printed for curl, as a Kubernetes credential plugin, or
// used to call the platform's API.
//
//	bearerkit login --platform dataddo --url https://headless.dataddo.com/customer-api/v1 --user me@example.com
//	curl -H @<(bearerkit token --output header) https://…
//	bearerkit api logged-member
//	bearerkit status
//	bearerkit logout
//
// Run "bearerkit help" for the commands, their flags, the environment
// variables and the exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bearerkit/bearerkit"
)

// main runs the command line and exits with its code.
func main() {
	os.Exit(run(context.Background(), os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}

// stdio is a command's standard streams. in, out and err are usually
// *os.File; the terminal checks look for that.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // shown by "bearerkit help NAME"
	run     func(ctx context.Context, e *env, args []string) error
}

// commands are the subcommands, in the order help lists them.
var commands []*command

// init lists the commands (helpCmd refers to the list, so it cannot be
// a plain initialization).
func init() {
	commands = []*command{loginCmd, tokenCmd, apiCmd, statusCmd, logoutCmd, versionCmd, helpCmd}
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, std stdio) int {
	e := &env{stdio: std, getenv: os.Getenv}
	err := dispatch(ctx, e, args)
	if err == nil {
		return exitOK
	}
	err = explain(err)
	code := exitCode(err)
	if code != exitOK {
		report(e, err, code)
	}
	return code
}

// dispatch finds the command and runs it. Common flags may come before
// the command's name too: "bearerkit --profile prod token".
func dispatch(ctx context.Context, e *env, args []string) error {
	if err := refuseSecretFlags(args); err != nil {
		return err
	}
	rest, err := parseCommon(e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fmt.Fprint(e.err, mainUsage())
		return usageErrorf("no command given")
	}
	if rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help" {
		fmt.Fprint(e.out, mainUsage())
		return nil
	}
	if rest[0] == "--version" || rest[0] == "-version" {
		return versionCmd.run(ctx, e, nil)
	}
	c := lookup(rest[0])
	if c == nil {
		msg := fmt.Sprintf("unknown command %q", rest[0])
		if strings.HasPrefix(rest[0], "-") {
			msg = fmt.Sprintf("unknown flag %s before the command", rest[0])
		}
		return usageErrorf("%s (run \"bearerkit help\")", msg)
	}
	e.cmd = c.name
	return c.run(ctx, e, rest[1:])
}

// explain replaces errors whose text would puzzle a user of the command
// line with one that says what happened; the exit code stays the same.
func explain(err error) error {
	if errors.Is(err, bearerkit.ErrRefreshOnly) {
		return &cliError{code: exitNotLoggedIn, err: errors.New("not logged in: the session has ended, and no password is at hand to start a new one")}
	}
	return err
}

// report writes err to stderr, with a hint where one helps.
func report(e *env, err error, code int) {
	var help *helpShown
	if errors.As(err, &help) {
		return
	}
	prefix := "bearerkit: "
	if e.cmd != "" {
		prefix += e.cmd + ": "
	}
	msg := strings.TrimPrefix(err.Error(), "bearerkit: ")
	fmt.Fprintf(e.err, "%s%s\n", prefix, msg)
	if h := hint(e, err, code); h != "" {
		fmt.Fprintln(e.err, h)
	}
}

// hint says what to do next after an error with this code.
func hint(e *env, err error, code int) string {
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		return ce.hint
	}
	switch code {
	case exitNotLoggedIn, exitRefused:
		if e.cmd == "login" || e.cmd == "logout" {
			return ""
		}
		return "To log in: " + loginHint(e.profileName())
	case exitUsage:
		if e.cmd != "" {
			return fmt.Sprintf("Run \"bearerkit help %s\" for its usage.", e.cmd)
		}
	}
	return ""
}

// loginHint is the command that logs in to profile.
func loginHint(profile string) string {
	h := "bearerkit login"
	if profile != defaultProfile {
		h += " --profile " + profile
	}
	return h + " (non-interactive: pipe the password into --password-stdin, or set BEARERKIT_PASSWORD)"
}
