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
// (mode 0600). Save writes a temporary file in the same directory, syncs
// it and renames it over the old one, so a crash leaves either the old
// token or the new one, never half of one.
//
// The zero value has no Path: Load and Save fail with an error wrapping
// ErrInvalidOption. A FileStore is safe for concurrent use within a
// process; processes sharing one file should not renew at the same time
// (the last Save wins).
type FileStore struct {
	// Path is the file. Its directory must exist.
	Path string

	mu sync.Mutex
}

// fileToken is the file's format, versioned for the future.
type fileToken struct {
	Version int   `json:"version"`
	Token   Token `json:"token"`
}

// Load reads the token; a missing file is nil, nil. A file that is not a
// token is an error (the Transport then logs it and logs in again).
func (s *FileStore) Load(context.Context) (*Token, error) {
	if s.Path == "" {
		return nil, fmt.Errorf("%w: FileStore has no Path", ErrInvalidOption)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bearerkit: reading token file: %w", err)
	}
	var ft fileToken
	if err := json.Unmarshal(b, &ft); err != nil || ft.Token.AccessToken == "" {
		return nil, fmt.Errorf("bearerkit: token file %s is not a bearerkit token", s.Path)
	}
	return &ft.Token, nil
}

// Save replaces the file atomically with t.
func (s *FileStore) Save(_ context.Context, t *Token) (err error) {
	if s.Path == "" {
		return fmt.Errorf("%w: FileStore has no Path", ErrInvalidOption)
	}
	if t == nil {
		return fmt.Errorf("%w: FileStore.Save of a nil token", ErrInvalidOption)
	}
	b, err := json.Marshal(fileToken{Version: 1, Token: *t})
	if err != nil {
		return fmt.Errorf("bearerkit: encoding token: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, base := filepath.Split(s.Path)
	if dir == "" {
		dir = "."
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
