package bearerkit_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// Issue 12, the engine bug: a token found in the store was judged with the
// full ExpirySkew while a token in memory used the skew capped at a quarter
// of its lifetime, so with short-lived tokens a Transport that found a
// sibling's fresh token renewed it again. One rule now, wherever the token
// came from: here a 20 s token (shorter than the 30 s default skew) saved by
// one Transport is used by the other, through a plain TokenStore and through
// a Coordinator.
func TestStoredTokenJudgedByTheSameRule(t *testing.T) {
	t.Parallel()
	for name, newStore := range map[string]func() bearerkit.TokenStore{
		"plain store": func() bearerkit.TokenStore { return &plainStore{} },
		"Coordinator": func() bearerkit.TokenStore { return &bearerkit.MemoryStore{} },
	} {
		store := newStore()
		auth := &issuer{life: 20 * time.Second}
		first, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}), bearerkit.WithTokenStore(store))
		require.NoError(t, err)
		tok, err := first.Token(context.Background())
		require.NoError(t, err)
		second, err := bearerkit.NewClient(apiURL, auth, bearerkit.WithHTTPClient(&http.Client{Transport: okBase}), bearerkit.WithTokenStore(store))
		require.NoError(t, err)
		got, err := second.Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, tok.AccessToken, got.AccessToken, name)
		assert.Equal(t, int64(1), auth.calls.Load(), "%s: the sibling's fresh token was renewed again", name)
	}
	p := bearerkit.RenewPolicy{ExpirySkew: 30 * time.Second}
	assert.True(t, p.Usable(&bearerkit.Token{AccessToken: "a", Expiry: time.Now().Add(20 * time.Second)}))
	assert.False(t, p.Usable(&bearerkit.Token{AccessToken: "a", Expiry: time.Now().Add(-time.Second)}))
	assert.True(t, p.Usable(&bearerkit.Token{AccessToken: "a"}), "no expiry: usable until a 401")
}

// plainStore is a TokenStore that is not a Coordinator.
type plainStore struct{ m bearerkit.MemoryStore }

func (s *plainStore) Load(ctx context.Context) (*bearerkit.Token, error) { return s.m.Load(ctx) }
func (s *plainStore) Save(ctx context.Context, t *bearerkit.Token) error { return s.m.Save(ctx, t) }
