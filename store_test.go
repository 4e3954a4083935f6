package bearerkit_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
)

// recStore is a TokenStore that records what it saved and counts loads.
// It is a plain TokenStore (not a Coordinator): the MemoryStore is a field,
// not embedded.
type recStore struct {
	MemoryStore bearerkit.MemoryStore
	mu          sync.Mutex
	saved       map[string]bool // access tokens saved
	loads       atomic.Int64
	saves       atomic.Int64
}

func (s *recStore) Load(ctx context.Context) (*bearerkit.Token, error) {
	s.loads.Add(1)
	return s.MemoryStore.Load(ctx)
}

func (s *recStore) Save(ctx context.Context, t *bearerkit.Token) error {
	s.saves.Add(1)
	s.mu.Lock()
	if s.saved == nil {
		s.saved = map[string]bool{}
	}
	s.saved[t.AccessToken] = true
	s.mu.Unlock()
	return s.MemoryStore.Save(ctx, t)
}

func (s *recStore) has(access string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved[access]
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var s bearerkit.MemoryStore
	tok, err := s.Load(ctx)
	require.NoError(t, err)
	assert.Nil(t, tok, "empty: nil, nil")

	in := &bearerkit.Token{AccessToken: "at", RefreshToken: "rt"}
	require.NoError(t, s.Save(ctx, in))
	in.AccessToken = "changed"
	got, err := s.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "at", got.AccessToken, "Save keeps a copy")
	got.RefreshToken = "changed"
	again, _ := s.Load(ctx)
	assert.Equal(t, "rt", again.RefreshToken, "Load returns a copy")

	require.NoError(t, s.Save(ctx, nil))
	tok, err = s.Load(ctx)
	require.NoError(t, err)
	assert.Nil(t, tok)
}

func TestFileStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	s := &bearerkit.FileStore{Path: path}

	tok, err := s.Load(ctx)
	require.NoError(t, err)
	assert.Nil(t, tok, "a missing file is nil, nil")

	// An existing file with loose permissions is replaced by a 0600 one.
	require.NoError(t, os.WriteFile(path, []byte("{}"), 0o644))
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	want := bearerkit.Token{AccessToken: "at", TokenType: "Bearer", RefreshToken: "rt", Expiry: exp, RealmID: "7", Provider: "google"}
	require.NoError(t, s.Save(ctx, &want))
	if runtime.GOOS != "windows" {
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	}
	got, err := (&bearerkit.FileStore{Path: path}).Load(ctx)
	require.NoError(t, err)
	assert.True(t, want.Expiry.Equal(got.Expiry))
	got.Expiry = want.Expiry
	assert.Equal(t, want, *got)

	// Save replaces atomically and leaves no temporary file.
	next := bearerkit.Token{AccessToken: "at2", RefreshToken: "rt2"}
	require.NoError(t, s.Save(ctx, &next))
	got, err = s.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "rt2", got.RefreshToken)
	assert.Equal(t, []string{"token.json", "token.json.lock"}, dirNames(t, dir), "no temporary files left, the lock file beside")

	// Concurrent saves leave one whole token.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			assert.NoError(t, s.Save(ctx, &bearerkit.Token{AccessToken: "at-" + string(rune('a'+i)), RefreshToken: "rt"}))
		})
	}
	wg.Wait()
	got, err = s.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "rt", got.RefreshToken)
	assert.Equal(t, []string{"token.json", "token.json.lock"}, dirNames(t, dir))
}

func TestFileStoreErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()

	for name, content := range map[string]string{
		"not JSON":        "this is not json",
		"truncated":       `{"version":1,"token":{"access_token":"at"`,
		"no access token": `{"version":1,"token":{"refresh_token":"rt"}}`,
		"wrong shape":     `[1,2,3]`,
	} {
		path := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		tok, err := (&bearerkit.FileStore{Path: path}).Load(ctx)
		assert.Error(t, err, name)
		assert.Nil(t, tok, name)
	}

	_, err := (&bearerkit.FileStore{}).Load(ctx)
	assert.ErrorIs(t, err, bearerkit.ErrInvalidOption)
	assert.ErrorIs(t, (&bearerkit.FileStore{}).Save(ctx, &bearerkit.Token{AccessToken: "at"}), bearerkit.ErrInvalidOption)
	assert.ErrorIs(t, (&bearerkit.FileStore{Path: filepath.Join(dir, "x")}).Save(ctx, nil), bearerkit.ErrInvalidOption)
	// A missing directory is created, readable by its owner only.
	require.NoError(t, (&bearerkit.FileStore{Path: filepath.Join(dir, "missing", "token.json")}).Save(ctx, &bearerkit.Token{AccessToken: "at"}))
	if fi, err := os.Stat(filepath.Join(dir, "missing")); assert.NoError(t, err) && runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	}
	// A directory that cannot be created is an error.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o600))
	assert.Error(t, (&bearerkit.FileStore{Path: filepath.Join(dir, "file", "token.json")}).Save(ctx, &bearerkit.Token{AccessToken: "at"}))

	// A failed rename leaves no temporary file behind.
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.MkdirAll(filepath.Join(sub, "token.json", "child"), 0o700))
	assert.Error(t, (&bearerkit.FileStore{Path: filepath.Join(sub, "token.json")}).Save(ctx, &bearerkit.Token{AccessToken: "at"}))
	assert.Equal(t, []string{"token.json", "token.json.lock"}, dirNames(t, sub), "only the directory in the way, and the lock file")
}

// Behaviour 10: the stored token is loaded at first use, not before.
func TestStoreLoadedAtFirstUse(t *testing.T) {
	t.Parallel()
	store := &recStore{}
	require.NoError(t, store.MemoryStore.Save(context.Background(), &bearerkit.Token{AccessToken: "stored", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}))
	a := &issuer{}
	rec := &recorder{}
	c, err := bearerkit.NewClient(apiURL, a, bearerkit.WithTokenStore(store), bearerkit.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	assert.Zero(t, store.loads.Load(), "NewClient does not load")
	for range 3 {
		resp, err := c.HTTPClient().Get(apiURL)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, []string{"Bearer stored", "Bearer stored", "Bearer stored"}, rec.seen())
	assert.Zero(t, a.calls.Load(), "no login: the stored token was good")
	assert.EqualValues(t, 1, store.loads.Load())
	assert.Zero(t, store.saves.Load())
}

// Behaviour 10: a stored token that cannot be used is not used; a store that
// fails to load does not stop the login.
func TestStoreUnusable(t *testing.T) {
	t.Parallel()
	for name, path := range map[string]string{"corrupt": "corrupt.json", "missing": "missing.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), path)
			if name == "corrupt" {
				require.NoError(t, os.WriteFile(file, []byte("garbage"), 0o600))
			}
			p := newPlatform(nil, time.Hour)
			var logs syncBuffer
			tr := transport(p.login(), handlerRT{p}, nil, func(tr *bearerkit.Transport) {
				tr.Store = &bearerkit.FileStore{Path: file}
				tr.Logger = slogTo(&logs)
			})
			_, body, err := send(t, tr, apiURL)
			require.NoError(t, err)
			assert.Equal(t, "hello at-1", body)
			assert.Equal(t, 1, p.count("password"))
			if name == "corrupt" {
				// FileStore coordinates the renewal: it reads the file
				// under its lock and replaces what is not a token.
				assert.NotContains(t, logs.String(), "level=ERROR")
			}
			got, err := (&bearerkit.FileStore{Path: file}).Load(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "at-1", got.AccessToken, "the new token replaced the bad file")
		})
	}
}

