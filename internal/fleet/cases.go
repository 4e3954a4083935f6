package fleet

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Suite runs the fleet cases of issue 12 against one Coordinator: a Keycloak
// emulator (refresh tokens rotate, a reused one kills its grant) in the test
// process, and Procs worker processes sharing a store.
type Suite struct {
	// Worker is the name of the package's worker test (it calls Serve).
	Worker string
	// NewStore returns the Store config (Config.Store) of a new, empty
	// store, shared by the workers of one fleet.
	NewStore func(t *testing.T) json.RawMessage
	// Procs is the number of worker processes; zero means 4.
	Procs int
}

// Periods is how many renewal periods Steady runs.
const Periods = 10

// SteadyLife is the access token lifetime in Steady. A request in flight
// when its token is renewed has at least a quarter of it left to be
// answered: a 2 s lifetime gave half a second, which a CI machine running
// other test binaries beside the fleet's five processes overran (replays
// refused as expired on the way), and 3 s still failed a few requests of
// 9,000 with a second fleet suite running beside it; 4 s passes that.
const SteadyLife = 4 * time.Second

// Run runs every case as a subtest, one after the other.
func (s Suite) Run(t *testing.T) {
	t.Run("steady load renews as one process", s.Steady)
	t.Run("one fleet-wide 401 costs one token call", s.One401)
	t.Run("a wrong password is tried once per cool-down", s.WrongPassword)
	t.Run("holder killed before the platform rotated", func(t *testing.T) { s.KillHolder(t, false, false) })
	t.Run("holder killed after the platform rotated", func(t *testing.T) { s.KillHolder(t, true, false) })
	t.Run("holder killed after the platform rotated, with a reuse grace", func(t *testing.T) { s.KillHolder(t, true, true) })
	t.Run("waiters return when their context ends", s.WaiterCancellation)
}

func (s Suite) procs() int {
	if s.Procs <= 0 {
		return 4
	}
	return s.Procs
}

// Start starts n workers against kc sharing the store config store, with the
// Transport settings tc; password "" is the emulator's default.
func (s Suite) Start(t *testing.T, kc *bearerkittest.Keycloak, n int, tc TransportConfig, password string, store json.RawMessage) *Fleet {
	t.Helper()
	if password == "" {
		password = bearerkittest.DefaultPassword
	}
	cfgs := make([]Config, n)
	for i := range cfgs {
		cfgs[i] = Config{ServerURL: kc.URL(), Realm: kc.Realm(), Username: bearerkittest.DefaultUsername, Password: password,
			APIURL: kc.APIURL(), Transport: tc, Store: store}
	}
	return Start(t, s.Worker, cfgs)
}

// Warm gets every worker of f a token, one after the other: the first logs
// in, the others adopt its token from the store. It checks that this took one
// login and that all hold the same token.
func Warm(t *testing.T, f *Fleet, kc *bearerkittest.Keycloak) {
	t.Helper()
	if r := f.Procs[0].Do(Command{Op: "get", N: 1}); r.OK != 1 {
		t.Fatalf("warm-up of worker 0: %v", r)
	}
	if r := Sum(Each(t, f.Procs[1:], Command{Op: "get", N: 1})); r.Failed != 0 {
		t.Fatalf("warm-up: %v", r)
	}
	if st := kc.Stats(); st.LoginAttempts != 1 || st.Refreshes != 0 {
		t.Fatalf("warm-up took %d logins and %d refreshes, want 1 and 0", st.LoginAttempts, st.Refreshes)
	}
	SameToken(t, f.All(Command{Op: "token"}))
}

// SameToken checks that every reply reports one token.
func SameToken(t *testing.T, rs []Reply) {
	t.Helper()
	for _, r := range rs {
		if r.Token == "" || r.Token != rs[0].Token {
			t.Fatalf("the workers hold different tokens: %v", tokens(rs))
		}
	}
}

func tokens(rs []Reply) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Token
	}
	return out
}

// NoLeaks checks that no worker logged a secret.
func NoLeaks(t *testing.T, f *Fleet) {
	t.Helper()
	if r := Sum(f.All(Command{Op: "token"})); r.Leaks != 0 {
		t.Fatalf("%d secrets reached the workers' logs", r.Leaks)
	}
}

