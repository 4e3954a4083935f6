package bearerkit

import (
	"context"
	"sync"
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
// token between Transports of a process. The zero value is empty and ready.
// It is safe for concurrent use.
type MemoryStore struct {
	mu  sync.Mutex
	tok *Token
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

// Save stores a copy of t.
func (m *MemoryStore) Save(_ context.Context, t *Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t == nil {
		m.tok = nil
		return nil
	}
	c := *t
	m.tok = &c
	return nil
}
