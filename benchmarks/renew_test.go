package benchmarks

// BenchmarkRenewal measures one renewal (issue 10, point 5): a token
// request answered by a canned response, its parsing, and what each library
// then builds (bearerkit: its snapshot with the expiry instants and the
// precomputed headers, its store save, the wake-up of the request that
// waited; x/oauth2: its Token), both over the same canned token response.
//
//   - case=request: one request that needs a renewal, on a client made
//     once. x/oauth2's token expires within its 10 s expiry delta, so its
//     Transport refreshes before every request; bearerkit's API answers 401
//     to a request whose body cannot be replayed, so bearerkit renews and
//     returns the 401 (one API call each, one renewal each).
//   - case=first: a new client whose stored token has expired is asked for a
//     token (bearerkit's Transport.Token; x/oauth2's ReuseTokenSource.Token,
//     which oauth2.Config's Client and Transport call): the first renewal of
//     a process, the client's creation included.
//
//	go test -run '^$' -bench Renewal -benchmem -count 6 .

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
)

const (
	renewTokenURL = "https://auth.example.com/oauth/token"
	renewClientID = "bench"
	// renewBody is the canned token response both libraries parse.
	// x/oauth2 takes a token that expires within 10 s for expired.
	renewBody = `{"access_token":"` + benchAccess + `","token_type":"Bearer","refresh_token":"rt-2b7c1e9a4f0d","expires_in":5,"scope":"read write"}`
)

// cannedTokenRT answers every token request with renewBody, after reading
// and closing the request's body as a server would.
type cannedTokenRT struct{}

func (cannedTokenRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(renewBody)),
		ContentLength: int64(len(renewBody)),
		Request:       req,
	}, nil
}

var cannedTokenClient = &http.Client{Transport: cannedTokenRT{}}

// expiredToken is the token every client starts with: expired, with a
// refresh token.
func expiredToken() bearerkit.Token {
	return bearerkit.Token{AccessToken: "at-old", TokenType: "Bearer", RefreshToken: "rt-old", Expiry: time.Now().Add(-time.Minute)}
}

var benchExpired = expiredToken()

// seededRefresh is a RefreshGrant that renews benchExpired when the
// Transport has no token yet (Store nil).
type seededRefresh struct{ g bearerkit.RefreshGrant }

func (s seededRefresh) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	if prev == nil {
		prev = &benchExpired
	}
	return s.g.Authenticate(ctx, prev)
}

var benchRefreshGrant = bearerkit.RefreshGrant{TokenURL: renewTokenURL, ClientID: renewClientID, HTTPClient: cannedTokenClient}

// expiredStore is a TokenStore that always holds benchExpired (so every new
// Transport renews it) and keeps what is saved.
type expiredStore struct {
	mu    sync.Mutex
	saved bearerkit.Token
}

func (s *expiredStore) Load(context.Context) (*bearerkit.Token, error) {
	t := benchExpired
	return &t, nil
}

func (s *expiredStore) Save(_ context.Context, t *bearerkit.Token) error {
	s.mu.Lock()
	s.saved = *t
	s.mu.Unlock()
	return nil
}

type renewImpl struct {
	name string
	// first makes a new client and asks it for a token.
	first func(ctx context.Context) (string, error)
	// request returns a client made once, whose token requests go to
	// tokenURL through hc; every request through it needs a renewal.
	request func(hc *http.Client, tokenURL string) http.RoundTripper
}

var renewImpls = []renewImpl{
	{"oauth2",
		func(ctx context.Context) (string, error) {
			tok, err := oauth2Config.TokenSource(ctx, oauth2Expired()).Token()
			if err != nil {
				return "", err
			}
			return tok.AccessToken, nil
		},
		func(hc *http.Client, tokenURL string) http.RoundTripper {
			conf := *oauth2Config
			conf.Endpoint.TokenURL = tokenURL
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
			return &oauth2.Transport{Source: conf.TokenSource(ctx, oauth2Expired()), Base: okAPI}
		}},
	{"bearerkit",
		func(ctx context.Context) (string, error) {
			tr := &bearerkit.Transport{Auth: seededRefresh{benchRefreshGrant}}
			tok, err := tr.Token(ctx)
			if err != nil {
				return "", err
			}
			return tok.AccessToken, nil
		},
		func(hc *http.Client, tokenURL string) http.RoundTripper {
			g := bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: renewClientID, HTTPClient: hc}
			return &bearerkit.Transport{Auth: seededRefresh{g}, Base: refusingAPI}
		}},
	{"bearerkit+store",
		func(ctx context.Context) (string, error) {
			tr := &bearerkit.Transport{Auth: benchRefreshGrant, Store: benchStore}
			tok, err := tr.Token(ctx)
			if err != nil {
				return "", err
			}
			return tok.AccessToken, nil
		},
		func(hc *http.Client, tokenURL string) http.RoundTripper {
			g := bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: renewClientID, HTTPClient: hc}
			return &bearerkit.Transport{Auth: g, Store: &expiredStore{}, Base: refusingAPI}
		}},
}

