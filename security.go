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
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if allow || isLoopback(u.Hostname()) || insecureAllowed(ctx) {
			return nil
		}
		return fmt.Errorf("%w to %s (use https, or opt in with WithInsecureHTTP)", ErrInsecureHTTP, u.Hostname())
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

// origin is a URL's scheme, host and port, normalized so that
// "https://a.example" and "HTTPS://A.example:443" are the same origin.
type origin struct {
	scheme, host string // host includes a non-default port
}

func originOf(u *url.URL) origin {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		}
	}
	return origin{scheme: scheme, host: host}
}

// parseOrigin parses a URL or a bare origin ("https://api.example.com").
func parseOrigin(raw string) (origin, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return origin{}, fmt.Errorf("%w: %q is not an http(s) origin", ErrInvalidOption, raw)
	}
	return originOf(u), nil
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
