package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/bearerkit/bearerkit/internal/fleet"
	"github.com/bearerkit/bearerkit/internal/skipnote"
)

// redisBin is the redis-server binary, "" when it is missing (the tests that
// need it skip then, except on CI).
var redisBin string

// shared is the server of the tests that do not stop theirs.
var shared *server

// TestMain starts one redis-server for the test binary, on a unix socket in a
// temporary directory, with persistence off. Without the binary it prints one
// line and the Redis tests skip, unless CI is set: then it fails. In a fleet
// worker it starts nothing (the parent passes its server's socket). After the
// tests it checks that no goroutine is left behind.
func TestMain(m *testing.M) {
	if fleet.IsWorker() {
		os.Exit(m.Run())
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "redisstore: redis-server not found and CI is set: failing (apt-get install redis-server)")
			os.Exit(1)
		}
		// Seen on the terminal even when go test hides a passing
		// package's output.
		skipnote.Note("the Redis tests skipped: redis-server not found; install with: sudo apt-get install redis-server")
		os.Exit(m.Run())
	}
	redisBin = bin
	shared, err = startServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisstore: starting redis-server:", err)
		os.Exit(1)
	}
	code := m.Run()
	shared.close()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "redisstore: goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// needRedis skips t when redis-server is missing (TestMain said so once).
func needRedis(t testing.TB) {
	t.Helper()
	if redisBin == "" {
		t.Skip("redis-server not found")
	}
}

// server is a redis-server on a unix socket, which tests may stop (kill -9)
// and start again, empty, on the same socket.
type server struct {
	dir, sock string
	mu        sync.Mutex
	cmd       *exec.Cmd
	done      chan struct{}
}

func startServer() (*server, error) {
	dir, err := os.MkdirTemp("", "redisstore-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, sock: filepath.Join(dir, "redis.sock")}
	if err := s.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// newServer starts a server of t's own, closed when t ends.
func newServer(t testing.TB) *server {
	t.Helper()
	needRedis(t)
	s, err := startServer()
	if err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	t.Cleanup(s.close)
	return s
}

// start runs redis-server and waits until it answers PING.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logf, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(redisBin, "--port", "0", "--unixsocket", s.sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--maxmemory-policy", "noeviction", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	c := redis.NewClient(&redis.Options{Network: "unix", Addr: s.sock, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server exited: %s", b)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer: %w", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill stops the server with SIGKILL, as a crash would.
func (s *server) kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		<-done
	}
}

func (s *server) close() {
	s.kill()
	os.RemoveAll(s.dir)
}

// client returns a client of s, closed when t ends.
func (s *server) client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(s.options())
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *server) options() *redis.Options {
	return &redis.Options{Network: "unix", Addr: s.sock, ContextTimeoutEnabled: true}
}

// commands returns the number of commands the server ran, by name, since
// the last CONFIG RESETSTAT, leaving out those the test itself sends (INFO,
// CONFIG).
func (s *server) commands(t testing.TB, c *redis.Client) map[string]int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatalf("INFO commandstats: %v", err)
	}
	out := map[string]int{}
	for line := range strings.SplitSeq(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, isCmd := strings.CutPrefix(name, "cmdstat_")
		if !ok || !isCmd || name == "info" || strings.HasPrefix(name, "config") {
			continue
		}
		for kv := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, _ := strconv.Atoi(v)
				out[name] = n
			}
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

var nsSeq atomic.Int64

// newNamespace returns a namespace no other test uses.
func newNamespace() string {
	return fmt.Sprintf("test:%d:%s", nsSeq.Add(1), strings.ToLower(rand.Text()[:8]))
}

// newKey returns a random AES-256 key.
func newKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}
