package otelbearerkit

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/bearerkit/bearerkit"
)

// ScopeName is the instrumentation scope of the tracer and the meter: the
// import path of this package.
const ScopeName = "github.com/bearerkit/bearerkit/otelbearerkit"

// Version returns the version of this module as the running binary records
// it (v1.2.3, a pseudo-version, or "(devel)" in its own tests), or "" when
// the binary has no build information. It is the instrumentation scope's
// version. Version is safe for concurrent use.
func Version() string { return version() }

var version = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if bi.Main.Path == ScopeName {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == ScopeName {
			return d.Version
		}
	}
	return ""
})

// Metric and span names.
const (
	renewalsName    = "bearerkit.renewals"
	durationName    = "bearerkit.renewal.duration"
	replaysName     = "bearerkit.replays"
	storeErrorsName = "bearerkit.store.errors"
	spanName        = "bearerkit.renew"
)

// Attribute keys (see the package doc).
const (
	reasonKey     = attribute.Key("bearerkit.renewal.reason")
	sourceKey     = attribute.Key("bearerkit.renewal.source")
	outcomeKey    = attribute.Key("bearerkit.renewal.outcome")
	generationKey = attribute.Key("bearerkit.renewal.generation")
	stepKey       = attribute.Key("bearerkit.renewal.fallback_step")
	attemptsKey   = attribute.Key("bearerkit.renewal.attempts")
	replayKey     = attribute.Key("bearerkit.replay.outcome")
	storeOpKey    = attribute.Key("bearerkit.store.operation")
)

// sourceCoolDown is RenewEvent.Source for an answer from the cool-down.
const sourceCoolDown = "cool-down"

// durationBounds are the histogram's bucket boundaries in seconds: a token
// endpoint answers in milliseconds to seconds, and a renewal with retries
// may take up to RenewTimeout (30 s by default).
var durationBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Option configures Hooks. Options are immutable values, safe to reuse and
// to share between goroutines; a nil Option makes Hooks fail with an error
// wrapping bearerkit.ErrInvalidOption.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	tp    trace.TracerProvider
	mp    metric.MeterProvider
	attrs []attribute.KeyValue
}

// WithTracerProvider makes the spans with tp. Nil (and no
// WithTracerProvider) means the global provider, otel.GetTracerProvider(),
// looked up when Hooks is called; a global provider set later is used too,
// as the otel package's delegation does.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tp = tp })
}

// WithMeterProvider makes the metrics with mp. Nil (and no
// WithMeterProvider) means the global provider, otel.GetMeterProvider(),
// looked up when Hooks is called; a global provider set later is used too.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.mp = mp })
}

// WithAttributes adds attrs to every metric point and span, to tell several
// Clients apart (a platform or account name, say). They are recorded as
// given: they must hold no secret, and should have few distinct values.
// Given more than once, all the attributes are added. No attributes (the
// default) adds none.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	attrs = append([]attribute.KeyValue(nil), attrs...)
	return optionFunc(func(c *config) { c.attrs = append(c.attrs, attrs...) })
}

// Hooks returns bearerkit Hooks that record OpenTelemetry metrics and spans
// (see the package doc) with the providers of opts, for
// bearerkit.WithHooks or Transport.Hooks; bearerkit.JoinHooks combines them
// with hooks of your own. Every callback is set.
//
// It returns an error wrapping bearerkit.ErrInvalidOption for a nil option,
// and the MeterProvider's own error (wrapped) when it cannot create an
// instrument. The hooks are safe for concurrent use, and cheap when the
// providers are no-ops. One Hooks may serve every Client; make one per
// Client with WithAttributes to tell them apart (the SDK returns the same
// instruments for the same names, so this costs little).
func Hooks(opts ...Option) (bearerkit.Hooks, error) {
	var c config
	for i, o := range opts {
		if o == nil {
			return bearerkit.Hooks{}, fmt.Errorf("%w: otelbearerkit.Hooks: option %d is nil", bearerkit.ErrInvalidOption, i)
		}
		o.apply(&c)
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	r, err := newRecorder(c)
	if err != nil {
		return bearerkit.Hooks{}, err
	}
	return bearerkit.Hooks{RenewDone: r.renewDone, Replayed: r.replayed, StoreError: r.storeError}, nil
}

// recorder holds the instruments; it is immutable once made.
type recorder struct {
	tracer      trace.Tracer
	renewals    metric.Int64Counter
	duration    metric.Float64Histogram
	replays     metric.Int64Counter
	storeErrors metric.Int64Counter
	attrs       []attribute.KeyValue
}

func newRecorder(c config) (*recorder, error) {
	v := Version()
	r := &recorder{
		tracer: c.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(v), trace.WithSchemaURL(semconv.SchemaURL)),
		attrs:  c.attrs,
	}
	m := c.mp.Meter(ScopeName, metric.WithInstrumentationVersion(v), metric.WithSchemaURL(semconv.SchemaURL))
	var err error
	wrap := func(name string, err error) error {
		return fmt.Errorf("otelbearerkit: creating the %s instrument: %w", name, err)
	}
	if r.renewals, err = m.Int64Counter(renewalsName, metric.WithUnit("{renewal}"),
		metric.WithDescription("Token renewals, answers from the cool-down included.")); err != nil {
		return nil, wrap(renewalsName, err)
	}
	if r.duration, err = m.Float64Histogram(durationName, metric.WithUnit("s"),
		metric.WithDescription("Duration of token renewals that did work, retries and waiting for other processes included."),
		metric.WithExplicitBucketBoundaries(durationBounds...)); err != nil {
		return nil, wrap(durationName, err)
	}
	if r.replays, err = m.Int64Counter(replaysName, metric.WithUnit("{replay}"),
		metric.WithDescription("Requests sent again with a renewed token after the API answered 401.")); err != nil {
		return nil, wrap(replaysName, err)
	}
	if r.storeErrors, err = m.Int64Counter(storeErrorsName, metric.WithUnit("{error}"),
		metric.WithDescription("Failures of the TokenStore to load or save a token.")); err != nil {
		return nil, wrap(storeErrorsName, err)
	}
	return r, nil
}

