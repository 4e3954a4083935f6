package redisstore

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is wrapped by the errors of a Store that cannot reach Redis
// (a refused or broken connection, a timeout, a server still loading or
// without a master). Renew returns it only with WithFailWhenDown; by default
// it renews in the process instead.
var ErrUnavailable = errors.New("redisstore: Redis is unreachable")

// ErrUndecryptable is wrapped by the errors of a Store that finds a value it
// cannot decrypt: sealed with another key, sealed while the Store has no key,
// or altered. The Store never overwrites such a value.
var ErrUndecryptable = errors.New("redisstore: the stored value cannot be decrypted with this Store's key")

// ErrCorrupt is wrapped by the errors of a Store that finds a value this
// package did not write (not a token, a key of another type). The Store never
// overwrites such a value: delete it to start afresh.
var ErrCorrupt = errors.New("redisstore: the stored value is not a bearerkit token")

const (
	// leaseMargin is added to the time left on Renew's context to make the
	// lease: the time to save and release after renew returns.
	leaseMargin = 2 * time.Second
	// noDeadline bounds a renewal whose context has no deadline.
	noDeadline = 30 * time.Second
	// pollMin and pollMax bound the wait between two looks at Redis of a
	// process waiting for another's renewal.
	pollMin = 2 * time.Millisecond
	pollMax = 50 * time.Millisecond
	// casTries bounds the compare-and-set rounds of one save.
	casTries = 5
	// downPause is how long Renew leaves Redis alone once it found it
	// unreachable.
	downPause = time.Second
)

// Store is a bearerkit.Coordinator (and TokenStore) in Redis, shared by every
// process that uses the same namespace; see the package documentation for the
// protocol. Make one with New: the zero Store (or a nil *Store) has no Redis,
// and its methods return an error wrapping bearerkit.ErrInvalidOption. A
// Store is safe for concurrent use. Printing it
// (fmt, slog, json.Marshal) shows its namespace and settings, never a token or
// the key.
type Store struct {
	rdb                            redis.UniversalClient
	ns                             string
	keyToken, keyLease, keyRefused string
	aead                           cipher.AEAD // nil: values in plaintext
	failWhenDown                   bool
	log                            *slog.Logger
	gate                           chan struct{} // held by this process's Renew under way

	mu           sync.Mutex              // guards the fields below
	local        *bearerkit.Token        // the newest token this Store has seen
	localRefused *bearerkit.RefusedError // a refusal, for the fallback
	pending      *bearerkit.Token        // renewed but not saved: Redis was unreachable
	pendingGen   int64                   // the generation pending replaces
	lastGen      int64                   // the generation last seen
	downErr      error                   // why Redis was last found unreachable
	downUntil    time.Time               // when to try Redis again
}

