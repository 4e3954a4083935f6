package bearerkit_test

import (
	"path/filepath"
	"testing"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

func TestMemoryStoreIsACoordinator(t *testing.T) {
	bearerkittest.TestCoordinator(t, func(*testing.T) bearerkit.Coordinator { return &bearerkit.MemoryStore{} })
}

func TestFileStoreIsACoordinator(t *testing.T) {
	bearerkittest.TestCoordinator(t, func(t *testing.T) bearerkit.Coordinator {
		return &bearerkit.FileStore{Path: filepath.Join(t.TempDir(), "token.json")}
	})
}
