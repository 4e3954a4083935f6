// Package fleet measures the cost of sharing renewals across a fleet
// through redisstore, bearerkit's Coordinator in Redis (issue 10, point 7):
// one renewal through a redis-server on loopback TCP against the same
// renewal through a MemoryStore (the local Coordinator), and how many
// renewals per second Redis carries when several clients renew at once.
//
// It is a module of its own, beside the benchmarks module, so that the
// benchmarks module builds without the redisstore module.
//
//	cd benchmarks/fleet && go test -run '^$' -bench Fleet -benchmem -count 5 .
//
// Without redis-server on the PATH the benchmarks skip.
package fleet
