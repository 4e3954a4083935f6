package redisstore

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// String describes the Store: its namespace and settings, never a token or
// the key.
func (s *Store) String() string {
	if s == nil {
		return "redisstore.Store(nil)"
	}
	return "redisstore.Store{namespace: " + strconv.Quote(s.ns) +
		", encrypted: " + strconv.FormatBool(s.aead != nil) +
		", failWhenDown: " + strconv.FormatBool(s.failWhenDown) + "}"
}

// GoString is the %#v form: the same as String.
func (s *Store) GoString() string { return s.String() }

// Format makes every fmt verb print String, so that no verb reaches a token
// or the key.
func (s *Store) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, s.String()) }

// LogValue is the slog form: String.
func (s *Store) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON is the JSON form: String, as a JSON string.
func (s *Store) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
