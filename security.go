package bearerkit

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

type insecureKey struct{}

// WithInsecureHTTPContext returns a context under which grants and presets
// may send credentials over plain http:// to any host. Use it only for a
// staging host you reach over a trusted network. A Transport whose
// AllowInsecureHTTP is set passes it to its Authenticator by itself.
func WithInsecureHTTPContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, insecureKey{}, true)
}

func insecureAllowed(ctx context.Context) bool {
	v, _ := ctx.Value(insecureKey{}).(bool)
	return v
}

// checkTransport refuses to send credentials to u unless it is https, or
// plain http to a loopback host, or plain http that the user allowed.
func checkTransport(ctx context.Context, u *url.URL, allow bool) error {
	return checkTransportHint(ctx, u, allow, "use https, or opt in with WithInsecureHTTP (a Client) or WithInsecureHTTPContext (a direct call)")
}

// checkTransportHint is checkTransport with the opt-in the caller really
// takes named in the error.
func checkTransportHint(ctx context.Context, u *url.URL, allow bool, hint string) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if allow || isLoopback(u.Hostname()) || insecureAllowed(ctx) {
			return nil
		}
		return fmt.Errorf("%w to %s (%s)", ErrInsecureHTTP, u.Hostname(), hint)
	default:
		return fmt.Errorf("%w: unsupported URL scheme %q", ErrInvalidOption, u.Scheme)
	}
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// closeBody drains a little of a response body, so the connection can be
// reused, and closes it.
func closeBody(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

// InsecureHTTPAllowed reports whether ctx comes from WithInsecureHTTPContext:
// a Transport whose AllowInsecureHTTP is set (a Client made
// WithInsecureHTTP) passes such a context to its Authenticator, which may
// then send credentials over plain http to any host. An Authenticator of
// your own should honour it as the grants do.
func InsecureHTTPAllowed(ctx context.Context) bool { return insecureAllowed(ctx) }
