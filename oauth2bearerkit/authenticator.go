package oauth2bearerkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// Grant names, for bearerkit.AuthError.Grant.
const (
	grantSource  = "oauth2 token source"
	grantRefresh = "refresh_token"
)

// Authenticator returns a bearerkit.Authenticator whose tokens come from
// ts: Authenticate calls ts.Token() and converts the result (FromOAuth2).
//
// An oauth2.TokenSource takes no context: the renewal's context is not
// passed on (make ts with one, as oauth2.Config.TokenSource does), but when
// it ends first, Authenticate returns its error at once and leaves the call
// to finish in the background. Sources made by x/oauth2 cache their token
// until it is about to expire, so after the API answered 401 to it, ts may
// hand back the same token, and the bearerkit Transport fails the request
// rather than ask again in a loop. Where the token can die early, prefer
// FuncAuthenticator (clientcredentials.Config.Token asks the server every
// time) or ConfigAuthenticator (which refreshes whenever it is asked).
//
// Errors are converted as the package doc says. Under a
// bearerkit.RefreshOnly context, ts (a credential of its own) is not asked:
// Authenticate fails with an error wrapping bearerkit.ErrRefreshOnly. A
// nil ts makes Validate and Authenticate fail with an error wrapping bearerkit.ErrInvalidOption. The
// Authenticator is safe for concurrent use when ts is (x/oauth2's are); it
// prints as its type and ts's type only, so a source holding a token never
// shows it.
func Authenticator(ts oauth2.TokenSource) bearerkit.Authenticator {
	return sourceAuth{ts: ts}
}

type sourceAuth struct{ ts oauth2.TokenSource }

// Validate reports a nil TokenSource.
func (a sourceAuth) Validate() error {
	if a.ts == nil {
		return fmt.Errorf("%w: oauth2bearerkit.Authenticator of a nil oauth2.TokenSource", bearerkit.ErrInvalidOption)
	}
	return nil
}

// Authenticate calls ts.Token(), prev aside.
func (a sourceAuth) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if bearerkit.IsRefreshOnly(ctx) {
		return nil, &bearerkit.AuthError{Grant: grantSource, Err: bearerkit.ErrRefreshOnly}
	}
	return fetch(ctx, grantSource, "", tokenSecrets(prev), func(context.Context) (*oauth2.Token, error) { return a.ts.Token() }, true)
}

func (a sourceAuth) String() string {
	return fmt.Sprintf("oauth2bearerkit.Authenticator(%T)", a.ts)
}

// GoString is the %#v form: the same as String.
func (a sourceAuth) GoString() string { return a.String() }

// Format makes every fmt verb print String.
func (a sourceAuth) Format(f fmt.State, verb rune) { redact.Format(f, verb, a.String(), a.GoString()) }

// LogValue is the slog form: String.
func (a sourceAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// MarshalJSON is the JSON form: String, as a JSON string.
func (a sourceAuth) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// FuncAuthenticator returns a bearerkit.Authenticator that calls f with the
// renewal's context for every token, prev aside: for
// clientcredentials.Config.Token, say, which asks the token endpoint each
// time. x/oauth2 takes its HTTP client from the context's oauth2.HTTPClient
// value: when the context has none but carries bearerkit's (a Client made
// WithHTTPClient passes its own; see bearerkit.HTTPClientFromContext), f
// gets that one as oauth2.HTTPClient. Errors are converted as the package
// doc says. Under a bearerkit.RefreshOnly context, f is not called:
// Authenticate fails with an error wrapping bearerkit.ErrRefreshOnly.
//
// A nil f makes Validate and Authenticate fail with an error wrapping
// bearerkit.ErrInvalidOption. The Authenticator is safe for concurrent use
// when f is; it prints as its type only.
func FuncAuthenticator(f func(context.Context) (*oauth2.Token, error)) bearerkit.Authenticator {
	return funcAuth{f: f}
}

type funcAuth struct {
	f func(context.Context) (*oauth2.Token, error)
}

// Validate reports a nil function.
func (a funcAuth) Validate() error {
	if a.f == nil {
		return fmt.Errorf("%w: oauth2bearerkit.FuncAuthenticator of a nil function", bearerkit.ErrInvalidOption)
	}
	return nil
}

// Authenticate calls f(ctx).
func (a funcAuth) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if bearerkit.IsRefreshOnly(ctx) {
		return nil, &bearerkit.AuthError{Grant: grantSource, Err: bearerkit.ErrRefreshOnly}
	}
	if hc := bearerkit.HTTPClientFromContext(ctx); hc != nil && ctx.Value(oauth2.HTTPClient) == nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	return fetch(ctx, grantSource, "", tokenSecrets(prev), a.f, false)
}

