package bearerkit_test

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// noNewGoroutines records the goroutines running now and returns a check
// that fails the test if, once the goroutines the test started have had up
// to leakWait to end, any of them is still running. Call it from a test
// that is not parallel, since parallel tests start goroutines of their own.
func noNewGoroutines(t *testing.T) func() {
	t.Helper()
	before := goroutines()
	return func() {
		t.Helper()
		deadline := time.Now().Add(leakWait)
		for {
			extra := newGoroutines(before)
			if len(extra) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("%d goroutine(s) left behind:\n\n%s", len(extra), strings.Join(extra, "\n\n"))
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// leakWait is how long goroutines that are ending get before they count as
// left behind.
const leakWait = 5 * time.Second

// goroutines returns the stacks of every goroutine, by their header line's
// id ("goroutine 7").
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		id, _, _ := strings.Cut(g, " [")
		out[id] = g
	}
	return out
}

// newGoroutines returns the stacks of goroutines not in before, leaving out
// the runtime's and the test framework's own.
func newGoroutines(before map[string]string) []string {
	var extra []string
	for id, stack := range goroutines() {
		if _, ok := before[id]; ok || ignorable(stack) {
			continue
		}
		extra = append(extra, stack)
	}
	return extra
}

func ignorable(stack string) bool {
	for _, s := range []string{
		"testing.(*T).Run(", "testing.tRunner(", "testing.runTests", "testing.(*M).", // the framework
		"runtime.goexit0", "os/signal.signal_recv", "runtime.ensureSigM",
		"leak_helpers_test.go", // the goroutine checking
	} {
		if strings.Contains(stack, s) && !strings.Contains(stack, "bearerkit.") {
			return true
		}
	}
	return false
}
