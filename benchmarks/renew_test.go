package benchmarks

// BenchmarkRenewal measures one renewal (issue 10, point 5): a token
// request answered with a canned response, its parsing, and what each
// library then builds (bearerkit: its snapshot with the expiry instants and
// the precomputed headers, its store save, the hand-off to the request that
// waited; x/oauth2: its Token), both over the same canned token response.
//
// Cases (the token endpoint and the client that reaches it):
//   - case=request: one request that needs a renewal, on a client made
//     once, the token endpoint served by net/http over in-memory
//     connections. x/oauth2's token expires within its 10 s expiry delta, so
//     its Transport refreshes before every request; bearerkit's API answers
//     401 to a request whose body cannot be replayed, so bearerkit renews
//     and returns the 401 (one API call each, one renewal each).
//   - case=first: a new client whose stored token has expired is asked for a
//     token (bearerkit's Transport.Token; x/oauth2's ReuseTokenSource.Token,
//     which oauth2.Config's Client and Transport call): the first renewal of
//     a process, the client's creation included; same endpoint.
//   - case=tls: case=request against an HTTP/2 TLS token endpoint on
//     loopback.
//   - case=roundtripper: case=request with the token client's Transport a
//     RoundTripper of the caller's that answers from memory.
//
// Implementations: x/oauth2 (oauth2.Config.TokenSource and its Transport);
// bearerkit, a RefreshGrant over a MemoryStore holding the expired token;
// bearerkit+store, the same over a TokenStore of the caller's (its Save
// included). bearerkit runs every renewal on a goroutine of its own,
// bounded by RenewTimeout; x/oauth2 runs it on the caller's, unbounded.
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
	renewClientID = "bench"
	// renewBody is the canned token response both libraries parse.
	// x/oauth2 takes a token that expires within 10 s for expired.
	renewBody = `{"access_token":"` + benchAccess + `","token_type":"Bearer","refresh_token":"rt-2b7c1e9a4f0d","expires_in":5,"scope":"read write"}`
	// cannedTokenURL is the token URL of case=roundtripper.
	cannedTokenURL = "https://auth.example.com/oauth/token"
)

// tokenHandler answers a refresh_token request with renewBody, and counts
// the requests it answered.
type tokenHandler struct{ n atomic.Int64 }

func (h *tokenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") == "" {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	h.n.Add(1)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, renewBody)
}

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

// expiredToken is the token every client starts with: expired, with a
// refresh token.
func expiredToken() bearerkit.Token {
	return bearerkit.Token{AccessToken: "at-old", TokenType: "Bearer", RefreshToken: "rt-old", Expiry: time.Now().Add(-time.Minute)}
}

var benchExpired = expiredToken()

// expiredMemory returns a MemoryStore holding benchExpired.
func expiredMemory() *bearerkit.MemoryStore {
	s := &bearerkit.MemoryStore{}
	t := benchExpired
	_ = s.Save(context.Background(), &t)
	return s
}

// expiredStore is a TokenStore of the caller's that always holds
// benchExpired (so every new Transport renews it) and keeps what is saved.
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

func (s *expiredStore) savedToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved.AccessToken
}

type renewImpl struct {
	name string
	// first returns a func that makes a new client, whose token requests
	// go to tokenURL through hc, and asks it for a token.
	first func(hc *http.Client, tokenURL string) func(ctx context.Context) (string, error)
	// request returns a client made once, whose token requests go to
	// tokenURL through hc; every request through it needs a renewal.
	request func(hc *http.Client, tokenURL string) http.RoundTripper
}

func oauth2Conf(tokenURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: renewClientID, Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
}

func oauth2Expired() *oauth2.Token {
	return &oauth2.Token{AccessToken: benchExpired.AccessToken, TokenType: "Bearer", RefreshToken: benchExpired.RefreshToken, Expiry: benchExpired.Expiry}
}

func refreshGrant(hc *http.Client, tokenURL string) bearerkit.RefreshGrant {
	return bearerkit.RefreshGrant{TokenURL: tokenURL, ClientID: renewClientID, HTTPClient: hc}
}

