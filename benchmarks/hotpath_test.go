package benchmarks

// BenchmarkHotPath measures the same cases as BenchmarkTransport, but
// cycles every implementation in blocks of hotBlock requests inside one
// benchmark, so that all of them run under the same load on a shared
// machine; each one's figure is the median over the blocks. It reports,
// per implementation (bare, floor, oauth2, oauth2static, bearerkit,
// bearerkitclient):
//
//   - <impl>-ns/op: the median time of a request;
//   - <impl>-over-ns: the median overhead over bare, measured in the same
//     cycle;
//   - <impl>-x-floor: the median, over cycles, of its overhead divided by
//     the floor's in that cycle (floor itself: 1);
//   - <impl>-allocs/op and <impl>-B/op (serial only).
//
// b.N is the number of requests each implementation sends.
//
//	go test -run '^$' -bench HotPath -count 5 .

import (
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// hotBlock is how many requests of one implementation run between two of
// another's.
const hotBlock = 250

func BenchmarkHotPath(b *testing.B) {
	const baseURL = "https://api.example.com"
	for _, nh := range []int{0, 10} {
		for _, mode := range []string{"serial", "parallel"} {
			b.Run("headers="+strconv.Itoa(nh)+"/mode="+mode, func(b *testing.B) {
				rts := make([]http.RoundTripper, len(benchImpls))
				for i, impl := range benchImpls {
					rts[i] = impl.wrap(b, newBare(), baseURL)
				}
				newReq := func() *http.Request { return benchRequest(b, baseURL+"/v1/items?page=2", nh) }
				var run func(rt http.RoundTripper, n int)
				if mode == "serial" {
					req := newReq()
					run = func(rt http.RoundTripper, n int) {
						for range n {
							if err := roundTrip(rt, req); err != nil {
								b.Fatal(err)
							}
						}
					}
				} else {
					p := runtime.GOMAXPROCS(0)
					reqs := make([]*http.Request, p)
					for i := range reqs {
						reqs[i] = newReq()
					}
					run = func(rt http.RoundTripper, n int) {
						var wg sync.WaitGroup
						for _, req := range reqs {
							wg.Go(func() {
								for range n / p {
									if err := roundTrip(rt, req); err != nil {
										b.Error(err)
										return
									}
								}
							})
						}
						wg.Wait()
					}
				}
				for _, rt := range rts { // warm up: log in, fill caches
					run(rt, hotBlock)
				}
				samples := make([][]float64, len(rts))
				over := make([][]float64, len(rts))
				ratio := make([][]float64, len(rts))
				b.ResetTimer()
				cycle := make([]float64, len(rts))
				for c := 0; c*hotBlock < b.N || c < 3; c++ {
					for k := range rts {
						i := (k + c) % len(rts) // rotate which goes first
						t0 := time.Now()
						run(rts[i], hotBlock)
						cycle[i] = float64(time.Since(t0).Nanoseconds()) / hotBlock
					}
					bare, floor := cycle[0], cycle[1]
					for i := range rts {
						samples[i] = append(samples[i], cycle[i])
						over[i] = append(over[i], cycle[i]-bare)
						if floor > bare {
							ratio[i] = append(ratio[i], (cycle[i]-bare)/(floor-bare))
						}
					}
				}
				b.StopTimer()
				for i, impl := range benchImpls {
					b.ReportMetric(median(samples[i]), impl.name+"-ns/op")
					if i > 0 {
						b.ReportMetric(median(over[i]), impl.name+"-over-ns")
						b.ReportMetric(median(ratio[i]), impl.name+"-x-floor")
					}
					if mode == "serial" {
						allocs, bytes := allocsPerRequest(rts[i], newReq())
						b.ReportMetric(allocs, impl.name+"-allocs/op")
						b.ReportMetric(bytes, impl.name+"-B/op")
					}
				}
				b.ReportMetric(0, "ns/op") // the figures above are the result
			})
		}
	}
}

// allocsPerRequest returns the allocations and bytes of one request.
func allocsPerRequest(rt http.RoundTripper, req *http.Request) (allocs, bytes float64) {
	const n = 1000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		_ = roundTrip(rt, req)
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / n, float64(after.TotalAlloc-before.TotalAlloc) / n
}

// median of xs; 0 when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
