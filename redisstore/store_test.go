package redisstore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/redisstore"
)

// newStore returns a Store on s in a fresh namespace.
func newStore(t testing.TB, s *server, opts ...redisstore.Option) (*redisstore.Store, *redis.Client) {
	t.Helper()
	c := s.client(t)
	st, err := redisstore.New(c, newNamespace(), append([]redisstore.Option{redisstore.WithLogger(discard)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return st, c
}

// sibling returns another Store (another process, as far as the protocol
// goes) for st's namespace, with its own client.
func sibling(t testing.TB, s *server, st *redisstore.Store, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	o, err := redisstore.New(s.client(t), st.Namespace(), append([]redisstore.Option{redisstore.WithLogger(discard)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var discard = slog.New(slog.DiscardHandler)

func tok(name string, life time.Duration) *bearerkit.Token {
	return &bearerkit.Token{
		AccessToken:  "access-" + name + "-" + strings.ToLower(newNamespace()[5:]),
		RefreshToken: "refresh-" + name + "-" + strings.ToLower(newNamespace()[5:]),
		TokenType:    "Bearer",
		Expiry:       time.Now().Add(life).Round(time.Second),
		RealmID:      "7",
		Provider:     "google",
	}
}

func TestCoordinatorConformance(t *testing.T) {
	needRedis(t)
	t.Run("plain", func(t *testing.T) {
		bearerkittest.TestCoordinator(t, func(t *testing.T) bearerkit.Coordinator {
			st, _ := newStore(t, shared)
			return st
		})
	})
	t.Run("encrypted", func(t *testing.T) {
		bearerkittest.TestCoordinator(t, func(t *testing.T) bearerkit.Coordinator {
			st, _ := newStore(t, shared, redisstore.WithEncryptionKey(newKey()))
			return st
		})
	})
}

func TestNewValidates(t *testing.T) {
	needRedis(t)
	c := shared.client(t)
	var typedNil *redis.Client
	var typedNilCluster *redis.ClusterClient
	cases := []struct {
		name string
		rdb  redis.UniversalClient
		ns   string
		opts []redisstore.Option
	}{
		{"nil client", nil, "ns", nil},
		{"typed nil client", typedNil, "ns", nil},
		{"typed nil cluster client", typedNilCluster, "ns", nil},
		{"empty namespace", c, "", nil},
		{"space", c, "a b", nil},
		{"hash tag", c, "{ns}", nil},
		{"glob", c, "ns*", nil},
		{"non-ASCII", c, "namespacé", nil},
		{"newline", c, "ns\n", nil},
		{"too long", c, strings.Repeat("n", 129), nil},
		{"short key", c, "ns", []redisstore.Option{redisstore.WithEncryptionKey(make([]byte, 16))}},
		{"long key", c, "ns", []redisstore.Option{redisstore.WithEncryptionKey(make([]byte, 33))}},
		{"no key", c, "ns", []redisstore.Option{redisstore.WithEncryptionKey(nil)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := redisstore.New(tc.rdb, tc.ns, tc.opts...)
			if !errors.Is(err, bearerkit.ErrInvalidOption) || st != nil {
				t.Fatalf("New: %v, %v; want an error wrapping ErrInvalidOption", st, err)
			}
		})
	}
	st, err := redisstore.New(c, "dataddo-prod:eu_1.a", nil, redisstore.WithEncryptionKey(newKey()), redisstore.WithLogger(nil))
	if err != nil || st.Namespace() != "dataddo-prod:eu_1.a" {
		t.Fatalf("New with good arguments and a nil option: %v", err)
	}
	for _, zero := range []*redisstore.Store{nil, {}} {
		if _, err := zero.Load(context.Background()); !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Fatalf("Load of %v: %v", zero, err)
		}
		if err := zero.Save(context.Background(), tok("x", time.Hour)); !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Fatalf("Save of %v: %v", zero, err)
		}
		if _, _, err := zero.Renew(context.Background(), nil, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
			return tok("x", time.Hour), nil
		}); !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Fatalf("Renew of %v: %v", zero, err)
		}
	}
	if err := st.Save(context.Background(), nil); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Fatalf("Save(nil): %v", err)
	}
	if _, _, err := st.Renew(context.Background(), nil, nil); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Fatalf("Renew with a nil renew: %v", err)
	}
}

// TestPrintingShowsNoSecret prints a Store that holds a token and a key in
// every way a program might.
func TestPrintingShowsNoSecret(t *testing.T) {
	needRedis(t)
	key := newKey()
	st, _ := newStore(t, shared, redisstore.WithEncryptionKey(key))
	tk := tok("print", time.Hour)
	if err := st.Save(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		fmt.Fprintf(&buf, verb+"\n", st)
	}
	b, _ := json.Marshal(st)
	buf.Write(b)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("store", "store", st)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("store", "store", st)
	out := buf.String()
	for _, secret := range append(forms(tk.AccessToken), append(forms(tk.RefreshToken), forms(string(key))...)...) {
		if strings.Contains(out, secret) {
			t.Fatalf("printing the Store shows a secret:\n%s", out)
		}
	}
	if !strings.Contains(out, st.Namespace()) {
		t.Fatalf("printing the Store does not show its namespace:\n%s", out)
	}
}

// forms are s and its encodings a value or a log line might hold.
func forms(s string) []string {
	b := []byte(s)
	return []string{s, base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b), hex.EncodeToString(b)}
}

