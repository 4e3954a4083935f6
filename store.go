package bearerkit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// TokenStore persists a Transport's token, so that a restarted process
// reuses its newest refresh token instead of sending the password again.
// Implementations must be safe for concurrent use.
type TokenStore interface {
	// Load returns the stored token; nil, nil when there is none.
	Load(ctx context.Context) (*Token, error)
	// Save replaces the stored token with t.
	Save(ctx context.Context, t *Token) error
}

// MemoryStore is a TokenStore in memory, for tests and for sharing one
// token between Transports of a process: it is a Coordinator, so
// Transports that share it renew one at a time and adopt each other's
// tokens. The zero value is empty and ready.
// It is safe for concurrent use. Printing it (fmt, slog, json.Marshal)
// shows whether it holds a token, never the token's secrets.
type MemoryStore struct {
	mu       sync.Mutex
	tok      *Token
	renewing bool          // a renewal is under way
	renewal  chan struct{} // made by the first caller that waits for it; closed when it ends
	refused  *RefusedError // a refused login, for the cool-down
}

// Load returns a copy of the stored token, or nil.
func (m *MemoryStore) Load(context.Context) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil {
		return nil, nil
	}
	c := *m.tok
	return &c, nil
}

// String describes the store without the token's secrets.
func (m *MemoryStore) String() string {
	if m == nil {
		return "bearerkit.MemoryStore(nil)"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil {
		return "bearerkit.MemoryStore{}"
	}
	return "bearerkit.MemoryStore{Token: " + m.tok.String() + "}"
}

// GoString is the %#v form: the same as String.
func (m *MemoryStore) GoString() string { return m.String() }

// Format makes every fmt verb print String, so no verb reaches the token.
func (m *MemoryStore) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, m.String(), m.GoString())
}

// LogValue is the slog form: String.
func (m *MemoryStore) LogValue() slog.Value { return slog.StringValue(m.String()) }

// MarshalJSON is the JSON form: String, as a JSON string.
func (m *MemoryStore) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// Save stores a copy of t.
func (m *MemoryStore) Save(_ context.Context, t *Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refused = nil
	if t == nil {
		m.tok = nil
		return nil
	}
	c := *t
	m.tok = &c
	return nil
}
