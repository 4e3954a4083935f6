package bearerkit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// AuthStyle says how a grant authenticates its client to the token
// endpoint when it has a client secret.
type AuthStyle int

const (
	// AuthStyleBasic sends the client id and secret as HTTP Basic, each
	// URL-encoded first (RFC 6749 §2.3.1). It is the zero value.
	AuthStyleBasic AuthStyle = iota

	// AuthStyleParams sends them as client_id and client_secret form
	// fields.
	AuthStyleParams
)

// String returns the style's name.
func (s AuthStyle) String() string {
	switch s {
	case AuthStyleBasic:
		return "basic"
	case AuthStyleParams:
		return "params"
	}
	return fmt.Sprintf("AuthStyle(%d)", int(s))
}

// formRequest is one call to an OAuth 2 token endpoint.
type formRequest struct {
	grant        string
	tokenURL     string
	clientID     string
	clientSecret string
	style        AuthStyle
	form         tokenForm
	hc           *http.Client
	secrets      []string
}

// do posts the form and parses the answer.
func (r formRequest) do(ctx context.Context) (*Token, error) {
	if r.tokenURL == "" {
		return nil, &AuthError{Grant: r.grant, Err: fmt.Errorf("no TokenURL: %w", ErrInvalidOption)}
	}
	form := &r.form
	if r.clientID != "" && (r.clientSecret == "" || r.style == AuthStyleParams) {
		form.set("client_id", r.clientID)
	}
	if r.clientSecret != "" && r.style == AuthStyleParams {
		form.set("client_secret", r.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.tokenURL, strings.NewReader(form.encode()))
	if err != nil {
		return nil, &AuthError{Grant: r.grant, Endpoint: redact.URL(r.tokenURL), Err: fmt.Errorf("invalid TokenURL: %w", ErrInvalidOption)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if r.clientSecret != "" && r.style != AuthStyleParams {
		req.Header.Set("Authorization", "Basic "+basicAuth(r.clientID, r.clientSecret))
	}
	return exchange(req, r.hc, r.grant, r.secrets)
}

// basicAuth encodes a client's credentials as RFC 6749 §2.3.1 wants: each
// part form-encoded, then HTTP Basic.
func basicAuth(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

// exchange sends a token request built by a grant or preset and parses the
// answer as an RFC 6749 token response. It refuses plain http to hosts
// other than loopback unless the context allows it.
func exchange(req *http.Request, hc *http.Client, grant string, secrets []string) (*Token, error) {
	resp, err := send(req, hc, grant, secrets)
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	return parseToken(resp, grant, func() string { return redact.URL(req.URL.String()) }, secrets)
}

// send performs a credential-bearing request to an authentication endpoint,
// after the plain-http check, and turns a transport failure into an
// *AuthError. The caller closes the response body.
func send(req *http.Request, hc *http.Client, grant string, secrets []string) (*http.Response, error) {
	if err := checkTransport(req.Context(), req.URL, false); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(req.URL.String()), Err: err}
	}
	resp, err := credentialClient(authClient(req.Context(), hc)).Do(req)
	if err != nil {
		endpoint := redact.URL(req.URL.String())
		var re *RedirectError
		if errors.As(err, &re) {
			return nil, &AuthError{Grant: grant, Endpoint: endpoint, StatusCode: re.StatusCode, Err: re}
		}
		return nil, &AuthError{Grant: grant, Endpoint: endpoint, Err: scrubErr(err, secrets)}
	}
	return resp, nil
}

// expectOK sends a request whose answer carries no token (revocation) and
// turns a non-2xx answer into an *AuthError.
func expectOK(req *http.Request, hc *http.Client, grant string, secrets []string) error {
	resp, err := send(req, hc, grant, secrets)
	if err != nil {
		return err
	}
	defer closeBody(resp)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	_, err = parseTokenResponse(resp, grant, redact.URL(req.URL.String()), secrets)
	return err
}
