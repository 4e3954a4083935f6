package redisstore

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/bearerkit/bearerkit"
)

// sealedPrefix starts every encrypted value; a nonce and the AES-GCM sealed
// bytes follow.
const sealedPrefix = "bk:aes256gcm:v1:"

// seal is the value that stores tok under key.
func (s *Store) seal(key string, tok *bearerkit.Token) (string, error) {
	b, err := bearerkit.MarshalToken(tok)
	if err != nil {
		return "", err
	}
	return s.sealBytes(key, b)
}

// sealBytes encrypts b for key (the key name is the additional data, so a
// value moved to another key does not open), or returns it as is without an
// encryption key.
func (s *Store) sealBytes(key string, b []byte) (string, error) {
	if s.aead == nil {
		return string(b), nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("redisstore: encrypting: %w", err)
	}
	out := append([]byte(sealedPrefix), nonce...)
	return string(s.aead.Seal(out, nonce, b, []byte(key))), nil
}

// open reads the token stored under key.
func (s *Store) open(key, v string) (*bearerkit.Token, error) {
	b, err := s.openBytes(key, v)
	if err != nil {
		return nil, err
	}
	tok, err := bearerkit.UnmarshalToken(b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrCorrupt, key)
	}
	return tok, nil
}

// openBytes decrypts a value of key. A plaintext value is returned as is, with
// or without a key (see the package documentation); a sealed one needs the key
// it was sealed with.
func (s *Store) openBytes(key, v string) ([]byte, error) {
	if !strings.HasPrefix(v, sealedPrefix) {
		if !strings.HasPrefix(v, "{") {
			return nil, fmt.Errorf("%w (%s)", ErrCorrupt, key)
		}
		return []byte(v), nil
	}
	if s.aead == nil {
		return nil, fmt.Errorf("%w (%s is encrypted, and this Store has no key)", ErrUndecryptable, key)
	}
	rest := []byte(v[len(sealedPrefix):])
	n := s.aead.NonceSize()
	if len(rest) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("%w (%s)", ErrUndecryptable, key)
	}
	b, err := s.aead.Open(nil, rest[:n], rest[n:], []byte(key))
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrUndecryptable, key)
	}
	return b, nil
}
