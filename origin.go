package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// origin is a URL's scheme, host and port, normalized the way net/http
// dials it: the host in ASCII (an internationalized name converted with
// IDNA, as the resolver will see it), lower-cased, and the port dropped when
// it is the scheme's default. Two URLs with one origin reach the same server.
type origin struct {
	scheme, host string // host includes a non-default port; IPv6 in brackets
}

// originOf returns u's origin; ok is false when u has no host or its host
// cannot be converted to the ASCII name net/http would dial.
func originOf(u *url.URL) (o origin, ok bool) {
	scheme := lowerASCII(u.Scheme)
	hostname, port := u.Hostname(), u.Port()
	if hostname == "" {
		return origin{}, false
	}
	host, ok := dialedHost(hostname)
	if !ok {
		return origin{}, false
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host += ":" + port
	}
	return origin{scheme: scheme, host: host}, true
}

// sameOrigin reports whether a and b have one origin; a URL whose host
// cannot be converted has none.
func sameOrigin(a, b *url.URL) bool {
	oa, ok := originOf(a)
	if !ok {
		return false
	}
	ob, ok := originOf(b)
	return ok && oa == ob
}

// parseOrigin parses a URL or a bare origin ("https://api.example.com").
// Errors show raw without user information or query.
func parseOrigin(raw string) (origin, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return origin{}, fmt.Errorf("%w: %q is not an http(s) origin", ErrInvalidOption, redact.URL(raw))
	}
	o, ok := originOf(u)
	if !ok {
		return origin{}, fmt.Errorf("%w: the host of %q cannot be converted to the ASCII name it would be dialed as", ErrInvalidOption, redact.URL(raw))
	}
	return o, nil
}

// lowerASCII lower-cases the ASCII letters of s only: DNS names compare
// case-insensitively in ASCII, and nowhere else (strings.ToLower would fold
// "İ" to "i", a different name for the resolver).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// dialedHost returns the name net/http dials for hostname, lower-cased:
// hostname itself when it is ASCII, else its IDNA (UTS #46, lookup profile)
// ASCII form. ok is false when that conversion fails; net/http would then
// dial the name as it is, which no resolver maps to the same host.
func dialedHost(hostname string) (string, bool) {
	if isASCII(hostname) {
		return lowerASCII(hostname), true
	}
	return idnaCache.lookup(hostname)
}

// idnaCache remembers the conversions of recent internationalized names:
// asking net/http for one costs a failed dial.
var idnaCache = &hostCache{m: map[string]cachedHost{}}

type cachedHost struct {
	ascii string
	ok    bool
}

type hostCache struct {
	mu sync.Mutex
	m  map[string]cachedHost
}

const maxCachedHosts = 256

func (c *hostCache) lookup(name string) (string, bool) {
	c.mu.Lock()
	h, hit := c.m[name]
	c.mu.Unlock()
	if hit {
		return h.ascii, h.ok
	}
	ascii, ok := probeDialedHost(name)
	if ok && (ascii == "" || !isASCII(ascii)) {
		// Not a name: IDNA maps some characters (U+034F, U+200B...) to
		// nothing, and net/http then dials the empty host, this machine.
		ascii, ok = "", false
	}
	h = cachedHost{ascii: lowerASCII(ascii), ok: ok}
	c.mu.Lock()
	if len(c.m) >= maxCachedHosts {
		clear(c.m)
	}
	c.m[name] = h
	c.mu.Unlock()
	return h.ascii, h.ok
}

// errProbe stops the probe's dial.
var errProbe = errors.New("bearerkit: host probe")

type probeKey struct{}

// probeTransport converts a name exactly as net/http does before dialing
// it (its IDNA mapping is not exported): it is asked for a URL on the name,
// records the address its dialer is given, and fails the dial.
var probeTransport = &http.Transport{
	Proxy:             nil,
	DisableKeepAlives: true,
	DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		if p, ok := ctx.Value(probeKey{}).(*string); ok {
			*p = addr
		}
		return nil, errProbe
	},
}

// probeDialedHost returns the host part of the address net/http dials for
// name; ok is false when no dial happens (net/http refused the name).
func probeDialedHost(name string) (string, bool) {
	var addr string
	ctx := context.WithValue(context.Background(), probeKey{}, &addr)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(name, "1")+"/", nil)
	if err != nil {
		return "", false
	}
	resp, err := probeTransport.RoundTrip(req)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, errProbe) || addr == "" {
		return "", false
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false
	}
	return host, true
}
