//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package benchmarks

// processCPU is not available here: the benchmarks report wall time only.
func processCPU() int64 { return -1 }
