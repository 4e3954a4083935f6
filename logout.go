package bearerkit

import (
	"context"
	"errors"
	"fmt"
)

// TokenRevoker ends a token's session at the platform. Revoker (RFC 7009),
// Dataddo and Keycloak are TokenRevokers; Client.Logout uses the one given
// WithRevoker, else its Authenticator if it is one (or the first step of a
// Fallback that is one).
type TokenRevoker interface {
	// RevokeToken revokes tok's refresh token and access token where the
	// platform can. A nil error means they no longer work.
	RevokeToken(ctx context.Context, tok *Token) error
}

// RevokeToken is Revoke: it ends tok's session (POST /revoke).
func (d Dataddo) RevokeToken(ctx context.Context, tok *Token) error { return d.Revoke(ctx, tok) }

// RevokeToken is Revoke: it revokes tok's refresh and access tokens.
func (k Keycloak) RevokeToken(ctx context.Context, tok *Token) error { return k.Revoke(ctx, tok) }

// WithRevoker makes Client.Logout revoke tokens with r: for an
// Authenticator that cannot revoke by itself, such as the grants built from
// Discover (give it OpenIDConfiguration.Revoker). A nil r, typed nil
// included, is an error wrapping ErrInvalidOption.
func WithRevoker(r TokenRevoker) Option {
	return func(c *config) error {
		if isNil(r) {
			return fmt.Errorf("%w: WithRevoker(nil)", ErrInvalidOption)
		}
		c.revoker = r
		return nil
	}
}

// TokenClearer is a TokenStore that can forget its token: MemoryStore and
// FileStore are. Client.Logout clears the store through it.
type TokenClearer interface {
	// Clear removes the stored token; an empty store is no error.
	Clear(ctx context.Context) error
}

// ErrNoRevoker is wrapped by Client.Logout's error when neither WithRevoker
// nor the Authenticator can revoke tokens: the token was forgotten and the
// store cleared, but the platform may still honour it until it expires
// (ONE DATA's tokens, for one, cannot be revoked).
var ErrNoRevoker = errors.New("bearerkit: the platform's tokens cannot be revoked by this Client")

// Logout ends the Client's session: it revokes the refresh token and the
// access token where the platform can (Dataddo, Keycloak, any RFC 7009
// endpoint given WithRevoker), clears the TokenStore, and forgets the token
// and any refusal remembered for the cool-down. A renewal under way is
// discarded: its waiters get an error.
//
// The next request starts over as the first one did: it logs in again with
// the Authenticator (the password of a preset, the last step of a
// Fallback); an Authenticator that can only refresh fails it with
// ErrNoRefreshToken. Logout goes on after a failed revocation, and returns
// every failure joined: errors.Is finds ErrNoRevoker when nothing could be
// revoked, and an *AuthError when the platform refused. To revoke without
// logging out, use the TokenRevoker (Dataddo.Revoke, Revoker) directly.
func (c *Client) Logout(ctx context.Context) error {
	tr := c.transport
	st := tr.state()
	var tok *Token
	if s := st.cur.Load(); s != nil {
		t := *s.tok
		tok = &t
	} else if tr.Store != nil {
		if stored, err := tr.Store.Load(ctx); err == nil && stored != nil {
			tok = stored
		}
	}
	var errs []error
	if tok != nil {
		switch r := c.revoker(); {
		case r == nil:
			errs = append(errs, ErrNoRevoker)
		default:
			st.mu.Lock()
			hc := st.authClient()
			st.mu.Unlock()
			if err := r.RevokeToken(WithHTTPClientContext(ctx, hc), tok); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if tr.Store != nil {
		if cl, ok := tr.Store.(TokenClearer); ok {
			if err := cl.Clear(ctx); err != nil {
				errs = append(errs, fmt.Errorf("bearerkit: clearing the TokenStore: %w", err))
			}
		} else {
			errs = append(errs, fmt.Errorf("%w: the TokenStore (%T) cannot be cleared: it is no TokenClearer", ErrInvalidOption, tr.Store))
		}
	}
	st.forget()
	if err := errors.Join(errs...); err != nil {
		return prefixed("Logout", err)
	}
	return nil
}

// revoker is the TokenRevoker Logout uses; nil when there is none.
func (c *Client) revoker() TokenRevoker {
	if c.revokeWith != nil {
		return c.revokeWith
	}
	return revokerOf(c.auth)
}

func revokerOf(a Authenticator) TokenRevoker {
	if isNil(a) {
		return nil
	}
	if r, ok := a.(TokenRevoker); ok {
		return r
	}
	if f, ok := a.(fallback); ok {
		for _, step := range f {
			if r := revokerOf(step); r != nil {
				return r
			}
		}
	}
	return nil
}

// errLoggedOut is the error of a renewal discarded by Logout.
var errLoggedOut = errors.New("bearerkit: the Client logged out during this renewal")

// forget drops the token, the cool-downs and any renewal under way.
func (st *state) forget() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.session++
	st.cur.Store(nil)
	st.coolErr, st.refusedErr = nil, nil
	st.refusedGen = 0
	st.flight = nil
}

// Clear removes the stored token and any refusal remembered.
func (m *MemoryStore) Clear(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok, m.refused = nil, nil
	return nil
}

// Clear deletes the token file (a missing file is no error).
func (s *FileStore) Clear(ctx context.Context) error {
	if s.Path == "" {
		return fmt.Errorf("%w: FileStore has no Path", ErrInvalidOption)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = fileOp(ctx, s, func() (struct{}, error) {
		if err := removeFile(s.Path); err != nil {
			return struct{}{}, fmt.Errorf("bearerkit: removing the token file: %w", err)
		}
		return struct{}{}, nil
	})
	return err
}
