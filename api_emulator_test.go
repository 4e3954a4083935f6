package bearerkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// The API client against the Dataddo emulator, mounted under a base path
// and logged in with the Dataddo preset.

func emulatorClient(t *testing.T, opts ...bearerkittest.Option) (*bearerkit.Client, *bearerkittest.Dataddo) {
	t.Helper()
	d := bearerkittest.NewDataddo(t, append([]bearerkittest.Option{bearerkittest.WithBasePath("/api/v2")}, opts...)...)
	auth := bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword, HTTPClient: d.Client()}
	c, err := bearerkit.NewClient(d.URL(), auth, bearerkit.WithHTTPClient(d.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return c, d
}

func TestEmulator_Sources(t *testing.T) {
	t.Parallel()
	c, d := emulatorClient(t)
	ctx := context.Background()

	grid, _, err := c.Sources.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range grid {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"101", "102", "103"}) {
		t.Fatalf("grid ids %q", ids)
	}
	if grid[1].Status != "broken" || grid[1].ServiceID != "2" || grid[0].Status != "ok" || grid[0].Created.IsZero() {
		t.Errorf("grid rows %+v, %+v", grid[0], grid[1])
	}

	n := 0
	for s, err := range c.Sources.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Label == "" {
			t.Errorf("source without label: %s", s.Raw)
		}
		n++
	}
	if n != 3 {
		t.Errorf("All yielded %d sources", n)
	}

	src, _, err := c.Sources.Get(ctx, "101")
	if err != nil {
		t.Fatal(err)
	}
	if src.Label != "GA4 sessions" || src.Description == "" || src.CustomerID != "1001" || src.ServiceID != "1" {
		t.Errorf("source %+v", src)
	}

	for _, tc := range []struct {
		id     string
		status int
	}{{"999", 404}, {"abc", 400}, {"../services", 400}, {"1/preview", 400}} {
		_, _, err := c.Sources.Get(ctx, tc.id)
		var ae *bearerkit.APIError
		if !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.Message == "" {
			t.Errorf("Get(%q): %v, want an *APIError %d with a message", tc.id, err, tc.status)
		}
	}

	rows, _, err := c.Sources.Preview(ctx, "101", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows", len(rows))
	}
	if _, ok := rows[0]["sessions"].(json.Number); !ok || rows[0]["date"] == nil {
		t.Errorf("row %v", rows[0])
	}
	n = 0
	for _, err := range c.Sources.PreviewAll(ctx, "101", 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 100 {
		t.Errorf("PreviewAll with the platform's default limit: %d rows, want 100", n)
	}
	if _, _, err := c.Sources.Preview(ctx, "101", 20000); err == nil {
		t.Error("limit above the platform's maximum: no error")
	}

	rep, _, err := c.Sources.DetectQuality(ctx, "101", 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Limit != 1000 || rep.RowsChecked != 120 || rep.SourceID != "101" || rep.Score <= 0 || rep.Score >= 100 || len(rep.Columns) != 5 || rep.CheckedAt.IsZero() {
		t.Errorf("report %+v", rep)
	}
	kinds := map[string]bool{}
	for _, is := range rep.Issues {
		kinds[is.Kind] = true
	}
	if !kinds["null_values"] || !kinds["duplicate_rows"] {
		t.Errorf("issues %+v", rep.Issues)
	}
	if !strings.Contains(string(rep.Raw), `"rows_checked":120`) {
		t.Errorf("Raw = %s", rep.Raw)
	}
	if rep, _, err := c.Sources.DetectQuality(ctx, "101", 10); err != nil || rep.RowsChecked != 10 {
		t.Errorf("limit 10: %+v, %v", rep, err)
	}

	if got := d.Stats().Logins; got != 1 {
		t.Errorf("%d logins, want 1", got)
	}
}

func TestEmulator_Member(t *testing.T) {
	t.Parallel()
	for _, opts := range [][]bearerkittest.Option{nil, {bearerkittest.WithRealmIDAsString(), bearerkittest.WithRealmID("r-9")}} {
		c, _ := emulatorClient(t, opts...)
		m, _, err := c.Member(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if m.Email != bearerkittest.DefaultEmail || m.ID == "" || m.RealmID == "" || m.Provider != bearerkittest.DefaultProvider {
			t.Errorf("member %+v", m)
		}
	}
}

func TestEmulator_APITokens(t *testing.T) {
	t.Parallel()
	c, d := emulatorClient(t)
	ctx := context.Background()

	toks, _, err := c.APITokens.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || toks[0].Name != "CI pipeline" || toks[0].LastUse.IsZero() || !toks[1].LastUse.IsZero() || toks[1].CreatedAt.IsZero() {
		t.Fatalf("tokens %v", toks)
	}

	tok, resp, err := c.APITokens.Create(ctx, "nightly export")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || tok.ID == "" || tok.Name != "nightly export" || tok.Token == "" {
		t.Fatalf("created %v (status %d)", tok, resp.StatusCode)
	}
	if len(d.Tokens()) != 3 {
		t.Errorf("the emulator has %d tokens", len(d.Tokens()))
	}

	resp, err = c.APITokens.Delete(ctx, tok.ID)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("Delete: %v, %v", resp, err)
	}
	_, err = c.APITokens.Delete(ctx, tok.ID)
	var ae *bearerkit.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
		t.Errorf("deleting again: %v", err)
	}
}

