package bearerkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// Client is an authenticated client of one platform's API at a base URL.
// Its HTTPClient carries credentials to the base URL's origin (and to the
// origins added with WithOrigins) and to no other.
//
// A Client is safe for concurrent use; make one per platform account and
// share it.
type Client struct {
	baseURL   *url.URL
	auth      Authenticator
	transport *Transport
	http      *http.Client
}

// NewClient returns a Client of the API at baseURL that authenticates with
// auth. baseURL must be https, or http to a loopback host (or any host with
// WithInsecureHTTP). Errors wrap ErrInvalidOption (a nil auth, a nil or bad
// option, an unparsable baseURL) or ErrInsecureHTTP.
func NewClient(baseURL string, auth Authenticator, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%w: NewClient: base URL %q is not an absolute http(s) URL", ErrInvalidOption, redact.URL(baseURL))
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: NewClient: base URL must not hold user information", ErrInvalidOption)
	}
	if auth == nil {
		return nil, fmt.Errorf("%w: NewClient: nil Authenticator", ErrInvalidOption)
	}
	var cfg config
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: NewClient: option %d is nil", ErrInvalidOption, i)
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("bearerkit: NewClient: %w", err)
		}
	}
	if err := checkTransport(context.Background(), u, cfg.transport.AllowInsecureHTTP); err != nil {
		return nil, fmt.Errorf("bearerkit: NewClient: %w", err)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	u.RawQuery, u.Fragment = "", ""

	c := &Client{baseURL: u, auth: auth}
	tr := &cfg.transport
	tr.Auth = auth
	tr.Origins = append([]string{u.Scheme + "://" + u.Host}, cfg.origins...)
	hc := &http.Client{Transport: tr}
	if base := cfg.httpClient; base != nil {
		tr.Base = base.Transport
		hc.Timeout = base.Timeout
		hc.Jar = base.Jar
		hc.CheckRedirect = base.CheckRedirect
	}
	c.transport = tr
	c.http = hc
	return c, nil
}

// HTTPClient returns the authenticated *http.Client: the same one on every
// call, safe to share. httpmock.ActivateNonDefault(c.HTTPClient()) replaces
// its authenticating transport with the mock, for unit tests of code that
// only needs a client.
func (c *Client) HTTPClient() *http.Client { return c.http }

// BaseURL returns a copy of the base URL, with a trailing slash.
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// Token returns a copy of the current token, logging in or renewing first
// if there is none or it is about to expire.
func (c *Client) Token(ctx context.Context) (*Token, error) {
	return c.transport.Token(ctx)
}

// Token returns a copy of the current token, obtaining or renewing it
// first when needed, exactly as a request would.
func (t *Transport) Token(ctx context.Context) (*Token, error) {
	st := t.state()
	if st.optErr != nil {
		return nil, st.optErr
	}
	if t.Auth == nil {
		return nil, errNoAuth
	}
	s, err := t.acquire(ctx, st)
	if err != nil {
		return nil, err
	}
	tok := *s.tok
	return &tok, nil
}

func (c Client) fields() []redact.Field {
	var base string
	if c.baseURL != nil {
		base = c.baseURL.String()
	}
	return []redact.Field{
		{Name: "BaseURL", Value: base, URL: true},
		{Name: "Auth", Value: c.auth},
	}
}

// String describes the client without secrets.
func (c Client) String() string { return redact.String("bearerkit.Client", c.fields()...) }

// GoString is the %#v form, without secrets.
func (c Client) GoString() string { return redact.GoString("bearerkit.Client", c.fields()...) }

// Format makes every fmt verb print String (GoString for %#v).
func (c Client) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue is the slog form, without secrets.
func (c Client) LogValue() slog.Value { return redact.LogValue(c.fields()...) }
