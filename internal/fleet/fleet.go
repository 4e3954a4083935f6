// Package fleet runs bearerkit Transports in several real processes that share
// one Coordinator, against an emulator in the test process, for the fleet tests
// of issue 12 (FileStore across processes in the root package, Redis across
// processes in redisstore).
//
// A fleet test re-executes its own test binary as worker processes, running
// only the package's worker test (by convention TestFleetWorker, which calls
// Serve). The parent talks to each worker over its standard input (commands,
// one JSON object a line) and standard output (replies and events, lines that
// start with "FLEET "); a worker's standard error is kept for the failure
// report. Every count a test asserts is read at the emulator (Stats) or taken
// from the workers' replies, never from timings.
//
// Workers never outlive their test: each one exits when its standard input
// closes, and the test's cleanup kills (SIGKILL) and reaps those still running.
package fleet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvWorker is the environment variable that makes a test binary a fleet
// worker; it holds the worker's Config as JSON.
const EnvWorker = "BEARERKIT_FLEET_WORKER"

// linePrefix starts every line of the protocol on a worker's standard output.
const linePrefix = "FLEET "

// replyTimeout bounds the wait for one reply.
const replyTimeout = 90 * time.Second

// IsWorker reports whether this process is a fleet worker (its TestMain must
// then not start shared services).
func IsWorker() bool { return os.Getenv(EnvWorker) != "" }

// Config is what a worker needs: the emulator (a Keycloak realm), the user,
// the Transport's settings and the Store's (the backend's own JSON).
type Config struct {
	Index     int             `json:"index"`
	ServerURL string          `json:"server_url"`
	Realm     string          `json:"realm"`
	Username  string          `json:"username"`
	Password  string          `json:"password"`
	APIURL    string          `json:"api_url"`
	Transport TransportConfig `json:"transport"`
	Store     json.RawMessage `json:"store"`
}

// TransportConfig holds the worker Transport's settings; zero values keep
// the Transport's defaults.
type TransportConfig struct {
	ExpirySkew    time.Duration `json:"expiry_skew,omitempty"`
	RefreshWindow time.Duration `json:"refresh_window,omitempty"`
	CoolDown      time.Duration `json:"cool_down,omitempty"`
	RenewTimeout  time.Duration `json:"renew_timeout,omitempty"`
}

// Command is what the parent asks a worker.
type Command struct {
	// Op is "load" (start Goroutines request loops, one request every Pace
	// each, until "stop"), "stop" (end them and report), "get" (send N
	// requests at once and report), "token" (report the fingerprint of the
	// token in use) or "exit".
	Op         string        `json:"op"`
	Goroutines int           `json:"goroutines,omitempty"`
	Pace       time.Duration `json:"pace,omitempty"`
	N          int           `json:"n,omitempty"`
	// Timeout bounds each request (default 30 s).
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Reply is a worker's answer to a Command. The counts of requests are those
// of the command ("stop": of the load it ends); the Coordinator's are since
// the worker started.
type Reply struct {
	Op       string         `json:"op"`
	Index    int            `json:"index"`
	Requests int            `json:"requests"`
	OK       int            `json:"ok"`
	Failed   int            `json:"failed"`
	Errors   map[string]int `json:"errors,omitempty"` // failures by class
	// Renewed counts Renew calls in which this worker ran the renewal,
	// Adopted those that returned another's token, RenewErrors those that
	// failed.
	Renewed     int `json:"renewed"`
	Adopted     int `json:"adopted"`
	RenewErrors int `json:"renew_errors"`
	// Token is the Fingerprint of the access token in use ("" if none).
	Token string `json:"token,omitempty"`
	// Leaks counts the secrets (tokens the worker saw, its password) found
	// in its log output.
	Leaks int    `json:"leaks"`
	Err   string `json:"err,omitempty"`
}

// message is one protocol line from a worker: a reply or an event.
type message struct {
	Event string `json:"event,omitempty"` // "renewing": renew was called in the worker
	Reply *Reply `json:"reply,omitempty"`
}

// Fleet is a set of running workers.
type Fleet struct {
	t      *testing.T
	Procs  []*Proc
	events chan *Proc // a worker started a renewal
}

// Proc is one worker process.
type Proc struct {
	Index   int
	f       *Fleet
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies chan Reply
	exited  chan struct{}
	mu      sync.Mutex
	stderr  bytes.Buffer
	other   bytes.Buffer // stdout lines outside the protocol
	killed  bool
}

// Start runs one worker per config, each executing the test named test (a
// test that calls Serve) of this test binary, and returns when all are ready
// for commands. They are killed when t ends.
func Start(t *testing.T, test string, cfgs []Config) *Fleet {
	t.Helper()
	f := &Fleet{t: t, events: make(chan *Proc, 1024)}
	for i, c := range cfgs {
		c.Index = i
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("fleet: %v", err)
		}
		p := &Proc{Index: i, f: f, replies: make(chan Reply, 16), exited: make(chan struct{})}
		p.cmd = exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1", "-test.timeout=10m")
		p.cmd.Env = append(os.Environ(), EnvWorker+"="+string(b))
		p.cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
		out, err := p.cmd.StdoutPipe()
		if err != nil {
			t.Fatalf("fleet: %v", err)
		}
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatalf("fleet: %v", err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("fleet: starting worker %d: %v", i, err)
		}
		go p.read(out)
		f.Procs = append(f.Procs, p)
	}
	for _, p := range f.Procs {
		if r := p.Reply(); r.Op != "ready" {
			t.Fatalf("fleet: worker %d said %q first, want ready", p.Index, r.Op)
		}
	}
	t.Cleanup(func() {
		for _, p := range f.Procs {
			p.stdin.Close()
		}
		for _, p := range f.Procs {
			select {
			case <-p.exited:
			case <-time.After(10 * time.Second):
				p.Kill()
			}
		}
		if t.Failed() {
			for _, p := range f.Procs {
				t.Logf("worker %d output:\n%s", p.Index, p.Output())
			}
		}
	})
	return f
}

