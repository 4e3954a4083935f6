package bearerkit

import (
	"context"
	"encoding/json"
	"net/http"
)

// Member is the logged-in member of the platform: the user the Client's
// token belongs to. Fields the answer lacks are zero; Raw holds it as
// sent.
type Member struct {
	// ID identifies the member; a string even when sent as a number.
	ID string `json:"id"`

	// Email is the login; FirstName and LastName the member's name.
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`

	// Role is the member's role in the account, e.g. "admin".
	Role string `json:"role,omitempty"`

	// CustomerID is the account; RealmID and Provider are what the
	// platform expects as X-realm-id and X-provider (Dataddo).
	CustomerID string `json:"customer_id,omitempty"`
	RealmID    string `json:"realm_id,omitempty"`
	Provider   string `json:"provider,omitempty"`

	// Raw is the member's JSON as the platform sent it.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a member tolerantly: ids and realm_id as numbers
// or strings, fields of unexpected types left zero.
func (m *Member) UnmarshalJSON(b []byte) error {
	type plain Member
	aux := struct {
		*plain
		ID         flexString `json:"id"`
		CustomerID flexString `json:"customer_id"`
		RealmID    flexString `json:"realm_id"`
	}{plain: (*plain)(m)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	m.ID, m.CustomerID, m.RealmID = string(aux.ID), string(aux.CustomerID), string(aux.RealmID)
	m.Raw = cloneRaw(b)
	return nil
}

// Member returns the logged-in member (GET logged-member).
func (c *Client) Member(ctx context.Context) (*Member, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, "logged-member", nil)
	if err != nil {
		return nil, nil, err
	}
	m := new(Member)
	resp, err := c.Do(req, m)
	if err != nil {
		return nil, resp, err
	}
	return m, resp, nil
}
