package bearerkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// AuthorizeRequest starts an OAuth (re)authorization with
// AuthorizersService.AuthorizeURL.
type AuthorizeRequest struct {
	// State is an unguessable value of yours, bound to the user's session:
	// the callback URL carries it back, and you must check it there
	// (CSRF protection). Required.
	State string `json:"state"`

	// ServiceID is the authorizer to reauthorize (Authorizer.ID); empty
	// authorizes a new one. A numeric id is sent as a JSON number.
	ServiceID string `json:"service_id,omitempty"`

	// Config is the service's own settings, sent as is; nil sends none.
	Config any `json:"config,omitempty"`

	// RedirectURI is where the user's browser comes back to after consent,
	// with the callback query. Required.
	RedirectURI string `json:"redirect_uri"`
}

// MarshalJSON sends ServiceID as a number when it is one, as the platform
// expects.
func (r AuthorizeRequest) MarshalJSON() ([]byte, error) {
	type plain AuthorizeRequest
	aux := struct {
		plain
		ServiceID json.RawMessage `json:"service_id,omitempty"`
	}{plain: plain(r)}
	if r.ServiceID != "" {
		if _, err := strconv.ParseInt(r.ServiceID, 10, 64); err == nil {
			aux.ServiceID = json.RawMessage(r.ServiceID)
		} else {
			aux.ServiceID, _ = json.Marshal(r.ServiceID)
		}
	}
	return json.Marshal(aux)
}

// AuthorizeURL is the first step of (re)authorizing a service named
// service (Authorizer.Service, e.g. "google_sheets"): it returns the URL
// the user must visit to give consent (POST
// services/{service}/oauth-request-url). After consent the browser comes
// back to req.RedirectURI; pass that full URL to CompleteAuthorization.
// A nil req, or one without State or RedirectURI, is an error wrapping
// ErrInvalidOption.
func (s *AuthorizersService) AuthorizeURL(ctx context.Context, service string, req *AuthorizeRequest) (string, *Response, error) {
	if req == nil || req.State == "" || req.RedirectURI == "" {
		return "", nil, fmt.Errorf("%w: Authorizers.AuthorizeURL: a State and a RedirectURI are required", ErrInvalidOption)
	}
	p, err := pathOf("services", service, "oauth-request-url")
	if err != nil {
		return "", nil, err
	}
	hr, err := s.client.NewRequest(ctx, http.MethodPost, p, req)
	if err != nil {
		return "", nil, err
	}
	var raw json.RawMessage
	resp, err := s.client.Do(hr, &raw)
	if err != nil {
		return "", resp, err
	}
	u := authorizeURLOf(raw)
	if u == "" {
		return "", resp, decodeError(resp.Response, errors.New("no authorization URL in the answer"))
	}
	return u, resp, nil
}

// authorizeURLOf finds the URL in {"url": ...} (or a similar field), or a
// bare JSON string.
func authorizeURLOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range []string{"url", "authorization_url", "authorize_url", "redirect_url", "oauth_url"} {
		if json.Unmarshal(m[k], &s) == nil && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// CompleteAuthorization is the second step: it hands the platform the URL
// the user's browser came back to (redirect URI, code and state) and
// returns the authorizer, now working (POST
// services/{service}/oauth-process-callback). Check the state in
// callbackURL against your AuthorizeRequest.State before calling it. An
// empty callbackURL is an error wrapping ErrInvalidOption.
func (s *AuthorizersService) CompleteAuthorization(ctx context.Context, service, callbackURL string) (*Authorizer, *Response, error) {
	if callbackURL == "" {
		return nil, nil, fmt.Errorf("%w: Authorizers.CompleteAuthorization: empty callback URL", ErrInvalidOption)
	}
	p, err := pathOf("services", service, "oauth-process-callback")
	if err != nil {
		return nil, nil, err
	}
	return s.do(ctx, http.MethodPost, p, struct {
		CallbackURL string `json:"callback_url"`
	}{callbackURL})
}
