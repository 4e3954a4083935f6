package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary the bearerkit command too: the scripts
// run it as a separate process ("exec bearerkit ..."), as a user would.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bearerkit": func() {
			os.Exit(run(context.Background(), os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
		},
		"exitcode": func() { os.Exit(exitcodeMain(os.Args[1:])) },
	})
}

// exitcodeMain is the scripts' "exitcode N PROGRAM ARGS...": it runs
// PROGRAM with its own stdin, stdout and stderr (and so its terminal), and
// succeeds only if PROGRAM exits with code N:
//
//	exec exitcode 3 bearerkit token
func exitcodeMain(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: exitcode N PROGRAM ARGS...")
		return 2
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "exitcode:", err)
		return 2
	}
	c := exec.Command(args[1], args[2:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = c.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "exitcode:", err)
		return 2
	}
	if got != want {
		fmt.Fprintf(os.Stderr, "exitcode: %s exited with code %d, want %d\n", args[1], got, want)
		return 1
	}
	return 0
}

// TestScripts runs testdata/script/*.txtar, one scenario each, against
// emulators of the platforms started for each script (see setup).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		Setup:               setup,
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}

// platformsKey is the key of the script's *emuSet in its Values.
type platformsKey struct{}

// setup starts the emulators of one script behind recording proxies and
// passes their URLs in the environment:
//
//	DATADDO_URL    Dataddo's API root (base path /customer-api/v1)
//	ONEDATA_URL    the ONE DATA instance
//	AUTHAPI_URL    the token service (and its API, /v1/me)
//	KEYCLOAK_URL   the Keycloak server; KEYCLOAK_REALM, KEYCLOAK_ISSUER
//	DEAD_URL       a loopback URL where nothing listens
//	EMAIL, USERNAME, PASSWORD   the emulators' default user
//	STATIC_TOKEN   a ONE DATA token as pasted from a browser
//
// The configuration lives in $WORK/config, so nothing outside the
// script's directory is read or written.
func setup(env *testscript.Env) error {
	ps, err := startEmulators()
	if err != nil {
		return err
	}
	env.Defer(ps.close)
	env.Values[platformsKey{}] = ps
	dead, err := deadURL()
	if err != nil {
		return err
	}
	for k, v := range map[string]string{
		"BEARERKIT_CONFIG_DIR": filepath.Join(env.WorkDir, "config"),
		"HOME":                 filepath.Join(env.WorkDir, "home"),
		"XDG_CONFIG_HOME":      filepath.Join(env.WorkDir, "home", ".config"),
		"DATADDO_URL":          ps.byName["dataddo"].url(),
		"ONEDATA_URL":          ps.byName["onedata"].url(),
		"AUTHAPI_URL":          ps.byName["authapi"].url(),
		"KEYCLOAK_URL":         ps.byName["keycloak"].url(),
		"KEYCLOAK_REALM":       ps.keycloak.Realm(),
		"KEYCLOAK_ISSUER":      ps.byName["keycloak"].url() + "/realms/" + ps.keycloak.Realm(),
		"DEAD_URL":             dead,
		"EMAIL":                bearerkittest.DefaultEmail,
		"USERNAME":             bearerkittest.DefaultUsername,
		"PASSWORD":             bearerkittest.DefaultPassword,
		"STATIC_TOKEN":         ps.static,
		// A program built with -race sleeps 1 s at exit by default, to
		// let its reports out; there is no report to wait for here.
		"GORACE": "atexit_sleep_ms=0",
	} {
		env.Setenv(k, v)
	}
	return nil
}

// scriptCmds are the scripts' own commands.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"stats":     cmdStats,
	"emu":       cmdEmu,
	"parallel":  cmdParallel,
	"nosecret":  cmdNoSecret,
	"mode":      cmdMode,
	"tokenfile": cmdTokenFile,
	"ttyexec":   cmdTTYExec,
	"expand":    cmdExpand,
}

// expand SRC DST
//
// Writes SRC to DST with the script's $VARIABLES expanded, e.g. a file of
// the archive that holds a token the emulator made.
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: expand SRC DST")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(os.Expand(ts.ReadFile(args[0]), ts.Getenv)), 0o600))
}

// platformsOf returns the emulators of the script.
func platformsOf(ts *testscript.TestScript) *emuSet {
	return ts.Value(platformsKey{}).(*emuSet)
}