// with returns the recorder's own attributes followed by attrs.
func (r *recorder) with(attrs ...attribute.KeyValue) []attribute.KeyValue {
	if len(r.attrs) == 0 {
		return attrs
	}
	return append(append(make([]attribute.KeyValue, 0, len(r.attrs)+len(attrs)), r.attrs...), attrs...)
}

func (r *recorder) renewDone(ctx context.Context, e bearerkit.RenewEvent) {
	end := time.Now()
	attrs := []attribute.KeyValue{reasonKey.String(e.Reason), sourceKey.String(e.Source), outcomeKey.String(outcome(e.Err))}
	if e.Err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(e.Err)))
	}
	attrs = r.with(attrs...)
	set := metric.WithAttributeSet(attribute.NewSet(attrs...))
	r.renewals.Add(ctx, 1, set)

	if e.Source == sourceCoolDown {
		// No work was done: no duration and no span, an event on the
		// request's span instead (see the package doc).
		if span := trace.SpanFromContext(ctx); span.IsRecording() {
			ev := []attribute.KeyValue{reasonKey.String(e.Reason)}
			if e.Err != nil {
				ev = append(ev, semconv.ErrorTypeKey.String(errorType(e.Err)))
			}
			span.AddEvent("bearerkit.renewal.cool_down", trace.WithAttributes(ev...))
		}
		return
	}
	r.duration.Record(ctx, max(e.Duration, 0).Seconds(), set)

	start := end.Add(-max(e.Duration, 0))
	if e.Err == nil {
		if e.Generation > 0 {
			attrs = append(attrs, generationKey.Int64(int64(min(e.Generation, math.MaxInt64))))
		}
		if e.FallbackStep >= 0 {
			attrs = append(attrs, stepKey.Int(e.FallbackStep))
		}
	}
	attrs = append(attrs, attemptsKey.Int(e.Attempts))
	opts := []trace.SpanStartOption{
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(start),
		trace.WithAttributes(attrs...),
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
	}
	_, span := r.tracer.Start(ctx, spanName, opts...)
	if e.Err != nil {
		span.SetStatus(codes.Error, e.Err.Error())
	}
	span.End(trace.WithTimestamp(end))
}

func (r *recorder) replayed(ctx context.Context, e bearerkit.ReplayEvent) {
	var o string
	switch {
	case e.Err != nil || e.StatusCode == 0:
		o = "error"
	case e.StatusCode == 401:
		o = "refused"
	default:
		o = "success"
	}
	attrs := []attribute.KeyValue{replayKey.String(o), semconv.HTTPRequestMethodKey.String(method(e.Method))}
	if e.StatusCode != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCodeKey.Int(e.StatusCode))
	}
	if e.Err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(e.Err)))
	}
	attrs = r.with(attrs...)
	r.replays.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent("bearerkit.replay", trace.WithAttributes(attrs...))
	}
}

func (r *recorder) storeError(ctx context.Context, e bearerkit.StoreEvent) {
	attrs := r.with(storeOpKey.String(e.Op), semconv.ErrorTypeKey.String(errorType(e.Err)))
	r.storeErrors.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent("bearerkit.store.error", trace.WithAttributes(attrs...))
	}
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "success"
}

// method returns m if it is a standard HTTP method, "_OTHER" otherwise, so
// that a client's made-up methods cannot grow the metric's cardinality.
func method(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY":
		return m
	case "":
		return "GET" // net/http's meaning of an empty method
	}
	return "_OTHER"
}