// New returns a Store that keeps the token of namespace in rdb (a
// *redis.Client, *redis.ClusterClient, *redis.Ring or failover client). The
// namespace names the token's keys ({namespace}:token and siblings); use one
// per account and platform, and the same in every process that shares the
// token. It is 1 to 128 characters of ASCII letters, digits, '.', '_', '-' and
// ':'; put no user name or e-mail in it. A nil client (typed or not), a bad
// namespace and a bad option are errors wrapping bearerkit.ErrInvalidOption.
// New sends no command; the Store uses rdb only in Load, Save and Renew.
func New(rdb redis.UniversalClient, namespace string, opts ...Option) (*Store, error) {
	if isNil(rdb) {
		return nil, fmt.Errorf("%w: redisstore.New: nil Redis client", bearerkit.ErrInvalidOption)
	}
	if err := checkNamespace(namespace); err != nil {
		return nil, err
	}
	var c config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	s := &Store{
		rdb:          rdb,
		ns:           namespace,
		keyToken:     "{" + namespace + "}:token",
		keyLease:     "{" + namespace + "}:lease",
		keyRefused:   "{" + namespace + "}:refused",
		aead:         c.aead,
		failWhenDown: c.failWhenDown,
		log:          c.logger,
		gate:         make(chan struct{}, 1),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

func isNil(rdb redis.UniversalClient) bool {
	if rdb == nil {
		return true
	}
	v := reflect.ValueOf(rdb)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

func checkNamespace(ns string) error {
	if ns == "" || len(ns) > 128 {
		return fmt.Errorf("%w: redisstore.New: the namespace must have 1 to 128 characters", bearerkit.ErrInvalidOption)
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == ':') {
			return fmt.Errorf("%w: redisstore.New: the namespace may hold only ASCII letters, digits, '.', '_', '-' and ':' (found %q)",
				bearerkit.ErrInvalidOption, string(rune(c)))
		}
	}
	return nil
}

// check refuses a Store that New did not make.
func (s *Store) check() error {
	if s == nil || s.rdb == nil || s.gate == nil {
		return fmt.Errorf("%w: redisstore: a Store must be made with New", bearerkit.ErrInvalidOption)
	}
	return nil
}

// Namespace returns the namespace the Store was made with ("" for a nil or
// zero Store).
func (s *Store) Namespace() string {
	if s == nil {
		return ""
	}
	return s.ns
}

// record is what Redis holds for the namespace.
type record struct {
	gen     int64
	tok     *bearerkit.Token
	refused *bearerkit.RefusedError
}

// Load returns the stored token, or nil, nil when there is none. An
// unreachable Redis is an error wrapping ErrUnavailable; a value the Store
// cannot read, one wrapping ErrUndecryptable or ErrCorrupt.
func (s *Store) Load(ctx context.Context) (*bearerkit.Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	rec, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	s.seen(rec)
	return clone(rec.tok), nil
}

// Save stores t as the newest token (a new generation) and clears a
// remembered refusal. A nil t is an error wrapping bearerkit.ErrInvalidOption.
// Save never overwrites a value the Store cannot read (see Load).
func (s *Store) Save(ctx context.Context, t *bearerkit.Token) error {
	if err := s.check(); err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("%w: redisstore: Save of a nil token", bearerkit.ErrInvalidOption)
	}
	data, err := s.seal(s.keyToken, t)
	if err != nil {
		return err
	}
	for range casTries {
		rec, err := s.read(ctx)
		if err != nil {
			return err
		}
		ok, gen, err := s.cas(ctx, rec.gen, data)
		if err != nil {
			return err
		}
		if ok {
			s.saved(t, gen)
			return nil
		}
	}
	return errors.New("redisstore: Save: the token changed under every attempt; not saved")
}

// Renew implements bearerkit.Coordinator: it returns a token newer than prev,
// adopted from Redis or renewed by renew under the namespace's lease, as the
// package documentation describes. Callers of one Store take turns (the others
// wait for their context or their turn, then usually adopt the token just
// stored), and processes take turns through the lease. A nil renew is an
// error wrapping bearerkit.ErrInvalidOption.
//
// When Redis is unreachable, Renew renews in the process (logged at Error) or,
// with WithFailWhenDown, fails with an error wrapping ErrUnavailable. A stored
// value it cannot read makes it fail with an error wrapping ErrUndecryptable
// or ErrCorrupt (logged at Error) and renew is not called.
func (s *Store) Renew(ctx context.Context, prev *bearerkit.Token, renew func(ctx context.Context, base *bearerkit.Token) (*bearerkit.Token, error)) (*bearerkit.Token, bool, error) {
	if err := s.check(); err != nil {
		return nil, false, err
	}
	if renew == nil {
		return nil, false, fmt.Errorf("%w: redisstore: Renew without a renew func", bearerkit.ErrInvalidOption)
	}
	p := bearerkit.Policy(ctx)
	select {
	case s.gate <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	defer func() { <-s.gate }()

	if err := s.down(); err != nil {
		return s.cannot(ctx, p, prev, renew, err)
	}
	id := rand.Text()
	wait := pollMin
	for {
		rec, err := s.read(ctx)
		if err != nil {
			return s.cannot(ctx, p, prev, renew, err)
		}
		rec = s.writeBack(ctx, rec)
		if tok, done, err := s.settled(p, rec, prev); done {
			return tok, false, err
		}
		ok, err := s.rdb.SetNX(ctx, s.keyLease, id, leaseTTL(ctx)).Result()
		if err != nil {
			return s.cannot(ctx, p, prev, renew, s.redisErr(ctx, "taking the lease", err))
		}
		if ok {
			return s.renewLeased(ctx, p, prev, renew, id)
		}
		t := time.NewTimer(jitter(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, pollMax)
	}
}

// settled reports whether rec answers Renew without a renewal: a token to
// adopt, or a refusal whose cool-down runs.
func (s *Store) settled(p bearerkit.RenewPolicy, rec *record, prev *bearerkit.Token) (*bearerkit.Token, bool, error) {
	s.seen(rec)
	if rec.tok != nil && p.Adoptable(rec.tok, prev) {
		return clone(rec.tok), true, nil
	}
	if rec.refused != nil && now(p).Before(rec.refused.Until) {
		e := *rec.refused
		return nil, true, &e
	}
	return nil, false, nil
}

// renewLeased runs renew under the lease id and saves its token.
func (s *Store) renewLeased(ctx context.Context, p bearerkit.RenewPolicy, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error), id string) (*bearerkit.Token, bool, error) {
	defer s.release(ctx, id)
	rec, err := s.read(ctx)
	if err != nil {
		return s.cannot(ctx, p, prev, renew, err)
	}
	if tok, done, err := s.settled(p, rec, prev); done {
		return tok, false, err
	}
	base := prev
	if rec.tok != nil {
		base = rec.tok
	}
	tok, err := callRenew(ctx, renew, base)
	if err != nil {
		s.refuse(ctx, p, err)
		return nil, false, err
	}
	return s.store(ctx, p, rec.gen, tok)
}

// store saves tok, renewed from the token of generation gen, and returns the
// token the caller should use: tok, or the one another process stored
// meanwhile when that one was issued later (see the package documentation).
func (s *Store) store(ctx context.Context, p bearerkit.RenewPolicy, gen int64, tok *bearerkit.Token) (*bearerkit.Token, bool, error) {
	ctx, cancel := detached(ctx)
	defer cancel()
	data, err := s.seal(s.keyToken, tok)
	if err != nil {
		return nil, false, err
	}
	for range casTries {
		ok, newGen, err := s.cas(ctx, gen, data)
		if err != nil {
			s.keep(tok, gen)
			s.log.LogAttrs(ctx, slog.LevelError, "redisstore: the renewed token could not be saved; this process keeps it and saves it at its next renewal",
				slog.String("namespace", s.ns), slog.String("error", err.Error()))
			return clone(tok), true, nil
		}
		if ok {
			s.saved(tok, newGen)
			return clone(tok), true, nil
		}
		// Another process saved since we read: the token issued last wins.
		rec, err := s.read(ctx)
		if err != nil {
			s.keep(tok, gen)
			return clone(tok), true, nil
		}
		s.seen(rec)
		if rec.tok != nil && rec.tok.AccessToken == tok.AccessToken {
			return clone(tok), true, nil
		}
		if rec.tok != nil && !rec.tok.Expiry.Before(tok.Expiry) && p.Usable(rec.tok) {
			s.log.LogAttrs(ctx, slog.LevelWarn, "redisstore: another process stored a token while this one renewed (its lease had lapsed); using the stored one",
				slog.String("namespace", s.ns))
			return clone(rec.tok), false, nil
		}
		gen = rec.gen
	}
	s.keep(tok, gen)
	return clone(tok), true, nil
}

// cannot handles an error that kept Renew from going on: an unreachable Redis
// (renew locally, or fail with WithFailWhenDown), or anything else (fail).
func (s *Store) cannot(ctx context.Context, p bearerkit.RenewPolicy, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error), err error) (*bearerkit.Token, bool, error) {
	switch {
	case ctx.Err() != nil || ended(ctx, err):
		return nil, false, err
	case !errors.Is(err, ErrUnavailable):
		if errors.Is(err, ErrUndecryptable) || errors.Is(err, ErrCorrupt) {
			s.log.LogAttrs(ctx, slog.LevelError, "redisstore: the stored token cannot be read; not renewing, and not overwriting it",
				slog.String("namespace", s.ns), slog.String("error", err.Error()))
		}
		return nil, false, err
	}
	if s.markDown(err) && s.failWhenDown {
		s.log.LogAttrs(ctx, slog.LevelError, "redisstore: Redis is unreachable; renewals fail (WithFailWhenDown)",
			slog.String("namespace", s.ns), slog.String("error", err.Error()))
	}
	if s.failWhenDown {
		return nil, false, err
	}
	return s.renewLocally(ctx, p, prev, renew, err)
}

// markDown records that Redis was found unreachable: Renew does not try it
// again for downPause, so that the callers queued behind a renewal that
// found Redis down do not each wait for the client's dial retries.
// It reports whether this starts a pause (false: one is under way).
func (s *Store) markDown(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downErr != nil && time.Now().Before(s.downUntil) {
		return false
	}
	s.downErr, s.downUntil = err, time.Now().Add(downPause)
	return true
}

// down returns the error that made Redis unreachable, if that was less than
// downPause ago.
func (s *Store) down() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downErr != nil && time.Now().Before(s.downUntil) {
		return s.downErr
	}
	s.downErr = nil
	return nil
}

