package otelbearerkit_test

import (
	"context"
	"errors"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/otelbearerkit"
)

const (
	renewals    = "bearerkit.renewals"
	duration    = "bearerkit.renewal.duration"
	replays     = "bearerkit.replays"
	storeErrors = "bearerkit.store.errors"
	renewSpan   = "bearerkit.renew"
)

var wantBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

func TestRenewSuccess(t *testing.T) {
	r := newRig(t)
	ctx, req := r.request(context.Background())
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{
		Reason: "expiry", Source: "authenticator", Duration: 1500 * time.Millisecond,
		Generation: 3, Expiry: time.Now().Add(time.Hour), FallbackStep: 1, Attempts: 2,
	})
	req.End()

	ms := r.metrics(t)
	const set = "bearerkit.renewal.outcome=success,bearerkit.renewal.reason=expiry,bearerkit.renewal.source=authenticator"
	if got, want := counts(t, ms, renewals), map[string]int64{set: 1}; !maps.Equal(got, want) {
		t.Errorf("renewals = %v, want %v", got, want)
	}
	if m := ms[renewals]; m.Unit != "{renewal}" {
		t.Errorf("renewals unit %q", m.Unit)
	}
	hs := histograms(t, ms, duration)
	p, ok := hs[set]
	if len(hs) != 1 || !ok {
		t.Fatalf("duration points = %v, want one with %s", hs, set)
	}
	if p.Count != 1 || p.Sum != 1.5 || !slices.Equal(p.Bounds, wantBounds) {
		t.Errorf("duration point: count %d, sum %v, bounds %v", p.Count, p.Sum, p.Bounds)
	}
	wantBuckets := make([]uint64, len(wantBounds)+1)
	wantBuckets[8] = 1 // (1 s, 2.5 s]
	if !slices.Equal(p.BucketCounts, wantBuckets) {
		t.Errorf("bucket counts %v, want %v", p.BucketCounts, wantBuckets)
	}
	if ms[duration].Unit != "s" {
		t.Errorf("duration unit %q", ms[duration].Unit)
	}

	spans := r.ended(renewSpan)
	if len(spans) != 1 {
		t.Fatalf("%d renewal spans, want 1", len(spans))
	}
	s := spans[0]
	if got := s.EndTime().Sub(s.StartTime()); got != 1500*time.Millisecond {
		t.Errorf("span lasts %v, want the renewal's 1.5s", got)
	}
	if s.SpanKind() != trace.SpanKindInternal {
		t.Errorf("kind %v", s.SpanKind())
	}
	if s.Parent().IsValid() || s.SpanContext().TraceID() == req.SpanContext().TraceID() {
		t.Errorf("the renewal span is in the request's trace (parent %v): it must be a root, linked", s.Parent())
	}
	if l := s.Links(); len(l) != 1 || !l[0].SpanContext.Equal(req.SpanContext()) {
		t.Errorf("links %v, want one to the request span %v", l, req.SpanContext())
	}
	wantAttrs := "bearerkit.renewal.attempts=2,bearerkit.renewal.fallback_step=1,bearerkit.renewal.generation=3," + set
	if got := encKV(s.Attributes()); got != wantAttrs {
		t.Errorf("span attributes\n got %s\nwant %s", got, wantAttrs)
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v", s.Status())
	}
	if reqs := r.ended("GET /api"); len(reqs) != 1 || len(reqs[0].Events()) != 0 {
		t.Errorf("the request span got events: %v", events(reqs[0]))
	}
	if n := len(r.spans.Ended()); n != 2 {
		t.Errorf("%d spans ended, want the request's and the renewal's", n)
	}
}

