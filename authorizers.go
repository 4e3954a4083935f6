package bearerkit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// AuthorizersService is the authorizers of the account, which the API
// calls services (/services, docs/platforms/dataddo-authorizers.md): the OAuth or credential
// connections that let the platform read a source or write to a
// destination. Get it from Client.Authorizers; it is safe for concurrent
// use.
type AuthorizersService service

// Authorizer is an authorized service. Fields the answer lacks are zero;
// Raw holds it as sent.
type Authorizer struct {
	// ID identifies the authorizer in Get, Test and Delete, and as
	// AuthorizeRequest.ServiceID; a string even though the platform sends
	// a number.
	ID string `json:"id"`

	// Service is the kind of service, e.g. "google_sheets": the name that
	// AuthorizeURL and CompleteAuthorization take.
	Service string `json:"service,omitempty"`

	// Label names the authorizer for people, e.g. "Google Sheets -
	// finance@example.com".
	Label string `json:"label,omitempty"`

	// ServiceType is "source" or "destination".
	ServiceType string `json:"service_type,omitempty"`

	// Status is false when the authorizer is broken (the UI's "Broken"
	// state), with the reason in StatusDetail; nil when the answer had no
	// status that could be read. See Broken.
	Status       *bool  `json:"status,omitempty"`
	StatusDetail string `json:"status_detail,omitempty"`

	// LastAction is when the authorizer last changed or was used; zero
	// when not sent.
	LastAction time.Time `json:"last_action,omitzero"`

	// CustomerID is the account the authorizer belongs to.
	CustomerID string `json:"customer_id,omitempty"`

	// Raw is the authorizer's JSON as the platform sent it.
	Raw json.RawMessage `json:"-"`
}

// Broken reports whether the platform marks the authorizer as broken
// (status false): it must be reauthorized (AuthorizeURL, then
// CompleteAuthorization), and StatusDetail says why, e.g. an upstream
// "invalid_grant". An authorizer without a readable status is not
// reported broken; nor is a nil one.
func (a *Authorizer) Broken() bool {
	return a != nil && a.Status != nil && !*a.Status
}

// UnmarshalJSON decodes an authorizer tolerantly: ids as numbers or
// strings, status as a bool or a word such as "ok" or "broken", a
// status_detail that is not a string kept as its JSON text.
func (a *Authorizer) UnmarshalJSON(b []byte) error {
	type plain Authorizer
	aux := struct {
		*plain
		ID           flexString      `json:"id"`
		CustomerID   flexString      `json:"customer_id"`
		Status       flexBool        `json:"status"`
		StatusDetail json.RawMessage `json:"status_detail"`
		LastAction   flexTime        `json:"last_action"`
	}{plain: (*plain)(a)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	a.ID, a.CustomerID, a.Status = string(aux.ID), string(aux.CustomerID), aux.Status.v
	a.StatusDetail = detailText(aux.StatusDetail)
	a.LastAction = time.Time(aux.LastAction)
	a.Raw = cloneRaw(b)
	return nil
}

// detailText is a string's value, or any other JSON value's text; null
// gives "".
func detailText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(cloneRaw(raw))
}