// TestLeaseOfAKilledHolder leaves a lease behind, as a holder killed with
// kill -9 would (set by hand, never released): the next renewal waits for it
// to lapse, then renews, once; its own lease lasts the time left on its
// context plus 2 s.
func TestLeaseOfAKilledHolder(t *testing.T) {
	needRedis(t)
	st, c := newStore(t, shared)
	lease := "{" + st.Namespace() + "}:lease"
	ctx := context.Background()
	if err := c.Set(ctx, lease, "killed-holder", 1500*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	deadline, _ := rctx.Deadline()
	var calls atomic.Int32
	var held string
	var pttl time.Duration
	got, renewed, err := st.Renew(rctx, tok("prev", -time.Minute), func(ctx context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
		calls.Add(1)
		held = c.Get(ctx, lease).Val()
		pttl = c.PTTL(ctx, lease).Val()
		return tok("new", time.Hour), nil
	})
	left := time.Until(deadline)
	if err != nil || !renewed || calls.Load() != 1 {
		t.Fatalf("Renew: renewed=%v calls=%d %v", renewed, calls.Load(), err)
	}
	if held == "killed-holder" || held == "" {
		t.Fatalf("renew ran while the lease was %q, want this Store's own", held)
	}
	// The lease is the time left on ctx (under a minute) plus 2 s.
	if pttl <= left || pttl > left+2*time.Second+time.Second {
		t.Fatalf("lease TTL %v with %v left on the context, want that plus 2 s", pttl, left)
	}
	if n := c.Exists(ctx, lease).Val(); n != 0 {
		t.Fatalf("the lease is still there after the renewal")
	}
	if s, _ := st.Load(ctx); s == nil || s.AccessToken != got.AccessToken {
		t.Fatalf("the renewed token was not stored")
	}

	// A context without deadline gets a lease of 30 s + 2 s.
	_, _, err = st.Renew(ctx, got, func(ctx context.Context, base *bearerkit.Token) (*bearerkit.Token, error) {
		pttl = c.PTTL(ctx, lease).Val()
		if _, ok := ctx.Deadline(); !ok {
			return nil, errors.New("renew without a deadline")
		}
		return tok("third", 2*time.Hour), nil
	})
	if err != nil || pttl <= 30*time.Second || pttl > 32*time.Second {
		t.Fatalf("lease without a deadline: %v, %v", pttl, err)
	}
}

// TestFencing checks the save's compare-and-set on the generation: a holder
// whose lease lapsed while it renewed saves its token if nobody saved since
// (it may hold the only valid refresh token), and otherwise the token issued
// last wins; the generation never goes backwards.
func TestFencing(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	gen := func(c *redis.Client, st *redisstore.Store) int64 {
		g, _ := c.HGet(ctx, "{"+st.Namespace()+"}:token", "gen").Int64()
		return g
	}
	// lapsing runs a renewal on a whose lease lapses while renew runs;
	// meanwhile (with the lease gone) runs during it, then a's renew
	// returns mine.
	lapsing := func(t *testing.T, a *redisstore.Store, c *redis.Client, mine *bearerkit.Token, meanwhile func()) (*bearerkit.Token, bool) {
		t.Helper()
		got, renewed, err := a.Renew(ctx, tok("prev", -time.Minute), func(ctx context.Context, _ *bearerkit.Token) (*bearerkit.Token, error) {
			c.Del(ctx, "{"+a.Namespace()+"}:lease") // the lease lapses (the process was paused)
			meanwhile()
			return mine, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, renewed
	}

	t.Run("nobody saved meanwhile: the late token is saved", func(t *testing.T) {
		a, c := newStore(t, shared)
		mine := tok("late", time.Hour)
		got, renewed := lapsing(t, a, c, mine, func() {})
		stored, _ := a.Load(ctx)
		if !renewed || got.AccessToken != mine.AccessToken || stored.AccessToken != mine.AccessToken || gen(c, a) != 1 {
			t.Fatalf("got %v renewed=%v, stored %v gen %d", got, renewed, stored, gen(c, a))
		}
	})
	t.Run("a newer token was saved meanwhile: the stale holder's save is refused", func(t *testing.T) {
		a, c := newStore(t, shared)
		b := sibling(t, shared, a)
		newer := tok("newer", 2*time.Hour)
		stale := tok("stale", time.Hour)
		got, renewed := lapsing(t, a, c, stale, func() {
			if _, _, err := b.Renew(ctx, tok("prev", -time.Minute), func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
				return newer, nil
			}); err != nil {
				t.Error(err)
			}
		})
		stored, _ := a.Load(ctx)
		if renewed || got.AccessToken != newer.AccessToken || stored.AccessToken != newer.AccessToken || gen(c, a) != 1 {
			t.Fatalf("got %v renewed=%v, stored %v gen %d; want the newer token, stored at generation 1", got, renewed, stored, gen(c, a))
		}
	})
	t.Run("an older token was saved meanwhile: the one issued last wins", func(t *testing.T) {
		a, c := newStore(t, shared)
		b := sibling(t, shared, a)
		older := tok("older", time.Hour)
		mine := tok("mine", 2*time.Hour)
		got, renewed := lapsing(t, a, c, mine, func() {
			if err := b.Save(ctx, older); err != nil {
				t.Error(err)
			}
		})
		stored, _ := a.Load(ctx)
		if !renewed || got.AccessToken != mine.AccessToken || stored.AccessToken != mine.AccessToken || gen(c, a) != 2 {
			t.Fatalf("got %v renewed=%v, stored %v gen %d; want mine at generation 2", got, renewed, stored, gen(c, a))
		}
	})
}

// TestEncryption stores a token and a refusal with a key and scans every
// value of the namespace: no token byte, in any usual encoding.
func TestEncryption(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	key := newKey()
	st, c := newStore(t, shared, redisstore.WithEncryptionKey(key))
	tk := tok("sealed", time.Hour)
	if err := st.Save(ctx, tk); err != nil {
		t.Fatal(err)
	}
	// A refusal whose message holds a secret-looking word is sealed too.
	policy := bearerkit.WithPolicy(ctx, bearerkit.RenewPolicy{CoolDown: time.Minute})
	refusal := &bearerkit.AuthError{StatusCode: 401, Code: "invalid_grant", Description: "Invalid user credentials", Grant: "password"}
	if _, _, err := st.Renew(policy, tk, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) { return nil, refusal }); err == nil {
		t.Fatal("the refusal was not returned")
	}
	values := dump(t, c, st.Namespace())
	if len(values) < 2 {
		t.Fatalf("expected the token and the refusal in Redis, found %d values", len(values))
	}
	for k, v := range values {
		for _, secret := range append(append(forms(tk.AccessToken), forms(tk.RefreshToken)...), "Invalid user credentials", "access_token") {
			if strings.Contains(v, secret) {
				t.Fatalf("%s holds %q in the clear", k, secret)
			}
		}
	}
	got, err := st.Load(ctx)
	if err != nil || got.AccessToken != tk.AccessToken || got.RefreshToken != tk.RefreshToken || !got.Expiry.Equal(tk.Expiry) {
		t.Fatalf("Load: %v, %v", got, err)
	}

	// A value moved to another key does not open (the key name is bound in).
	other := sibling(t, shared, st, redisstore.WithEncryptionKey(key))
	_ = other
	data := c.HGet(ctx, "{"+st.Namespace()+"}:token", "data").Val()
	st2, c2 := newStore(t, shared, redisstore.WithEncryptionKey(key))
	c2.HSet(ctx, "{"+st2.Namespace()+"}:token", "gen", 1, "data", data)
	if _, err := st2.Load(ctx); !errors.Is(err, redisstore.ErrUndecryptable) {
		t.Fatalf("a sealed value under another key name: %v, want ErrUndecryptable", err)
	}
}

// dump returns every value of the namespace's keys (hash fields as
// "key/field"), scanning with KEYS.
func dump(t testing.TB, c *redis.Client, ns string) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, "{"+ns+"}:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		switch c.Type(ctx, k).Val() {
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				out[k+"/"+f] = v
			}
		default:
			out[k] = c.Get(ctx, k).Val()
		}
	}
	return out
}

