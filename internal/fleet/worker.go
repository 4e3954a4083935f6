package fleet

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Backend is a Coordinator under test, as a worker builds it.
type Backend struct {
	// Open returns the worker's Coordinator for the Store config the parent
	// gave (Config.Store), logging to log, and a func that closes it.
	Open func(raw json.RawMessage, log *slog.Logger) (bearerkit.Coordinator, func(), error)
	// Classify names the class of a failed request's error for the counts
	// ("unavailable", say); "" leaves it to the defaults ("deadline",
	// "canceled", "refused-elsewhere", "refused", "status-NNN", "other").
	// Nil means the defaults only.
	Classify func(err error) string
}

// Serve is the body of a worker test (TestFleetWorker): outside a worker it
// skips t; in one it builds a Transport from the Config in EnvWorker and the
// Coordinator from b, and answers the parent's commands until "exit" or until
// its standard input closes.
func Serve(t *testing.T, b Backend) {
	raw := os.Getenv(EnvWorker)
	if raw == "" {
		t.Skip("not a fleet worker: the fleet tests start this test in worker processes")
	}
	var cfg Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("fleet worker: config: %v", err)
	}
	w, err := newWorker(cfg, b)
	if err != nil {
		t.Fatalf("fleet worker %d: %v", cfg.Index, err)
	}
	defer w.close()
	w.reply(w.stamp(Reply{Op: "ready"}))
	w.serve(os.Stdin)
}

type worker struct {
	cfg      Config
	b        Backend
	client   *http.Client
	base     *http.Transport
	auth     *http.Transport
	closeFn  func()
	out      sync.Mutex // serializes protocol lines on stdout
	logs     *secretLog
	coord    *countingCoordinator
	loadStop context.CancelFunc
	loadDone chan struct{}
	loadCnt  *counts
}

func newWorker(cfg Config, b Backend) (*worker, error) {
	w := &worker{cfg: cfg, b: b}
	w.logs = &secretLog{w: os.Stderr}
	w.logs.add(cfg.Password)
	logger := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	coord, closeFn, err := b.Open(cfg.Store, logger)
	if err != nil {
		return nil, err
	}
	w.closeFn = closeFn
	w.coord = &countingCoordinator{Coordinator: coord, w: w}
	// API requests share a few connections (no storm of new ones when a
	// load starts); the token endpoint has connections of its own, so a
	// renewal never queues behind API requests.
	w.base = &http.Transport{MaxConnsPerHost: 16, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute}
	w.auth = &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: w.auth}
	tc := cfg.Transport
	tr := &bearerkit.Transport{
		Auth: bearerkit.Keycloak{ServerURL: cfg.ServerURL, Realm: cfg.Realm, Username: cfg.Username, Password: cfg.Password,
			HTTPClient: hc},
		Base:          w.base,
		Store:         w.coord,
		ExpirySkew:    tc.ExpirySkew,
		RefreshWindow: tc.RefreshWindow,
		CoolDown:      tc.CoolDown,
		RenewTimeout:  tc.RenewTimeout,
		Logger:        logger,
		OnToken:       func(t bearerkit.Token) { w.logs.add(t.AccessToken, t.RefreshToken) },
	}
	w.client = &http.Client{Transport: tr}
	return w, nil
}

func (w *worker) close() {
	if w.loadStop != nil {
		w.loadStop()
		<-w.loadDone
	}
	w.base.CloseIdleConnections()
	w.auth.CloseIdleConnections()
	w.closeFn()
}

// serve answers commands read from in.
func (w *worker) serve(in io.Reader) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var cmd Command
		if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil {
			w.reply(Reply{Op: "?", Err: "bad command"})
			continue
		}
		if cmd.Op == "exit" {
			return
		}
		w.reply(w.do(cmd))
	}
}

func (w *worker) do(cmd Command) Reply {
	switch cmd.Op {
	case "load":
		if w.loadStop != nil {
			return Reply{Op: cmd.Op, Err: "a load is running"}
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.loadStop, w.loadDone, w.loadCnt = cancel, make(chan struct{}), newCounts()
		go w.load(ctx, cmd, w.loadCnt, w.loadDone)
		return w.stamp(Reply{Op: cmd.Op})
	case "stop":
		if w.loadStop == nil {
			return Reply{Op: cmd.Op, Err: "no load is running"}
		}
		w.loadStop()
		<-w.loadDone
		c := w.loadCnt
		w.loadStop, w.loadDone, w.loadCnt = nil, nil, nil
		return w.stamp(c.reply(cmd.Op))
	case "get":
		c := newCounts()
		var wg sync.WaitGroup
		for range max(cmd.N, 1) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.request(context.Background(), cmd.Timeout, c)
			}()
		}
		wg.Wait()
		return w.stamp(c.reply(cmd.Op))
	case "token":
		return w.stamp(Reply{Op: cmd.Op})
	}
	return Reply{Op: cmd.Op, Err: "unknown command"}
}

