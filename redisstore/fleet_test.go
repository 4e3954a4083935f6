package redisstore_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
	"github.com/bearerkit/bearerkit/internal/fleet"
	"github.com/bearerkit/bearerkit/redisstore"
)

// storeConfig is how the parent tells a worker which Store to open.
type storeConfig struct {
	Socket       string `json:"socket"`
	Namespace    string `json:"namespace"`
	Key          []byte `json:"key,omitempty"`
	FailWhenDown bool   `json:"fail_when_down,omitempty"`
}

func (c storeConfig) raw() json.RawMessage {
	b, _ := json.Marshal(c)
	return b
}

var redisBackend = fleet.Backend{
	Open: func(raw json.RawMessage, log *slog.Logger) (bearerkit.Coordinator, func(), error) {
		var c storeConfig
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, nil, err
		}
		rdb := redis.NewClient(&redis.Options{Network: "unix", Addr: c.Socket, ContextTimeoutEnabled: true})
		opts := []redisstore.Option{redisstore.WithLogger(log)}
		if c.Key != nil {
			opts = append(opts, redisstore.WithEncryptionKey(c.Key))
		}
		if c.FailWhenDown {
			opts = append(opts, redisstore.WithFailWhenDown())
		}
		st, err := redisstore.New(rdb, c.Namespace, opts...)
		if err != nil {
			rdb.Close()
			return nil, nil, err
		}
		return st, func() { rdb.Close() }, nil
	},
	Classify: func(err error) string {
		if errors.Is(err, redisstore.ErrUnavailable) {
			return "unavailable"
		}
		return ""
	},
}

// TestFleetWorker is the body of the worker processes of the fleet tests;
// run directly, it skips.
func TestFleetWorker(t *testing.T) { fleet.Serve(t, redisBackend) }

// TestFleetRedis runs the fleet cases of issue 12 with 4 processes sharing an
// encrypted Store on one redis-server: steady load over 10 renewal periods
// against a single process, one fleet-wide 401, a wrong password, kill -9 of
// the holder before and after the platform rotated, waiters' cancellation.
// Counts are read at the Keycloak emulator; -v shows the figures (FIGURES).
func TestFleetRedis(t *testing.T) {
	needRedis(t)
	if testing.Short() {
		t.Skip("the fleet tests start worker processes; skipped with -short")
	}
	srv := newServer(t)
	fleet.Suite{
		Worker: "TestFleetWorker",
		NewStore: func(t *testing.T) json.RawMessage {
			return storeConfig{Socket: srv.sock, Namespace: newNamespace(), Key: newKey()}.raw()
		},
	}.Run(t)
}

// TestFleetRedisCommandsPerRequest counts, with INFO commandstats, the Redis
// commands 4 processes × 200 requests send while their token is valid: none.
// A renewal's commands are counted too, for the record.
func TestFleetRedisCommandsPerRequest(t *testing.T) {
	needRedis(t)
	srv := newServer(t)
	admin := srv.client(t)
	kc := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(time.Hour))
	s := fleet.Suite{Worker: "TestFleetWorker"}
	f := s.Start(t, kc, 4, fleet.TransportConfig{}, "", storeConfig{Socket: srv.sock, Namespace: newNamespace(), Key: newKey()}.raw())
	fleet.Warm(t, f, kc)
	ctx := t.Context()
	if err := admin.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	r := fleet.Sum(f.All(fleet.Command{Op: "get", N: 200}))
	steady := srv.commands(t, admin)
	admin.ConfigResetStat(ctx)
	kc.KillAccessTokens()
	r2 := fleet.Sum(f.All(fleet.Command{Op: "get", N: 200}))
	renewal := srv.commands(t, admin)
	t.Logf("FIGURES Redis commands: %d for %d API requests with a valid token (%v); %d for one fleet-wide renewal by 4 processes, %d requests (%v)",
		total(steady), r.Requests, steady, total(renewal), r2.Requests, renewal)
	if r.Failed != 0 || r.OK != 800 || r2.Failed != 0 {
		t.Fatalf("requests: %v; %v", r, r2)
	}
	if total(steady) != 0 {
		t.Fatalf("the request path sent Redis commands: %v", steady)
	}
	if total(renewal) == 0 {
		t.Fatal("a renewal sent no Redis command: the count is broken")
	}
}

// TestFleetRedisDown kills redis-server (kill -9) under load, keeps it down
// across renewals, and restarts it empty. By default the workers renew in
// their own process meanwhile, so no request fails for want of a token; with
// WithFailWhenDown no token call is made while Redis is down, and renewals
// fail with ErrUnavailable. Either way the fleet converges on one token once
// Redis is back, and then renews as one process again.
func TestFleetRedisDown(t *testing.T) {
	needRedis(t)
	if testing.Short() {
		t.Skip("the fleet tests start worker processes; skipped with -short")
	}
	for _, failWhenDown := range []bool{false, true} {
		name := map[bool]string{false: "renew locally", true: "fail when down"}[failWhenDown]
		t.Run(name, func(t *testing.T) { redisDown(t, failWhenDown) })
	}
}

