package benchmarks

// BenchmarkLoopbackTLS is BenchmarkLoopback as users run it in production:
// over TLS with HTTP/2 (httptest's TLS server with EnableHTTP2), one
// keep-alive connection per implementation, bare http.Transport, x/oauth2
// and bearerkit (a Transport, and NewClient's, which also checks the
// origin). Time and allocations per request, serial and parallel (parallel
// requests share the HTTP/2 connection).
//
//	go test -run '^$' -bench LoopbackTLS -benchmem -count 6 .

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// newTLSServer starts an HTTP/2 TLS server answering a small JSON body.
func newTLSServer() *httptest.Server {
	body := []byte(`{"items":[]}`)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "HTTP/2 expected", http.StatusHTTPVersionNotSupported)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	return srv
}

// tlsTransport is a new transport that trusts srv, HTTP/2 enabled.
func tlsTransport(srv *httptest.Server) *http.Transport {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = true
	tr.MaxIdleConnsPerHost = 64
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	return tr
}

var tlsImpls = []string{"bare", "oauth2", "bearerkit", "bearerkitclient"}

func BenchmarkLoopbackTLS(b *testing.B) {
	srv := newTLSServer()
	defer srv.Close()
	for _, nh := range []int{0, 10} {
		for _, name := range tlsImpls {
			b.Run("headers="+strconv.Itoa(nh)+"/impl="+name, func(b *testing.B) {
				tr := tlsTransport(srv)
				defer tr.CloseIdleConnections()
				rt := implByName(name).wrap(b, tr, srv.URL)
				runBoth(b, rt, func() *http.Request { return benchRequest(b, srv.URL+"/v1/items?page=2", nh) })
			})
		}
	}
}

func implByName(name string) benchImpl {
	for _, impl := range benchImpls {
		if impl.name == name {
			return impl
		}
	}
	panic("no benchmark implementation " + name)
}

// TestLoopbackTLS checks that every implementation benchmarked over TLS
// speaks HTTP/2 to the server and gets its answer.
func TestLoopbackTLS(t *testing.T) {
	srv := newTLSServer()
	defer srv.Close()
	for _, name := range tlsImpls {
		tr := tlsTransport(srv)
		rt := implByName(name).wrap(t, tr, srv.URL)
		resp, err := rt.RoundTrip(benchRequest(t, srv.URL+"/v1/items", 10))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
			t.Errorf("%s: %s over %s, want 200 over HTTP/2", name, resp.Status, resp.Proto)
		}
		tr.CloseIdleConnections()
	}
}
