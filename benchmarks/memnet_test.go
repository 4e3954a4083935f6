package benchmarks

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// memServer is an http.Server whose connections are in-memory pipes, and
// the *http.Transport that dials them: net/http on both sides, as users run
// it, without the kernel's loopback and its noise.
type memServer struct {
	srv   *http.Server
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	// URL is the server's root; its host is a loopback address, so that
	// bearerkit accepts plain http without an option.
	URL string
}

func newMemServer(h http.Handler) *memServer {
	s := &memServer{conns: make(chan net.Conn), done: make(chan struct{}), URL: "http://127.0.0.1"}
	s.srv = &http.Server{Handler: h}
	go s.srv.Serve(memListener{s})
	return s
}

// Transport returns a new transport whose connections reach s.
func (s *memServer) Transport() *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, sc := net.Pipe()
			select {
			case s.conns <- sc:
				return c, nil
			case <-s.done:
				return nil, net.ErrClosed
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		MaxIdleConnsPerHost: 64,
	}
}

func (s *memServer) Close() {
	s.once.Do(func() { close(s.done) })
	s.srv.Close()
}

type memListener struct{ s *memServer }

func (l memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.s.conns:
		return c, nil
	case <-l.s.done:
		return nil, net.ErrClosed
	}
}

func (l memListener) Close() error {
	l.s.once.Do(func() { close(l.s.done) })
	return nil
}

func (memListener) Addr() net.Addr { return memAddr{} }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }
