// Package bearerkittest provides emulators of the platforms bearerkit speaks, for tests:
// Dataddo, ONE DATA, the AuthAPI token service and Keycloak (DataClarity). Each is an
// httptest server on 127.0.0.1 that follows the project's docs/platforms: the same paths,
// bodies, status codes and error JSON, strict where that page is sure and lenient where
// it marks a choice.
//
// # Starting
//
// In a test, NewDataddo(t), NewOneData(t), NewAuthAPI(t) and NewKeycloak(t) start an
// emulator and close it when the test ends. Outside tests (a main program, an Example),
// StartDataddo() and friends do the same and return an error instead; call Close. Options
// (WithUser, WithBasePath, WithTLS, WithAccessTokenTTL, ...) configure them; an option
// meant for another platform is an error. Every emulator knows the user DefaultEmail or
// DefaultUsername with DefaultPassword.
//
// # Knobs
//
// All emulators embed Core: KillAccessTokens (tokens die before expires_in),
// ExpireRefreshTokens, Advance (move the clock), FailNext (inject failures on the next
// calls of an Endpoint: status, Retry-After, latency, malformed or oversized bodies, HTML
// pages, a missing access_token, a reset connection; FailRotateThenHold and
// FailRotateThenReset serve the call, so the platform rotates, and then hold or drop the
// answer, for killing a client after the platform rotated). Refresh tokens rotate, and a
// reused one kills its grant (WithoutRotation, WithoutReuseDetection turn that off;
// WithReuseGrace answers a just-rotated-out one with the same new tokens instead, as
// platforms with a reuse grace interval do; GraceReplays counts those, Holding the held
// answers).
//
// # Counters
//
// Stats returns exact counters (logins, password sends, refreshes, reuse detections, API
// calls, revocations) and Events the log of calls. Secrets are never stored in either:
// tokens appear as a Fingerprint.
//
// # httpmock
//
// RegisterDataddoAuth and its siblings register a platform's login and refresh endpoints
// on an httpmock.MockTransport, running the same handlers without a network, for unit
// tests that mock their own API.
//
// # Concurrency
//
// Everything in this package is safe for concurrent use: handlers run concurrently and
// all state is behind one mutex per emulator.
//
// This package does not import bearerkit, so bearerkit's own tests can use it.
package bearerkittest