func (a funcAuth) String() string { return "oauth2bearerkit.FuncAuthenticator" }

// GoString is the %#v form: the same as String.
func (a funcAuth) GoString() string { return a.String() }

// Format makes every fmt verb print String.
func (a funcAuth) Format(f fmt.State, verb rune) { redact.Format(f, verb, a.String(), a.GoString()) }

// LogValue is the slog form: String.
func (a funcAuth) LogValue() slog.Value { return slog.StringValue(a.String()) }

// MarshalJSON is the JSON form: String, as a JSON string.
func (a funcAuth) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// ConfigAuthenticator is a bearerkit.Authenticator for a token obtained
// with x/oauth2 (an authorization code exchange, a device flow): it starts
// from Token and renews it with the refresh token grant of Config, every
// time it is asked (so a 401 does get a new token).
//
// At first use (prev nil) it returns Token while that is valid, and
// refreshes it otherwise; after that it refreshes prev with prev's refresh
// token. When the server rotates refresh tokens, persist the renewed token
// with a bearerkit.TokenStore: the Transport then passes the stored token
// as prev at first use, and the stale refresh token of Token is never sent.
// A missing refresh token is an *AuthError wrapping
// bearerkit.ErrNoRefreshToken, so bearerkit.Fallback moves on to its next
// step. Under a bearerkit.RefreshOnly context only prev is refreshed: Token
// is this Authenticator's own credential, and asking without prev fails
// with an error wrapping bearerkit.ErrRefreshOnly.
//
// Config.ClientID, ClientSecret, Endpoint.TokenURL and Endpoint.AuthStyle
// are used (the zero AuthStyle lets x/oauth2 try both, once per endpoint).
// A redirect to another origin is refused (the refresh token and client
// secret would follow it) with an error wrapping
// bearerkit.ErrRedirectRefused. Validate checks that Config is set and its
// TokenURL is https, or http to a loopback host or with AllowInsecureHTTP.
//
// ConfigAuthenticator is safe for concurrent use once made; do not modify
// Config or Token afterwards. Printing it shows no secret: the client
// secret and tokens are redacted with every fmt verb, log/slog and
// encoding/json.
type ConfigAuthenticator struct {
	// Config is the OAuth 2 client. Required.
	Config *oauth2.Config

	// Token is the token to start from; nil means none (the first use then
	// fails with bearerkit.ErrNoRefreshToken unless the TokenStore has one).
	Token *oauth2.Token

	// HTTPClient calls the token endpoint. Nil means the one the renewal's
	// context carries: bearerkit's (a Client made WithHTTPClient passes
	// its own; see bearerkit.HTTPClientFromContext), else x/oauth2's
	// oauth2.HTTPClient value, else http.DefaultClient.
	HTTPClient *http.Client

	// AllowInsecureHTTP allows a plain http:// TokenURL on a host that is
	// not loopback. Use it only inside a trusted network.
	AllowInsecureHTTP bool
}

// Validate checks Config and its TokenURL. Its errors wrap
// bearerkit.ErrInvalidOption or bearerkit.ErrInsecureHTTP.
func (a ConfigAuthenticator) Validate() error {
	if a.Config == nil {
		return fmt.Errorf("%w: oauth2bearerkit.ConfigAuthenticator.Config is nil", bearerkit.ErrInvalidOption)
	}
	raw := a.Config.Endpoint.TokenURL
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%w: oauth2bearerkit.ConfigAuthenticator.Config.Endpoint.TokenURL %q is not an absolute http(s) URL",
			bearerkit.ErrInvalidOption, redact.Clip(redact.URL(raw), 200))
	}
	if u.User != nil {
		return fmt.Errorf("%w: oauth2bearerkit.ConfigAuthenticator.Config.Endpoint.TokenURL must not hold user information", bearerkit.ErrInvalidOption)
	}
	if u.Scheme == "http" && !a.AllowInsecureHTTP && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%w to %s (use https, or set ConfigAuthenticator.AllowInsecureHTTP)", bearerkit.ErrInsecureHTTP, u.Hostname())
	}
	return nil
}

