package redisstore

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"log/slog"

	"github.com/bearerkit/bearerkit"
)

// An Option configures a Store made by New. A nil Option is ignored.
type Option func(*config) error

type config struct {
	aead         cipher.AEAD
	failWhenDown bool
	logger       *slog.Logger
}

// WithEncryptionKey seals the token and the remembered refusal in Redis with
// AES-256-GCM under key, which must be 32 bytes (else New fails with an error
// wrapping bearerkit.ErrInvalidOption); every process of the namespace needs the
// same key. New copies the key; the Store never shows it. See the package
// documentation for what a Store does with a value it cannot decrypt. Without
// this option, values are the plain JSON of bearerkit.MarshalToken.
func WithEncryptionKey(key []byte) Option {
	k := append([]byte(nil), key...)
	return func(c *config) error {
		if len(k) != 32 {
			return fmt.Errorf("%w: redisstore.WithEncryptionKey: the key must be 32 bytes (AES-256), not %d", bearerkit.ErrInvalidOption, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return fmt.Errorf("%w: redisstore.WithEncryptionKey: %v", bearerkit.ErrInvalidOption, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return fmt.Errorf("%w: redisstore.WithEncryptionKey: %v", bearerkit.ErrInvalidOption, err)
		}
		c.aead = aead
		return nil
	}
}

// WithFailWhenDown makes Renew fail with an error wrapping ErrUnavailable
// while Redis is unreachable, instead of renewing in the process. Use it where
// local renewals in several processes would trip the platform's refresh-token
// reuse detection and nothing could replace the revoked grant (refresh-only
// setups, without a password to fall back to).
func WithFailWhenDown() Option {
	return func(c *config) error { c.failWhenDown = true; return nil }
}

// WithLogger sets where the Store logs what the Transport cannot see: renewals
// without Redis (Error), tokens that could not be saved or read (Error), a
// token adopted after a lapsed lease (Warn). Records hold the namespace and
// errors, never a token or the key. Nil (and the default) means slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}
