package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"
)

// atDeadline is a context at the instant its deadline passes, before its
// timer has ended it: Err is still nil.
type atDeadline struct{ context.Context }

func (atDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }
func (atDeadline) Err() error                  { return nil }

// A socket timeout that is the context's deadline is the context ending,
// not Redis down: it must not send renewals around the fleet's lease.
func TestEndedIsNotUnavailable(t *testing.T) {
	s := &Store{}
	sockTimeout := &net.OpError{Op: "read", Net: "unix", Err: fmt.Errorf("wrapped: %w", os.ErrDeadlineExceeded)}
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name        string
		ctx         context.Context
		err         error
		unavailable bool
	}{
		{"socket timeout at the context's deadline, before its timer", atDeadline{context.Background()}, sockTimeout, false},
		{"socket timeout after the context ended", expired, sockTimeout, false},
		{"context error after it ended", expired, context.DeadlineExceeded, false},
		{"socket timeout with time left", context.Background(), sockTimeout, true},
		{"connection refused", context.Background(), &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connection refused")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.redisErr(tt.ctx, "reading the token", tt.err)
			if got := errors.Is(err, ErrUnavailable); got != tt.unavailable {
				t.Errorf("redisErr = %v: unavailable %v, want %v", err, got, tt.unavailable)
			}
			if !tt.unavailable && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("redisErr = %v, want context.DeadlineExceeded", err)
			}
		})
	}
}