// Steady runs Procs workers × 200 goroutines under load for Periods renewal
// periods of SteadyLife tokens, beside a control: a single process with the
// same settings and store type, its own emulator and store. The fleet's first
// worker and the control log in at the same moment, so both schedules start
// together: with the default RefreshWindow a token is renewed when half its
// life has passed since it arrived, so both renew every SteadyLife/2 plus the
// renewal's latency. The window ends a quarter of a lifetime after the later
// of the two made its Periods-th renewal: mid-period for both, as long as
// their schedules are less than a quarter of a lifetime apart. Both must then
// have made Periods renewals (one more at most, on a busy machine, for the
// renewal at the window's edge), no two of the fleet's a few milliseconds
// apart (a fleet that renews a sibling's fresh token overshoots by far: 4
// processes judging stored tokens by the full ExpirySkew make 43), the fleet
// one password login, no reuse detection and no failed request.
func (s Suite) Steady(t *testing.T) {
	kc := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(SteadyLife))
	ctl := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(SteadyLife))
	f := s.Start(t, kc, s.procs(), TransportConfig{}, "", s.NewStore(t))
	single := s.Start(t, ctl, 1, TransportConfig{}, "", s.NewStore(t))
	all := append(append([]*Proc(nil), f.Procs...), single.Procs...)

	// Both log in at the same moment, and the fleet's others adopt the token,
	// so that both schedules start together.
	if r := Sum(Each(t, []*Proc{f.Procs[0], single.Procs[0]}, Command{Op: "get", N: 1})); r.OK != 2 {
		t.Fatalf("first requests: %v", r)
	}
	if r := Sum(Each(t, f.Procs[1:], Command{Op: "get", N: 1})); r.Failed != 0 {
		t.Fatalf("first requests: %v", r)
	}
	Each(t, all, Command{Op: "load", Goroutines: 200, Pace: time.Second})
	Eventually(t, time.Duration(Periods)*SteadyLife*3, "the renewals of both", func() bool {
		return ctl.Stats().Refreshes >= Periods && kc.Stats().Refreshes >= Periods
	})
	// End the window mid-period (see above), not to wait out a race.
	time.Sleep(SteadyLife / 4)
	rs := Each(t, all, Command{Op: "stop"})
	fleet, one := Sum(rs[:len(f.Procs)]), rs[len(f.Procs)]
	fs, cs := kc.Stats(), ctl.Stats()
	t.Logf("FIGURES %d processes × 200 goroutines, %d periods of %v tokens: token calls fleet %d (logins %d, refreshes %d), single process %d (logins %d, refreshes %d); "+
		"password sends fleet %d; reuse detections %d; refresh failures %d; requests fleet %d ok %d failed %d %v, single %d ok %d failed %d; renewals per worker %v",
		len(f.Procs), Periods, SteadyLife, fs.LoginAttempts+fs.Refreshes+fs.RefreshFailures, fs.LoginAttempts, fs.Refreshes,
		cs.LoginAttempts+cs.Refreshes+cs.RefreshFailures, cs.LoginAttempts, cs.Refreshes,
		fs.PasswordSends, fs.ReuseDetections, fs.RefreshFailures, fleet.Requests, fleet.OK, fleet.Failed, fleet.Errors, one.Requests, one.OK, one.Failed, renewals(rs[:len(f.Procs)]))
	t.Logf("token issues (time since the previous one): fleet %v; single %v; the two schedules ended %v apart",
		gaps(kc), gaps(ctl), lastIssue(kc).Sub(lastIssue(ctl)).Round(time.Millisecond))
	// The two schedules run side by side on one busy machine: their
	// counts at the window's end may differ by the one renewal that falls
	// on its edge, never more. What the fleet must never do is renew a
	// token a sibling has just renewed: every gap between two tokens it
	// issued is at least a quarter of a lifetime (a double renewal is a gap
	// of milliseconds).
	if cs.LoginAttempts != 1 || cs.Refreshes < Periods || cs.Refreshes > Periods+1 {
		t.Errorf("the single process made %d refreshes and %d logins in the window, want %d (or one more at the window's edge) and 1", cs.Refreshes, cs.LoginAttempts, Periods)
	}
	if d := fs.Refreshes - cs.Refreshes; d < -1 || d > 1 {
		t.Errorf("the fleet renewed %d times, the single process %d", fs.Refreshes, cs.Refreshes)
	}
	for i, g := range gaps(kc) {
		if g < SteadyLife/4 {
			t.Errorf("the fleet's token %d came %v after the one before: a token renewed twice", i+2, g)
		}
	}
	if fs.LoginAttempts != 1 || fs.PasswordSends != 1 {
		t.Errorf("the fleet made %d login attempts (%d password sends), want 1", fs.LoginAttempts, fs.PasswordSends)
	}
	if fs.ReuseDetections != 0 || fs.RefreshFailures != 0 {
		t.Errorf("reuse detections %d, refresh failures %d, want 0", fs.ReuseDetections, fs.RefreshFailures)
	}
	if fleet.Failed != 0 || one.Failed != 0 || fleet.OK == 0 {
		t.Errorf("failed requests: fleet %v, single %v", fleet, one)
	}
	NoLeaks(t, f)
}

