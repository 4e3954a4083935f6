package bearerkit_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestMemoryStoreIsACoordinator(t *testing.T) {
	bearerkittest.TestCoordinator(t, func(*testing.T) bearerkit.Coordinator { return &bearerkit.MemoryStore{} })
}

func TestFileStoreIsACoordinator(t *testing.T) {
	bearerkittest.TestCoordinator(t, func(t *testing.T) bearerkit.Coordinator {
		return &bearerkit.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	})
}

// lateCoordinator gives the renewal its turn with only a sliver of its time
// left, as a Coordinator does after a long wait for another process.
type lateCoordinator struct{ bearerkit.MemoryStore }

func (c *lateCoordinator) Renew(ctx context.Context, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error)) (*bearerkit.Token, bool, error) {
	late, cancel := context.WithDeadline(ctx, time.Now().Add(20*time.Millisecond))
	defer cancel()
	tok, err := renew(late, prev)
	return tok, err == nil, err
}

// A renewal whose turn comes with too little time left sends no token
// request (one cut off after the platform answered would lose a rotated
// refresh token): it fails with the bound, and the next one renews.
func TestLateTurnSendsNoTokenRequest(t *testing.T) {
	t.Parallel()
	auth := &issuer{}
	tr := &bearerkit.Transport{Auth: auth, Base: okBase, Store: &lateCoordinator{}, RenewTimeout: 10 * time.Second}
	_, err := tr.Token(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "waiting for the Coordinator")
	assert.Zero(t, auth.calls.Load(), "no token request with 20 ms left")
}
