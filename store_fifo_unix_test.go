//go:build unix

package bearerkit_test

import (
	"context"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Point 8: a FIFO at FileStore's path (which would block an open for
// reading until a writer comes) is an error, not a wait; the renewal goes
// on to the Authenticator and the Save replaces the FIFO with a token file.
func TestFileStoreFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	fs := &bearerkit.FileStore{Path: path}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := fs.Load(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")
	assert.NoError(t, ctx.Err())

	c, err := bearerkit.NewClient(apiURL, &issuer{}, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}), bearerkit.WithTokenStore(fs))
	require.NoError(t, err)
	tok, err := c.Token(ctx)
	require.NoError(t, err)
	stored, err := fs.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, stored.AccessToken)
}
