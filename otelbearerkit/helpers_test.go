package otelbearerkit_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/otelbearerkit"
)

// rig is an SDK tracer and meter provider with in-memory exporters, and
// the hooks under test recording into them.
type rig struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	hooks  bearerkit.Hooks
}

func newRig(t *testing.T, opts ...otelbearerkit.Option) *rig {
	t.Helper()
	r := &rig{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		_ = r.tp.Shutdown(context.Background())
		_ = r.mp.Shutdown(context.Background())
	})
	h, err := otelbearerkit.Hooks(append([]otelbearerkit.Option{
		otelbearerkit.WithTracerProvider(r.tp), otelbearerkit.WithMeterProvider(r.mp)}, opts...)...)
	if err != nil {
		t.Fatalf("Hooks: %v", err)
	}
	r.hooks = h
	return r
}

// request starts the span of an application request, as otelhttp would.
func (r *rig) request(ctx context.Context) (context.Context, trace.Span) {
	return r.tp.Tracer("app").Start(ctx, "GET /api")
}

// collect collects the metrics.
func (r *rig) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

// metrics collects the metrics, by name.
func (r *rig) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	rm := r.collect(t)
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if _, dup := out[m.Name]; dup {
				t.Fatalf("metric %s in two scopes", m.Name)
			}
			out[m.Name] = m
		}
	}
	return out
}

// counts returns a counter's points: attribute set ("k=v,k=v", sorted by
// key) → value. A counter never recorded gives an empty map.
func counts(t *testing.T, ms map[string]metricdata.Metrics, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m, ok := ms[name]
	if !ok {
		return out
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is a %T, want a Sum[int64]", name, m.Data)
	}
	if !sum.IsMonotonic || sum.Temporality != metricdata.CumulativeTemporality {
		t.Errorf("%s: monotonic %t, temporality %v; want a monotonic cumulative counter", name, sum.IsMonotonic, sum.Temporality)
	}
	for _, p := range sum.DataPoints {
		out[enc(p.Attributes)] += p.Value
	}
	return out
}

// histograms returns a histogram's points by attribute set.
func histograms(t *testing.T, ms map[string]metricdata.Metrics, name string) map[string]metricdata.HistogramDataPoint[float64] {
	t.Helper()
	out := map[string]metricdata.HistogramDataPoint[float64]{}
	m, ok := ms[name]
	if !ok {
		return out
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is a %T, want a Histogram[float64]", name, m.Data)
	}
	for _, p := range h.DataPoints {
		out[enc(p.Attributes)] = p
	}
	return out
}

func enc(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

// encKV encodes attributes as enc does, sorted by key.
func encKV(kvs []attribute.KeyValue) string { return enc(attribute.NewSet(kvs...)) }

// ended returns the ended spans with this name.
func (r *rig) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// events describes a span's events as "name{k=v,…}".
func events(s sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, e := range s.Events() {
		out = append(out, e.Name+"{"+encKV(e.Attributes)+"}")
	}
	return out
}

// allText is every string the exporters hold: metric names, descriptions
// and units, attribute keys and values of every point, span, event and
// link, span names and status descriptions, and scope names. A secret
// found in it has leaked.
func (r *rig) allText(t *testing.T) string {
	t.Helper()
	var parts []string
	add := func(kvs ...attribute.KeyValue) {
		for _, kv := range kvs {
			parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
		}
	}
	addSet := func(s attribute.Set) { add(s.ToSlice()...) }
	rm := r.collect(t)
	for _, sm := range rm.ScopeMetrics {
		parts = append(parts, sm.Scope.Name, sm.Scope.Version)
		for _, m := range sm.Metrics {
			parts = append(parts, m.Name, m.Description, m.Unit)
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					addSet(p.Attributes)
					parts = append(parts, fmt.Sprint(p.Value))
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					addSet(p.Attributes)
				}
			default:
				t.Fatalf("unexpected data %T", d)
			}
		}
	}
	for _, s := range r.spans.Ended() {
		parts = append(parts, s.Name(), s.Status().Description, s.InstrumentationScope().Name)
		add(s.Attributes()...)
		for _, e := range s.Events() {
			parts = append(parts, e.Name)
			add(e.Attributes...)
		}
		for _, l := range s.Links() {
			add(l.Attributes...)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "\n")
}
