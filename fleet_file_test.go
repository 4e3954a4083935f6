package bearerkit_test

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/internal/fleet"
)

// fileBackend makes each fleet worker's Coordinator: a FileStore on the path
// the parent chose, shared by the workers of one fleet.
var fileBackend = fleet.Backend{
	Open: func(raw json.RawMessage, _ *slog.Logger) (bearerkit.Coordinator, func(), error) {
		var c struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, nil, err
		}
		return &bearerkit.FileStore{Path: c.Path}, func() {}, nil
	},
}

// TestFleetWorker is the body of the worker processes that TestFleetFileStore
// starts; run directly, it skips.
func TestFleetWorker(t *testing.T) { fleet.Serve(t, fileBackend) }

// TestFleetFileStore runs the fleet cases of issue 12 with 4 processes sharing
// one FileStore: steady load over 10 renewal periods against a single process,
// one fleet-wide 401, a wrong password, kill -9 of the holder before and after
// the platform rotated, waiters' cancellation. Counts are read at the Keycloak
// emulator. Run with -v to see the figures (lines with FIGURES).
func TestFleetFileStore(t *testing.T) {
	if testing.Short() {
		t.Skip("the fleet tests start worker processes; skipped with -short")
	}
	fleet.Suite{
		Worker: "TestFleetWorker",
		NewStore: func(t *testing.T) json.RawMessage {
			b, _ := json.Marshal(map[string]string{"path": filepath.Join(t.TempDir(), "token.json")})
			return b
		},
	}.Run(t)
}