// gaps returns the time between successive token issues at kc.
func gaps(kc *bearerkittest.Keycloak) []time.Duration {
	var out []time.Duration
	var last time.Time
	for _, e := range kc.Events() {
		if e.Outcome != bearerkittest.OutcomeOK || (e.Endpoint != bearerkittest.EndpointLogin && e.Endpoint != bearerkittest.EndpointRefresh) {
			continue
		}
		if !last.IsZero() {
			out = append(out, e.Time.Sub(last).Round(time.Millisecond))
		}
		last = e.Time
	}
	return out
}

// lastIssue returns when kc last issued a token.
func lastIssue(kc *bearerkittest.Keycloak) time.Time {
	var last time.Time
	for _, e := range kc.Events() {
		if e.Outcome == bearerkittest.OutcomeOK && (e.Endpoint == bearerkittest.EndpointLogin || e.Endpoint == bearerkittest.EndpointRefresh) {
			last = e.Time
		}
	}
	return last
}

func renewals(rs []Reply) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.Renewed
	}
	return out
}

// One401 kills every access token at the emulator while the fleet shares one
// token; Procs × 200 requests then get a 401 each, and the fleet must make
// exactly one token call and answer every request.
func (s Suite) One401(t *testing.T) {
	kc := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(time.Hour))
	f := s.Start(t, kc, s.procs(), TransportConfig{}, "", s.NewStore(t))
	Warm(t, f, kc)
	kc.Reset()
	kc.KillAccessTokens()
	r := Sum(f.All(Command{Op: "get", N: 200}))
	st := kc.Stats()
	calls := st.LoginAttempts + st.Refreshes + st.RefreshFailures
	t.Logf("FIGURES one fleet-wide 401: %d requests, %d ok, %d failed; 401s %d; token calls %d (refreshes %d, logins %d)",
		r.Requests, r.OK, r.Failed, st.APIUnauthorized, calls, st.Refreshes, st.LoginAttempts)
	if calls != 1 || st.Refreshes != 1 {
		t.Errorf("token calls after one fleet-wide 401: %d (refreshes %d, logins %d), want 1 refresh", calls, st.Refreshes, st.LoginAttempts)
	}
	if r.Failed != 0 || r.OK != 200*len(f.Procs) {
		t.Errorf("requests: %v", r)
	}
	SameToken(t, f.All(Command{Op: "token"}))
	NoLeaks(t, f)
}

// WrongPassword runs the fleet with a wrong password: one login attempt per
// cool-down fleet-wide, whatever the number of requests and processes.
func (s Suite) WrongPassword(t *testing.T) {
	const coolDown = 2 * time.Second
	kc := bearerkittest.NewKeycloak(t)
	f := s.Start(t, kc, s.procs(), TransportConfig{CoolDown: coolDown}, "not-the-password", s.NewStore(t))
	r := Sum(f.All(Command{Op: "get", N: 50}))
	st := kc.Stats()
	t.Logf("FIGURES wrong password, first cool-down: %d requests, %d failed %v; login attempts %d", r.Requests, r.Failed, r.Errors, st.LoginAttempts)
	if st.LoginAttempts != 1 || st.PasswordSends != 1 {
		t.Fatalf("login attempts in one cool-down: %d (password sends %d), want 1", st.LoginAttempts, st.PasswordSends)
	}
	if r.Failed != r.Requests || r.Errors["refused"]+r.Errors["refused-elsewhere"] != r.Failed {
		t.Fatalf("requests with a wrong password: %v, want all refused", r)
	}
	// When the cool-down has passed, the next request tries once more.
	Eventually(t, 10*coolDown, "a second attempt after the cool-down", func() bool {
		f.Procs[0].Do(Command{Op: "get", N: 1})
		return kc.Stats().LoginAttempts >= 2
	})
	r = Sum(f.All(Command{Op: "get", N: 50}))
	st = kc.Stats()
	t.Logf("FIGURES wrong password, second cool-down: %d requests, %d failed; login attempts %d in all", r.Requests, r.Failed, st.LoginAttempts)
	if st.LoginAttempts != 2 || r.Failed != r.Requests {
		t.Fatalf("login attempts after two cool-downs: %d, want 2; requests %v", st.LoginAttempts, r)
	}
	NoLeaks(t, f)
}