func TestRenewFailure(t *testing.T) {
	r := newRig(t)
	ctx, req := r.request(context.Background())
	err := &bearerkit.AuthError{StatusCode: 401, Code: "invalid_grant", Description: "Invalid user credentials", Grant: "password", Endpoint: "https://sso.example.com/token"}
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "first use", Source: "authenticator", Duration: 80 * time.Millisecond, Err: err, FallbackStep: -1, Attempts: 1})
	req.End()

	ms := r.metrics(t)
	const set = "bearerkit.renewal.outcome=error,bearerkit.renewal.reason=first use,bearerkit.renewal.source=authenticator,error.type=invalid_grant"
	if got, want := counts(t, ms, renewals), map[string]int64{set: 1}; !maps.Equal(got, want) {
		t.Errorf("renewals = %v, want %v", got, want)
	}
	if p, ok := histograms(t, ms, duration)[set]; !ok || p.Count != 1 || p.Sum != 0.08 {
		t.Errorf("duration of the failed renewal: %+v (recorded %t)", p, ok)
	}
	spans := r.ended(renewSpan)
	if len(spans) != 1 {
		t.Fatalf("%d renewal spans, want 1", len(spans))
	}
	s := spans[0]
	if got, want := s.Status(), (sdktrace.Status{Code: codes.Error, Description: err.Error()}); got != want {
		t.Errorf("status %+v, want %+v", got, want)
	}
	// No generation and no fallback step: there is no new token.
	if got, want := encKV(s.Attributes()), "bearerkit.renewal.attempts=1,"+set; got != want {
		t.Errorf("span attributes\n got %s\nwant %s", got, want)
	}
	if l := s.Links(); len(l) != 1 || !l[0].SpanContext.Equal(req.SpanContext()) {
		t.Errorf("links %v", l)
	}
}

func TestCoolDownAnswer(t *testing.T) {
	r := newRig(t)
	ctx, req := r.request(context.Background())
	err := &bearerkit.AuthError{StatusCode: 400, Code: "invalid_grant", Grant: "refresh_token"}
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "401", Source: "cool-down", Err: err, FallbackStep: -1})
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "401", Source: "cool-down", Err: err, FallbackStep: -1})
	req.End()

	ms := r.metrics(t)
	want := map[string]int64{"bearerkit.renewal.outcome=error,bearerkit.renewal.reason=401,bearerkit.renewal.source=cool-down,error.type=invalid_grant": 2}
	if got := counts(t, ms, renewals); !maps.Equal(got, want) {
		t.Errorf("renewals = %v, want %v", got, want)
	}
	if hs := histograms(t, ms, duration); len(hs) != 0 {
		t.Errorf("a cool-down answer recorded a duration: %v", hs)
	}
	if n := len(r.ended(renewSpan)); n != 0 {
		t.Errorf("%d renewal spans for cool-down answers, want none", n)
	}
	wantEv := "bearerkit.renewal.cool_down{bearerkit.renewal.reason=401,error.type=invalid_grant}"
	if got := events(r.ended("GET /api")[0]); !slices.Equal(got, []string{wantEv, wantEv}) {
		t.Errorf("request span events %v, want two %s", got, wantEv)
	}
}

func TestBackgroundRenewalHasNoLink(t *testing.T) {
	r := newRig(t)
	r.hooks.RenewDone(context.Background(), bearerkit.RenewEvent{Reason: "background", Source: "store", Duration: time.Millisecond, Generation: 7, FallbackStep: -1})
	spans := r.ended(renewSpan)
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	if l := spans[0].Links(); len(l) != 0 {
		t.Errorf("links %v, want none for a background renewal", l)
	}
	if got, want := encKV(spans[0].Attributes()), "bearerkit.renewal.attempts=0,bearerkit.renewal.generation=7,bearerkit.renewal.outcome=success,bearerkit.renewal.reason=background,bearerkit.renewal.source=store"; got != want {
		t.Errorf("attributes\n got %s\nwant %s", got, want)
	}
	// A cool-down answer without a request span adds nothing anywhere.
	r.hooks.RenewDone(context.Background(), bearerkit.RenewEvent{Reason: "background", Source: "cool-down", Err: errors.New("x"), FallbackStep: -1})
	if n := len(r.spans.Ended()); n != 1 {
		t.Errorf("%d spans, want 1", n)
	}
}

