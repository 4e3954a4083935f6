package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/bearerkit/bearerkit"
)

// tokenStore is the profile's token file: a bearerkit.FileStore, whose
// Renew takes an advisory lock beside the file, so that any number of
// bearerkit processes (and services) sharing it renew a token once. It
// adds what the command line needs on top:
//
//   - a profile with no token and nothing to log in with fails with
//     errNotLoggedIn instead of trying;
//   - --min-valid: a stored token that expires within minValid is renewed
//     rather than handed out;
//   - errors of the file itself (not of the renewal) become exit code 6.
//
// It is a bearerkit.Coordinator, so a Transport hands it every renewal.
type tokenStore struct {
	*bearerkit.FileStore
	minValid time.Duration
	canLogin bool
	now      func() time.Time
}

// newTokenStore returns the token store of the file at path.
func newTokenStore(path string, minValid time.Duration, canLogin bool) *tokenStore {
	return &tokenStore{FileStore: &bearerkit.FileStore{Path: path}, minValid: minValid, canLogin: canLogin, now: time.Now}
}

// Load reads the stored token.
func (s *tokenStore) Load(ctx context.Context) (*bearerkit.Token, error) {
	tok, err := s.FileStore.Load(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, storeError(err)
	}
	return tok, err
}

// Renew implements bearerkit.Coordinator with the FileStore's lock.
func (s *tokenStore) Renew(ctx context.Context, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error)) (*bearerkit.Token, bool, error) {
	stored, err := s.Load(ctx)
	if err != nil {
		return nil, false, err
	}
	if stored == nil && prev == nil && !s.canLogin {
		return nil, false, errNotLoggedIn
	}
	if stored == nil {
		// The first renewal into this profile's file (a login by token or
		// api with the password at hand): the tokens directory is
		// bearerkit's own, 0700 whatever was there before.
		if err := privateDir(filepath.Dir(s.Path)); err != nil {
			return nil, false, storeError(fmt.Errorf("creating the token directory: %w", err))
		}
	}
	if prev == nil && stored != nil && s.tooShort(stored) {
		// Renew it: the FileStore hands out a stored token only when it
		// is another than prev, so that one is renewed, once, however
		// many processes ask at the same time.
		prev = stored
	}
	var renewErr error
	tok, renewed, err := s.FileStore.Renew(ctx, prev, func(ctx context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
		tok, err := renew(ctx, base)
		renewErr = err
		return tok, err
	})
	var refused *bearerkit.RefusedError
	switch {
	case err == nil, errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
	case renewErr != nil && errors.Is(err, renewErr), errors.As(err, &refused):
		// the renewal's own error, or a refusal another process met
	default:
		err = storeError(err)
	}
	return tok, renewed, err
}

// tooShort reports whether tok expires within minValid.
func (s *tokenStore) tooShort(tok *bearerkit.Token) bool {
	return s.minValid > 0 && !tok.Expiry.IsZero() && tok.Expiry.Sub(s.now()) < s.minValid
}
