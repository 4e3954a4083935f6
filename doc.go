// Package bearerkit is a client SDK for data platforms whose APIs take
// bearer tokens: Dataddo, ONE DATA, DataClarity (Keycloak / OpenID
// Connect) and token services with /auth/password and /auth/refresh.
//
// Every request goes through one http.RoundTripper, the Transport. It adds
// "Authorization: Bearer …" (and Dataddo's X-realm-id / X-provider) from
// its token, renews the token before it expires or when the API answers
// 401, sends the request once more, and falls back to a full password login
// only when the refresh token itself is dead.
//
//	c, err := bearerkit.NewClient("https://headless.dataddo.com/customer-api/v1",
//		bearerkit.Dataddo{Email: email, Password: password})
//	sources, _, err := c.Sources.List(ctx)
//
// NewClient checks everything it can before the first request: every field
// a grant or preset needs (see Validator), nil and typed-nil values, and
// plain-http endpoints; the error names the field at fault. Each platform's
// protocol is described in the repository's docs/platforms.
//
// # Authentication
//
// An Authenticator obtains tokens. The grants of RFC 6749 are plain config
// structs: PasswordGrant, RefreshGrant and ClientCredentials. "Refresh, then
// log in again" is composition: Fallback(&RefreshGrant{…}, &PasswordGrant{…})
// moves to the login only when the refresh token is dead (ErrNoRefreshToken,
// 401, invalid_grant), never because of a network error, a 5xx or a 429.
// The presets Dataddo, OneData, AuthAPI and Keycloak speak each platform's
// protocol; Discover builds grants from an OpenID Provider's discovery
// document; StaticToken uses a token pasted from a browser as is.
//
// # Token lifecycle
//
// The first request logs in. A token is renewed ExpirySkew (30 s) before
// its Expiry; inside the RefreshWindow (5 min) one background renewal
// starts while requests keep the still-valid token. A 401 renews the token
// that request carried and replays the request once, rewinding its body
// with GetBody; 403 never renews. A refused login (wrong password) is
// answered from memory for a cool-down (1 min), so a wrong password cannot
// lock an account; transient token-endpoint failures are retried at most
// twice, honouring Retry-After. A TokenStore (FileStore, MemoryStore)
// keeps the newest refresh token across restarts. Every token, however it
// was obtained, is judged by one rule (RenewPolicy.Usable). Client.Logout
// revokes the token where the platform can, clears the store and forgets
// it. WithRetry retries idempotent API calls after a 429, a 5xx or a network
// error; token requests have their own retries and are never multiplied.
//
// # Many processes
//
// A Coordinator is a TokenStore shared by several processes: the
// Transport hands it each renewal, so that the platform sees one renewal
// for the whole fleet and a rotated-out refresh token is never sent.
// MemoryStore coordinates the Transports of a process, FileStore the
// processes of a machine (an advisory lock beside its file), and the
// redisstore module a fleet. A refused login is remembered by the
// Coordinator for the cool-down (RefusedError), so N processes never try a
// wrong password N times. bearerkittest.TestCoordinator checks a backend.
//
// # Security
//
// Credentials go only to the Client's base origin and the origins added
// with WithOrigins, and never over plain http to a host that is not
// loopback unless WithInsecureHTTP says so. Origins are compared as net/http
// dials them: an internationalized host is converted to its ASCII (IDNA)
// form first, so a look-alike such as "apİ.example.com" is another origin,
// and a name that cannot be converted gets no credentials. A bare Transport
// (nil Origins) sends the token to the origin each request was made for and
// drops it from any redirect that leads to another origin.
//
// The requests bearerkit itself sends with a secret (token, refresh,
// revocation and discovery requests of every grant and preset) follow a
// redirect only on their own origin; any other redirect fails with an
// *AuthError wrapping a *RedirectError (ErrRedirectRefused) that names the
// target. The caller's http.Client is never modified.
//
// Server text that reaches an error or a log record (error descriptions,
// messages, plain bodies, Content-Type, WWW-Authenticate, net/http's own
// errors) is scrubbed of every secret in play, raw or encoded:
// percent-encoded, JSON-escaped, as HTML character references, in hex, in
// base64 or inside an HTTP Basic value. An API error is scrubbed of every
// secret the Client holds. Token, APIToken, the grants, presets, stores,
// Client and Transport print redacted with every fmt verb, log/slog handler
// and json.Marshal.
//
// A panic in an Authenticator, a TokenStore or OnToken is recovered: the
// requests waiting get an error wrapping ErrAuthenticatorPanic and the
// stack goes to the Logger. Every renewal ends within RenewTimeout, whatever
// it waits for. An API that refuses even a freshly issued token costs one
// renewal per cool-down, not one per request (ErrTokenRejected meanwhile).
//
// # Concurrency
//
// Client, Transport, the grants and presets are safe for concurrent use.
// Renewal is single-flight: N requests that need a new token at once cause
// one Authenticate call, and all get its result. Requests read the current
// token without a lock. A caller whose context ends returns at once, while
// the shared renewal goes on for the others, bounded by RenewTimeout.
//
// # Errors
//
// Errors start with "bearerkit: ". A failed authentication is an
// *AuthError (errors.As finds it through the *url.Error of http.Client)
// carrying the server's RFC 6749 error and error_description; the
// sentinels ErrNoRefreshToken, ErrInsecureHTTP, ErrInvalidOption and
// ErrTokenRejected, ErrRedirectRefused, ErrAuthenticatorPanic and the
// others work with errors.Is. An error says what to do: "authentication
// failed" only when a credential was refused, a 404 names the URL to
// check, an answer from the cool-down says it is remembered and until when.
// No error, log record, or fmt/slog/JSON rendering of a Token, grant,
// preset, store, Client or Transport ever contains a password, client
// secret, access token, refresh token or API token.
//
// # Logging, metrics and tracing
//
// Nothing is logged unless WithLogger (Transport.Logger) gives a
// *slog.Logger; records never hold secrets, and carry the request's
// context where there is one. Hooks (WithHooks) report every renewal (its
// reason, source, duration, error, Fallback step), every replay after a
// 401 and every store failure; the otelbearerkit module turns them into
// OpenTelemetry metrics and spans.
//
// # Web apps
//
// A Go back end that serves a browser keeps the user's token in cookies:
// CookieSession sets the four Dataddo cookies (HttpOnly, Secure, SameSite=Lax)
// on login, clears them on logout, reads a Token back from a request, and
// builds a per-request Client whose renewed tokens are written back to the
// response. WithCookies (CookieNames, DataddoCookies) makes the transport
// itself send the credential as cookies instead of headers.
//
// # Testing
//
// Package bearerkittest has emulators of the four platforms (Dataddo, ONE
// DATA, Keycloak, AuthAPI) and httpmock helpers. Code that uses bearerkit works with httpmock.Activate (the
// default transports are looked up at call time) and with
// httpmock.ActivateNonDefault(client.HTTPClient()).
package bearerkit