var (
	benchStore   = &expiredStore{}
	oauth2Config = &oauth2.Config{ClientID: renewClientID, Endpoint: oauth2.Endpoint{TokenURL: renewTokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	// oauth2Ctx carries the canned token client to x/oauth2.
	oauth2Ctx = context.WithValue(context.Background(), oauth2.HTTPClient, cannedTokenClient)
)

func oauth2Expired() *oauth2.Token {
	return &oauth2.Token{AccessToken: benchExpired.AccessToken, TokenType: "Bearer", RefreshToken: benchExpired.RefreshToken, Expiry: benchExpired.Expiry}
}

// okAPI and refusingAPI answer every request with the same immutable
// response, 200 or 401.
var (
	okAPI       = &bareRT{resp: &http.Response{Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Body: http.NoBody}}
	refusingAPI = &bareRT{resp: &http.Response{Status: "401 Unauthorized", StatusCode: http.StatusUnauthorized, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Body: http.NoBody}}
)

// oneShotBody is a request body that cannot be replayed (the request has
// no GetBody), read as empty; it allocates nothing.
type oneShotBody struct{}

func (oneShotBody) Read([]byte) (int, error) { return 0, io.EOF }
func (oneShotBody) Close() error             { return nil }

// renewRequest is the request of case=request: a POST whose body cannot be
// replayed, so that bearerkit returns the 401 after renewing.
func renewRequest() *http.Request {
	req, err := http.NewRequest(http.MethodPost, "https://api.example.com/v1/items", nil)
	if err != nil {
		panic(err)
	}
	req.Body = oneShotBody{}
	return req
}

// newTokenServer starts an HTTP/2 TLS token endpoint answering renewBody.
func newTokenServer() *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, renewBody)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	return srv
}

func BenchmarkRenewal(b *testing.B) {
	tokenSrv := newTokenServer()
	defer tokenSrv.Close()
	for _, impl := range renewImpls {
		b.Run("case=tls/impl="+impl.name, func(b *testing.B) {
			tr := tlsTransport(tokenSrv)
			defer tr.CloseIdleConnections()
			rt := impl.request(&http.Client{Transport: tr}, tokenSrv.URL+"/oauth/token")
			req := renewRequest()
			if _, err := sendOnce(rt, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := sendOnce(rt, req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
	for _, impl := range renewImpls {
		b.Run("case=request/impl="+impl.name, func(b *testing.B) {
			rt := impl.request(cannedTokenClient, renewTokenURL)
			req := renewRequest()
			if _, err := sendOnce(rt, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := sendOnce(rt, req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
	for _, impl := range renewImpls {
		b.Run("case=first/impl="+impl.name, func(b *testing.B) {
			ctx := context.Background()
			if impl.name == "oauth2" {
				ctx = oauth2Ctx
			}
			if _, err := impl.first(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := impl.first(ctx); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// sendOnce sends req and returns the status, closing the body.
func sendOnce(rt http.RoundTripper, req *http.Request) (int, error) {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestRenewImpls checks that every renewal benchmarked does renew: the
// token is the canned response's, and each request of case=request costs
// exactly one token request.
func TestRenewImpls(t *testing.T) {
	for _, impl := range renewImpls {
		ctx := context.Background()
		if impl.name == "oauth2" {
			ctx = oauth2Ctx
		}
		got, err := impl.first(ctx)
		if err != nil || got != benchAccess {
			t.Errorf("first, %s: %q, %v; want the canned token", impl.name, got, err)
		}

		calls := &countingRT{next: cannedTokenRT{}}
		rt := impl.request(&http.Client{Transport: calls}, renewTokenURL)
		req := renewRequest()
		for i := range 3 {
			code, err := sendOnce(rt, req)
			if err != nil {
				t.Fatalf("request, %s: %v", impl.name, err)
			}
			if want := map[bool]int{true: 200, false: 401}[impl.name == "oauth2"]; code != want {
				t.Errorf("request, %s: status %d, want %d", impl.name, code, want)
			}
			// bearerkit's first request logs in first (no token yet), then
			// renews after the 401: two token requests.
			want := int64(i + 1)
			if impl.name != "oauth2" {
				want = int64(i + 2)
			}
			if n := calls.n.Load(); n != want {
				t.Errorf("request, %s: %d token requests after %d requests, want %d", impl.name, n, i+1, want)
			}
		}
	}
	if benchStore.saved.AccessToken != benchAccess {
		t.Errorf("bearerkit+store: saved %q", benchStore.saved.AccessToken)
	}
}

// TestRenewalTLS checks case=tls: one token request over HTTP/2 per
// request.
func TestRenewalTLS(t *testing.T) {
	srv := newTokenServer()
	defer srv.Close()
	for _, impl := range renewImpls {
		tr := tlsTransport(srv)
		calls := &countingRT{next: tr}
		rt := impl.request(&http.Client{Transport: calls}, srv.URL+"/oauth/token")
		for range 3 {
			if _, err := sendOnce(rt, renewRequest()); err != nil {
				t.Fatalf("%s: %v", impl.name, err)
			}
		}
		if n := calls.n.Load(); n < 3 || n > 4 {
			t.Errorf("%s: %d token requests for 3 requests", impl.name, n)
		}
		tr.CloseIdleConnections()
	}
}

type countingRT struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingRT) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}
