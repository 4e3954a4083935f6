package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
)

// fleetFigures is the fleet overhead, when the redisstore module can be
// measured.
type fleetFigures struct {
	local, redis                     float64 // ns per renewal, one client
	localPar, redisPar               float64 // renewals per second, parallel
	localAllocs, redisAllocs         float64
	localBytes, redisBytes           float64
	localSerialRate, redisSerialRate float64
}

// fleet measures renewals through the Redis Coordinator (the fleet module,
// beside this one), if the redisstore module and redis-server are there.
func (r *reporter) fleet(count int, benchtime string) (*fleetFigures, string) {
	if _, err := os.Stat("../redisstore/go.mod"); err != nil {
		return nil, "Not measured: this tree has no redisstore module."
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, "Not measured: redis-server is not installed (apt-get install redis-server)."
	}
	b, err := r.benchIn("fleet", "fleet", "go", "test", "-run", "^$", "-bench", "^BenchmarkFleet$", "-benchmem", "-count", fmt.Sprint(count), "-benchtime", benchtime, ".")
	if err != nil {
		return nil, fmt.Sprintf("Not measured: the fleet benchmark failed (%v).", firstLine(err.Error()))
	}
	const p = "BenchmarkFleet/store="
	f := &fleetFigures{
		local: b.med(p+"memory/mode=serial", "ns/op"), redis: b.med(p+"redis/mode=serial", "ns/op"),
		localPar: b.med(p+"memory/mode=parallel", "renewals/s"), redisPar: b.med(p+"redis/mode=parallel", "renewals/s"),
		localAllocs: b.med(p+"memory/mode=serial", "allocs/op"), redisAllocs: b.med(p+"redis/mode=serial", "allocs/op"),
		localBytes: b.med(p+"memory/mode=serial", "B/op"), redisBytes: b.med(p+"redis/mode=serial", "B/op"),
		localSerialRate: b.med(p+"memory/mode=serial", "renewals/s"), redisSerialRate: b.med(p+"redis/mode=serial", "renewals/s"),
	}
	if math.IsNaN(f.redis) {
		return nil, "Not measured: the fleet benchmark skipped (no redis-server)."
	}
	return f, ""
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