// AuthorizerTest is the result of AuthorizersService.Test: the platform's
// own check of the connection. A failed check is a result, not an error:
// see OK, Message and Logs.
type AuthorizerTest struct {
	// Status is the verdict: true when the connection works, false when
	// not, nil when the answer had no status that could be read.
	Status *bool `json:"status,omitempty"`

	// Message sums the check up, e.g. "Connection OK", or the upstream
	// error of a failed refresh.
	Message string `json:"message,omitempty"`

	// Started and Ended bound the check; zero when not sent.
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`

	// Duration is how long the check took: the "duration" field read as
	// seconds, else Ended minus Started. It is left out of the JSON
	// encoding, whose duration would be read back as seconds.
	Duration time.Duration `json:"-"`

	// MemoryMB is the memory the check used, in megabytes.
	MemoryMB float64 `json:"memory_mb,omitempty"`

	// Logs are the log lines of the check.
	Logs []string `json:"logs,omitempty"`

	// Raw is the result's JSON as the platform sent it.
	Raw json.RawMessage `json:"-"`
}

// OK reports whether the check passed. An unreadable verdict is not OK.
func (t *AuthorizerTest) OK() bool { return t != nil && t.Status != nil && *t.Status }

// UnmarshalJSON decodes a test result tolerantly.
func (t *AuthorizerTest) UnmarshalJSON(b []byte) error {
	type plain AuthorizerTest
	aux := struct {
		*plain
		Status   flexBool        `json:"status"`
		Message  json.RawMessage `json:"message"`
		Started  flexTime        `json:"started"`
		Ended    flexTime        `json:"ended"`
		Duration flexSeconds     `json:"duration"`
		MemoryMB flexFloat       `json:"memory_mb"`
		Logs     flexLines       `json:"logs"`
	}{plain: (*plain)(t)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	t.Status, t.Message = aux.Status.v, detailText(aux.Message)
	t.Started, t.Ended = time.Time(aux.Started), time.Time(aux.Ended)
	t.Duration, t.MemoryMB, t.Logs = time.Duration(aux.Duration), float64(aux.MemoryMB), []string(aux.Logs)
	if t.Duration == 0 && !t.Started.IsZero() && t.Ended.After(t.Started) {
		t.Duration = t.Ended.Sub(t.Started)
	}
	t.Raw = cloneRaw(b)
	return nil
}

// List returns the authorizers of the account (GET services).
func (s *AuthorizersService) List(ctx context.Context) ([]*Authorizer, *Response, error) {
	return listOf[*Authorizer](ctx, s.client, "services")
}

// Get returns one authorizer (GET services/{id}). An unknown id gives an
// *APIError with StatusCode 404.
func (s *AuthorizersService) Get(ctx context.Context, id string) (*Authorizer, *Response, error) {
	p, err := pathOf("services", id)
	if err != nil {
		return nil, nil, err
	}
	return s.do(ctx, http.MethodGet, p, nil)
}

// Test has the platform check the authorizer's connection (GET
// services/{id}/debug). The platform answers 200 whether the check passes
// or not, so a failed check is a nil error and an AuthorizerTest whose OK
// is false; errors are for calls that could not be made (an unknown id is
// an *APIError with StatusCode 404).
func (s *AuthorizersService) Test(ctx context.Context, id string) (*AuthorizerTest, *Response, error) {
	p, err := pathOf("services", id, "debug")
	if err != nil {
		return nil, nil, err
	}
	req, err := s.client.NewRequest(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, nil, err
	}
	t := new(AuthorizerTest)
	resp, err := s.client.Do(req, t)
	if err != nil {
		return nil, resp, err
	}
	return t, resp, nil
}

// Delete deletes an authorizer (DELETE services/{id}). The platform refuses
// while a source or destination still uses it: the error is then an
// *APIError (its Message says which) that errors.Is matches with
// ErrAuthorizerInUse. Delete the users first, or reauthorize instead.
func (s *AuthorizersService) Delete(ctx context.Context, id string) (*Response, error) {
	p, err := pathOf("services", id)
	if err != nil {
		return nil, err
	}
	req, err := s.client.NewRequest(ctx, http.MethodDelete, p, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req, nil)
	var ae *APIError
	if errors.As(err, &ae) && inUse(ae) {
		ae.kind = ErrAuthorizerInUse
	}
	return resp, err
}

func (s *AuthorizersService) do(ctx context.Context, method, path string, body any) (*Authorizer, *Response, error) {
	req, err := s.client.NewRequest(ctx, method, path, body)
	if err != nil {
		return nil, nil, err
	}
	a := new(Authorizer)
	resp, err := s.client.Do(req, a)
	if err != nil {
		return nil, resp, err
	}
	return a, resp, nil
}
