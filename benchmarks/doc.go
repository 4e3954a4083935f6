// Package benchmarks measures bearerkit against golang.org/x/oauth2 side by
// side, in one run: the hot path of a request (BenchmarkTransport), a real
// keep-alive connection (BenchmarkLoopback), and, in the storm command,
// thousands of requests at an expired token or a burst of 401s.
//
// It is a module of its own, so that the x/oauth2 baseline never reaches
// the build of a program that imports bearerkit:
//
//	cd benchmarks && go test -run '^$' -bench . -benchmem -count 6 . | tee bench.txt
//	go run ./storm
package benchmarks
