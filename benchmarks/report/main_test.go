package main

import (
	"strings"
	"testing"
)

func TestReplaceSection(t *testing.T) {
	doc := "# Title\n\n## Performance\n\n<!-- perf:begin (written by benchmarks/report; do not edit by hand) -->\nold\nfigures\n<!-- perf:end -->\n\n## Next\n"
	got, err := replaceSection(doc, "new figures\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\n## Performance\n\n<!-- perf:begin (written by benchmarks/report; do not edit by hand) -->\nnew figures\n<!-- perf:end -->\n\n## Next\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, bad := range []string{
		"no markers",
		"<!-- perf:begin -->\nno end",
		"<!-- perf:end -->\n<!-- perf:begin -->\n",
		"<!-- perf:begin -->\n<!-- perf:end -->\n<!-- perf:begin -->\n<!-- perf:end -->\n",
	} {
		if _, err := replaceSection(bad, "x"); err == nil {
			t.Errorf("replaceSection(%q) accepted", bad)
		}
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkHotPath/headers=0/mode=serial-2   	  400000	         0 ns/op	       12.5 bare-ns/op	       1.07 bearerkit-x-floor
BenchmarkHotPath/headers=0/mode=serial-2   	  400000	         0 ns/op	       13.5 bare-ns/op	       1.09 bearerkit-x-floor
BenchmarkHotPath/headers=0/mode=serial-2   	  400000	         0 ns/op	       99 bare-ns/op	       1.01 bearerkit-x-floor
BenchmarkRenewal/case=tls/impl=oauth2-2    	   12918	     86300 ns/op	   15383 B/op	     158 allocs/op
PASS
`
	res, err := parseBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.med("BenchmarkHotPath/headers=0/mode=serial", "bearerkit-x-floor"); got != 1.07 {
		t.Errorf("median ratio %v, want 1.07", got)
	}
	if got := res.med("BenchmarkHotPath/headers=0/mode=serial", "bare-ns/op"); got != 13.5 {
		t.Errorf("median bare %v, want 13.5", got)
	}
	if lo, hi := res.spread("BenchmarkHotPath/headers=0/mode=serial", "bearerkit-x-floor"); lo != 1.01 || hi != 1.09 {
		t.Errorf("spread %v..%v", lo, hi)
	}
	if got := res.med("BenchmarkRenewal/case=tls/impl=oauth2", "allocs/op"); got != 158 {
		t.Errorf("allocs %v", got)
	}
	if _, err := parseBench(strings.NewReader("PASS\n")); err == nil {
		t.Error("no results accepted")
	}
}
