//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package benchmarks

import "syscall"

// processCPU returns the CPU time this process has used (user and system,
// every thread, the garbage collector's included), in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
