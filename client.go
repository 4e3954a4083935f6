package bearerkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	userAgent  string
	revokeWith TokenRevoker // WithRevoker's
	common     service      // shared by the services below
	apiTokens  *secretSet   // API token values seen in answers

	// Sources is the data sources API: the sources grid, previews and
	// data-quality detection.
	Sources *SourcesService

	// APITokens is the API tokens of the account (/tokens).
	APITokens *APITokensService

	// Authorizers is the authorized services (/services): the OAuth or
	// credential connections sources and destinations use.
	Authorizers *AuthorizersService
}

// service is what every service holds: the Client it calls.
type service struct{ client *Client }

// NewClient returns a Client of the API at baseURL that authenticates with
// auth. baseURL must be https, or http to a loopback host (or any host with
// WithInsecureHTTP); an internationalized host is replaced by the ASCII
// (IDNA) name net/http dials.
//
// No URL is typed twice: an empty baseURL takes the API root from a preset
// that knows it (Dataddo's BaseURL), and a Dataddo preset with an empty
// BaseURL takes baseURL.
//
// NewClient checks everything it can before the first request: auth's
// Validate (every field a grant or preset needs; see Validator), nil and
// typed-nil values, and that no token endpoint of auth is plain http to a
// host that is not loopback unless WithInsecureHTTP says so. Errors wrap
// ErrInvalidOption (naming the field at fault) or ErrInsecureHTTP.
func NewClient(baseURL string, auth Authenticator, opts ...Option) (*Client, error) {
	const op = "NewClient"
	if err := checkAuthenticator(op, auth); err != nil {
		return nil, err
	}
	if baseURL == "" {
		if b, ok := auth.(apiBaser); ok {
			baseURL = b.apiBaseURL()
		}
		if baseURL == "" {
			return nil, prefixed(op, fmt.Errorf("%w: empty base URL, and the Authenticator (%T) does not know its API's", ErrInvalidOption, auth))
		}
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, prefixed(op, fmt.Errorf("%w: base URL %q is not an absolute http(s) URL", ErrInvalidOption, redact.URL(baseURL)))
	}
	if u.User != nil {
		return nil, prefixed(op, fmt.Errorf("%w: base URL must not hold user information", ErrInvalidOption))
	}
	if f, ok := auth.(baseFiller); ok {
		auth = f.withBaseURL(baseURL)
	}
	if err := validateAuth(op, auth, false); err != nil {
		return nil, err
	}
	// Credentials go to the origin net/http dials: an internationalized
	// host is replaced by its ASCII form, which is what is compared.
	base, err := parseOrigin(u.Scheme + "://" + u.Host)
	if err != nil {
		return nil, prefixed(op, fmt.Errorf("base URL: %w", err))
	}
	if !isASCII(u.Host) {
		u.Host = base.host
	}
	var cfg config
	for i, opt := range opts {
		if opt == nil {
			return nil, prefixed(op, fmt.Errorf("%w: option %d is nil", ErrInvalidOption, i))
		}
		if err := opt(&cfg); err != nil {
			return nil, prefixed(op, err)
		}
	}
	ctx := context.Background()
	if err := checkTransport(ctx, u, cfg.transport.AllowInsecureHTTP); err != nil {
		return nil, prefixed(op, err)
	}
	for _, ep := range endpointsOf(auth) {
		eu, err := url.Parse(ep)
		if err != nil {
			continue // Validate has judged it
		}
		if err := checkTransport(ctx, eu, cfg.transport.AllowInsecureHTTP); err != nil {
			return nil, prefixed(op, fmt.Errorf("the Authenticator's endpoint %s: %w", redact.URL(ep), err))
		}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	u.RawQuery, u.Fragment = "", ""

	c := &Client{baseURL: u, auth: auth, apiTokens: new(secretSet)}
	tr := &cfg.transport
	tr.Auth = auth
	tr.Origins = append([]string{u.Scheme + "://" + u.Host}, cfg.origins...)
	var rt http.RoundTripper = tr
	if cfg.retry != nil {
		rt = &retryTransport{next: tr, policy: *cfg.retry}
	}
	hc := &http.Client{Transport: rt}
	if user := cfg.httpClient; user != nil {
		tr.Base = user.Transport
		tr.authHC = user
		hc.Timeout = user.Timeout
		hc.Jar = user.Jar
		hc.CheckRedirect = user.CheckRedirect
	}
	tr.state() // now, before tr is shared: printing tr copies it
	c.transport = tr
	c.http = hc
	c.userAgent = cfg.userAgent
	c.revokeWith = cfg.revoker
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	c.common.client = c
	c.Sources = (*SourcesService)(&c.common)
	c.APITokens = (*APITokensService)(&c.common)
	c.Authorizers = (*AuthorizersService)(&c.common)
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
// if there is none or it is about to expire. When the TokenStore failed to
// save it, the token comes with an error wrapping ErrTokenNotSaved.
func (c *Client) Token(ctx context.Context) (*Token, error) {
	return c.transport.Token(ctx)
}

// Token returns a copy of the current token, obtaining or renewing it
// first when needed, exactly as a request would. When the TokenStore failed
// to save it, Token returns the token (requests use it) together with an
// error wrapping ErrTokenNotSaved, so that the failure is never silent.
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
	if s.saveErr != nil {
		return &tok, fmt.Errorf("%w: %w", ErrTokenNotSaved, s.saveErr)
	}
	return &tok, nil
}

func (c Client) fields() []redact.Field {
	var base string
	if c.baseURL != nil {
		base = c.baseURL.String()
	}
	return []redact.Field{
		{Name: "BaseURL", Value: base, URL: true},
		{Name: "Auth", Value: printable(c.auth)},
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

// MarshalJSON is the JSON form, without secrets.
func (c Client) MarshalJSON() ([]byte, error) { return redact.JSON(c.fields()...) }

// defaultUserAgent is the User-Agent of requests made by NewRequest unless
// WithUserAgent says otherwise.
const defaultUserAgent = "bearerkit-go"

// NewRequest returns an API request: path, relative to the base URL (for
// example "sources/42/preview?limit=10"), is resolved against it, and body,
// when not nil, is sent as JSON with a Content-Type of application/json.
// The request accepts JSON and carries the Client's User-Agent; its body
// can be replayed, so a request answered 401 is sent again with a renewed
// token.
//
// path must stay under the base URL: an absolute URL, a path starting with
// "/" (which would drop the base path, such as /api/v2/), and "." or ".."
// segments, percent-encoded ones ("%2e%2e", ".%2E") included, are refused
// with an error wrapping ErrInvalidOption. Escape
// every value put into path with url.PathEscape, as the services do; for
// URLs elsewhere, use HTTPClient directly.
func (c *Client) NewRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	var buf io.Reader
	if body != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return nil, fmt.Errorf("bearerkit: NewRequest: encoding the body: %w", err)
		}
		buf = bytes.NewReader(b.Bytes())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), buf)
	if err != nil {
		return nil, fmt.Errorf("bearerkit: NewRequest: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// resolve resolves a relative path against the base URL, refusing anything
// that would leave it.
func (c *Client) resolve(path string) (*url.URL, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: NewRequest: path %q %s", ErrInvalidOption, redact.Clip(redact.URL(path), 200), why)
	}
	if strings.HasPrefix(path, "/") {
		return nil, bad("must be relative to the base URL, without a leading slash")
	}
	ref, err := url.Parse(path)
	if err != nil {
		return nil, bad("is not a valid URL path")
	}
	if ref.IsAbs() || ref.Host != "" || ref.User != nil || ref.Opaque != "" {
		return nil, bad("must be relative to the base URL, not an absolute URL")
	}
	if hasDotSegment(ref.EscapedPath()) {
		return nil, bad("must not have . or .. segments (percent-encoded or not)")
	}
	ref.Fragment, ref.RawFragment = "", ""
	return c.baseURL.ResolveReference(ref), nil
}

// hasDotSegment reports whether an escaped path has a "." or ".." segment,
// spelled literally or percent-encoded ("%2e%2E", ".%2e"): servers decode
// those before they resolve dot segments. (A path parameter escaped with
// url.PathEscape, such as "..%2Fx", is one segment that holds a slash, not a
// dot segment.)
func hasDotSegment(escaped string) bool {
	for seg := range strings.SplitSeq(escaped, "/") {
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// Do sends an API request, such as one from NewRequest, and reads the
// answer, which it always closes. It uses req's context.
//
// A 2xx answer's JSON body is decoded into v, a pointer (an empty body
// leaves it alone); if v is an io.Writer the body is copied into it
// instead; if v is nil the body is discarded. Any other status gives an
// *APIError (see CheckResponse) along with the Response. When no answer
// came, the error is the one from http.Client.Do: a *url.Error wrapping,
// for instance, an *AuthError when logging in failed.
//
// Do is safe for concurrent use.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	resp, err := c.bareDo(req)
	if err != nil {
		return resp, err
	}
	defer closeBody(resp.Response)
	switch v := v.(type) {
	case nil:
	case io.Writer:
		if _, err := io.Copy(v, resp.Body); err != nil {
			return resp, fmt.Errorf("bearerkit: %s %s: reading the response: %w", req.Method, redact.URL(req.URL.String()), err)
		}
	default:
		dec := json.NewDecoder(resp.Body)
		if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
			return resp, decodeError(resp.Response, err)
		}
	}
	return resp, nil
}

// bareDo sends req and checks the status. On success the caller must close
// the body; on an *APIError it is already closed.
func (c *Client) bareDo(req *http.Request) (*Response, error) {
	if req == nil {
		return nil, fmt.Errorf("%w: Do: nil request", ErrInvalidOption)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if err := checkResponse(resp, c.secrets()); err != nil {
		closeBody(resp)
		return newResponse(resp), err
	}
	return newResponse(resp), nil
}

// secrets lists every secret the Client holds: its current access and
// refresh token, its Authenticator's password or client secret, and the API
// token values it has handed out. An API error is scrubbed of all of them,
// whatever the request that got it carried.
func (c *Client) secrets() []string {
	out := secretsOf(c.auth)
	if s := c.transport.state().cur.Load(); s != nil {
		out = append(out, tokenSecrets(s.tok)...)
	}
	return append(out, c.apiTokens.list()...)
}

// decodeError describes a 2xx answer whose body is not the expected JSON.
func decodeError(resp *http.Response, err error) error {
	var method, u string
	if resp.Request != nil {
		method, u = resp.Request.Method, redact.URL(resp.Request.URL.String())
	}
	return fmt.Errorf("bearerkit: %s %s: the response is not the expected JSON (content type %q): %w",
		method, u, contentType(resp, requestSecrets(resp.Request)), err)
}