// load runs cmd.Goroutines request loops until ctx ends.
func (w *worker) load(ctx context.Context, cmd Command, c *counts, done chan struct{}) {
	defer close(done)
	pace := max(cmd.Pace, time.Millisecond)
	var wg sync.WaitGroup
	for range max(cmd.Goroutines, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait := rand.N(pace) // spread the loops over one pace
			for {
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				w.request(context.Background(), cmd.Timeout, c)
				wait = pace/2 + rand.N(pace)
			}
		}()
	}
	wg.Wait()
}

// request sends one API request and counts its outcome.
func (w *worker) request(ctx context.Context, timeout time.Duration, c *counts) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.cfg.APIURL, nil)
	if err != nil {
		c.fail("other")
		return
	}
	resp, err := w.client.Do(req)
	if err != nil {
		c.fail(w.classify(err))
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		c.fail("status-" + strconv.Itoa(resp.StatusCode))
		return
	}
	c.ok.Add(1)
}

func (w *worker) classify(err error) string {
	if w.b.Classify != nil {
		if s := w.b.Classify(err); s != "" {
			return s
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, bearerkit.ErrRefusedElsewhere):
		return "refused-elsewhere"
	case bearerkit.IsRefused(err):
		return "refused"
	}
	return "other"
}

// stamp adds the worker's standing figures to r.
func (w *worker) stamp(r Reply) Reply {
	r.Index = w.cfg.Index
	r.Renewed = int(w.coord.renewed.Load())
	r.Adopted = int(w.coord.adopted.Load())
	r.RenewErrors = int(w.coord.failed.Load())
	if tok := w.coord.last.Load(); tok != nil {
		r.Token = bearerkittest.Fingerprint(tok.AccessToken)
	}
	r.Leaks = w.logs.leaks()
	return r
}

func (w *worker) reply(r Reply) { w.emit(message{Reply: &r}) }

func (w *worker) emit(m message) {
	b, _ := json.Marshal(m)
	w.out.Lock()
	defer w.out.Unlock()
	fmt.Fprintf(os.Stdout, "%s%s\n", linePrefix, b)
}

// counts are the outcomes of a command's requests.
type counts struct {
	ok     atomic.Int64
	mu     sync.Mutex
	errors map[string]int
}

func newCounts() *counts { return &counts{errors: map[string]int{}} }

func (c *counts) fail(class string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors[class]++
}

func (c *counts) reply(op string) Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Reply{Op: op, OK: int(c.ok.Load()), Errors: map[string]int{}}
	for k, v := range c.errors {
		r.Errors[k] = v
		r.Failed += v
	}
	r.Requests = r.OK + r.Failed
	return r
}

// countingCoordinator counts the Renew calls of the Transport and reports
// each renewal that starts in this process to the parent.
type countingCoordinator struct {
	bearerkit.Coordinator
	w                        *worker
	renewed, adopted, failed atomic.Int64
	last                     atomic.Pointer[bearerkit.Token]
}

func (c *countingCoordinator) Renew(ctx context.Context, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error)) (*bearerkit.Token, bool, error) {
	tok, renewed, err := c.Coordinator.Renew(ctx, prev, func(ctx context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
		c.w.emit(message{Event: "renewing"})
		return renew(ctx, base)
	})
	switch {
	case err != nil:
		c.failed.Add(1)
	case renewed:
		c.renewed.Add(1)
	default:
		c.adopted.Add(1)
	}
	if err == nil && tok != nil {
		c.w.logs.add(tok.AccessToken, tok.RefreshToken)
		cp := *tok
		c.last.Store(&cp)
	}
	return tok, renewed, err
}

// secretLog passes log output to w and remembers it, to count the secrets
// (tokens, the password) that reached it.
type secretLog struct {
	w       io.Writer
	mu      sync.Mutex
	buf     strings.Builder
	secrets map[string]bool
}

func (s *secretLog) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(b)
	s.mu.Unlock()
	return s.w.Write(b)
}

func (s *secretLog) add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets == nil {
		s.secrets = map[string]bool{}
	}
	for _, v := range secrets {
		if len(v) >= 8 {
			s.secrets[v] = true
		}
	}
}

func (s *secretLog) leaks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	logs, n := s.buf.String(), 0
	for v := range s.secrets {
		if strings.Contains(logs, v) {
			n++
		}
	}
	return n
}