// Authenticate returns Token at first use while it is valid, and otherwise
// a token refreshed with prev's refresh token (Token's at first use).
func (a ConfigAuthenticator) Authenticate(ctx context.Context, prev *bearerkit.Token) (*bearerkit.Token, error) {
	if err := a.Validate(); err != nil {
		return nil, &bearerkit.AuthError{Grant: grantRefresh, Err: err}
	}
	endpoint := redact.URL(a.Config.Endpoint.TokenURL)
	var refresh string
	switch {
	case prev != nil:
		refresh = prev.RefreshToken
	case bearerkit.IsRefreshOnly(ctx):
		// Token is a credential of this Authenticator's own, not the
		// session's.
		return nil, &bearerkit.AuthError{Grant: grantRefresh, Endpoint: endpoint, Err: bearerkit.ErrRefreshOnly}
	case a.Token != nil && a.Token.AccessToken != "" && a.Token.Valid():
		return FromOAuth2(a.Token), nil
	case a.Token != nil:
		refresh = a.Token.RefreshToken
	}
	if refresh == "" {
		return nil, &bearerkit.AuthError{Grant: grantRefresh, Endpoint: endpoint, Err: bearerkit.ErrNoRefreshToken}
	}
	secrets := append(tokenSecrets(prev), a.Config.ClientSecret, refresh)
	if a.Token != nil {
		secrets = append(secrets, a.Token.AccessToken, a.Token.RefreshToken)
	}
	hc := guardRedirects(a.client(ctx), a.Config.Endpoint.TokenURL)
	return fetch(ctx, grantRefresh, endpoint, secrets, func(ctx context.Context) (*oauth2.Token, error) {
		// An access token that is not valid makes the source refresh at
		// once, with the context's HTTP client.
		return a.Config.TokenSource(context.WithValue(ctx, oauth2.HTTPClient, hc), &oauth2.Token{RefreshToken: refresh}).Token()
	}, false)
}

// client picks the HTTP client of the token request.
func (a ConfigAuthenticator) client(ctx context.Context) *http.Client {
	if a.HTTPClient != nil {
		return a.HTTPClient
	}
	if hc := bearerkit.HTTPClientFromContext(ctx); hc != nil {
		return hc
	}
	if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && hc != nil {
		return hc
	}
	return http.DefaultClient
}

func (a ConfigAuthenticator) fields() []redact.Field {
	var id, secret, tokenURL string
	var scopes []string
	if c := a.Config; c != nil {
		id, secret, tokenURL, scopes = c.ClientID, c.ClientSecret, c.Endpoint.TokenURL, c.Scopes
	}
	var access, refresh string
	if a.Token != nil {
		access, refresh = a.Token.AccessToken, a.Token.RefreshToken
	}
	return []redact.Field{
		{Name: "ClientID", Value: id},
		{Name: "ClientSecret", Value: secret, Secret: true},
		{Name: "TokenURL", Value: tokenURL, URL: true},
		{Name: "Scopes", Value: scopes},
		{Name: "AccessToken", Value: access, Secret: true},
		{Name: "RefreshToken", Value: refresh, Secret: true},
		{Name: "HTTPClient", Value: a.HTTPClient},
		{Name: "AllowInsecureHTTP", Value: a.AllowInsecureHTTP},
	}
}

// String describes the authenticator without secrets.
func (a ConfigAuthenticator) String() string {
	return redact.String("oauth2bearerkit.ConfigAuthenticator", a.fields()...)
}

// GoString is the %#v form, with secrets redacted.
func (a ConfigAuthenticator) GoString() string {
	return redact.GoString("oauth2bearerkit.ConfigAuthenticator", a.fields()...)
}

// Format makes every fmt verb print String (GoString for %#v).
func (a ConfigAuthenticator) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, a.String(), a.GoString())
}

// LogValue is the slog form, with secrets redacted.
func (a ConfigAuthenticator) LogValue() slog.Value { return redact.LogValue(a.fields()...) }

// MarshalJSON is the JSON form, with secrets redacted.
func (a ConfigAuthenticator) MarshalJSON() ([]byte, error) { return redact.JSON(a.fields()...) }

// guardRedirects returns a copy of hc that follows a redirect only on the
// origin of tokenURL: the token request's body holds the refresh token (and
// perhaps the client secret), which a 307 or 308 would carry along.
func guardRedirects(hc *http.Client, tokenURL string) *http.Client {
	c := *hc
	own := c.CheckRedirect
	origin := originOf(tokenURL)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if o := originOf(req.URL.String()); o != origin {
			return fmt.Errorf("%w: the token endpoint redirected to %s", bearerkit.ErrRedirectRefused, redact.URL(o))
		}
		if own != nil {
			return own(req, via)
		}
		if len(via) >= 10 {
			return fmt.Errorf("oauth2bearerkit: stopped after %d redirects", len(via))
		}
		return nil
	}
	return &c
}

// originOf returns scheme://host[:port] of raw, lower-cased, or "" when it
// does not parse.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// isLoopback reports whether host is "localhost" (or a name under it) or a
// loopback IP address.
func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// tokenSecrets lists the secrets of t, for scrubbing.
func tokenSecrets(t *bearerkit.Token) []string {
	if t == nil {
		return nil
	}
	return []string{t.AccessToken, t.RefreshToken}
}
