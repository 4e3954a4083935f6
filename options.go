package bearerkit

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// Option configures a Client. Options validate their input: NewClient
// returns an error wrapping ErrInvalidOption for a nil Option or a bad
// value, never a half-configured Client.
type Option func(*config) error

// config is what the options build.
type config struct {
	httpClient *http.Client
	transport  Transport // its Auth, Base and Origins are set by NewClient
	origins    []string
	userAgent  string
	retry      *RetryPolicy
	revoker    TokenRevoker
}

// WithHTTPClient makes hc the base of the Client: its Transport sends the
// requests (nil: http.DefaultTransport, looked up at call time) and its
// Timeout, Jar and CheckRedirect are kept. hc itself is never modified.
// The grants and presets have an HTTPClient field of their own for the
// token endpoint.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return fmt.Errorf("%w: WithHTTPClient(nil)", ErrInvalidOption)
		}
		c.httpClient = hc
		return nil
	}
}

// WithTokenStore persists the token in s (see Transport.Store). A nil s,
// typed nil included, is an error wrapping ErrInvalidOption.
func WithTokenStore(s TokenStore) Option {
	return func(c *config) error {
		if isNil(s) {
			return fmt.Errorf("%w: WithTokenStore(%T(nil))", ErrInvalidOption, s)
		}
		c.transport.Store = s
		return nil
	}
}

// WithLogger sends the Client's log records to l (see Transport.Logger).
// Without it nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("%w: WithLogger(nil)", ErrInvalidOption)
		}
		c.transport.Logger = l
		return nil
	}
}

// WithOrigins lets credentials go to these origins too ("https://host" or
// any URL on it), besides the base URL's. Requests to any other origin,
// redirects included, are sent without credentials.
func WithOrigins(origins ...string) Option {
	return func(c *config) error {
		for _, o := range origins {
			if _, err := parseOrigin(o); err != nil {
				return fmt.Errorf("WithOrigins: %w", err)
			}
		}
		c.origins = append(c.origins, origins...)
		return nil
	}
}

// WithInsecureHTTP allows credentials over plain http:// to hosts that are
// not loopback: the base URL, the token endpoints of the Client's
// Authenticator, and WithOrigins. Use it only inside a trusted network.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.transport.AllowInsecureHTTP = true
		return nil
	}
}

// WithExpirySkew renews tokens d before they expire (default 30 s; 0 turns
// it off). Negative d is an error.
func WithExpirySkew(d time.Duration) Option {
	return durationOption("WithExpirySkew", d, func(c *config) *time.Duration { return &c.transport.ExpirySkew })
}

// WithRefreshWindow starts a background renewal d before expiry while
// requests keep using the still-valid token (default 5 min; 0 turns
// background renewal off). Negative d is an error.
func WithRefreshWindow(d time.Duration) Option {
	return durationOption("WithRefreshWindow", d, func(c *config) *time.Duration { return &c.transport.RefreshWindow })
}

// WithCoolDown answers a refused login from memory for d before asking the
// server again (default 1 min; 0 turns it off). Negative d is an error.
func WithCoolDown(d time.Duration) Option {
	return durationOption("WithCoolDown", d, func(c *config) *time.Duration { return &c.transport.CoolDown })
}

// WithRenewTimeout bounds each renewal, retries included (default 30 s).
// d must be positive.
func WithRenewTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithRenewTimeout(%v): must be positive", ErrInvalidOption, d)
		}
		c.transport.RenewTimeout = d
		return nil
	}
}

// WithOnToken calls fn with each new token, after it is saved and before
// any request uses it. fn must not block for long.
func WithOnToken(fn func(Token)) Option {
	return func(c *config) error {
		if fn == nil {
			return fmt.Errorf("%w: WithOnToken(nil)", ErrInvalidOption)
		}
		c.transport.OnToken = fn
		return nil
	}
}

// WithCookies sends the token as cookies with these names instead of as
// headers (see Transport.Cookies). Names must be distinct HTTP tokens (a
// name such as "x; admin" would inject a cookie of its own) and AccessToken
// must be set; anything else is an error wrapping ErrInvalidOption.
func WithCookies(names CookieNames) Option {
	return func(c *config) error {
		if err := names.check(); err != nil {
			return fmt.Errorf("WithCookies: %w", err)
		}
		c.transport.Cookies = &names
		return nil
	}
}

// durationOption sets a Transport duration where the option's 0 means
// "off", which the Transport spells as negative.
func durationOption(name string, d time.Duration, field func(*config) *time.Duration) Option {
	return func(c *config) error {
		switch {
		case d < 0:
			return fmt.Errorf("%w: %s(%v): must not be negative", ErrInvalidOption, name, d)
		case d == 0:
			*field(c) = -1
		default:
			*field(c) = d
		}
		return nil
	}
}

// WithUserAgent sets the User-Agent header of the requests NewRequest makes
// (default "bearerkit-go"). An empty ua, or one with control characters, is
// an error.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" || !validHeaderToken(ua) {
			return fmt.Errorf("%w: WithUserAgent(%q): must be a non-empty header value", ErrInvalidOption, redact.Clip(ua, 100))
		}
		c.userAgent = ua
		return nil
	}
}