// TestWrongKey: a Store with another key (or none) cannot read the token,
// says so, never calls renew, and never overwrites the value.
func TestWrongKey(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	st, c := newStore(t, shared, redisstore.WithEncryptionKey(newKey()))
	if err := st.Save(ctx, tok("sealed", time.Hour)); err != nil {
		t.Fatal(err)
	}
	before := dump(t, c, st.Namespace())
	for name, opts := range map[string][]redisstore.Option{
		"another key": {redisstore.WithEncryptionKey(newKey())},
		"no key":      nil,
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			o, err := redisstore.New(shared.client(t), st.Namespace(), append(opts, redisstore.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := o.Load(ctx); !errors.Is(err, redisstore.ErrUndecryptable) {
				t.Fatalf("Load: %v, want ErrUndecryptable", err)
			}
			var calls atomic.Int32
			_, _, err = o.Renew(ctx, tok("prev", -time.Minute), func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
				calls.Add(1)
				return tok("overwrite", time.Hour), nil
			})
			if !errors.Is(err, redisstore.ErrUndecryptable) || calls.Load() != 0 {
				t.Fatalf("Renew: %v, renew ran %d times; want ErrUndecryptable and no renewal", err, calls.Load())
			}
			if err := o.Save(ctx, tok("overwrite", time.Hour)); !errors.Is(err, redisstore.ErrUndecryptable) {
				t.Fatalf("Save: %v, want ErrUndecryptable", err)
			}
			if after := dump(t, c, st.Namespace()); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatal("the value was changed")
			}
			if !strings.Contains(logs.String(), "level=ERROR") {
				t.Fatalf("the failure was not logged at Error:\n%s", logs.String())
			}
		})
	}

	// A plaintext value (a Store without a key wrote it) is read with a key:
	// turning encryption on needs no migration; the next save seals it.
	plain, pc := newStore(t, shared)
	tk := tok("plain", time.Hour)
	if err := plain.Save(ctx, tk); err != nil {
		t.Fatal(err)
	}
	keyed := sibling(t, shared, plain, redisstore.WithEncryptionKey(newKey()))
	got, err := keyed.Load(ctx)
	if err != nil || got.AccessToken != tk.AccessToken {
		t.Fatalf("a keyed Store reading a plaintext token: %v, %v", got, err)
	}
	if err := keyed.Save(ctx, tk); err != nil {
		t.Fatal(err)
	}
	for k, v := range dump(t, pc, plain.Namespace()) {
		if strings.Contains(v, tk.AccessToken) {
			t.Fatalf("%s still holds the token in the clear after a keyed save", k)
		}
	}

	// A value this package did not write is an error, and is left alone.
	junk, jc := newStore(t, shared)
	jc.Set(ctx, "{"+junk.Namespace()+"}:token", "not a hash", 0)
	if _, _, err := junk.Renew(ctx, nil, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return tok("x", time.Hour), nil
	}); !errors.Is(err, redisstore.ErrCorrupt) {
		t.Fatalf("Renew over a string key: %v, want ErrCorrupt", err)
	}
	if jc.Get(ctx, "{"+junk.Namespace()+"}:token").Val() != "not a hash" {
		t.Fatal("the foreign value was overwritten")
	}
}

