package bearerkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileStore is a TokenStore in a JSON file readable only by its owner
// (mode 0600), with a lock file beside it (Path + ".lock"). Save writes a temporary file in the same directory, syncs
// it and renames it over the old one, so a crash leaves either the old
// token or the new one, never half of one. Save creates the directory
// (mode 0700) when it is missing.
//
// Load and Save honour their context: a file system that hangs (a network
// mount that stopped answering) makes them return the context's error when
// it ends, and a path that is not a regular file (a FIFO, a device) is an
// error, never a wait.
//
// The zero value has no Path: Load and Save fail with an error wrapping
// ErrInvalidOption. A FileStore is safe for concurrent use within a
// process; processes sharing one file should not renew at the same time
// (the last Save wins). Do not copy a FileStore after first use.
type FileStore struct {
	// Path is the file.
	Path string

	once     sync.Once
	sem      chan struct{} // held by the one file operation under way
	renewing chan struct{} // held by this process's renewal under way
}

func (s *FileStore) init() {
	s.once.Do(func() {
		s.sem = make(chan struct{}, 1)
		s.renewing = make(chan struct{}, 1)
	})
}

// fileToken is the file's format, versioned for the future. Refused is a
// login refused by one of the processes sharing the file, remembered for
// the cool-down (see Renew).
type fileToken struct {
	Version int           `json:"version"`
	Token   tokenJSON     `json:"token"`
	Refused *RefusedError `json:"refused,omitempty"`
}

// Load reads the token; a missing file is nil, nil. A file that is not a
// token is an error (the Transport then logs it and logs in again).
func (s *FileStore) Load(ctx context.Context) (*Token, error) {
	if s.Path == "" {
		return nil, fmt.Errorf("%w: FileStore has no Path", ErrInvalidOption)
	}
	ft, err := fileOp(ctx, s, s.loadFile)
	if err != nil || ft == nil {
		return nil, err
	}
	if ft.Token.AccessToken == "" {
		return nil, nil // only a remembered refusal
	}
	return ft.Token.token(), nil
}

// loadFile reads the file; a missing one is nil, nil.
func (s *FileStore) loadFile() (*fileToken, error) {
	fi, err := os.Stat(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bearerkit: reading token file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("bearerkit: token file %s is not a regular file (%v)", s.Path, fi.Mode().Type())
	}
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bearerkit: reading token file: %w", err)
	}
	var ft fileToken
	if err := json.Unmarshal(b, &ft); err != nil || (ft.Token.AccessToken == "" && ft.Refused == nil) {
		return nil, fmt.Errorf("bearerkit: token file %s is not a bearerkit token", s.Path)
	}
	return &ft, nil
}

// Save replaces the file atomically with t, under the same advisory lock as
// Renew, so that it never lands in the middle of another process's
// renewal.
func (s *FileStore) Save(ctx context.Context, t *Token) error {
	if s.Path == "" {
		return fmt.Errorf("%w: FileStore has no Path", ErrInvalidOption)
	}
	if t == nil {
		return fmt.Errorf("%w: FileStore.Save of a nil token", ErrInvalidOption)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.writeFile(ctx, &fileToken{Version: 1, Token: toJSON(t)})
}

// lock takes the advisory lock beside Path that Renew, Save and Clear
// share, creating the directory (0700) first.
func (s *FileStore) lock(ctx context.Context) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return nil, fmt.Errorf("bearerkit: creating the token file's directory: %w", err)
	}
	return lockFile(ctx, s.Path+".lock")
}

func (s *FileStore) write(b []byte) (err error) {
	dir, base := filepath.Split(s.Path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("bearerkit: creating the token file's directory: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("bearerkit: writing token file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	// CreateTemp makes the file 0600; Chmod anyway in case of an odd umask
	// or file system.
	if err = f.Chmod(0o600); err == nil {
		if _, err = f.Write(b); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bearerkit: writing token file: %w", err)
	}
	if err = os.Rename(tmp, s.Path); err != nil {
		return fmt.Errorf("bearerkit: replacing token file: %w", err)
	}
	return nil
}

// fileOp runs op, one at a time per FileStore, and returns when it is done
// or when ctx ends, whichever comes first. An op that ctx gave up on goes
// on in its own goroutine and lets the next one start only when it returns.
func fileOp[T any](ctx context.Context, s *FileStore, op func() (T, error)) (T, error) {
	var zero T
	s.init()
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	if ctx.Done() == nil { // cannot end: no goroutine needed
		defer func() { <-s.sem }()
		return op()
	}
	if err := ctx.Err(); err != nil {
		<-s.sem
		return zero, err
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() { <-s.sem }()
		v, err := op()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, fmt.Errorf("bearerkit: token file %s: %w", s.Path, ctx.Err())
	}
}

// removeFile deletes path; a missing file is no error.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
