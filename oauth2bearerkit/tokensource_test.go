package oauth2bearerkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/oauth2bearerkit"
)

// keycloakClient is a bearerkit Client of the Keycloak emulator's API,
// logging in with password.
func keycloakClient(t *testing.T, k *bearerkittest.Keycloak, password string) *bearerkit.Client {
	t.Helper()
	auth := bearerkit.Keycloak{ServerURL: k.URL(), Realm: k.Realm(), Username: bearerkittest.DefaultUsername, Password: password}
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1", auth, bearerkit.WithHTTPClient(k.Client()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiGet calls the Keycloak emulator's API with hc and returns the status.
func apiGet(t *testing.T, k *bearerkittest.Keycloak, hc *http.Client) int {
	t.Helper()
	resp, err := hc.Get(k.URL() + "/dp/api/v1/aiconnections/types")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// clientGet calls the API through the bearerkit Client.
func clientGet(c *bearerkit.Client) error {
	req, err := c.NewRequest(context.Background(), http.MethodGet, "aiconnections/types", nil)
	if err != nil {
		return err
	}
	_, err = c.Do(req, nil)
	return err
}

func TestTokenSourceOfClient(t *testing.T) {
	k := bearerkittest.NewKeycloak(t)
	c := keycloakClient(t, k, bearerkittest.DefaultPassword)
	ctx := context.Background()
	ts := oauth2bearerkit.TokenSource(ctx, c)

	got, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != want.AccessToken || !got.Expiry.Equal(want.Expiry) || got.Type() != "Bearer" || got.TokenType != "Bearer" {
		t.Errorf("oauth2 token %q %v %q, want the Client's %v", got.AccessToken, got.Expiry, got.TokenType, want)
	}
	if got.RefreshToken != "" || want.RefreshToken == "" {
		t.Errorf("the oauth2 token has a refresh token (%t); the Client's has one: %t", got.RefreshToken != "", want.RefreshToken != "")
	}
	if !got.Valid() {
		t.Error("a fresh token is not Valid to oauth2")
	}

	// As an oauth2.Transport's source (gRPC's oauth.TokenSource is alike).
	// oauth2.NewClient would wrap it in a ReuseTokenSource, which keeps a
	// token until it expires even after the Client replaced it.
	hc := &http.Client{Transport: &oauth2.Transport{Source: ts, Base: k.Client().Transport}}
	if s := apiGet(t, k, hc); s != http.StatusOK {
		t.Fatalf("API answered %d through oauth2.Transport", s)
	}

	// The Client renews (here after a 401); the source follows it, and
	// never asked the server itself.
	k.KillAccessTokens()
	if err := clientGet(c); err != nil {
		t.Fatal(err)
	}
	again, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessToken == got.AccessToken {
		t.Error("the source still hands out the token the Client replaced")
	}
	if s := apiGet(t, k, hc); s != http.StatusOK {
		t.Fatalf("API answered %d with the renewed token", s)
	}
	if st := k.Stats(); st.Logins != 1 || st.Refreshes != 1 {
		t.Errorf("logins %d, refreshes %d; want 1 and 1 (the Client's own)", st.Logins, st.Refreshes)
	}
}

func TestTokenSourceExtras(t *testing.T) {
	d := bearerkittest.NewDataddo(t)
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{BaseURL: d.URL(), Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(d.Client()))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := oauth2bearerkit.TokenSource(context.Background(), c).Token()
	if err != nil {
		t.Fatal(err)
	}
	if r, p := tok.Extra(oauth2bearerkit.ExtraRealmID), tok.Extra(oauth2bearerkit.ExtraProvider); r != bearerkittest.DefaultRealmID || p != bearerkittest.DefaultProvider {
		t.Errorf("extras realm_id %v, provider %v; want %q, %q", r, p, bearerkittest.DefaultRealmID, bearerkittest.DefaultProvider)
	}
}

func TestTokenSourceErrors(t *testing.T) {
	const wrong = "not-the-password-31d5"
	k := bearerkittest.NewKeycloak(t)
	c := keycloakClient(t, k, wrong)
	_, err := oauth2bearerkit.TokenSource(context.Background(), c).Token()
	var ae *bearerkit.AuthError
	if !errors.As(err, &ae) || !ae.Rejected() {
		t.Fatalf("err = %v, want a rejected *bearerkit.AuthError", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Error("the password is in the error")
	}

	for name, g := range map[string]oauth2bearerkit.TokenGetter{
		"nil":               nil,
		"nil *Client":       (*bearerkit.Client)(nil),
		"nil *Transport":    (*bearerkit.Transport)(nil),
		"Transport no Auth": &bearerkit.Transport{},
	} {
		if _, err := oauth2bearerkit.TokenSource(context.Background(), g).Token(); !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Errorf("%s: err = %v, want ErrInvalidOption", name, err)
		}
	}
	if _, err := oauth2bearerkit.AuthenticatorTokenSource(context.Background(), nil).Token(); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("AuthenticatorTokenSource(nil): err = %v, want ErrInvalidOption", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := oauth2bearerkit.TokenSource(ctx, keycloakClient(t, k, bearerkittest.DefaultPassword)).Token(); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}

	empty := getterFunc(func(context.Context) (*bearerkit.Token, error) { return &bearerkit.Token{}, nil })
	if _, err := oauth2bearerkit.TokenSource(context.Background(), empty).Token(); !errors.Is(err, oauth2bearerkit.ErrTokenSource) {
		t.Errorf("no access token: err = %v, want ErrTokenSource", err)
	}
}

type getterFunc func(context.Context) (*bearerkit.Token, error)

func (f getterFunc) Token(ctx context.Context) (*bearerkit.Token, error) { return f(ctx) }

// counting is an Authenticator that issues numbered tokens with the given
// lifetime.
type counting struct {
	life  time.Duration
	calls atomic.Int32
}

func (c *counting) Authenticate(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
	n := c.calls.Add(1)
	return &bearerkit.Token{AccessToken: "access-" + string(rune('a'+n-1)), RefreshToken: "refresh-x", Expiry: time.Now().Add(c.life)}, nil
}

func TestAuthenticatorTokenSourceCaches(t *testing.T) {
	a := &counting{life: time.Hour}
	ts := oauth2bearerkit.AuthenticatorTokenSource(context.Background(), a)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			tok, err := ts.Token()
			if err != nil || tok.AccessToken != "access-a" || tok.RefreshToken != "" {
				t.Errorf("Token() = %v, %v", tok, err)
			}
		})
	}
	wg.Wait()
	for range 5 {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.calls.Load(); n != 1 {
		t.Errorf("the Authenticator was called %d times for 21 tokens, want 1", n)
	}
}