func TestReplayed(t *testing.T) {
	r := newRig(t)
	ctx, req := r.request(context.Background())
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "GET", URL: "https://api.example.com/v1/x", StatusCode: 200})
	r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "GET", URL: "https://api.example.com/v1/x", StatusCode: 200})
	r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "POST", URL: "https://api.example.com/v1/x", StatusCode: 401})
	r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "BREW", URL: "https://api.example.com/v1/x", Err: netErr})
	req.End()

	want := map[string]int64{
		"bearerkit.replay.outcome=success,http.request.method=GET,http.response.status_code=200":  2,
		"bearerkit.replay.outcome=refused,http.request.method=POST,http.response.status_code=401": 1,
		"bearerkit.replay.outcome=error,error.type=network,http.request.method=_OTHER":            1,
	}
	ms := r.metrics(t)
	if got := counts(t, ms, replays); !maps.Equal(got, want) {
		t.Errorf("replays = %v\nwant %v", got, want)
	}
	if ms[replays].Unit != "{replay}" {
		t.Errorf("unit %q", ms[replays].Unit)
	}
	if got := events(r.ended("GET /api")[0]); len(got) != 4 || got[2] != "bearerkit.replay{bearerkit.replay.outcome=refused,http.request.method=POST,http.response.status_code=401}" {
		t.Errorf("request span events %v", got)
	}
	if n := len(r.ended(renewSpan)); n != 0 {
		t.Errorf("replays made %d renewal spans", n)
	}
}

func TestStoreError(t *testing.T) {
	r := newRig(t)
	ctx, req := r.request(context.Background())
	r.hooks.StoreError(ctx, bearerkit.StoreEvent{Op: "save", Err: errors.New("disk full")})
	r.hooks.StoreError(ctx, bearerkit.StoreEvent{Op: "save", Err: context.DeadlineExceeded})
	r.hooks.StoreError(context.Background(), bearerkit.StoreEvent{Op: "load", Err: errors.New("corrupt")})
	req.End()

	want := map[string]int64{
		"bearerkit.store.operation=save,error.type=_OTHER":  1,
		"bearerkit.store.operation=save,error.type=timeout": 1,
		"bearerkit.store.operation=load,error.type=_OTHER":  1,
	}
	ms := r.metrics(t)
	if got := counts(t, ms, storeErrors); !maps.Equal(got, want) {
		t.Errorf("store errors = %v\nwant %v", got, want)
	}
	if ms[storeErrors].Unit != "{error}" {
		t.Errorf("unit %q", ms[storeErrors].Unit)
	}
	wantEv := []string{
		"bearerkit.store.error{bearerkit.store.operation=save,error.type=_OTHER}",
		"bearerkit.store.error{bearerkit.store.operation=save,error.type=timeout}",
	}
	if got := events(r.ended("GET /api")[0]); !slices.Equal(got, wantEv) {
		t.Errorf("request span events %v, want %v", got, wantEv)
	}
}

func TestWithAttributes(t *testing.T) {
	r := newRig(t, otelbearerkit.WithAttributes(attribute.String("platform", "keycloak")), otelbearerkit.WithAttributes(attribute.Int("account", 7)))
	ctx, req := r.request(context.Background())
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "expiry", Source: "authenticator", Generation: 1, FallbackStep: -1, Attempts: 1})
	r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "GET", StatusCode: 204})
	r.hooks.StoreError(ctx, bearerkit.StoreEvent{Op: "load", Err: errors.New("x")})
	req.End()

	ms := r.metrics(t)
	const extra = "account=7,"
	for name, want := range map[string]string{
		renewals:    extra + "bearerkit.renewal.outcome=success,bearerkit.renewal.reason=expiry,bearerkit.renewal.source=authenticator,platform=keycloak",
		replays:     extra + "bearerkit.replay.outcome=success,http.request.method=GET,http.response.status_code=204,platform=keycloak",
		storeErrors: extra + "bearerkit.store.operation=load,error.type=_OTHER,platform=keycloak",
	} {
		if got := counts(t, ms, name); !maps.Equal(got, map[string]int64{want: 1}) {
			t.Errorf("%s = %v, want %s", name, got, want)
		}
	}
	if _, ok := histograms(t, ms, duration)[extra+"bearerkit.renewal.outcome=success,bearerkit.renewal.reason=expiry,bearerkit.renewal.source=authenticator,platform=keycloak"]; !ok {
		t.Errorf("duration lacks the attributes: %v", histograms(t, ms, duration))
	}
	s := r.ended(renewSpan)[0]
	if got, want := encKV(s.Attributes()), extra+"bearerkit.renewal.attempts=1,bearerkit.renewal.generation=1,bearerkit.renewal.outcome=success,bearerkit.renewal.reason=expiry,bearerkit.renewal.source=authenticator,platform=keycloak"; got != want {
		t.Errorf("span attributes\n got %s\nwant %s", got, want)
	}
}