// read parses the worker's standard output until it closes, then reaps it.
func (p *Proc) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, linePrefix)
		var m message
		if !ok || json.Unmarshal([]byte(rest), &m) != nil {
			p.mu.Lock()
			p.other.WriteString(line + "\n")
			p.mu.Unlock()
			continue
		}
		switch {
		case m.Reply != nil:
			p.replies <- *m.Reply
		case m.Event == "renewing":
			select {
			case p.f.events <- p:
			default:
			}
		}
	}
	_ = p.cmd.Wait()
	close(p.exited)
}

// Output is what the worker wrote outside the protocol (its logs, the test
// framework's lines), for failure reports.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.other.String() + p.stderr.String()
}

// Send writes cmd to the worker without waiting for its reply (see Reply).
func (p *Proc) Send(cmd Command) {
	p.f.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.f.t.Fatalf("fleet: writing to worker %d: %v\n%s", p.Index, err, p.Output())
	}
}

// Reply waits for the worker's next reply.
func (p *Proc) Reply() Reply {
	p.f.t.Helper()
	select {
	case r := <-p.replies:
		if r.Err != "" {
			p.f.t.Fatalf("fleet: worker %d: %s: %s", p.Index, r.Op, r.Err)
		}
		return r
	case <-p.exited:
		p.f.t.Fatalf("fleet: worker %d exited:\n%s", p.Index, p.Output())
	case <-time.After(replyTimeout):
		p.f.t.Fatalf("fleet: worker %d did not reply within %v:\n%s", p.Index, replyTimeout, p.Output())
	}
	return Reply{}
}

// Do sends cmd and waits for the reply.
func (p *Proc) Do(cmd Command) Reply {
	p.f.t.Helper()
	p.Send(cmd)
	return p.Reply()
}

// Kill kills the worker with SIGKILL (kill -9: no cleanup runs, its
// connections and locks are left to the operating system) and reaps it.
func (p *Proc) Kill() {
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Killed reports whether Kill was called.
func (p *Proc) Killed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.killed
}

// Live returns the workers not killed.
func (f *Fleet) Live() []*Proc {
	var out []*Proc
	for _, p := range f.Procs {
		if !p.Killed() {
			out = append(out, p)
		}
	}
	return out
}

// All sends cmd to every live worker at once and returns their replies, in
// worker order.
func (f *Fleet) All(cmd Command) []Reply {
	f.t.Helper()
	return Each(f.t, f.Live(), cmd)
}

// Each sends cmd to each of procs at once and returns their replies in order.
func Each(t *testing.T, procs []*Proc, cmd Command) []Reply {
	t.Helper()
	for _, p := range procs {
		p.Send(cmd)
	}
	out := make([]Reply, len(procs))
	for i, p := range procs {
		out[i] = p.Reply()
	}
	return out
}

// DrainEvents forgets the renewals reported so far.
func (f *Fleet) DrainEvents() {
	for {
		select {
		case <-f.events:
		default:
			return
		}
	}
}

// WaitRenewing returns the first worker that started a renewal (its renew
// func was called: it holds the Coordinator's lease or lock) since the last
// DrainEvents, failing the test after d.
func (f *Fleet) WaitRenewing(d time.Duration) *Proc {
	f.t.Helper()
	select {
	case p := <-f.events:
		return p
	case <-time.After(d):
		f.t.Fatalf("fleet: no worker started a renewal within %v", d)
	}
	return nil
}

// Sum adds up replies.
func Sum(rs []Reply) Reply {
	s := Reply{Errors: map[string]int{}}
	for _, r := range rs {
		s.Requests += r.Requests
		s.OK += r.OK
		s.Failed += r.Failed
		s.Renewed += r.Renewed
		s.Adopted += r.Adopted
		s.RenewErrors += r.RenewErrors
		s.Leaks += r.Leaks
		for k, v := range r.Errors {
			s.Errors[k] += v
		}
	}
	return s
}

// Eventually polls cond every 5 ms until it holds, failing the test with
// what after d.
func Eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("fleet: %s: not within %v", what, d)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (r Reply) String() string {
	return fmt.Sprintf("requests=%d ok=%d failed=%d errors=%v renewed=%d adopted=%d renew_errors=%d leaks=%d",
		r.Requests, r.OK, r.Failed, r.Errors, r.Renewed, r.Adopted, r.RenewErrors, r.Leaks)
}
