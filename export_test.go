package bearerkit

import (
	"context"
	"time"
)

// Test hooks for the external test package.

// SetClock makes t read the time from now when it schedules renewals and
// cool-downs. Call it after setting t's fields and before first use.
func SetClock(t *Transport, now func() time.Time) { t.state().clock = now }

// ClientTransport returns the Transport inside c's HTTPClient.
func ClientTransport(c *Client) *Transport { return c.transport }

// WaitIdle waits for the renewal in flight on t, if there is one, to be
// published.
func WaitIdle(t *Transport) {
	st := t.state()
	st.mu.Lock()
	f := st.flight
	st.mu.Unlock()
	if f != nil {
		_ = f.wait(context.Background())
	}
}

// FlightWaiters returns how many requests wait for the renewal in flight
// on t (0 when none is).
func FlightWaiters(t *Transport) int {
	st := t.state()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.flight == nil {
		return 0
	}
	return int(st.flight.waiters)
}

// RetryAfter parses a Retry-After header value at now.
func RetryAfter(v string, now time.Time) time.Duration { return retryAfter(v, now) }
