// Package oauth2bearerkit connects bearerkit and golang.org/x/oauth2, both
// ways.
//
// # bearerkit as an oauth2.TokenSource
//
// TokenSource turns a *bearerkit.Client (or a *bearerkit.Transport) into an
// oauth2.TokenSource, for libraries that take one: gRPC's per-RPC
// credentials, Google-style API clients, an oauth2.Transport. The Client
// keeps renewing, single-flight, with its store, cool-down and hooks; the
// source hands out its current token:
//
//	ts := oauth2bearerkit.TokenSource(ctx, client)
//	conn, err := grpc.NewClient(addr, grpc.WithPerRPCCredentials(oauth.TokenSource{TokenSource: ts}), …)
//
// AuthenticatorTokenSource does the same for a bare bearerkit.Authenticator,
// through a bearerkit.Transport of its own.
//
// # An oauth2.TokenSource as a bearerkit Authenticator
//
// Authenticator turns an oauth2.TokenSource into a bearerkit.Authenticator,
// FuncAuthenticator a function such as clientcredentials.Config.Token, and
// ConfigAuthenticator an *oauth2.Config with a token (from an authorization
// code exchange, say) that it renews with its refresh token. Errors of the
// token endpoint become *bearerkit.AuthError values with the status, the
// RFC 6749 error code and description, so that bearerkit.Fallback, the
// retries and the cool-down treat them as they treat bearerkit's own.
//
// # Secrets
//
// No error of this package holds a token, refresh token or client secret:
// an *oauth2.RetrieveError, whose Error text includes the server's raw
// answer, is never returned or wrapped; its code and description are kept,
// scrubbed of the secrets the call used. The types that hold a secret print
// it redacted with every fmt verb, log/slog and encoding/json. The
// *oauth2.Token values TokenSource returns are x/oauth2's own, which print
// their tokens: do not log them.
package oauth2bearerkit