// renewLocally is Renew without Redis (cause says why): one renewal at a
// time in the process (Renew holds the gate), adopting what this Store last
// saw.
func (s *Store) renewLocally(ctx context.Context, p bearerkit.RenewPolicy, prev *bearerkit.Token, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error), cause error) (*bearerkit.Token, bool, error) {
	s.mu.Lock()
	local, refused, gen := clone(s.local), s.localRefused, s.lastGen
	s.mu.Unlock()
	if local != nil && p.Adoptable(local, prev) {
		return local, false, nil
	}
	if refused != nil && now(p).Before(refused.Until) {
		e := *refused
		return nil, false, &e
	}
	base := prev
	if local != nil && (prev == nil || !local.Expiry.Before(prev.Expiry)) {
		base = local
	}
	s.log.LogAttrs(ctx, slog.LevelError, "redisstore: Redis is unreachable; renewing in this process only (other processes may renew too)",
		slog.String("namespace", s.ns), slog.String("error", cause.Error()))
	tok, err := callRenew(ctx, renew, base)
	if err != nil {
		if p.CoolDown > 0 && bearerkit.IsRefused(err) {
			s.mu.Lock()
			s.localRefused = bearerkit.NewRefusedError(err, now(p).Add(p.CoolDown))
			s.mu.Unlock()
		}
		return nil, false, err
	}
	s.keep(tok, gen)
	return clone(tok), true, nil
}

