package bearerkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// Renew implements Coordinator for the processes of one machine that share
// the file: under an advisory lock on a lock file beside Path (Path +
// ".lock"; flock on unix, LockFileEx on windows), it reads the file again,
// adopts the token another process saved or runs renew, saves, and unlocks.
// The operating system releases the lock of a process that dies, so a
// killed renewal never blocks the others. A refused login is written to
// the file for the cool-down, so the other processes do not try it again.
// The write that follows a successful renew is given up to 2 seconds past
// ctx, so that a renewal answered just as ctx ends is not lost; if it
// fails, Renew returns the token, renewed true, and the error.
//
// On systems with neither lock (plan9, js, wasip1) only the renewals of
// this process are serialized.
func (s *FileStore) Renew(ctx context.Context, prev *Token, renew func(ctx context.Context, base *Token) (*Token, error)) (tok *Token, renewed bool, err error) {
	if s.Path == "" {
		return nil, false, fmt.Errorf("%w: FileStore has no Path", ErrInvalidOption)
	}
	p := Policy(ctx)
	s.init()
	select {
	case s.renewing <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	defer func() { <-s.renewing }()
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, false, err
	}
	defer unlock()

	ft, err := fileOp(ctx, s, s.loadFile)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, err
		}
		// A file that is not a token (or not a regular file) is replaced
		// by the renewal's Save.
		ft = nil
	}
	var stored *Token
	if ft != nil && ft.Token.AccessToken != "" {
		stored = ft.Token.token()
	}
	if stored != nil && p.Adoptable(stored, prev) {
		return stored, false, nil
	}
	if ft != nil && ft.Refused != nil && p.now().Before(ft.Refused.Until) {
		return nil, false, ft.Refused
	}
	base := prev
	if stored != nil {
		base = stored
	}
	tok, err = callRenewFunc(ctx, renew, base)
	// What renew returned is written even if ctx has just ended: a rotated
	// refresh token that is not written is lost to the other processes,
	// which would then send the old one.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveGrace)
	defer cancel()
	switch {
	case err == nil:
		c := *tok
		if serr := s.writeFile(wctx, &fileToken{Version: 1, Token: toJSON(&c)}); serr != nil {
			return &c, true, fmt.Errorf("bearerkit: the token was renewed but not saved: %w", serr)
		}
		return &c, true, nil
	case p.CoolDown > 0 && IsRefused(err):
		rec := &fileToken{Version: 1, Refused: NewRefusedError(err, p.now().Add(p.CoolDown))}
		if stored != nil {
			rec.Token = toJSON(stored)
		}
		_ = s.writeFile(wctx, rec) // best effort: the error at hand says more
	}
	return nil, false, err
}

// callRenewFunc calls a Coordinator's renew, turning a panic and a nil
// token into errors.
func callRenewFunc(ctx context.Context, renew func(context.Context, *Token) (*Token, error), base *Token) (tok *Token, err error) {
	defer func() {
		if v := recover(); v != nil {
			tok, err = nil, fmt.Errorf("bearerkit: renewal panicked: %s", panicText(v, tokenSecrets(base)))
		}
	}()
	var b *Token
	if base != nil {
		c := *base
		b = &c
	}
	tok, err = renew(ctx, b)
	if err == nil && tok == nil {
		err = errors.New("bearerkit: renewal returned no token")
	}
	return tok, err
}

// writeFile replaces the file with ft.
func (s *FileStore) writeFile(ctx context.Context, ft *fileToken) error {
	b, err := json.Marshal(ft)
	if err != nil {
		return fmt.Errorf("bearerkit: encoding token: %w", err)
	}
	_, err = fileOp(ctx, s, func() (struct{}, error) { return struct{}{}, s.write(b) })
	return err
}

// saveGrace bounds the write that follows a renewal, which goes on when the
// renewal's context has ended.
const saveGrace = 2 * time.Second

// lockRetry bounds the wait between two attempts to take the lock.
const lockRetry = 50 * time.Millisecond

// lockFile takes the advisory lock on path, trying again until ctx ends.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bearerkit: opening the lock file: %w", err)
	}
	wait := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("bearerkit: locking %s: %w", path, err)
		}
		if ok {
			return func() { unlockFile(f); f.Close() }, nil
		}
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("bearerkit: waiting for the lock on %s: %w", path, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, lockRetry)
	}
}