// emulatorOf returns the emulator called name, or fails the script.
func emulatorOf(ts *testscript.TestScript, name string) emulator {
	p := platformsOf(ts).byName[name]
	if p == nil {
		ts.Fatalf("no emulator %q (dataddo, onedata, authapi, keycloak)", name)
	}
	return p.emu
}

// stats PLATFORM Field=N...
//
// Checks the emulator's counters (bearerkittest.Stats), e.g.
// "stats dataddo Refreshes=1 PasswordSends=0".
func cmdStats(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: stats PLATFORM Field=N...")
	}
	st := reflect.ValueOf(emulatorOf(ts, args[0]).Stats())
	for _, a := range args[1:] {
		k, v, ok := strings.Cut(a, "=")
		want, err := strconv.Atoi(v)
		if !ok || err != nil {
			ts.Fatalf("stats: %q is not Field=N", a)
		}
		f := st.FieldByName(k)
		if !f.IsValid() {
			ts.Fatalf("stats: no counter %q in bearerkittest.Stats", k)
		}
		if got := int(f.Int()); got != want {
			ts.Fatalf("stats %s: %s is %d, want %d (all: %+v)", args[0], k, got, want, st.Interface())
		}
	}
}

// emu PLATFORM ACTION [ARGS]
//
// Turns an emulator's knobs:
//
//	kill-access              every access token issued so far dies
//	expire-refresh           every refresh token issued so far expires
//	advance DURATION         moves the emulator's clock
//	reset                    zeroes the counters
//	clear-failures           drops the failures still queued
//	close                    stops the emulator (its URL refuses connections)
//	fail ENDPOINT N STATUS [RETRY-AFTER]   the next N calls answer STATUS
//	break ENDPOINT N KIND    the next N calls fail as KIND: reset, malformed,
//	                         html, echo (the call's credentials echoed back),
//	                         no-token
//
// ENDPOINT is login, refresh, revoke, discovery or api.
func cmdEmu(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: emu PLATFORM ACTION [ARGS]")
	}
	p := platformsOf(ts).byName[args[0]]
	if p == nil {
		ts.Fatalf("no emulator %q", args[0])
	}
	e := p.emu
	switch act, rest := args[1], args[2:]; act {
	case "kill-access":
		e.KillAccessTokens()
	case "expire-refresh":
		e.ExpireRefreshTokens()
	case "advance":
		d, err := time.ParseDuration(rest[0])
		ts.Check(err)
		e.Advance(d)
	case "reset":
		e.Reset()
	case "clear-failures":
		e.ClearFailures()
	case "close":
		p.close()
	case "fail":
		if len(rest) < 3 {
			ts.Fatalf("usage: emu PLATFORM fail ENDPOINT N STATUS [RETRY-AFTER]")
		}
		status, err := strconv.Atoi(rest[2])
		ts.Check(err)
		f := bearerkittest.Failure{Status: status}
		if len(rest) > 3 {
			f.RetryAfter = rest[3]
		}
		e.FailNext(bearerkittest.Endpoint(rest[0]), atoi(ts, rest[1]), f)
	case "break":
		if len(rest) != 3 {
			ts.Fatalf("usage: emu PLATFORM break ENDPOINT N KIND")
		}
		kinds := map[string]bearerkittest.FailureKind{
			"reset": bearerkittest.FailReset, "malformed": bearerkittest.FailMalformedJSON,
			"html": bearerkittest.FailHTML, "echo": bearerkittest.FailEcho, "no-token": bearerkittest.FailNoAccessToken,
		}
		k, ok := kinds[rest[2]]
		if !ok {
			ts.Fatalf("emu: unknown failure kind %q", rest[2])
		}
		e.FailNext(bearerkittest.Endpoint(rest[0]), atoi(ts, rest[1]), bearerkittest.Failure{Kind: k})
	default:
		ts.Fatalf("emu: unknown action %q", act)
	}
}

