// Command report runs every benchmark of this module side by side with
// golang.org/x/oauth2 and rewrites the Performance section of bearerkit's
// README (between the "<!-- perf:begin" and "<!-- perf:end -->" markers)
// with the figures: the exact commands, the machine, and every ratio.
//
//	cd benchmarks && go run ./report           # about four minutes
//	go run ./report -quick                     # fewer rounds, for a try
//	go run ./report -readme ''                 # print, leave README alone
//
// Every figure is a median over repeated runs that alternate the
// implementations (see BenchmarkHotPath and the storm command's -rounds),
// so that they share whatever load the machine has; the load average
// before and after is printed with them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/benchmarks/internal/stormjson"
)

func main() {
	readme := flag.String("readme", "../README.md", "README to rewrite ('' prints the section instead)")
	quick := flag.Bool("quick", false, "fewer rounds (a minute; noisier)")
	raw := flag.String("raw", "", "also keep every command's output in this directory")
	flag.Parse()
	if err := run(*readme, *quick, *raw); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// plan is how much each part runs.
type plan struct {
	hotCount, hotN         int
	stormRounds            int // N = 10000
	stormSmallRounds       int // N = 1, 100, 1000
	steadyLifetimes        int
	tlsCount, tlsN         int
	renewCount             int
	renewTime              string
	tenantCount, newTenant int
	fleetCount             int
	fleetTime              string
}

func plans(quick bool) plan {
	if quick {
		return plan{hotCount: 3, hotN: 100000, stormRounds: 3, stormSmallRounds: 5, steadyLifetimes: 2, tlsCount: 3, tlsN: 1000, renewCount: 3, renewTime: "0.2s", tenantCount: 1, newTenant: 50000, fleetCount: 2, fleetTime: "0.2s"}
	}
	return plan{hotCount: 5, hotN: 400000, stormRounds: 25, stormSmallRounds: 41, steadyLifetimes: 3, tlsCount: 5, tlsN: 3000, renewCount: 9, renewTime: "0.5s", tenantCount: 3, newTenant: 200000, fleetCount: 5, fleetTime: "0.5s"}
}

func run(readme string, quick bool, rawDir string) error {
	if _, err := os.Stat("storm"); err != nil {
		return errors.New("run me in the benchmarks module's directory: cd benchmarks && go run ./report")
	}
	p := plans(quick)
	r := &reporter{raw: rawDir}
	if rawDir != "" {
		if err := os.MkdirAll(rawDir, 0o755); err != nil {
			return err
		}
	}
	start := time.Now()
	r.machine()

	hot, err := r.bench("hotpath", "go", "test", "-run", "^$", "-bench", "^BenchmarkHotPath$", "-count", strconv.Itoa(p.hotCount), "-benchtime", fmt.Sprintf("%dx", p.hotN), ".")
	if err != nil {
		return err
	}
	// Small storms are cheap (one renewal of 50 ms): more rounds for them.
	const smallJSON, bigJSON = "storm-small.json", "storm-10000.json" // removed once read
	defer os.Remove(smallJSON)
	defer os.Remove(bigJSON)
	if _, err := r.cmd("storm-small", "go", "run", "./storm", "-n", "1,100,1000", "-scenarios", "expired,revoked", "-rounds", strconv.Itoa(p.stormSmallRounds), "-json", smallJSON); err != nil {
		return err
	}
	if _, err := r.cmd("storm-10000", "go", "run", "./storm", "-n", "10000", "-rounds", strconv.Itoa(p.stormRounds), "-lifetimes", strconv.Itoa(p.steadyLifetimes), "-json", bigJSON); err != nil {
		return err
	}
	storms, err := readStorms(smallJSON)
	if err != nil {
		return err
	}
	big, err := readStorms(bigJSON)
	if err != nil {
		return err
	}
	storms.Expired = append(storms.Expired, big.Expired...)
	storms.Revoked = append(storms.Revoked, big.Revoked...)
	storms.Steady = big.Steady
	// Run as rounds of one run each, so that the implementations alternate
	// and share the load, as in the hot path's cycles.
	tls, err := r.benchRounds("tls", p.tlsCount, "go", "test", "-run", "^$", "-bench", "^BenchmarkLoopbackTLS$", "-benchmem", "-count", "1", "-benchtime", fmt.Sprintf("%dx", p.tlsN), ".")
	if err != nil {
		return err
	}
	renew, err := r.benchRounds("renewal", p.renewCount, "go", "test", "-run", "^$", "-bench", "^BenchmarkRenewal$", "-benchmem", "-count", "1", "-benchtime", p.renewTime, ".")
	if err != nil {
		return err
	}
	// Again on one processor, where the hand-off to the renewal's goroutine
	// wakes no idle processor.
	renew1, err := r.benchRounds("renewal-1cpu", p.renewCount, "go", "test", "-run", "^$", "-bench", "^BenchmarkRenewal$", "-count", "1", "-benchtime", p.renewTime, "-cpu", "1", ".")
	if err != nil {
		return err
	}
	tenants, err := r.bench("tenants", "go", "test", "-run", "^$", "-bench", "^BenchmarkTenants$", "-benchtime", "1x", "-count", strconv.Itoa(p.tenantCount), ".")
	if err != nil {
		return err
	}
	newTenant, err := r.bench("newtenant", "go", "test", "-run", "^$", "-bench", "^BenchmarkNewTenant$", "-benchmem", "-count", "5", "-benchtime", fmt.Sprintf("%dx", p.newTenant), ".")
	if err != nil {
		return err
	}
	fleet, fleetNote := r.fleet(p.fleetCount, p.fleetTime)
	r.loadEnd = loadavg()

	var out strings.Builder
	r.write(&out, hot, storms, tls, renew, renew1, tenants, newTenant, fleet, fleetNote, time.Since(start))
	if readme == "" {
		fmt.Print(out.String())
		return nil
	}
	if err := rewrite(readme, out.String()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "report: wrote the Performance section of %s (%v)\n", readme, time.Since(start).Round(time.Second))
	return nil
}

// reporter runs the commands and remembers them for the README.
type reporter struct {
	raw       string
	commands  []string
	cpu       string
	cores     int
	goVersion string
	loadStart string
	loadEnd   string
}

func (r *reporter) machine() {
	r.cpu = cpuModel()
	r.cores = runtime.NumCPU()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		r.goVersion = strings.TrimSpace(string(out))
	} else {
		r.goVersion = runtime.Version()
	}
	r.loadStart = loadavg()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// cmd runs a command in the current directory, echoing it, and returns its
// standard output.
func (r *reporter) cmd(name string, args ...string) ([]byte, error) {
	return r.cmdIn("", name, args...)
}

// cmdIn runs a command in dir ("": the current directory).
func (r *reporter) cmdIn(dir, name string, args ...string) ([]byte, error) {
	line := shellLine(args)
	if dir != "" {
		line = "(cd " + dir + " && " + line + ")"
	}
	r.commands = append(r.commands, line)
	fmt.Fprintf(os.Stderr, "report: %s\n", line)
	c := exec.Command(args[0], args[1:]...)
	c.Dir = dir
	var stdout bytes.Buffer
	c.Stdout = &stdout
	c.Stderr = os.Stderr
	t0 := time.Now()
	err := c.Run()
	fmt.Fprintf(os.Stderr, "report:   (%v)\n", time.Since(t0).Round(time.Second))
	if r.raw != "" {
		_ = os.WriteFile(filepath.Join(r.raw, name+".txt"), stdout.Bytes(), 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", line, err, lastLines(stdout.String(), 20))
	}
	return stdout.Bytes(), nil
}

func shellLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '^$*|()") {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (r *reporter) bench(name string, args ...string) (benchResults, error) {
	return r.benchIn("", name, args...)
}

// benchRounds runs a benchmark command rounds times and merges the runs:
// each run measures every implementation once, so that they alternate.
func (r *reporter) benchRounds(name string, rounds int, args ...string) (benchResults, error) {
	all := benchResults{}
	for i := range rounds {
		res, err := r.benchIn("", fmt.Sprintf("%s-%d", name, i+1), args...)
		if err != nil {
			return nil, err
		}
		for k, v := range res {
			all[k] = append(all[k], v...)
		}
	}
	// The README lists the command once, as the loop it is.
	line := r.commands[len(r.commands)-1]
	r.commands = append(r.commands[:len(r.commands)-rounds], fmt.Sprintf("for i in $(seq %d); do %s; done", rounds, line))
	return all, nil
}

func (r *reporter) benchIn(dir, name string, args ...string) (benchResults, error) {
	out, err := r.cmdIn(dir, name, args...)
	if err != nil {
		return nil, err
	}
	return parseBench(bytes.NewReader(out))
}

// benchResults maps a benchmark's name (without the -GOMAXPROCS suffix) to
// one set of metrics (unit → value) per run.
type benchResults map[string][]map[string]float64

// parseBench reads `go test -bench` output.
func parseBench(rd io.Reader) (benchResults, error) {
	res := benchResults{}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bad benchmark line %q", sc.Text())
			}
			m[f[i+1]] = v
		}
		res[name] = append(res[name], m)
	}
	if len(res) == 0 {
		return nil, errors.New("no benchmark results")
	}
	return res, sc.Err()
}

