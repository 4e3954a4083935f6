package bearerkittest

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Endpoint names a kind of call, the same on every platform, for FailNext and the event log.
type Endpoint string

// The endpoints. Keycloak's token endpoint counts as EndpointLogin for the password and
// client_credentials grants and as EndpointRefresh for the refresh_token grant.
const (
	// EndpointLogin: Dataddo POST /auth, ONE DATA POST /api/v1/users/login,
	// AuthAPI POST /auth/password, Keycloak token endpoint (password, client_credentials).
	EndpointLogin Endpoint = "login"
	// EndpointRefresh: Dataddo POST and GET /refresh, AuthAPI POST /auth/refresh,
	// Keycloak token endpoint (refresh_token).
	EndpointRefresh Endpoint = "refresh"
	// EndpointRevoke: Dataddo POST and GET /revoke, Keycloak revocation endpoint.
	EndpointRevoke Endpoint = "revoke"
	// EndpointLogout: ONE DATA POST /api/v1/users/logout (which invalidates nothing).
	EndpointLogout Endpoint = "logout"
	// EndpointDiscovery: Keycloak's openid-configuration and certs.
	EndpointDiscovery Endpoint = "discovery"
	// EndpointAPI: every protected API call.
	EndpointAPI Endpoint = "api"
)

// Outcome is the emulator's verdict on one call, as recorded in an Event.
type Outcome string

// The outcomes.
const (
	OutcomeOK             Outcome = "ok"
	OutcomeBadRequest     Outcome = "bad_request"     // malformed or incomplete request
	OutcomeBadCredentials Outcome = "bad_credentials" // unknown user or wrong password
	OutcomeBadClient      Outcome = "bad_client"      // Keycloak client authentication failed
	OutcomeNotAllowed     Outcome = "not_allowed"     // grant not allowed for the client
	OutcomeUnknownToken   Outcome = "unknown_token"   // token never issued here, or missing
	OutcomeExpired        Outcome = "expired"         // expired, killed, or refresh token expired
	OutcomeRevoked        Outcome = "revoked"         // grant revoked or killed by reuse detection
	OutcomeReused         Outcome = "reused"          // rotated-out refresh token: grant killed
	OutcomeStale          Outcome = "stale"           // rotated-out refresh token, no detection
	OutcomeWrongRealm     Outcome = "wrong_realm"     // Dataddo realm or provider mismatch
	OutcomeNotFound       Outcome = "not_found"       // unknown id
	OutcomeConflict       Outcome = "conflict"        // e.g. deleting a service in use
	OutcomeInjected       Outcome = "injected"        // answered by FailNext
	OutcomeCanceled       Outcome = "canceled"        // client gave up during injected latency
)

// Stats are the counters of an emulator, a plain value: Core.Stats returns a copy, and
// the zero Stats is "nothing happened yet" (compare with ==). Reset zeroes them.
// Injected failures count too: an injected failure on EndpointLogin is a login attempt
// without success, on EndpointRefresh a refresh failure, on EndpointAPI an API call.
type Stats struct {
	LoginAttempts   int // calls to EndpointLogin
	Logins          int // successful logins (Keycloak client_credentials included)
	PasswordSends   int // requests to any endpoint that carried a non-empty "password" field
	Refreshes       int // successful refreshes
	RefreshFailures int // refresh calls that failed, for any reason
	ReuseDetections int // rotated-out refresh tokens presented while detection was on
	APICalls        int // calls to EndpointAPI
	APIOK           int // API calls answered 2xx
	APIUnauthorized int // API calls answered 401
	Revocations     int // successful calls to EndpointRevoke
	Injected        int // calls answered (or delayed) by FailNext
}

// Event is one call in the log, a plain value. It holds no secret: Token is a Fingerprint.
type Event struct {
	Time     time.Time // emulator clock (see Advance)
	Endpoint Endpoint
	Method   string
	Path     string // without the query
	Status   int    // 0 when no response was sent (reset connection, canceled latency)
	Outcome  Outcome
	User     string // login or client id when known, else ""
	Token    string // Fingerprint of the token involved, else ""
	Injected bool   // a FailNext failure applied to this call
}

// Fingerprint returns a short, non-reversible digest of a secret (the first 12 hex digits
// of its SHA-256), as used in Event.Token. "" gives "".
func Fingerprint(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:6])
}

// Stats returns a copy of the counters.
func (c *Core) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Events returns a copy of the event log, oldest first.
func (c *Core) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// Reset zeroes the counters and empties the event log. Users, tokens, data and pending
// failures stay (see ClearFailures).
func (c *Core) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats, c.events = Stats{}, nil
}

// account counts a finished call and logs it. Called with c.mu held.
func (c *Core) account(e Event, password bool) {
	s := &c.stats
	if password {
		s.PasswordSends++
	}
	if e.Injected {
		s.Injected++
	}
	ok := e.Outcome == OutcomeOK
	switch e.Endpoint {
	case EndpointLogin:
		s.LoginAttempts++
		if ok {
			s.Logins++
		}
	case EndpointRefresh:
		if ok {
			s.Refreshes++
		} else {
			s.RefreshFailures++
		}
		if e.Outcome == OutcomeReused {
			s.ReuseDetections++
		}
	case EndpointAPI:
		s.APICalls++
		switch {
		case e.Status >= 200 && e.Status < 300:
			s.APIOK++
		case e.Status == 401:
			s.APIUnauthorized++
		}
	case EndpointRevoke:
		if ok {
			s.Revocations++
		}
	}
	c.events = append(c.events, e)
}
