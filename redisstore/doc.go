// Package redisstore is a bearerkit.Coordinator in Redis, for a fleet: however
// many processes on however many machines share a namespace, the platform sees
// one renewal at a time, as if there were one process, and a rotated-out
// refresh token is never sent.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	store, err := redisstore.New(rdb, "dataddo-prod", redisstore.WithEncryptionKey(key))
//	if err != nil { ... }
//	client, err := bearerkit.NewClient(baseURL, auth, bearerkit.WithTokenStore(store))
//
// Only renewals reach Redis: the Transport calls Renew when its token needs
// renewing (and a Store's Load and Save only when you do), so requests that
// carry a valid token send no Redis command at all.
//
// # Protocol
//
// A namespace ns owns three keys, all with the hash tag {ns} so that they live in
// one Redis Cluster slot, and none holds a user name or an e-mail:
//
//   - {ns}:token, a hash: gen, the generation (an integer that only grows), and
//     data, the token as bearerkit.MarshalToken writes it, or encrypted (see
//     Encryption). It has no TTL.
//   - {ns}:lease, a string: the random id of the one process renewing, set with
//     SET NX PX only for the time of a renewal.
//   - {ns}:refused, a string: a refused login (bearerkit.RefusedError as JSON,
//     encrypted like the token), set with SET PX for the cool-down.
//
// Renew reads the token and the refusal (HMGET and GET, pipelined). A stored
// token that bearerkit.Policy(ctx).Adoptable finds newer than prev is returned as
// is, and a refusal whose cool-down runs is returned as a *bearerkit.RefusedError,
// neither calling renew. Otherwise Renew takes the lease with SET {ns}:lease id NX
// PX ttl, where ttl is the time left on ctx plus 2 s (30 s plus 2 s when ctx has
// no deadline; renew then gets those 30 s), so a holder that dies is replaced
// within its renewal timeout plus 2 s. Under the lease it reads again, adopts a
// token stored meanwhile, or calls renew with the newest stored token (prev when
// the store is empty) and saves the result with a Lua compare-and-set on the
// generation it read: the script stores the token and generation+1 only if the
// generation is still the one read, and clears the refusal. It then releases the
// lease with a Lua compare-and-delete (only its own id). A process that does not
// get the lease polls Redis, after a wait that starts at about 2 ms and backs
// off to about 50 ms, with jitter, until the token it waits for is stored or
// the lease is free; it returns ctx's error as soon as ctx ends.
//
// Fencing is on the generation, not on the lease: a holder whose lease lapsed
// (its process was paused past the lease) still saves its token if no other
// process has saved since it read, because that token may hold the only valid
// refresh token (the platform has already rotated the old one out). If another
// process saved meanwhile, the token issued last wins: the holder adopts the
// stored token when it expires no earlier than its own (a later renewal from the
// same grant, or one a reuse grace answered with the same tokens), and otherwise
// writes its own over it with a further compare-and-set, so the generation never
// goes backwards. A save that fails because Redis is unreachable keeps the token
// in the process, which writes it back at its next renewal if no other process
// has saved since (or Redis came back empty).
//
// The commands used are HMGET, GET, SET, EVALSHA and EVAL (the scripts call HGET,
// HSET, GET and DEL).
//
// # Refused logins
//
// When renew fails with an error that bearerkit.IsRefused reports (a wrong
// password), the refusal is stored for bearerkit.Policy(ctx).CoolDown, and every
// process sharing the namespace gets a *bearerkit.RefusedError until it ends, so
// N replicas never try a wrong password N times. A successful save clears it.
//
// # When Redis is down
//
// Requests with a valid token keep working: they do not use Redis. By default a
// renewal that cannot reach Redis runs in the process, one at a time for the
// Transports sharing this Store (logged at Error), so the process keeps a token;
// processes do not coordinate meanwhile. With a platform that rotates refresh
// tokens and detects their reuse, such local renewals in several processes of a
// grant revoke each other (the platform kills the grant, and each process falls
// back to its password, if it has one). Refresh-only setups, where a dead grant
// cannot be replaced, should use WithFailWhenDown: renewals then fail with an
// error wrapping ErrUnavailable while Redis is unreachable. When Redis returns,
// even empty, the next renewal stores its token and the others adopt it within
// one token lifetime. Redis killed during a renewal can still cost one password
// login with such a platform: the holder renewed but could not save, and if
// Redis comes back empty and another process renews before the holder writes
// its token back, that process sends the rotated-out refresh token. Persistence
// (see Redis settings) narrows this to a failed save.
//
// Once a Store has found Redis unreachable, its Renew does not try Redis again
// for a second (the callers queued behind that renewal do not each wait for the
// client's dial retries), and go-redis itself keeps answering that Redis is
// unreachable for up to a second after it is back (once its pool has failed to
// dial, it probes once a second): allow a couple of seconds for a fleet to
// notice that Redis is back.
//
// A Redis command that hangs (a host that stopped answering) holds Renew until
// the client's ReadTimeout unless the client honours contexts: set
// ContextTimeoutEnabled in its options, as above.
//
// # Encryption
//
// With WithEncryptionKey, the token (the whole JSON of bearerkit.MarshalToken)
// and the refusal are sealed with AES-256-GCM under a random nonce, with the key
// name as additional data, so no token byte is in a Redis value and a value
// cannot be moved to another key. A Store that cannot decrypt what it finds (a
// different key, or no key for an encrypted value) returns an error wrapping
// ErrUndecryptable, logs it, and never overwrites the value. A plaintext value
// written by a Store without a key is read by one with a key, so turning
// encryption on needs no migration; its next save encrypts.
//
// # Redis settings
//
// The token key has no TTL and must survive: use maxmemory-policy noeviction, or
// one of the volatile-* policies (they evict only keys with a TTL), never an
// allkeys-* one; and persistence (appendonly yes, or RDB snapshots) if a restart
// must not cost a login. A Redis restarted empty costs one renewal from each
// process's own token, not a password. A user limited to the namespace needs:
//
//	ACL SETUSER bearerkit on >PASSWORD resetkeys ~{ns}:* resetchannels -@all +hmget +get +set +hget +hset +del +evalsha +eval
//
// # Concurrency
//
// A Store is safe for concurrent use; several Stores of one process (or of many)
// with the same namespace share the token through Redis.
package redisstore