// parallel [-same] N PROGRAM ARGS...
//
// Starts N processes of PROGRAM at once and waits for all; each must
// succeed (with !, each must fail). Their stdouts and stderrs are
// concatenated into the command's stdout and stderr. -same also checks
// that every process printed the same stdout.
func cmdParallel(ts *testscript.TestScript, neg bool, args []string) {
	same := len(args) > 0 && args[0] == "-same"
	if same {
		args = args[1:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: parallel [-same] N PROGRAM ARGS...")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	prog := lookPath(ts, args[1])
	env := scriptEnv(ts)
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	errs := make([]*bytes.Buffer, n)
	for i := range cmds {
		outs[i], errs[i] = new(bytes.Buffer), new(bytes.Buffer)
		c := exec.Command(prog, args[2:]...)
		c.Dir = ts.MkAbs(".")
		c.Env = env
		c.Stdout, c.Stderr = outs[i], errs[i]
		cmds[i] = c
	}
	// Start them all before waiting for any, so they run at the same time.
	var wg sync.WaitGroup
	results := make([]error, n)
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			ts.Fatalf("parallel: starting process %d: %v", i, err)
		}
	}
	for i, c := range cmds {
		wg.Go(func() { results[i] = c.Wait() })
	}
	wg.Wait()
	failed := 0
	for i := range cmds {
		fmt.Fprint(ts.Stdout(), outs[i].String())
		fmt.Fprint(ts.Stderr(), errs[i].String())
		if results[i] != nil {
			failed++
			ts.Logf("process %d: %v", i, results[i])
		}
		if same && outs[i].String() != outs[0].String() {
			ts.Fatalf("parallel: process %d printed another stdout than process 0", i)
		}
	}
	switch {
	case !neg && failed > 0:
		ts.Fatalf("parallel: %d of %d processes failed", failed, n)
	case neg && failed < n:
		ts.Fatalf("parallel: %d of %d processes succeeded", n-failed, n)
	}
}

// scriptEnv is the environment of the script, for the processes the
// scripts' own commands start: what setup sets, and every BEARERKIT_
// variable the script set. Nothing comes from the developer's environment.
func scriptEnv(ts *testscript.TestScript) []string {
	keys := []string{"PATH", "HOME", "XDG_CONFIG_HOME", "TMPDIR", "GORACE", "BEARERKIT_CONFIG_DIR", "BEARERKIT_PROFILE",
		"BEARERKIT_PASSWORD", "BEARERKIT_CLIENT_SECRET", "BEARERKIT_TOKEN", "BEARERKIT_INSECURE_HTTP"}
	for _, o := range envOverrides {
		keys = append(keys, o.name)
	}
	var env []string
	for _, k := range keys {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// atoi parses a number, or fails the script.
func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	ts.Check(err)
	return n
}

// lookPath finds name in the script's PATH.
func lookPath(ts *testscript.TestScript, name string) string {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	ts.Fatalf("%s not found in $PATH", name)
	return ""
}

// nosecret [-access-ok] [FILE...]
//
// Fails if a secret in play appears in the files (default: stdout and
// stderr of the last command): a password, a client secret, or any token
// an emulator issued (whole, or a JWT's signature). -access-ok allows
// access tokens (in the token command's stdout), but still no refresh
// token, ID token or password.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! nosecret")
	}
	accessOK := len(args) > 0 && args[0] == "-access-ok"
	if accessOK {
		args = args[1:]
	}
	if len(args) == 0 {
		args = []string{"stdout", "stderr"}
	}
	rec := platformsOf(ts).rec
	if len(rec.list()) < 3 {
		ts.Fatalf("nosecret: no token recorded yet; the check would prove nothing")
	}
	for _, f := range args {
		if leaks := rec.leaks(ts.ReadFile(f), accessOK); len(leaks) > 0 {
			ts.Fatalf("%s holds %d secret(s): %s", f, len(leaks), strings.Join(leaks, ", "))
		}
	}
}

// mode PATH PERM
//
// Checks a file's permission bits, e.g. "mode config/tokens 0700".
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode PATH PERM")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// tokenfile PROFILE expires-in DURATION
//
// Rewrites the expiry of the profile's stored token to now + DURATION
// (negative: in the past), as if time had passed.
func cmdTokenFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 || args[1] != "expires-in" {
		ts.Fatalf("usage: tokenfile PROFILE expires-in DURATION")
	}
	d, err := time.ParseDuration(args[2])
	ts.Check(err)
	path := filepath.Join(ts.Getenv("BEARERKIT_CONFIG_DIR"), "tokens", args[0]+".json")
	b, err := os.ReadFile(path)
	ts.Check(err)
	var file map[string]any
	ts.Check(json.Unmarshal(b, &file))
	tok, ok := file["token"].(map[string]any)
	if !ok {
		ts.Fatalf("%s has no token", path)
	}
	tok["expiry"] = time.Now().Add(d).UTC().Format(time.RFC3339Nano)
	b, err = json.Marshal(file)
	ts.Check(err)
	ts.Check(os.WriteFile(path, b, 0o600))
}