// med returns the median of unit over the runs of name; NaN if absent.
func (b benchResults) med(name, unit string) float64 {
	var xs []float64
	for _, m := range b[name] {
		if v, ok := m[unit]; ok {
			xs = append(xs, v)
		}
	}
	return median(xs)
}

// spread returns the smallest and largest value of unit over the runs.
func (b benchResults) spread(name, unit string) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, m := range b[name] {
		if v, ok := m[unit]; ok {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type (
	stormSummary  = stormjson.Storm
	steadySummary = stormjson.Steady
	stormResults  = stormjson.Results
)

func readStorms(path string) (*stormResults, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s stormResults
	return &s, json.Unmarshal(b, &s)
}

func find(rows []stormSummary, n int, client string) (stormSummary, bool) {
	for _, r := range rows {
		if r.N == n && r.Client == client {
			return r, true
		}
	}
	return stormSummary{}, false
}

// rewrite replaces what lies between the markers in path with section.
func rewrite(path, section string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceSection(string(b), section)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

const (
	beginMarker = "<!-- perf:begin"
	endMarker   = "<!-- perf:end -->"
)

// replaceSection keeps the begin marker's line and the end marker, and puts
// section between them.
func replaceSection(doc, section string) (string, error) {
	i := strings.Index(doc, beginMarker)
	if i < 0 {
		return "", errors.New("no " + beginMarker + " marker")
	}
	nl := strings.IndexByte(doc[i:], '\n')
	if nl < 0 {
		return "", errors.New("nothing after the begin marker")
	}
	bodyStart := i + nl + 1
	j := strings.Index(doc[bodyStart:], endMarker)
	if j < 0 {
		return "", errors.New("no " + endMarker + " marker after the begin marker")
	}
	if strings.Count(doc, beginMarker) != 1 || strings.Count(doc, endMarker) != 1 {
		return "", errors.New("the markers must appear once each")
	}
	return doc[:bodyStart] + strings.TrimRight(section, "\n") + "\n" + doc[bodyStart+j:], nil
}