// KillHolder kills (SIGKILL) the worker that holds the renewal, while its
// refresh is at the emulator: before the platform rotated (the refresh waits
// there; the next holder's refresh with the same token works), or after (the
// emulator rotated and holds the answer: the next holder presents a
// rotated-out token, which costs one password login, or none when the
// platform has a reuse grace). The fleet must then recover, with at most one
// password login fleet-wide.
func (s Suite) KillHolder(t *testing.T, afterRotation, grace bool) {
	opts := []bearerkittest.Option{bearerkittest.WithAccessTokenTTL(time.Hour)}
	if grace {
		opts = append(opts, bearerkittest.WithReuseGrace(time.Minute))
	}
	kc := bearerkittest.NewKeycloak(t, opts...)
	f := s.Start(t, kc, s.procs(), TransportConfig{RenewTimeout: 2 * time.Second}, "", s.NewStore(t))
	Warm(t, f, kc)
	kc.Reset()
	failure := bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: time.Minute}
	if afterRotation {
		failure = bearerkittest.Failure{Kind: bearerkittest.FailRotateThenHold}
	}
	kc.FailNext(bearerkittest.EndpointRefresh, 1, failure)
	kc.KillAccessTokens()
	f.DrainEvents()
	for _, p := range f.Procs {
		p.Send(Command{Op: "get", N: 20})
	}
	holder := f.WaitRenewing(30 * time.Second)
	if afterRotation {
		Eventually(t, 30*time.Second, "the rotated answer held", func() bool { return kc.Holding() == 1 })
	} else {
		Eventually(t, 30*time.Second, "the refresh at the emulator", func() bool { return kc.Pending(bearerkittest.EndpointRefresh) == 0 })
	}
	holder.Kill()
	var first []Reply
	for _, p := range f.Live() {
		first = append(first, p.Reply())
	}
	wave := Sum(first)
	// The next renewal starts within the dead holder's lease: at once with
	// a FileStore (the system drops a dead process's lock), within its
	// RenewTimeout plus the lease margin with Redis. A holder killed just
	// after it took the lease again (its first renewal timed out) holds
	// the others off for that long: waves until one succeeds, then the
	// counts.
	var after Reply
	waves := 0
	Eventually(t, 60*time.Second, "the fleet to recover after the kill", func() bool {
		waves++
		after = Sum(f.All(Command{Op: "get", N: 20}))
		return after.Failed == 0 && after.OK == 20*len(f.Live())
	})
	st := kc.Stats()
	t.Logf("FIGURES holder (worker %d) killed %s rotation (grace %v): requests of the others while it died %d ok %d failed %v; afterwards %d ok %d failed; "+
		"password logins %d, reuse detections %d, grace replays %d, refreshes %d, refresh failures %d; waves until recovery %d",
		holder.Index, map[bool]string{false: "before", true: "after"}[afterRotation], grace, wave.Requests, wave.OK, wave.Errors,
		after.OK, after.Failed, st.LoginAttempts, st.ReuseDetections, kc.GraceReplays(), st.Refreshes, st.RefreshFailures, waves)
	// After the rotation without a grace, the rotated refresh token died
	// with the holder: the old one is refused (a reuse) and one password
	// login restores the grant. A renewal that takes the lease with little
	// of its RenewTimeout left may get as far as the refused refresh and
	// no further; the next one sends the dead token again (a second reuse
	// detection of a grant already dead, which costs nothing) before the
	// login: so at least one reuse, exactly one login.
	wantLogins := 0
	reuseOK := st.ReuseDetections == 0
	if afterRotation && !grace {
		wantLogins, reuseOK = 1, st.ReuseDetections >= 1
	}
	if st.LoginAttempts != wantLogins || !reuseOK {
		t.Errorf("password logins %d, reuse detections %d; want %d logins and %s", st.LoginAttempts, st.ReuseDetections, wantLogins,
			map[bool]string{false: "no reuse", true: "at least one reuse"}[afterRotation && !grace])
	}
	// A renewal cut off after the platform answered leaves the next one to
	// present the same token within the grace again: at least one replay.
	if grace && kc.GraceReplays() < 1 {
		t.Errorf("grace replays %d, want at least 1", kc.GraceReplays())
	}
	SameToken(t, f.All(Command{Op: "token"}))
	NoLeaks(t, f)
}

