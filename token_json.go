package bearerkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// tokenJSON is the persisted form of a Token, secrets included. Its field
// names are those of RFC 6749 §5.1 plus expiry, realm_id and provider.
type tokenJSON struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	RealmID      string    `json:"realm_id,omitempty"`
	Provider     string    `json:"provider,omitempty"`
}

func (j tokenJSON) token() *Token {
	return &Token{AccessToken: j.AccessToken, TokenType: j.TokenType, RefreshToken: j.RefreshToken, Expiry: j.Expiry, RealmID: j.RealmID, Provider: j.Provider}
}

func toJSON(t *Token) tokenJSON {
	return tokenJSON{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, Expiry: t.Expiry, RealmID: t.RealmID, Provider: t.Provider}
}

// MarshalJSON is the JSON form of the token with its secrets redacted
// ("[redacted]" where one is set), so that json.Marshal and slog's
// JSONHandler never show them, even inside a slice, map or struct. To
// persist a token, secrets included, use MarshalToken.
func (t Token) MarshalJSON() ([]byte, error) {
	j := toJSON(&t)
	j.AccessToken = redact.Secret(t.AccessToken)
	j.RefreshToken = redact.Secret(t.RefreshToken)
	return json.Marshal(j)
}

// errRedactedToken is UnmarshalJSON's answer to the redacted form.
var errRedactedToken = errors.New("bearerkit: this is the redacted JSON form of a Token, which holds no secrets; persist tokens with MarshalToken and read them with UnmarshalToken")

// UnmarshalJSON reads a token from JSON with the field names of MarshalToken
// (access_token, token_type, refresh_token, expiry, realm_id, provider). The
// redacted form that MarshalJSON writes is refused with an error, so that a
// TokenStore that persists tokens with json.Marshal fails loudly instead of
// storing placeholders.
func (t *Token) UnmarshalJSON(b []byte) error {
	var j tokenJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.AccessToken == redact.Placeholder || j.RefreshToken == redact.Placeholder {
		return errRedactedToken
	}
	*t = *j.token()
	return nil
}

// MarshalToken returns the JSON form of t with its secrets, for a TokenStore
// that persists tokens: keep the result as safe as the secrets themselves.
// UnmarshalToken (or json.Unmarshal into a Token) reads it back. A nil t is
// an error wrapping ErrInvalidOption.
func MarshalToken(t *Token) ([]byte, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: MarshalToken(nil)", ErrInvalidOption)
	}
	return json.Marshal(toJSON(t))
}

// UnmarshalToken reads a token written by MarshalToken. Malformed JSON, a
// token without an access token, and the redacted form are errors, which
// never quote b.
func UnmarshalToken(b []byte) (*Token, error) {
	var j tokenJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, errors.New("bearerkit: UnmarshalToken: malformed token JSON")
	}
	if j.AccessToken == redact.Placeholder || j.RefreshToken == redact.Placeholder {
		return nil, errRedactedToken
	}
	if j.AccessToken == "" {
		return nil, errors.New("bearerkit: UnmarshalToken: no access_token")
	}
	return j.token(), nil
}