// TestWaiterOfAnotherProcessReturns: a Store waiting for another Store's
// lease (another process) returns with its context's error while the holder
// still renews, and the holder's renewal goes on.
func TestWaiterOfAnotherProcessReturns(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	a, _ := newStore(t, shared)
	b := sibling(t, shared, a)
	gate, started := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, _, err := a.Renew(ctx, tok("prev", -time.Minute), func(ctx context.Context, _ *bearerkit.Token) (*bearerkit.Token, error) {
			close(started)
			<-gate
			return tok("slow", time.Hour), nil
		})
		done <- err
	}()
	<-started
	for _, cause := range []string{"cancel", "deadline"} {
		wctx, cancel := context.WithCancel(ctx)
		if cause == "deadline" {
			wctx, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
		}
		var calls atomic.Int32
		errc := make(chan error, 1)
		go func() {
			_, _, err := b.Renew(wctx, tok("prev", -time.Minute), func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
				calls.Add(1)
				return tok("x", time.Hour), nil
			})
			errc <- err
		}()
		if cause == "cancel" {
			cancel()
		}
		err := <-errc
		cancel()
		if !errors.Is(err, wctx.Err()) || calls.Load() != 0 {
			t.Fatalf("%s: the waiter returned %v after %d renewals, want its context's error and none", cause, err, calls.Load())
		}
		select {
		case err := <-done:
			t.Fatalf("the holder finished (%v) before the waiter returned", err)
		default:
		}
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, renewed, err := b.Renew(ctx, tok("prev", -time.Minute), func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return nil, errors.New("must adopt")
	})
	if err != nil || renewed || !strings.HasPrefix(got.AccessToken, "access-slow") {
		t.Fatalf("after the holder: %v renewed=%v %v", got, renewed, err)
	}
}