// writeBack saves the token this process renewed but could not save (Redis
// was unreachable), if no process has saved since or Redis came back empty
// (rec is what Redis holds now), and returns what Redis then holds.
func (s *Store) writeBack(ctx context.Context, rec *record) *record {
	s.mu.Lock()
	tok, gen := s.pending, s.pendingGen
	s.pending = nil
	s.mu.Unlock()
	if tok == nil || (rec.gen != gen && rec.gen != 0) || (rec.tok != nil && !tok.Expiry.After(rec.tok.Expiry)) {
		return rec
	}
	if rec.gen == 0 {
		gen = 0 // restarted empty: ours is the newest token there is
	}
	data, err := s.seal(s.keyToken, tok)
	if err != nil {
		return rec
	}
	ok, newGen, err := s.cas(ctx, gen, data)
	if err != nil {
		s.keep(tok, gen)
		return rec
	}
	if !ok {
		return rec
	}
	s.saved(tok, newGen)
	s.log.LogAttrs(ctx, slog.LevelInfo, "redisstore: saved the token renewed while Redis was unreachable", slog.String("namespace", s.ns))
	return &record{gen: newGen, tok: tok}
}

// refuse stores a refusal that renew returned, for the cool-down.
func (s *Store) refuse(ctx context.Context, p bearerkit.RenewPolicy, err error) {
	if p.CoolDown <= 0 || !bearerkit.IsRefused(err) {
		return
	}
	re := bearerkit.NewRefusedError(err, now(p).Add(p.CoolDown))
	s.mu.Lock()
	s.localRefused = re
	s.mu.Unlock()
	b, jerr := json.Marshal(re)
	if jerr != nil {
		return
	}
	v, serr := s.sealBytes(s.keyRefused, b)
	if serr != nil {
		return
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	if err := s.rdb.Set(ctx, s.keyRefused, v, p.CoolDown).Err(); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "redisstore: the refused login could not be shared with the other processes",
			slog.String("namespace", s.ns), slog.String("error", err.Error()))
	}
}