func TestScope(t *testing.T) {
	r := newRig(t)
	r.hooks.RenewDone(context.Background(), bearerkit.RenewEvent{Reason: "expiry", Source: "authenticator", FallbackStep: -1})
	s := r.ended(renewSpan)[0]
	if sc := s.InstrumentationScope(); sc.Name != otelbearerkit.ScopeName || sc.Version != otelbearerkit.Version() || sc.SchemaURL == "" {
		t.Errorf("span scope %+v", sc)
	}
	if otelbearerkit.ScopeName != "github.com/bearerkit/bearerkit/otelbearerkit" {
		t.Errorf("ScopeName %q is not the import path", otelbearerkit.ScopeName)
	}
	if v := otelbearerkit.Version(); v != "(devel)" {
		// A test binary's main module is this one, unversioned.
		t.Errorf("Version() = %q in the module's own tests, want (devel)", v)
	}
	var rm = r.metrics(t)
	if len(rm) != 2 { // renewals and duration; the others were never recorded
		t.Errorf("metrics %v", rm)
	}
	rmAll := collectScopes(t, r)
	if len(rmAll) != 1 || rmAll[0].Name != otelbearerkit.ScopeName || rmAll[0].Version != otelbearerkit.Version() {
		t.Errorf("metric scopes %+v", rmAll)
	}
}

func TestNilOption(t *testing.T) {
	_, err := otelbearerkit.Hooks(otelbearerkit.WithAttributes(), nil)
	if !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Fatalf("err = %v, want ErrInvalidOption", err)
	}
}

// failingMeter cannot make a histogram.
type failingMeter struct{ metricnoop.Meter }

var errNoHistogram = errors.New("no histograms here")

func (failingMeter) Float64Histogram(string, ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return nil, errNoHistogram
}

type failingMeterProvider struct{ metricnoop.MeterProvider }

func (failingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter { return failingMeter{} }

func TestInstrumentError(t *testing.T) {
	h, err := otelbearerkit.Hooks(otelbearerkit.WithMeterProvider(failingMeterProvider{}), otelbearerkit.WithTracerProvider(tracenoop.NewTracerProvider()))
	if !errors.Is(err, errNoHistogram) {
		t.Fatalf("err = %v, want the meter's error", err)
	}
	if h.RenewDone != nil || h.Replayed != nil || h.StoreError != nil {
		t.Errorf("hooks returned with an error: %v", h)
	}
}

func TestNoopProviders(t *testing.T) {
	h, err := otelbearerkit.Hooks(otelbearerkit.WithMeterProvider(metricnoop.NewMeterProvider()), otelbearerkit.WithTracerProvider(tracenoop.NewTracerProvider()))
	if err != nil {
		t.Fatal(err)
	}
	if h.RenewDone == nil || h.Replayed == nil || h.StoreError == nil {
		t.Fatalf("a hook is missing: %v", h)
	}
	// Nothing to observe but that nothing breaks.
	h.RenewDone(context.Background(), bearerkit.RenewEvent{Reason: "expiry", Source: "authenticator", Err: errors.New("x"), FallbackStep: -1})
	h.Replayed(context.Background(), bearerkit.ReplayEvent{Method: "GET", StatusCode: 200})
	h.StoreError(context.Background(), bearerkit.StoreEvent{Op: "save", Err: errors.New("x")})
}

// TestGlobalProviders: without options the hooks use the global providers.
// It changes global state, so it does not run in parallel.
func TestGlobalProviders(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
	})
	h, err := otelbearerkit.Hooks(otelbearerkit.WithTracerProvider(nil), otelbearerkit.WithMeterProvider(nil))
	if err != nil {
		t.Fatal(err)
	}
	h.RenewDone(context.Background(), bearerkit.RenewEvent{Reason: "expiry", Source: "authenticator", FallbackStep: -1})
	if n := len(sr.Ended()); n != 1 {
		t.Errorf("global tracer provider got %d spans, want 1", n)
	}
	r := &rig{reader: reader}
	if got := counts(t, r.metrics(t), renewals); len(got) != 1 {
		t.Errorf("global meter provider got %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	r := newRig(t)
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			ctx, span := r.request(context.Background())
			defer span.End()
			for i := range each {
				r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "401", Source: "authenticator", Duration: time.Duration(w*i) * time.Millisecond, Generation: uint64(i + 1), FallbackStep: -1, Attempts: 1})
				r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "GET", StatusCode: 200})
				r.hooks.StoreError(ctx, bearerkit.StoreEvent{Op: "save", Err: errors.New("x")})
			}
		})
	}
	wg.Wait()
	ms := r.metrics(t)
	for _, name := range []string{renewals, replays, storeErrors} {
		var total int64
		for _, v := range counts(t, ms, name) {
			total += v
		}
		if total != workers*each {
			t.Errorf("%s total %d, want %d", name, total, workers*each)
		}
	}
	if n := len(r.ended(renewSpan)); n != workers*each {
		t.Errorf("%d renewal spans, want %d", n, workers*each)
	}
}