// Behaviour 10: every new token is saved, the first login included, before
// any request carries it; OnToken sees it after the save.
func TestStoreSavedBeforeUse(t *testing.T) {
	t.Parallel()
	clk := newClock()
	store := &recStore{}
	var unsaved atomic.Int64
	var onToken []string
	a := &issuer{life: time.Hour, clk: clk}
	var kill atomic.Value
	kill.Store("")
	base := rtFunc(func(r *http.Request) (*http.Response, error) {
		access := r.Header.Get("Authorization")[len("Bearer "):]
		if !store.has(access) {
			unsaved.Add(1)
		}
		if access == kill.Load() {
			return reply(r, http.StatusUnauthorized, ""), nil
		}
		return reply(r, http.StatusOK, access), nil
	})
	tr := transport(a, base, clk, func(tr *bearerkit.Transport) {
		tr.Store = store
		tr.OnToken = func(tok bearerkit.Token) {
			assert.True(t, store.has(tok.AccessToken), "saved before OnToken")
			onToken = append(onToken, tok.AccessToken)
		}
	})
	_, body, err := send(t, tr, apiURL) // first login
	require.NoError(t, err)
	assert.Equal(t, "tok-1", body)
	kill.Store("tok-1") // a 401 renewal
	_, body, err = send(t, tr, apiURL)
	require.NoError(t, err)
	assert.Equal(t, "tok-2", body)
	clk.Add(time.Hour - 10*time.Second) // an at-expiry renewal
	_, body, err = send(t, tr, apiURL)
	require.NoError(t, err)
	assert.Equal(t, "tok-3", body)
	clk.Add(time.Hour - 4*time.Minute) // a background renewal
	_, _, err = send(t, tr, apiURL)
	require.NoError(t, err)
	bearerkit.WaitIdle(tr)
	_, body, err = send(t, tr, apiURL)
	require.NoError(t, err)
	assert.Equal(t, "tok-4", body)

	assert.Zero(t, unsaved.Load(), "no request carried an unsaved token")
	assert.EqualValues(t, 4, store.saves.Load())
	assert.Equal(t, []string{"tok-1", "tok-2", "tok-3", "tok-4"}, onToken)
	last, _ := store.Load(context.Background())
	assert.Equal(t, "tok-4", last.AccessToken)
}

// A store that fails to save does not fail the request.
func TestStoreSaveFailure(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	tr := transport(&issuer{}, okBase, nil, func(tr *bearerkit.Transport) {
		tr.Store = failingStore{}
		tr.Logger = slogTo(&logs)
	})
	_, _, err := send(t, tr, apiURL)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "saving the new token failed")
}

type failingStore struct{}

func (failingStore) Load(context.Context) (*bearerkit.Token, error) { return nil, nil }
func (failingStore) Save(context.Context, *bearerkit.Token) error   { return errors.New("disk full") }

// Behaviour 10: a restarted process reuses its newest refresh token instead
// of sending the password, and no refresh token is ever sent twice.
func TestStoreAcrossRestarts(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"memory", "file"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			var store bearerkit.TokenStore = &bearerkit.MemoryStore{}
			if kind == "file" {
				store = &bearerkit.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
			}
			clk := newClock()
			p := newPlatform(clk, time.Hour)
			newClient := func() *bearerkit.Client {
				c, err := bearerkit.NewClient(apiURL, p.login(), bearerkit.WithTokenStore(store), bearerkit.WithHTTPClient(p.client()))
				require.NoError(t, err)
				bearerkit.SetClock(bearerkit.ClientTransport(c), clk.Now)
				return c
			}
			get := func(c *bearerkit.Client) string {
				resp, err := c.HTTPClient().Get(apiURL + "x")
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
				return resp.Request.Header.Get("Authorization")
			}

			first := newClient()
			get(first)
			assert.Equal(t, 1, p.count("password"))

			// A restart while the token is good: no call at all.
			get(newClient())
			assert.Equal(t, 1, p.count("password"))
			assert.Zero(t, p.count("refresh_token"))

			// A restart after expiry: the stored refresh token, not the password.
			clk.Add(2 * time.Hour)
			get(newClient())
			assert.Equal(t, 1, p.count("password"))
			assert.Equal(t, 1, p.count("refresh_token"))

			// A restart after the API killed the token: refresh again.
			p.kill()
			get(newClient())
			assert.Equal(t, 1, p.count("password"))
			assert.Equal(t, 2, p.count("refresh_token"))

			// Clients alive at the same time share the newest token: the
			// first one, whose own token is long expired, must not send its
			// rotated-out refresh token.
			clk.Add(2 * time.Hour)
			second := newClient()
			get(second)
			assert.Equal(t, 3, p.count("refresh_token"))
			get(first)
			clk.Add(2 * time.Hour)
			get(second)
			get(first)

			assert.Equal(t, 1, p.count("password"), "the password was sent once")
			assert.Equal(t, 1, p.maxRTSends(), "no refresh token was sent twice")
		})
	}
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