// release gives the lease id back, if it is still ours.
func (s *Store) release(ctx context.Context, id string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_ = releaseScript.Run(ctx, s.rdb, []string{s.keyLease}, id).Err() // lapses by itself otherwise
}

// seen records what Redis holds, for the fallback.
func (s *Store) seen(rec *record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastGen = rec.gen
	if rec.tok != nil {
		s.local = clone(rec.tok)
	}
}

// saved records that tok is stored as generation gen.
func (s *Store) saved(tok *bearerkit.Token, gen int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastGen, s.local, s.localRefused, s.pending = gen, clone(tok), nil, nil
}

// keep records tok, renewed from generation gen, as not saved.
func (s *Store) keep(tok *bearerkit.Token, gen int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.local, s.pending, s.pendingGen, s.localRefused = clone(tok), clone(tok), gen, nil
}

// read fetches the token and the refusal.
func (s *Store) read(ctx context.Context) (*record, error) {
	pipe := s.rdb.Pipeline()
	h := pipe.HMGet(ctx, s.keyToken, "gen", "data")
	r := pipe.Get(ctx, s.keyRefused)
	_, _ = pipe.Exec(ctx)
	if err := h.Err(); err != nil {
		if redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, fmt.Errorf("%w (%s is not a hash)", ErrCorrupt, s.keyToken)
		}
		return nil, s.redisErr(ctx, "reading the token", err)
	}
	rec := &record{}
	vals := h.Val()
	if len(vals) == 2 && vals[0] != nil {
		g, ok := vals[0].(string)
		gen, err := strconv.ParseInt(g, 10, 64)
		data, ok2 := vals[1].(string)
		if !ok || !ok2 || err != nil || gen < 1 {
			return nil, fmt.Errorf("%w (%s)", ErrCorrupt, s.keyToken)
		}
		tok, err := s.open(s.keyToken, data)
		if err != nil {
			return nil, err
		}
		rec.gen, rec.tok = gen, tok
	}
	switch v, err := r.Result(); {
	case errors.Is(err, redis.Nil):
	case err != nil:
		if redis.HasErrorPrefix(err, "WRONGTYPE") {
			return nil, fmt.Errorf("%w (%s is not a string)", ErrCorrupt, s.keyRefused)
		}
		return nil, s.redisErr(ctx, "reading the refusal", err)
	default:
		b, err := s.openBytes(s.keyRefused, v)
		if err != nil {
			return nil, err
		}
		var re bearerkit.RefusedError
		if json.Unmarshal(b, &re) != nil || re.Message == "" {
			return nil, fmt.Errorf("%w (%s)", ErrCorrupt, s.keyRefused)
		}
		rec.refused = &re
	}
	return rec, nil
}

