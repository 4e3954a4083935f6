package otelbearerkit

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/bearerkit/bearerkit"
)

// sentinels name bearerkit's sentinel errors for error.type, most specific
// first.
var sentinels = []struct {
	err  error
	name string
}{
	{bearerkit.ErrTokenRejected, "token_rejected"},
	{bearerkit.ErrRefusedElsewhere, "refused_elsewhere"},
	{bearerkit.ErrNoRefreshToken, "no_refresh_token"},
	{bearerkit.ErrInsecureHTTP, "insecure_http"},
	{bearerkit.ErrInvalidOption, "invalid_option"},
	{bearerkit.ErrRedirectRefused, "redirect_refused"},
	{bearerkit.ErrRefreshOnly, "refresh_only"},
	{bearerkit.ErrAuthenticatorPanic, "authenticator_panic"},
	{context.DeadlineExceeded, "timeout"},
	{context.Canceled, "canceled"},
}

// oauthCodes are the registered OAuth error codes (RFC 6749 §5.2, RFC 6750
// §3.1, RFC 8628 §3.5, RFC 8693 §2.2.2): a server's code outside this set
// is not recorded, so that a server cannot grow the cardinality or put
// text of its choice into a metric.
var oauthCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "invalid_grant": true,
	"unauthorized_client": true, "unsupported_grant_type": true, "invalid_scope": true,
	"access_denied": true, "server_error": true, "temporarily_unavailable": true,
	"invalid_token": true, "insufficient_scope": true,
	"authorization_pending": true, "slow_down": true, "expired_token": true,
	"invalid_target": true,
}

// errorType classifies err for the error.type attribute, from a bounded set
// of names that hold nothing of err's text (see the package doc).
func errorType(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	var ae *bearerkit.AuthError
	if errors.As(err, &ae) {
		switch c := ae.StatusCode; {
		case oauthCodes[ae.Code]:
			return ae.Code
		case c >= 200 && c <= 299:
			return "invalid_response" // an answer that is not a usable token
		case c >= 100 && c <= 599:
			return strconv.Itoa(c)
		case c == 0 && ae.Temporary():
			return "network"
		}
		return "_OTHER"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "network"
	}
	return "_OTHER"
}