// TestNoSecretInTelemetry: the only text recorded is a renewal error's,
// which bearerkit scrubs; nothing else of an event is recorded: not a
// replayed request's URL (query included), not an unregistered error code
// a server made up, not a store error's text.
func TestNoSecretInTelemetry(t *testing.T) {
	const secret = "s3cr3t-T0KEN-value"
	r := newRig(t)
	ctx, req := r.request(context.Background())
	r.hooks.Replayed(ctx, bearerkit.ReplayEvent{Method: "GET", URL: "https://api.example.com/v1/" + secret + "?access_token=" + secret, StatusCode: 200})
	r.hooks.StoreError(ctx, bearerkit.StoreEvent{Op: "save", Err: errors.New("open /tmp/" + secret + ": denied")})
	// A server's made-up error code is not recorded: error.type is the
	// status. (bearerkit guarantees Err's text holds no secret; the span
	// status carries it, the metrics do not.)
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "401", Source: "authenticator", FallbackStep: -1,
		Err: &bearerkit.AuthError{StatusCode: 400, Code: "weird_" + secret}})
	r.hooks.RenewDone(ctx, bearerkit.RenewEvent{Reason: "401", Source: "cool-down", FallbackStep: -1,
		Err: &bearerkit.AuthError{StatusCode: 400, Code: "weird_" + secret}})
	req.End()

	want := map[string]int64{
		"bearerkit.renewal.outcome=error,bearerkit.renewal.reason=401,bearerkit.renewal.source=authenticator,error.type=400": 1,
		"bearerkit.renewal.outcome=error,bearerkit.renewal.reason=401,bearerkit.renewal.source=cool-down,error.type=400":     1,
	}
	if got := counts(t, r.metrics(t), renewals); !maps.Equal(got, want) {
		t.Errorf("renewals = %v, want %v", got, want)
	}
	// Take the span status out (it is the error text, by design), then
	// nothing may hold the secret.
	s := r.ended(renewSpan)[0]
	if s.Status().Description == "" {
		t.Fatal("no status description")
	}
	text := r.allText(t)
	var rest []string
	for _, line := range strings.Split(text, "\n") {
		if line != s.Status().Description {
			rest = append(rest, line)
		}
	}
	for _, line := range rest {
		if strings.Contains(strings.ToLower(line), strings.ToLower(secret)) {
			t.Errorf("secret leaked into telemetry: %q", line)
		}
	}
}

func collectScopes(t *testing.T, r *rig) []struct{ Name, Version string } {
	t.Helper()
	var out []struct{ Name, Version string }
	rm := r.collect(t)
	for _, sm := range rm.ScopeMetrics {
		out = append(out, struct{ Name, Version string }{sm.Scope.Name, sm.Scope.Version})
	}
	return out
}
