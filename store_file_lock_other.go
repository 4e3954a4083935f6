//go:build !unix && !windows

package bearerkit

import "os"

// tryLock is the fallback where the system has no advisory lock: only the
// renewals of this process are serialized (by FileStore's own semaphore).
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) {}
