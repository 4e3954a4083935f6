// Package otelbearerkit turns bearerkit's Hooks into OpenTelemetry metrics
// and spans: how often tokens are renewed, why, where the new token came
// from, how long it took, how often a request was replayed after a 401, and
// how often the TokenStore failed.
//
//	h, err := otelbearerkit.Hooks() // the global providers; see the options
//	if err != nil { … }
//	c, err := bearerkit.NewClient(baseURL, auth, bearerkit.WithHooks(h))
//
// The instrumentation scope is ScopeName, with the version Version.
//
// # Metrics
//
//	bearerkit.renewals          Int64Counter      {renewal}  every renewal, cool-down answers included
//	bearerkit.renewal.duration  Float64Histogram  s          renewals that did work (not cool-down answers)
//	bearerkit.replays           Int64Counter      {replay}   requests sent again after a 401
//	bearerkit.store.errors      Int64Counter      {error}    TokenStore failures
//
// Their attributes, all of bounded cardinality:
//
//	bearerkit.renewal.reason   renewals, duration  "first use", "expiry", "background", "401"
//	bearerkit.renewal.source   renewals, duration  "authenticator", "store", "cool-down"
//	bearerkit.renewal.outcome  renewals, duration  "success", "error"
//	bearerkit.replay.outcome   replays             "success" (the renewed token was accepted),
//	                                               "refused" (401 again), "error" (no answer)
//	http.request.method        replays             the method; "_OTHER" for a non-standard one
//	http.response.status_code  replays             the replay's status, when it got an answer
//	bearerkit.store.operation  store.errors        "load", "save"
//	error.type                 on failures         see below
//
// error.type classifies an error without its text. For a token endpoint's
// refusal (a *bearerkit.AuthError): its RFC 6749 error code when it is a
// registered one ("invalid_grant", "invalid_client", …), else its HTTP
// status ("503"), "invalid_response" for a 2xx answer that is no token, and
// "network" when no answer came. For bearerkit's sentinel errors:
// "token_rejected", "refused_elsewhere", "no_refresh_token",
// "insecure_http", "invalid_option", "redirect_refused", "refresh_only",
// "authenticator_panic"; "timeout" and "canceled" for the context's errors.
// "_OTHER" for anything else.
//
// The histogram's bucket boundaries (an advice the SDK follows unless a View
// says otherwise) run from 5 ms to 60 s, the range of a token endpoint's
// answers up to bearerkit's RenewTimeout.
//
// # Spans
//
// Each renewal that did work (Source "authenticator" or "store") is one
// span named "bearerkit.renew", of kind Internal, from the renewal's start
// to its end. One renewal serves every request waiting for it, so its span
// is the root of a trace of its own, linked to the span of the request that
// started it (none for a background renewal) rather than a child of it. Its
// attributes are the reason, source and outcome above,
// bearerkit.renewal.generation (the token's number, on success),
// bearerkit.renewal.fallback_step (which Fallback step produced the token,
// when one did) and bearerkit.renewal.attempts (calls of the
// Authenticator). A failed renewal has status Error with the error's text,
// which bearerkit guarantees holds no secret, and error.type.
//
// The hooks are called after the work is done, so the HTTP spans of the
// token endpoint (if its client is instrumented) are not children of the
// renewal span: they belong to the request's trace.
//
// A cool-down answer (a refusal remembered, nothing asked of any server) is
// counted in bearerkit.renewals with source "cool-down" but has no span of
// its own: it takes no time and comes once per request during the cool-down,
// so a span each would flood the trace backend with copies of one refusal.
// Instead, when the request's span is recording, it gets an event
// "bearerkit.renewal.cool_down" with the reason and error.type. Likewise a
// replay adds an event "bearerkit.replay" (outcome, method, status) and a
// store failure an event "bearerkit.store.error" (operation, error.type) to
// the span of the context they are reported with.
//
// # Secrets
//
// Nothing of a token, password or client secret reaches a metric or a span:
// attributes hold only the fixed values above (and those of
// WithAttributes), and the only text is a renewal error's, which bearerkit
// scrubs. Request URLs are not recorded either.
package otelbearerkit
