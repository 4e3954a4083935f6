// Command quickstart is the first thing to run: it shows what bearerkit does
// for a program that calls a token-protected API, without any account.
//
//	go run ./examples/quickstart      # add -v for the SDK's debug log
//
// It starts an emulated Dataddo on 127.0.0.1 (package bearerkittest), makes a
// bearerkit.Client with the Dataddo preset and then:
//
//  1. logs in and lists the sources;
//  2. has the server kill the access token before its expiry: the next call
//     gets a 401, the SDK renews the token once (POST /refresh) and replays
//     the call;
//  3. has the refresh token expire too: the refresh is refused, so the SDK
//     sends the password once more, and the call goes through.
//
// It then prints what the emulator received, one line per call (tokens appear
// only as fingerprints, the password never), and the counters. It exits
// non-zero when anything differs from that story.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// want is what the emulator must have counted at the end.
var want = bearerkittest.Stats{
	LoginAttempts: 2, Logins: 2, PasswordSends: 2, // the first login and one fallback
	Refreshes: 1, RefreshFailures: 1, // one renewal, one refused (expired) refresh token
	APICalls: 5, APIOK: 3, APIUnauthorized: 2, // three lists, two of them replayed after a 401
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(w)
	verbose := fs.Bool("v", false, "log what the SDK does (slog, debug level)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}

	d, err := bearerkittest.StartDataddo()
	if err != nil {
		return err
	}
	defer d.Close()
	start := d.Now()

	// The SDK logs from its renewal goroutine, even after the request it
	// served has returned: one lock for all output, none after run.
	sw := &syncWriter{w: w}
	defer sw.stop()
	w = sw
	opts := []bearerkit.Option{}
	if *verbose {
		opts = append(opts, bearerkit.WithLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	auth := bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword}
	c, err := bearerkit.NewClient(d.URL(), auth, opts...)
	if err != nil {
		return err
	}
	defer c.HTTPClient().CloseIdleConnections()
	fmt.Fprintf(w, "bearerkit quickstart: an emulated Dataddo at %s\n\n", d.URL())

	steps := map[int]string{} // index in the event log -> title, for the timeline
	list := func(title string) error {
		steps[len(d.Events())] = title
		fmt.Fprintf(w, "%d. %s\n", len(steps), title)
		srcs, _, err := c.Sources.List(ctx)
		if err != nil {
			return fmt.Errorf("listing sources: %w", err)
		}
		if len(srcs) != len(d.Sources()) {
			return fmt.Errorf("listed %d sources, the emulator has %d", len(srcs), len(d.Sources()))
		}
		if len(steps) > 1 {
			fmt.Fprintf(w, "   %d sources, as before\n", len(srcs))
			return nil
		}
		names := make([]string, len(srcs))
		for i, s := range srcs {
			names[i] = fmt.Sprintf("%s %q (%s)", s.ID, s.Label, s.Status)
		}
		fmt.Fprintf(w, "   %d sources: %s\n", len(srcs), strings.Join(names, ", "))
		return nil
	}

	if err := list("log in, list the sources"); err != nil {
		return err
	}
	tok, err := c.Token(ctx) // a copy; printing a Token never shows its secrets
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   logged in: realm %s, provider %s (sent as X-realm-id, X-provider), expires in %s\n",
		tok.RealmID, tok.Provider, time.Until(tok.Expiry).Round(time.Minute))

	d.KillAccessTokens()
	if err := list("the server kills the access token early; list again"); err != nil {
		return err
	}

	d.ExpireRefreshTokens()
	d.KillAccessTokens()
	if err := list("the refresh token expires, the access token dies again; list again"); err != nil {
		return err
	}

	fmt.Fprintln(w, "\ntimeline (what the emulator received; tokens as fingerprints):")
	events := d.Events()
	for i, e := range events {
		if title, ok := steps[i]; ok {
			fmt.Fprintf(w, "  -- %s\n", title)
		}
		fmt.Fprintf(w, "  %+8.1fms  %-4s %-13s %d %-8s %s\n", float64(e.Time.Sub(start).Microseconds())/1000,
			e.Method, e.Path, e.Status, e.Outcome, note(events, i))
	}

	s := d.Stats()
	fmt.Fprintf(w, "\nsummary:\n")
	fmt.Fprintf(w, "  password sends %d  (the first login + 1 fallback; logins ok: %d)\n", s.PasswordSends, s.Logins)
	fmt.Fprintf(w, "  refreshes      %d  (+ %d refused)\n", s.Refreshes, s.RefreshFailures)
	fmt.Fprintf(w, "  API calls      %d  (%d ok, %d answered 401, each replayed once)\n", s.APICalls, s.APIOK, s.APIUnauthorized)
	if s != want {
		return fmt.Errorf("unexpected counters:\n got  %+v\n want %+v", s, want)
	}
	fmt.Fprintln(w, "ok: one renewal per dead token, one password login per dead refresh token")
	return nil
}

// note describes event i of the log: the password sent, the token issued or
// presented, a replay.
func note(events []bearerkittest.Event, i int) string {
	e := events[i]
	fp := e.Token
	if len(fp) > 6 {
		fp = fp[:6]
	}
	switch {
	case e.Endpoint == bearerkittest.EndpointLogin && e.Status == 200:
		return "password sent -> token " + fp
	case e.Endpoint == bearerkittest.EndpointLogin:
		return "password sent"
	case e.Endpoint == bearerkittest.EndpointRefresh && e.Status == 200:
		return "renewed -> token " + fp
	case e.Endpoint == bearerkittest.EndpointRefresh:
		return "refresh token refused"
	case e.Endpoint != bearerkittest.EndpointAPI:
		return ""
	}
	n := "token " + fp
	for j := i - 1; j >= 0; j-- {
		if p := events[j]; p.Endpoint == bearerkittest.EndpointAPI {
			if p.Status == 401 && p.Path == e.Path && e.Status == 200 {
				n += " (replayed)"
			}
			break
		}
	}
	return n
}

// syncWriter serializes writes to w and drops those after stop.
type syncWriter struct {
	mu      sync.Mutex
	w       io.Writer
	stopped bool
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return len(p), nil
	}
	return s.w.Write(p)
}

func (s *syncWriter) stop() { s.mu.Lock(); s.stopped = true; s.mu.Unlock() }
