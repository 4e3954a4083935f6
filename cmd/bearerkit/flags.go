package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// env is what every command works with: the streams, the environment and
// the common flags.
type env struct {
	stdio
	getenv func(string) string

	cmd     string // the command running, for messages
	profile string // --profile; "" means BEARERKIT_PROFILE or "default"
	verbose bool   // -v: log renewals to stderr
	noInput bool   // --no-input: never prompt

	logger *slog.Logger
}

// profileName is the profile in use: --profile, else BEARERKIT_PROFILE,
// else "default".
func (e *env) profileName() string {
	if e.profile != "" {
		return e.profile
	}
	if p := e.getenv("BEARERKIT_PROFILE"); p != "" {
		return p
	}
	return defaultProfile
}

// log returns the logger of -v, or one that discards everything.
func (e *env) log() *slog.Logger {
	if e.logger == nil {
		if e.verbose {
			e.logger = slog.New(slog.NewTextHandler(e.err, &slog.HandlerOptions{Level: slog.LevelDebug}))
		} else {
			e.logger = slog.New(slog.DiscardHandler)
		}
	}
	return e.logger
}

// sdkLogger is the logger given to the SDK: nil (no logging at all)
// without -v.
func (e *env) sdkLogger() *slog.Logger {
	if !e.verbose {
		return nil
	}
	return e.log()
}

// commonFlags registers the flags every command takes.
func commonFlags(fs *flag.FlagSet, e *env) {
	fs.StringVar(&e.profile, "profile", e.profile, "")
	fs.BoolVar(&e.verbose, "v", e.verbose, "")
	fs.BoolVar(&e.verbose, "verbose", e.verbose, "")
	fs.BoolVar(&e.noInput, "no-input", e.noInput, "")
}

// commonUsage describes the common flags, for every command's help.
const commonUsage = `
Common flags:
  --profile NAME   the profile to use (default: $BEARERKIT_PROFILE, else "default")
  --no-input       never prompt; fail with exit code 3 instead
  -v, --verbose    log token renewals to stderr (never a secret)
`

// newFlagSet returns a FlagSet for command name that reports errors to
// the caller only, with the common flags registered.
func newFlagSet(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	commonFlags(fs, e)
	return fs
}

// parseCommon parses the common flags that come before the command name.
func parseCommon(e *env, args []string) ([]string, error) {
	fs := newFlagSet("bearerkit", e)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.out, mainUsage())
			return nil, &helpShown{}
		}
		return nil, usageErrorf("%v", err)
	}
	return fs.Args(), nil
}

// parseFlags parses args with fs, taking flags and arguments in any order
// ("bearerkit api PATH -f a=b" as well as "bearerkit api -f a=b PATH"),
// and returns the arguments. "--" ends the flags; "-" is an argument.
// -h prints usage to stdout and returns a *helpShown.
func parseFlags(e *env, fs *flag.FlagSet, usage string, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(e.out, usage)
				return nil, &helpShown{}
			}
			return nil, usageErrorf("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseFlagsOnly is parseFlags for a command that takes no positional
// argument: one is a usage error.
func parseFlagsOnly(e *env, fs *flag.FlagSet, usage string, args []string) error {
	rest, err := parseFlags(e, fs, usage, args)
	if err == nil && len(rest) > 0 {
		err = usageErrorf("unexpected argument %q", rest[0])
	}
	return err
}

// refuseSecretFlags refuses flags that would put a secret on the command
// line, where ps and the shell's history show it.
func refuseSecretFlags(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		name := strings.TrimLeft(a, "-")
		if name == a {
			continue
		}
		name, _, _ = strings.Cut(name, "=")
		switch name {
		case "password", "p", "token", "client-secret", "secret":
			return usageErrorf("secrets are never taken from flags (ps and the shell's history would show them): pipe it into --password-stdin, or set BEARERKIT_PASSWORD (BEARERKIT_TOKEN for a static token, BEARERKIT_CLIENT_SECRET for a client secret)")
		}
	}
	return nil
}

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
