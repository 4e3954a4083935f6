package bearerkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// APITokensService is the API tokens of the account (/tokens): long-lived
// tokens made for other programs. Get it from Client.APITokens; it is safe
// for concurrent use.
type APITokensService service

// APIToken is an API token of the account. Its Token is a secret: printing
// an APIToken with fmt (any verb), log/slog or json.Marshal shows whether it
// is set, never its value.
type APIToken struct {
	// ID identifies the token in Delete; a string even when sent as a
	// number.
	ID string `json:"id"`

	// Name is the label given at creation.
	Name string `json:"name,omitempty"`

	// Token is the secret itself. The platform may send it only at
	// creation, or masked in lists.
	Token string `json:"token,omitempty"`

	// CustomerID is the account the token belongs to.
	CustomerID string `json:"customer_id,omitempty"`

	// CreatedAt is when the token was made; LastUse when it was last used,
	// zero when never (or not sent).
	CreatedAt time.Time `json:"created_at,omitzero"`
	LastUse   time.Time `json:"last_use,omitzero"`
}

// UnmarshalJSON decodes a token tolerantly: ids as numbers or strings,
// times in any common layout, a null last_use as the zero time.
func (t *APIToken) UnmarshalJSON(b []byte) error {
	type plain APIToken
	aux := struct {
		*plain
		ID         flexString `json:"id"`
		CustomerID flexString `json:"customer_id"`
		CreatedAt  flexTime   `json:"created_at"`
		LastUse    flexTime   `json:"last_use"`
	}{plain: (*plain)(t)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	t.ID, t.CustomerID = string(aux.ID), string(aux.CustomerID)
	t.CreatedAt, t.LastUse = time.Time(aux.CreatedAt), time.Time(aux.LastUse)
	return nil
}

func (t APIToken) fields() []redact.Field {
	fs := []redact.Field{
		{Name: "ID", Value: t.ID},
		{Name: "Name", Value: t.Name},
		{Name: "Token", Value: t.Token, Secret: true},
		{Name: "CustomerID", Value: t.CustomerID},
	}
	if !t.CreatedAt.IsZero() {
		fs = append(fs, redact.Field{Name: "CreatedAt", Value: t.CreatedAt.UTC().Format(time.RFC3339)})
	}
	if !t.LastUse.IsZero() {
		fs = append(fs, redact.Field{Name: "LastUse", Value: t.LastUse.UTC().Format(time.RFC3339)})
	}
	return fs
}

// String describes the token without its secret.
func (t APIToken) String() string { return redact.String("bearerkit.APIToken", t.fields()...) }

// GoString is the %#v form, with the secret redacted.
func (t APIToken) GoString() string { return redact.GoString("bearerkit.APIToken", t.fields()...) }

// Format makes every fmt verb print String (GoString for %#v), so no verb
// can reach the secret.
func (t APIToken) Format(f fmt.State, verb rune) { redact.Format(f, verb, t.String(), t.GoString()) }

// LogValue is the slog form, with the secret redacted.
func (t APIToken) LogValue() slog.Value { return redact.LogValue(t.fields()...) }

// MarshalJSON is the JSON form with the same field names as the API's, the
// secret redacted ("[redacted]" when set), so that json.Marshal and slog's
// JSONHandler never show it, even inside a slice or struct. Keep the Token
// field itself where the secret must be stored.
func (t APIToken) MarshalJSON() ([]byte, error) {
	type plain APIToken
	p := plain(t)
	p.Token = redact.Secret(t.Token)
	return json.Marshal(p)
}

// List returns the API tokens of the account (GET tokens).
func (s *APITokensService) List(ctx context.Context) ([]*APIToken, *Response, error) {
	ts, resp, err := listOf[*APIToken](ctx, s.client, "tokens")
	for _, t := range ts {
		if t != nil {
			s.client.apiTokens.add(t.Token)
		}
	}
	return ts, resp, err
}

// Create makes an API token named name (POST tokens {"name": name}) and
// returns it, its secret included. An empty name is an error wrapping
// ErrInvalidOption.
func (s *APITokensService) Create(ctx context.Context, name string) (*APIToken, *Response, error) {
	if strings.TrimSpace(name) == "" {
		return nil, nil, fmt.Errorf("%w: APITokens.Create: empty name", ErrInvalidOption)
	}
	req, err := s.client.NewRequest(ctx, http.MethodPost, "tokens", struct {
		Name string `json:"name"`
	}{name})
	if err != nil {
		return nil, nil, err
	}
	t := new(APIToken)
	resp, err := s.client.Do(req, t)
	if err != nil {
		return nil, resp, err
	}
	s.client.apiTokens.add(t.Token)
	return t, resp, nil
}

// Delete deletes an API token (DELETE tokens/{id}; the platform answers
// 204). An unknown id gives an *APIError with StatusCode 404.
func (s *APITokensService) Delete(ctx context.Context, id string) (*Response, error) {
	p, err := pathOf("tokens", id)
	if err != nil {
		return nil, err
	}
	req, err := s.client.NewRequest(ctx, http.MethodDelete, p, nil)
	if err != nil {
		return nil, err
	}
	return s.client.Do(req, nil)
}