// TestAuthenticatorTokenSourceAfterError: a failure is not cached; the
// next call asks again.
func TestAuthenticatorTokenSourceAfterError(t *testing.T) {
	var calls atomic.Int32
	boom := errors.New("boom")
	a := bearerkit.AuthenticatorFunc(func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		if calls.Add(1) == 1 {
			return nil, boom
		}
		return &bearerkit.Token{AccessToken: "second", Expiry: time.Now().Add(time.Hour)}, nil
	})
	ts := oauth2bearerkit.AuthenticatorTokenSource(context.Background(), a)
	if _, err := ts.Token(); !errors.Is(err, boom) {
		t.Fatalf("first call: %v, want the Authenticator's error", err)
	}
	tok, err := ts.Token()
	if err != nil || tok.AccessToken != "second" {
		t.Fatalf("second call: %v, %v", tok, err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d Authenticator calls, want 2", n)
	}
}

func TestConversions(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	bk := bearerkit.Token{AccessToken: "Bearer at-1", TokenType: "bearer", RefreshToken: "rt-1", Expiry: exp, RealmID: "42", Provider: "dataddo"}
	o := oauth2bearerkit.ToOAuth2(bk)
	if o.AccessToken != "at-1" || o.TokenType != "Bearer" || o.RefreshToken != "rt-1" || !o.Expiry.Equal(exp) ||
		o.Extra("realm_id") != "42" || o.Extra("provider") != "dataddo" {
		t.Errorf("ToOAuth2 = %+v", o)
	}
	back := oauth2bearerkit.FromOAuth2(o)
	if want := (bearerkit.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1", Expiry: exp, RealmID: "42", Provider: "dataddo"}); *back != want {
		t.Errorf("FromOAuth2(ToOAuth2) = %#v", back)
	}
	if o := oauth2bearerkit.ToOAuth2(bearerkit.Token{AccessToken: "x", TokenType: "MAC"}); o.TokenType != "MAC" || o.Extra("realm_id") != nil {
		t.Errorf("ToOAuth2 of a MAC token without realm = %+v", o)
	}
	// The pasted prefix is taken off as bearerkit does: any case, repeated;
	// only a prefix leaves nothing.
	for in, want := range map[string]string{"bearer  BEARER at-2": "at-2", "Bearer ": "", "at-3": "at-3"} {
		if o := oauth2bearerkit.ToOAuth2(bearerkit.Token{AccessToken: in}); o.AccessToken != want {
			t.Errorf("ToOAuth2(%q).AccessToken = %q, want %q", in, o.AccessToken, want)
		}
	}
	if oauth2bearerkit.FromOAuth2(nil) != nil {
		t.Error("FromOAuth2(nil) != nil")
	}
	// A realm_id that came as a JSON number.
	for _, raw := range []any{float64(7), json.Number("7"), "7"} {
		tok := (&oauth2.Token{AccessToken: "a"}).WithExtra(map[string]any{"realm_id": raw})
		if r := oauth2bearerkit.FromOAuth2(tok).RealmID; r != "7" {
			t.Errorf("realm_id %#v gives RealmID %q", raw, r)
		}
	}
}