// WaiterCancellation holds one worker's refresh at the emulator; the others'
// requests, with a short deadline, must end with it while the refresh is
// still held (they do not wait for the holder), without any token call of
// their own; afterwards the fleet recovers without a password login.
func (s Suite) WaiterCancellation(t *testing.T) {
	kc := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(time.Hour))
	f := s.Start(t, kc, s.procs(), TransportConfig{RenewTimeout: 2 * time.Second}, "", s.NewStore(t))
	Warm(t, f, kc)
	calm := Each(t, f.Procs[1:], Command{Op: "token"})
	kc.Reset()
	kc.FailNext(bearerkittest.EndpointRefresh, 1, bearerkittest.Failure{Kind: bearerkittest.FailDelay, Delay: time.Minute})
	kc.KillAccessTokens()
	f.DrainEvents()
	holder := f.Procs[0]
	holder.Send(Command{Op: "get", N: 1})
	if p := f.WaitRenewing(30 * time.Second); p != holder {
		t.Fatalf("worker %d renews, want worker 0", p.Index)
	}
	Eventually(t, 30*time.Second, "the refresh at the emulator", func() bool { return kc.Pending(bearerkittest.EndpointRefresh) == 0 })
	waiters := Sum(Each(t, f.Procs[1:], Command{Op: "get", N: 20, Timeout: 300 * time.Millisecond}))
	st := kc.Stats()
	t.Logf("FIGURES waiters' cancellation: %d requests, %d failed %v while the holder's refresh was held; token calls answered meanwhile %d",
		waiters.Requests, waiters.Failed, waiters.Errors, st.Refreshes+st.RefreshFailures+st.LoginAttempts)
	if waiters.Failed != waiters.Requests || waiters.Errors["deadline"] != waiters.Failed {
		t.Errorf("waiters: %v, want every request to end with its deadline", waiters)
	}
	if st.Refreshes != 0 || st.RefreshFailures != 0 || st.LoginAttempts != 0 {
		t.Errorf("the waiters returned only after the holder's refresh was answered, or called the token endpoint: %+v", st)
	}
	holder.Reply() // its renewal ends at its RenewTimeout
	// The waiters' requests are gone, but their renewals go on (detached, up
	// to RenewTimeout): let them end, so that new requests start new ones.
	for i, p := range f.Procs[1:] {
		Eventually(t, 30*time.Second, "the waiters' renewals to end", func() bool {
			r := p.Do(Command{Op: "token"})
			return r.Renewed+r.Adopted+r.RenewErrors > calm[i].Renewed+calm[i].Adopted+calm[i].RenewErrors
		})
	}
	after := Sum(f.All(Command{Op: "get", N: 5}))
	st = kc.Stats()
	if after.Failed != 0 || st.LoginAttempts != 0 || st.ReuseDetections != 0 {
		t.Errorf("recovery: %v; logins %d, reuse detections %d", after, st.LoginAttempts, st.ReuseDetections)
		for _, e := range kc.Events() {
			if e.Endpoint != bearerkittest.EndpointAPI {
				t.Logf("event %s %s %d %s %s injected=%v", e.Time.Format("15:04:05.000"), e.Endpoint, e.Status, e.Outcome, e.Token, e.Injected)
			}
		}
	}
	SameToken(t, f.All(Command{Op: "token"}))
	NoLeaks(t, f)
}
