// Package benchmarks measures bearerkit against golang.org/x/oauth2 side by
// side, in one run:
//
//   - BenchmarkTransport and BenchmarkHotPath: the hot path of a request,
//     without a network (BenchmarkHotPath cycles the implementations in
//     blocks inside one benchmark, so that they share a shared machine's
//     load, and reports medians and ratios to the floor);
//   - BenchmarkLoopback and BenchmarkLoopbackTLS: a real keep-alive
//     connection, plain HTTP/1.1 and TLS with HTTP/2;
//   - BenchmarkRenewal: one renewal on the same canned token response;
//   - BenchmarkTenants and BenchmarkNewTenant: the memory and goroutines of
//     10,000 clients, idle and after their first renewal, and the cost of
//     making one;
//   - the storm command: thousands of requests at an expired token or a
//     burst of 401s, and a steady load with background renewal;
//   - the report command, which runs all of them and rewrites the
//     Performance section of bearerkit's README.
//
// It is a module of its own, so that the x/oauth2 baseline never reaches
// the build of a program that imports bearerkit:
//
//	cd benchmarks && go run ./report        # everything, into ../README.md
//	go test -run '^$' -bench HotPath -count 5 .
//	go run ./storm -rounds 9
package benchmarks
