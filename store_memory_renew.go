package bearerkit

import (
	"context"
	"fmt"
)

// Renew implements Coordinator for the Transports of one process: one of
// them renews at a time; the others wait for it (or for their context) and
// adopt its token.
func (m *MemoryStore) Renew(ctx context.Context, prev *Token, renew func(ctx context.Context, base *Token) (*Token, error)) (*Token, bool, error) {
	p := Policy(ctx)
	for {
		m.mu.Lock()
		if m.tok != nil && p.Adoptable(m.tok, prev) {
			c := *m.tok
			m.mu.Unlock()
			return &c, false, nil
		}
		if m.refused != nil && p.now().Before(m.refused.Until) {
			e := *m.refused
			m.mu.Unlock()
			return nil, false, &e
		}
		if m.renewing {
			if m.renewal == nil {
				m.renewal = make(chan struct{})
			}
			wait := m.renewal
			m.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		m.renewing = true
		base := prev
		if m.tok != nil {
			c := *m.tok
			base = &c
		}
		m.mu.Unlock()
		return m.renewAs(ctx, p, base, renew)
	}
}

// renewAs runs renew as the one renewal under way, and records its result.
func (m *MemoryStore) renewAs(ctx context.Context, p RenewPolicy, base *Token, renew func(context.Context, *Token) (*Token, error)) (tok *Token, renewed bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			tok, renewed, err = nil, false, fmt.Errorf("bearerkit: renewal panicked: %s", panicText(v, tokenSecrets(base)))
		}
		m.mu.Lock()
		switch {
		case err == nil && tok != nil:
			c := *tok
			m.tok, m.refused = &c, nil
		case err != nil && p.CoolDown > 0 && IsRefused(err):
			m.refused = NewRefusedError(err, p.now().Add(p.CoolDown))
		}
		done := m.renewal
		m.renewing, m.renewal = false, nil
		m.mu.Unlock()
		if done != nil {
			close(done)
		}
	}()
	tok, err = renew(ctx, base)
	if err == nil && tok == nil {
		err = fmt.Errorf("bearerkit: renewal returned no token")
	}
	return tok, err == nil, err
}