// accessToken asks tr for its token.
func accessToken(ctx context.Context, tr *bearerkit.Transport) (string, error) {
	tok, err := tr.Token(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

var renewImpls = []renewImpl{
	{"oauth2",
		func(hc *http.Client, tokenURL string) func(context.Context) (string, error) {
			conf := oauth2Conf(tokenURL)
			octx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
			return func(context.Context) (string, error) {
				tok, err := conf.TokenSource(octx, oauth2Expired()).Token()
				if err != nil {
					return "", err
				}
				return tok.AccessToken, nil
			}
		},
		func(hc *http.Client, tokenURL string) http.RoundTripper {
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
			return &oauth2.Transport{Source: oauth2Conf(tokenURL).TokenSource(ctx, oauth2Expired()), Base: okAPI}
		}},
	{"bearerkit",
		func(hc *http.Client, tokenURL string) func(context.Context) (string, error) {
			g := refreshGrant(hc, tokenURL)
			return func(ctx context.Context) (string, error) {
				return accessToken(ctx, &bearerkit.Transport{Auth: g, Store: expiredMemory()})
			}
		},
		func(hc *http.Client, tokenURL string) http.RoundTripper {
			return &bearerkit.Transport{Auth: refreshGrant(hc, tokenURL), Store: expiredMemory(), Base: refusingAPI}
		}},
	{"bearerkit+store",
		func(hc *http.Client, tokenURL string) func(context.Context) (string, error) {
			g := refreshGrant(hc, tokenURL)
			store := &expiredStore{}
			return func(ctx context.Context) (string, error) {
				return accessToken(ctx, &bearerkit.Transport{Auth: g, Store: store})
			}
		},
		func(hc *http.Client, tokenURL string) http.RoundTripper {
			return &bearerkit.Transport{Auth: refreshGrant(hc, tokenURL), Store: &expiredStore{}, Base: refusingAPI}
		}},
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
func newTokenServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	return srv
}

// renewEndpoint is where a case sends its token requests.
type renewEndpoint struct {
	name     string
	client   func() *http.Client
	tokenURL string
	close    func()
}

// renewEndpoints starts the token endpoints of the cases; tls is the
// HTTP/2 one, mem the in-memory one.
func renewEndpoints(h http.Handler) (mem, tls, canned renewEndpoint) {
	ms := newMemServer(h)
	ts := newTokenServer(h)
	mem = renewEndpoint{"mem", func() *http.Client { return &http.Client{Transport: ms.Transport()} }, ms.URL + "/oauth/token", ms.Close}
	tls = renewEndpoint{"tls", func() *http.Client { return &http.Client{Transport: tlsTransport(ts)} }, ts.URL + "/oauth/token", ts.Close}
	canned = renewEndpoint{"canned", func() *http.Client { return &http.Client{Transport: cannedTokenRT{}} }, cannedTokenURL, func() {}}
	return mem, tls, canned
}

func closeIdle(hc *http.Client) {
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

func BenchmarkRenewal(b *testing.B) {
	mem, tls, canned := renewEndpoints(&tokenHandler{})
	defer mem.close()
	defer tls.close()
	requestCase := func(name string, ep renewEndpoint) {
		for _, impl := range renewImpls {
			b.Run("case="+name+"/impl="+impl.name, func(b *testing.B) {
				hc := ep.client()
				defer closeIdle(hc)
				rt := impl.request(hc, ep.tokenURL)
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
	}
	requestCase("request", mem)
	requestCase("tls", tls)
	requestCase("roundtripper", canned)
	for _, impl := range renewImpls {
		b.Run("case=first/impl="+impl.name, func(b *testing.B) {
			hc := mem.client()
			defer closeIdle(hc)
			first := impl.first(hc, mem.tokenURL)
			ctx := context.Background()
			if _, err := first(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := first(ctx); err != nil {
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

// TestRenewImpls checks that every renewal benchmarked does renew, counted
// at the token endpoint: first gets the canned token with one token
// request, and each request of the request cases costs exactly one.
func TestRenewImpls(t *testing.T) {
	h := &tokenHandler{}
	mem, tls, _ := renewEndpoints(h)
	defer mem.close()
	defer tls.close()
	for _, impl := range renewImpls {
		for _, ep := range []renewEndpoint{mem, tls} {
			hc := ep.client()
			before := h.n.Load()
			got, err := impl.first(hc, ep.tokenURL)(context.Background())
			if err != nil || got != benchAccess {
				t.Errorf("first, %s, %s: %q, %v; want the canned token", impl.name, ep.name, got, err)
			}
			if n := h.n.Load() - before; n != 1 {
				t.Errorf("first, %s, %s: %d token requests, want 1", impl.name, ep.name, n)
			}
			rt := impl.request(hc, ep.tokenURL)
			req := renewRequest()
			before = h.n.Load()
			for i := range 3 {
				code, err := sendOnce(rt, req)
				if err != nil {
					t.Fatalf("request, %s, %s: %v", impl.name, ep.name, err)
				}
				if want := map[bool]int{true: 200, false: 401}[impl.name == "oauth2"]; code != want {
					t.Errorf("request, %s, %s: status %d, want %d", impl.name, ep.name, code, want)
				}
				// bearerkit's first request renews the stored expired
				// token, then renews again after the 401: two token
				// requests.
				want := int64(i + 1)
				if impl.name != "oauth2" {
					want = int64(i + 2)
				}
				if n := h.n.Load() - before; n != want {
					t.Errorf("request, %s, %s: %d token requests after %d requests, want %d", impl.name, ep.name, n, i+1, want)
				}
			}
			closeIdle(hc)
		}
	}
}

// TestRenewalRoundTripper checks case=roundtripper: the canned RoundTripper
// is what answers, and bearerkit+store saves the token.
func TestRenewalRoundTripper(t *testing.T) {
	for _, impl := range renewImpls {
		got, err := impl.first(&http.Client{Transport: cannedTokenRT{}}, cannedTokenURL)(context.Background())
		if err != nil || got != benchAccess {
			t.Errorf("%s: %q, %v; want the canned token", impl.name, got, err)
		}
	}
	store := &expiredStore{}
	tr := &bearerkit.Transport{Auth: refreshGrant(&http.Client{Transport: cannedTokenRT{}}, cannedTokenURL), Store: store, Base: refusingAPI}
	if code, err := sendOnce(tr, renewRequest()); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("request: %d, %v", code, err)
	}
	if got := store.savedToken(); got != benchAccess {
		t.Errorf("saved %q, want the canned token", got)
	}
}