func TestEmulator_Authorizers(t *testing.T) {
	t.Parallel()
	c, d := emulatorClient(t)
	ctx := context.Background()

	as, _, err := c.Authorizers.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var broken []string
	for _, a := range as {
		if a.Broken() {
			broken = append(broken, a.ID)
		}
	}
	if len(as) != 4 || !slices.Equal(broken, []string{"2"}) {
		t.Fatalf("%d authorizers, broken %q", len(as), broken)
	}

	a, _, err := c.Authorizers.Get(ctx, "2")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Broken() || a.StatusDetail != bearerkittest.BrokenGoogleDetail || a.Service != "google_sheets" {
		t.Errorf("authorizer 2: %+v", a)
	}

	res, _, err := c.Authorizers.Test(ctx, "1")
	if err != nil || !res.OK() || res.Message == "" || res.Duration <= 0 || len(res.Logs) == 0 {
		t.Errorf("Test(1): %+v, %v", res, err)
	}
	res, _, err = c.Authorizers.Test(ctx, "2")
	if err != nil {
		t.Fatalf("a failed test must be data, not an error: %v", err)
	}
	if res.OK() || !strings.Contains(res.Message, "invalid_grant") {
		t.Errorf("Test(2): %+v", res)
	}

	// In use by sources 101 and 103.
	_, err = c.Authorizers.Delete(ctx, "1")
	var ae *bearerkit.APIError
	if !errors.Is(err, bearerkit.ErrAuthorizerInUse) || !errors.As(err, &ae) || ae.StatusCode != http.StatusConflict || !strings.Contains(ae.Message, "101") {
		t.Errorf("Delete(1): %v", err)
	}
	if _, ok := d.Service(1); !ok {
		t.Error("authorizer 1 was deleted")
	}
	// Unused.
	if resp, err := c.Authorizers.Delete(ctx, "4"); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("Delete(4): %v", err)
	}
	if _, _, err := c.Authorizers.Get(ctx, "4"); !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
		t.Errorf("Get(4) after Delete: %v", err)
	}
	if _, err := c.Authorizers.Delete(ctx, "4"); errors.Is(err, bearerkit.ErrAuthorizerInUse) || !errors.As(err, &ae) || ae.StatusCode != 404 {
		t.Errorf("Delete(4) again: %v", err)
	}

	// Reauthorize the broken one.
	u, _, err := c.Authorizers.AuthorizeURL(ctx, a.Service, &bearerkit.AuthorizeRequest{
		State: "st-123", ServiceID: a.ID, RedirectURI: "https://app.example/oauth/callback",
	})
	if err != nil {
		t.Fatal(err)
	}
	callback, err := d.ApproveOAuth(u)
	if err != nil {
		t.Fatal(err)
	}
	fixed, _, err := c.Authorizers.CompleteAuthorization(ctx, a.Service, callback)
	if err != nil {
		t.Fatal(err)
	}
	if fixed.ID != "2" || fixed.Broken() || fixed.Status == nil {
		t.Errorf("after reauthorization: %+v", fixed)
	}
	if res, _, err := c.Authorizers.Test(ctx, "2"); err != nil || !res.OK() {
		t.Errorf("Test(2) after reauthorization: %+v, %v", res, err)
	}
	// The code is single-use.
	if _, _, err := c.Authorizers.CompleteAuthorization(ctx, a.Service, callback); !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("reused callback: %v", err)
	}

	// A service that breaks later shows up as broken.
	if err := d.BreakService(3, "password changed"); err != nil {
		t.Fatal(err)
	}
	if a, _, err := c.Authorizers.Get(ctx, "3"); err != nil || !a.Broken() || a.StatusDetail != "password changed" {
		t.Errorf("Get(3): %+v, %v", a, err)
	}
}

// TestEmulator_tokenDiesEarly checks that service calls survive a token
// killed before its expiry: the transport renews and replays, POSTs too.
func TestEmulator_tokenDiesEarly(t *testing.T) {
	t.Parallel()
	c, d := emulatorClient(t)
	ctx := context.Background()
	if _, _, err := c.Member(ctx); err != nil {
		t.Fatal(err)
	}
	d.KillAccessTokens()
	tok, _, err := c.APITokens.Create(ctx, "after kill")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "after kill" {
		t.Errorf("token %v", tok)
	}
	st := d.Stats()
	if st.Refreshes != 1 || st.Logins != 1 || st.APIUnauthorized != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestEmulator_failures checks the errors of broken answers.
func TestEmulator_failures(t *testing.T) {
	t.Parallel()
	c, d := emulatorClient(t)
	ctx := context.Background()
	if _, _, err := c.Member(ctx); err != nil {
		t.Fatal(err)
	}
	d.FailNext(bearerkittest.EndpointAPI, 1, bearerkittest.Failure{Kind: bearerkittest.FailHTML})
	_, _, err := c.Sources.List(ctx)
	var ae *bearerkit.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadGateway || ae.Err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("HTML page: %v", err)
	}
	d.FailNext(bearerkittest.EndpointAPI, 1, bearerkittest.Failure{Kind: bearerkittest.FailMalformedJSON})
	if _, _, err := c.Authorizers.Get(ctx, "1"); err == nil || !strings.Contains(err.Error(), "not the expected JSON") {
		t.Errorf("malformed JSON: %v", err)
	}
	d.FailNext(bearerkittest.EndpointAPI, 1, bearerkittest.Failure{Status: 503, RetryAfter: "2"})
	if _, _, err := c.Sources.Get(ctx, "101"); !errors.As(err, &ae) || ae.StatusCode != 503 || ae.RetryAfter.Seconds() != 2 {
		t.Errorf("503: %v", err)
	}
}