func redisDown(t *testing.T, failWhenDown bool) {
	const life = 2 * time.Second
	srv := newServer(t)
	kc := bearerkittest.NewKeycloak(t, bearerkittest.WithAccessTokenTTL(life))
	s := fleet.Suite{Worker: "TestFleetWorker"}
	f := s.Start(t, kc, 4, fleet.TransportConfig{}, "", storeConfig{Socket: srv.sock, Namespace: newNamespace(), Key: newKey(), FailWhenDown: failWhenDown}.raw())
	load := fleet.Command{Op: "load", Goroutines: 200, Pace: time.Second}
	calls := func() int { st := kc.Stats(); return st.LoginAttempts + st.Refreshes + st.RefreshFailures }

	// Up: the fleet renews as one.
	f.All(load)
	fleet.Eventually(t, 30*time.Second, "two renewals with Redis up", func() bool { return kc.Stats().Refreshes >= 2 })
	up := fleet.Sum(f.All(fleet.Command{Op: "stop"}))
	if up.Failed != 0 || kc.Stats().LoginAttempts != 1 {
		t.Fatalf("with Redis up: %v, logins %d", up, kc.Stats().LoginAttempts)
	}

	// Killed, and down at renewal time: until every worker has tried to
	// renew without Redis (renewed locally, or failed with WithFailWhenDown).
	before := f.All(fleet.Command{Op: "token"})
	f.All(load)
	srv.kill()
	atKill := calls()
	fleet.Eventually(t, 10*life, "a renewal in every worker while Redis is down", func() bool {
		for i, r := range f.All(fleet.Command{Op: "token"}) {
			if failWhenDown && r.RenewErrors == before[i].RenewErrors || !failWhenDown && r.Renewed == before[i].Renewed {
				return false
			}
		}
		return true
	})
	down := fleet.Sum(f.All(fleet.Command{Op: "stop"}))
	downCalls := calls() - atKill
	t.Logf("FIGURES Redis killed and down at renewal time (fail when down: %v): requests %d ok %d failed %v; token calls meanwhile %d (logins %d, reuse detections %d); renewals in the workers %d, failed renewals %d",
		failWhenDown, down.Requests, down.OK, down.Errors, downCalls, kc.Stats().LoginAttempts-1, kc.Stats().ReuseDetections,
		down.Renewed-fleet.Sum(before).Renewed, down.RenewErrors-fleet.Sum(before).RenewErrors)
	if failWhenDown {
		if downCalls != 0 {
			t.Errorf("with WithFailWhenDown the fleet made %d token calls while Redis was down, want 0", downCalls)
		}
		if down.Errors["unavailable"] == 0 || down.Errors["unavailable"] != down.Failed {
			t.Errorf("with WithFailWhenDown, requests failed with %v; want ErrUnavailable", down.Errors)
		}
	} else if down.Errors["unavailable"] != 0 {
		t.Errorf("renewing locally, requests failed with ErrUnavailable: %v", down.Errors)
	}

	// Restarted empty: the fleet converges on one token and renews as one.
	if err := srv.start(); err != nil {
		t.Fatal(err)
	}
	f.All(load)
	atRestart := kc.Stats()
	fleet.Eventually(t, 10*life, "one working token in every worker", func() bool {
		rs := f.All(fleet.Command{Op: "get", N: 1, Timeout: life})
		for _, r := range rs {
			if r.OK != 1 || r.Token != rs[0].Token {
				return false
			}
		}
		return true
	})
	back := fleet.Sum(f.All(fleet.Command{Op: "stop"}))
	st0 := kc.Stats()
	t.Logf("FIGURES Redis restarted empty (fail when down: %v): converged on one token after %d token calls (logins %d, reuse detections %d); requests meanwhile %d ok %d failed %v",
		failWhenDown, st0.LoginAttempts+st0.Refreshes+st0.RefreshFailures-atRestart.LoginAttempts-atRestart.Refreshes-atRestart.RefreshFailures,
		st0.LoginAttempts-atRestart.LoginAttempts, st0.ReuseDetections-atRestart.ReuseDetections, back.Requests, back.OK, back.Errors)
	f.All(load)
	fleet.Eventually(t, 10*life, "three renewals after convergence", func() bool { return kc.Stats().Refreshes >= st0.Refreshes+3 })
	after := fleet.Sum(f.All(fleet.Command{Op: "stop"}))
	st := kc.Stats()
	t.Logf("FIGURES after convergence (fail when down: %v): %d refreshes, %d logins, %d reuse detections, %d requests, %d failed",
		failWhenDown, st.Refreshes-st0.Refreshes, st.LoginAttempts-st0.LoginAttempts, st.ReuseDetections-st0.ReuseDetections, after.Requests, after.Failed)
	if st.LoginAttempts != st0.LoginAttempts || st.ReuseDetections != st0.ReuseDetections || after.Failed != 0 {
		t.Errorf("after convergence: logins %d→%d, reuse detections %d→%d, %v", st0.LoginAttempts, st.LoginAttempts, st0.ReuseDetections, st.ReuseDetections, after)
	}
	fleet.NoLeaks(t, f)
}