// cas stores data as generation gen+1 if the stored generation is gen.
func (s *Store) cas(ctx context.Context, gen int64, data string) (ok bool, newGen int64, err error) {
	res, err := saveScript.Run(ctx, s.rdb, []string{s.keyToken, s.keyRefused}, gen, data).Int64Slice()
	if err != nil {
		if redis.HasErrorPrefix(err, "WRONGTYPE") {
			return false, 0, fmt.Errorf("%w (%s is not a hash)", ErrCorrupt, s.keyToken)
		}
		return false, 0, s.redisErr(ctx, "saving the token", err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("redisstore: saving the token: unexpected answer from the script")
	}
	return res[0] == 1, res[1], nil
}

// saveScript: KEYS[1] the token hash, KEYS[2] the refusal; ARGV[1] the
// generation read, ARGV[2] the data. It stores the data as the next generation
// only if the stored generation is still the one read, and clears the refusal.
var saveScript = redis.NewScript(`
local g = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
if g ~= tonumber(ARGV[1]) then return {0, g} end
g = g + 1
redis.call('HSET', KEYS[1], 'gen', g, 'data', ARGV[2])
redis.call('DEL', KEYS[2])
return {1, g}
`)

// releaseScript deletes the lease KEYS[1] if it holds ARGV[1].
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// redisErr wraps an error of a Redis command: the caller's context error as
// is, an unreachable Redis with ErrUnavailable.
func (s *Store) redisErr(ctx context.Context, op string, err error) error {
	if ended(ctx, err) {
		cause := ctx.Err()
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return fmt.Errorf("redisstore: %s: %w", op, cause)
	}
	if unavailable(err) {
		return fmt.Errorf("%w (%s): %w", ErrUnavailable, op, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// ended reports whether err is ctx ending, not Redis failing. A client
// with ContextTimeoutEnabled gives its socket ctx's deadline, and the
// socket's timeout ("i/o timeout") may fire an instant before ctx's own
// timer: that is ctx's deadline too, not Redis down (which would send
// this process's renewals around the fleet's lease).
func ended(ctx context.Context, err error) bool {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return true
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return true
		}
	}
	return false
}

// unavailable reports whether err means Redis cannot serve now, as opposed
// to an answer (a script error, a missing permission).
func unavailable(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) {
		return true // network, pool, closed client
	}
	return redis.IsLoadingError(err) || redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsMasterDownError(err) || redis.IsMaxClientsError(err) || redis.IsReadOnlyError(err)
}

// callRenew calls renew, turning a panic and a nil token into errors. A
// context without deadline gets noDeadline, the bound its lease assumed.
func callRenew(ctx context.Context, renew func(context.Context, *bearerkit.Token) (*bearerkit.Token, error), base *bearerkit.Token) (tok *bearerkit.Token, err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, noDeadline)
		defer cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			tok, err = nil, fmt.Errorf("redisstore: the renewal panicked (%T)", v)
		}
	}()
	tok, err = renew(ctx, clone(base))
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errors.New("redisstore: the renewal returned no token")
	}
	return clone(tok), err
}

// leaseTTL is the lease for a renewal under ctx.
func leaseTTL(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), 0) + leaseMargin
	}
	return noDeadline + leaseMargin
}

// detached is ctx without its cancellation, bounded by leaseMargin: for the
// steps that must follow a renewal even when its context has just ended.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), leaseMargin)
}

func jitter(d time.Duration) time.Duration {
	return d/2 + mrand.N(d)
}

func now(p bearerkit.RenewPolicy) time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func clone(t *bearerkit.Token) *bearerkit.Token {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
