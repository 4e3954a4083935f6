package otelbearerkit_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// secrets collects every token a Client was given, to look for them in the
// telemetry.
type secrets struct {
	mu   sync.Mutex
	list []string
}

func (s *secrets) onToken(tok bearerkit.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, tok.AccessToken, tok.RefreshToken)
}

func (s *secrets) all(more ...string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(slices.Clone(s.list), more...)
}

// failingStore loads nothing and fails every Save, with the token in its
// error as a careless store might.
type failingStore struct{}

func (failingStore) Load(context.Context) (*bearerkit.Token, error) { return nil, nil }
func (failingStore) Save(_ context.Context, tok *bearerkit.Token) error {
	return fmt.Errorf("cannot write token %s to disk", tok.AccessToken)
}

// get sends one API request under a request span of its own, as an
// application instrumented with otelhttp would, and returns the span.
func (r *rig) get(t *testing.T, c *bearerkit.Client) (trace.Span, error) {
	t.Helper()
	ctx, span := r.request(context.Background())
	req, err := c.NewRequest(ctx, http.MethodGet, "aiconnections/types", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(req, nil)
	span.End()
	return span, err
}

// renewSpanFor returns the renewal span linked to the request span req.
func (r *rig) renewSpanFor(t *testing.T, req trace.Span) string {
	t.Helper()
	var found []string
	for _, s := range r.ended(renewSpan) {
		for _, l := range s.Links() {
			if l.SpanContext.Equal(req.SpanContext()) {
				found = append(found, encKV(s.Attributes()))
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d renewal spans linked to the request, want 1", len(found))
	}
	return found[0]
}

// echoErrType is the error.type of the login that met a server echoing
// the credentials: a bounded name, not the server's text.
const echoErrType = "invalid_request"

// TestClientKeycloak runs a real Client against the Keycloak emulator: a
// login, a 401 answered by a refresh and a replay, a refused password and
// its cool-down, a failing TokenStore, and a server echoing credentials.
func TestClientKeycloak(t *testing.T) {
	const wrongPassword = "not-the-password-7c1e"
	k := bearerkittest.NewKeycloak(t)
	r := newRig(t)
	var seen secrets
	newClient := func(password string, opts ...bearerkit.Option) *bearerkit.Client {
		t.Helper()
		auth := bearerkit.Keycloak{ServerURL: k.URL(), Realm: k.Realm(), Username: bearerkittest.DefaultUsername, Password: password, HTTPClient: k.Client()}
		c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", auth, append([]bearerkit.Option{
			bearerkit.WithHooks(r.hooks), bearerkit.WithHTTPClient(k.Client()), bearerkit.WithOnToken(seen.onToken),
		}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// First use: a password login, Fallback step 1 (step 0, the refresh
	// grant, has no refresh token yet).
	c := newClient(bearerkittest.DefaultPassword)
	req1, err := r.get(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.renewSpanFor(t, req1), "bearerkit.renewal.attempts=1,bearerkit.renewal.fallback_step=1,bearerkit.renewal.generation=1,bearerkit.renewal.outcome=success,bearerkit.renewal.reason=first use,bearerkit.renewal.source=authenticator"; got != want {
		t.Errorf("first renewal span\n got %s\nwant %s", got, want)
	}

	// The API kills the token: 401, a refresh (step 0), a replay.
	k.KillAccessTokens()
	req2, err := r.get(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.renewSpanFor(t, req2), "bearerkit.renewal.attempts=1,bearerkit.renewal.fallback_step=0,bearerkit.renewal.generation=2,bearerkit.renewal.outcome=success,bearerkit.renewal.reason=401,bearerkit.renewal.source=authenticator"; got != want {
		t.Errorf("401 renewal span\n got %s\nwant %s", got, want)
	}
	if got, want := events(r.ended("GET /api")[1]), []string{"bearerkit.replay{bearerkit.replay.outcome=success,http.request.method=GET,http.response.status_code=200}"}; !slices.Equal(got, want) {
		t.Errorf("replayed request's events %v, want %v", got, want)
	}

	// A refused password, then the same refusal from the cool-down.
	bad := newClient(wrongPassword)
	if _, err := r.get(t, bad); err == nil {
		t.Fatal("a wrong password worked")
	}
	req4, err := r.get(t, bad)
	if err == nil {
		t.Fatal("a wrong password worked")
	}
	if got, want := events(r.ended("GET /api")[3]), []string{"bearerkit.renewal.cool_down{bearerkit.renewal.reason=first use,error.type=invalid_grant}"}; !slices.Equal(got, want) {
		t.Errorf("cool-down request's events %v, want %v", got, want)
	}
	for _, s := range r.ended(renewSpan) {
		for _, l := range s.Links() {
			if l.SpanContext.Equal(req4.SpanContext()) {
				t.Errorf("a cool-down answer has a span: %s", encKV(s.Attributes()))
			}
		}
	}

	// A TokenStore whose Save fails, with the token in its error.
	stored := newClient(bearerkittest.DefaultPassword, bearerkit.WithTokenStore(failingStore{}))
	if _, err := r.get(t, stored); err != nil {
		t.Fatal(err)
	}
	if got, want := events(r.ended("GET /api")[4]), []string{"bearerkit.store.error{bearerkit.store.operation=save,error.type=_OTHER}"}; !slices.Equal(got, want) {
		t.Errorf("store-failure request's events %v, want %v", got, want)
	}

	// A server that echoes the credentials it got into its error.
	k.FailNext(bearerkittest.EndpointLogin, 1, bearerkittest.Failure{Kind: bearerkittest.FailEcho})
	echo := newClient(bearerkittest.DefaultPassword)
	if _, err := r.get(t, echo); err == nil {
		t.Fatal("the echoing login worked")
	}
	var echoed bool
	for _, s := range r.ended(renewSpan) {
		echoed = echoed || strings.Contains(s.Status().Description, "invalid_request")
	}
	if !echoed {
		t.Error("no renewal span has the echoing server's error as its status")
	}

	ms := r.metrics(t)
	const ok = "bearerkit.renewal.outcome=success,"
	const refused = "bearerkit.renewal.outcome=error,bearerkit.renewal.reason=first use,"
	wantRenewals := map[string]int64{
		ok + "bearerkit.renewal.reason=first use,bearerkit.renewal.source=authenticator": 2, // c, stored
		ok + "bearerkit.renewal.reason=401,bearerkit.renewal.source=authenticator":       1,
		refused + "bearerkit.renewal.source=authenticator,error.type=invalid_grant":      1,
		refused + "bearerkit.renewal.source=cool-down,error.type=invalid_grant":          1,
		refused + "bearerkit.renewal.source=authenticator,error.type=" + echoErrType:     1,
	}
	if got := counts(t, ms, renewals); !maps.Equal(got, wantRenewals) {
		t.Errorf("renewals\n got %v\nwant %v", got, wantRenewals)
	}
	var durations uint64
	for set, p := range histograms(t, ms, duration) {
		if strings.Contains(set, "cool-down") {
			t.Errorf("a cool-down answer has a duration: %s", set)
		}
		durations += p.Count
	}
	if durations != 5 {
		t.Errorf("%d durations recorded, want 5 (every renewal but the cool-down answer)", durations)
	}
	if got, want := counts(t, ms, replays), map[string]int64{"bearerkit.replay.outcome=success,http.request.method=GET,http.response.status_code=200": 1}; !maps.Equal(got, want) {
		t.Errorf("replays %v, want %v", got, want)
	}
	if got, want := counts(t, ms, storeErrors), map[string]int64{"bearerkit.store.operation=save,error.type=_OTHER": 1}; !maps.Equal(got, want) {
		t.Errorf("store errors %v, want %v", got, want)
	}
	if n := len(r.ended(renewSpan)); n != 5 {
		t.Errorf("%d renewal spans, want 5", n)
	}
	st := k.Stats()
	if st.PasswordSends != 4 || st.Refreshes != 1 || st.APIUnauthorized != 1 {
		t.Errorf("emulator saw %d password sends (want 4: c, bad once, stored, echo), %d refreshes (want 1), %d API 401s (want 1)",
			st.PasswordSends, st.Refreshes, st.APIUnauthorized)
	}

	// Nothing of any token or password reached the telemetry, span
	// statuses included.
	text := r.allText(t)
	all := seen.all(bearerkittest.DefaultPassword, wrongPassword)
	if len(all) < 6 {
		t.Fatalf("only %d secrets seen", len(all))
	}
	for _, s := range all {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("a secret (%d bytes) reached the telemetry", len(s))
		}
	}
}
