package otelbearerkit_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"sort"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/otelbearerkit"
)

// A Client whose renewals and replays are recorded as OpenTelemetry
// metrics and spans. Here the providers export to memory; in a service
// they are the ones set up at start (and the options can be left out to
// use the global providers).
func Example() {
	k, err := bearerkittest.StartKeycloak() // a Keycloak realm, for the example
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))

	hooks, err := otelbearerkit.Hooks(
		otelbearerkit.WithTracerProvider(tp),
		otelbearerkit.WithMeterProvider(mp),
		otelbearerkit.WithAttributes(attribute.String("platform", "dataclarity")),
	)
	if err != nil {
		log.Fatal(err)
	}
	c, err := bearerkit.NewClient(k.URL()+"/dp/api/v1",
		bearerkit.Keycloak{ServerURL: k.URL(), Realm: k.Realm(), Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(k.Client()),
		bearerkit.WithHooks(hooks),
	)
	if err != nil {
		log.Fatal(err)
	}
	get := func() {
		req, err := c.NewRequest(context.Background(), http.MethodGet, "aiconnections/types", nil)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := c.Do(req, nil); err != nil {
			log.Fatal(err)
		}
	}
	get()                // logs in
	k.KillAccessTokens() // the API answers 401 from now on
	get()                // renews with the refresh token, replays the request

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, p := range sum.DataPoints {
					lines = append(lines, fmt.Sprintf("%s %d: %s", m.Name, p.Value, p.Attributes.Encoded(attribute.DefaultEncoder())))
				}
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	for _, s := range spans.GetSpans() {
		fmt.Println("span", s.Name, s.Status.Code)
	}
	// Output:
	// bearerkit.renewals 1: bearerkit.renewal.outcome=success,bearerkit.renewal.reason=401,bearerkit.renewal.source=authenticator,platform=dataclarity
	// bearerkit.renewals 1: bearerkit.renewal.outcome=success,bearerkit.renewal.reason=first use,bearerkit.renewal.source=authenticator,platform=dataclarity
	// bearerkit.replays 1: bearerkit.replay.outcome=success,http.request.method=GET,http.response.status_code=200,platform=dataclarity
	// span bearerkit.renew Unset
	// span bearerkit.renew Unset
}

// The hooks combine with hooks of your own; without options they use the
// global providers (otel.SetTracerProvider, otel.SetMeterProvider).
func ExampleHooks() {
	otelHooks, err := otelbearerkit.Hooks()
	if err != nil {
		log.Fatal(err)
	}
	logFailures := bearerkit.Hooks{
		RenewDone: func(ctx context.Context, e bearerkit.RenewEvent) {
			if e.Err != nil {
				slog.WarnContext(ctx, "token renewal failed", "reason", e.Reason, "error", e.Err)
			}
		},
	}
	hooks := bearerkit.JoinHooks(otelHooks, logFailures)
	fmt.Println(hooks)
	// Output:
	// bearerkit.Hooks{RenewDone: true, Replayed: true, StoreError: true}
}