// TestACL runs a Store as a Redis user limited as the package documentation
// says: its namespace's keys and the commands listed there.
func TestACL(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	admin := shared.client(t)
	ns := newNamespace()
	user := "bk-" + strings.NewReplacer(":", "-").Replace(ns)
	acl := strings.Fields("on >acl-test-password resetkeys ~{" + ns + "}:* resetchannels -@all +hmget +get +set +hget +hset +del +evalsha +eval")
	args := []any{"ACL", "SETUSER", user}
	for _, a := range acl {
		args = append(args, a)
	}
	if err := admin.Do(ctx, args...).Err(); err != nil {
		t.Fatalf("ACL SETUSER: %v", err)
	}
	t.Cleanup(func() { admin.Do(context.Background(), "ACL", "DELUSER", user) })
	opts := shared.options()
	opts.Username, opts.Password = user, "acl-test-password"
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	st, err := redisstore.New(c, ns, redisstore.WithEncryptionKey(newKey()), redisstore.WithLogger(discard))
	if err != nil {
		t.Fatal(err)
	}
	policy := bearerkit.WithPolicy(ctx, bearerkit.RenewPolicy{CoolDown: time.Minute})
	refusal := &bearerkit.AuthError{StatusCode: 401, Code: "invalid_grant", Grant: "password"}
	if _, _, err := st.Renew(policy, nil, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) { return nil, refusal }); !bearerkit.IsRefused(err) {
		t.Fatalf("refused renewal as the limited user: %v", err)
	}
	if _, _, err := st.Renew(policy, nil, nil); err == nil {
		t.Fatal("nil renew accepted")
	}
	if _, _, err := st.Renew(policy, nil, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) { return nil, refusal }); !errors.Is(err, bearerkit.ErrRefusedElsewhere) {
		t.Fatalf("the refusal was not remembered as the limited user: %v", err)
	}
	tk := tok("acl", time.Hour)
	if err := st.Save(ctx, tk); err != nil {
		t.Fatalf("Save as the limited user: %v", err)
	}
	got, renewed, err := st.Renew(ctx, tok("prev", -time.Minute), func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return nil, errors.New("must adopt")
	})
	if err != nil || renewed || got.AccessToken != tk.AccessToken {
		t.Fatalf("Renew as the limited user: %v, %v", got, err)
	}
	if _, _, err := st.Renew(ctx, got, func(context.Context, *bearerkit.Token) (*bearerkit.Token, error) {
		return tok("acl2", 2*time.Hour), nil
	}); err != nil {
		t.Fatalf("a renewal as the limited user: %v", err)
	}
	// And nothing outside the namespace.
	if err := c.Set(ctx, "elsewhere", "x", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("the user can write outside its namespace: %v", err)
	}
}

// TestConcurrentStoresOfOneNamespace: 8 Stores (as 8 processes) × 8
// goroutines renew the same expired token at once: one renewal. The renewal
// lasts until every other Store has tried to take the lease (counted by the
// server), so all of them contend for it.
func TestConcurrentStoresOfOneNamespace(t *testing.T) {
	srv := newServer(t)
	admin := srv.client(t)
	ctx := context.Background()
	first, _ := newStore(t, srv)
	stores := []*redisstore.Store{first}
	for range 7 {
		stores = append(stores, sibling(t, srv, first))
	}
	admin.ConfigResetStat(ctx)
	prev := tok("prev", -time.Minute)
	var calls atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for _, st := range stores {
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := st.Renew(ctx, prev, func(ctx context.Context, _ *bearerkit.Token) (*bearerkit.Token, error) {
					calls.Add(1)
					for setCalls(ctx, admin) < len(stores) {
						select {
						case <-ctx.Done():
							return nil, ctx.Err()
						case <-time.After(time.Millisecond):
						}
					}
					return tok("one", time.Hour), nil
				})
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("renew ran %d times for 64 callers in 8 Stores, want 1", n)
	}
}

// setCalls returns how many SET commands the server ran since CONFIG
// RESETSTAT (-1 if INFO fails).
func setCalls(ctx context.Context, c *redis.Client) int {
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_set:calls="); ok {
			n, _ := strconv.Atoi(rest[:strings.IndexByte(rest+",", ',')])
			return n
		}
	}
	return 0
}
