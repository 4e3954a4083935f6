package bearerkit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fileOp returns when its context ends, whatever the file system does, and
// the next operation waits for the abandoned one to return first.
func TestFileOpHonoursContext(t *testing.T) {
	s := &FileStore{Path: "unused"}
	release := make(chan struct{})
	started := make(chan struct{})
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(done)
		_, err := fileOp(ctx, s, func() (*Token, error) { close(started); <-release; return &Token{AccessToken: "x"}, nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("blocked op: %v, want context.Canceled", err)
		}
	}()
	// Wait until the op holds the store, then give up on it.
	<-started
	cancel()
	<-done

	// The next op waits for the abandoned one, and gives up with its own
	// context too.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err := fileOp(ctx2, s, func() (*Token, error) { t.Error("ran while the abandoned op held the store"); return nil, nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second op: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	tok, err := fileOp(context.Background(), s, func() (*Token, error) { return &Token{AccessToken: "y"}, nil })
	if err != nil || tok.AccessToken != "y" {
		t.Fatalf("after release: %v %v", tok, err)
	}

	// An already-ended context runs nothing.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := fileOp(cctx, s, func() (*Token, error) { t.Error("ran"); return nil, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
