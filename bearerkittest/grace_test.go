package bearerkittest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// graceTarget is one platform as the reuse-grace tests drive it.
type graceTarget struct {
	name    string
	start   func(t *testing.T, opts ...bearerkittest.Option) (*bearerkittest.Core, func(t *testing.T) map[string]any, func(t *testing.T, at, rt string) reply, func(t *testing.T, at string) int)
	reuseSt int // the status of a refused (reused) refresh token
}

var graceTargets = []graceTarget{
	{"Keycloak", func(t *testing.T, opts ...bearerkittest.Option) (*bearerkittest.Core, func(*testing.T) map[string]any, func(*testing.T, string, string) reply, func(*testing.T, string) int) {
		k := bearerkittest.NewKeycloak(t, opts...)
		return k.Core, func(t *testing.T) map[string]any { return kcPassword(t, k) },
			func(t *testing.T, _, rt string) reply { return kcRefresh(t, k, rt) },
			func(t *testing.T, at string) int { return get(t, k.Client(), k.APIURL(), bearerHdr(at)...).Status }
	}, 400},
	{"Dataddo", func(t *testing.T, opts ...bearerkittest.Option) (*bearerkittest.Core, func(*testing.T) map[string]any, func(*testing.T, string, string) reply, func(*testing.T, string) int) {
		d := bearerkittest.NewDataddo(t, opts...)
		return d.Core, func(t *testing.T) map[string]any { return dataddoLogin(t, d) },
			func(t *testing.T, at, rt string) reply {
				return postJSON(t, d.Client(), d.URL()+"/refresh", map[string]string{"refresh_token": rt}, bearerHdr(at)...)
			},
			func(t *testing.T, at string) int {
				return get(t, d.Client(), d.URL()+"/sources", dataddoHdr(at)...).Status
			}
	}, 401},
	{"AuthAPI", func(t *testing.T, opts ...bearerkittest.Option) (*bearerkittest.Core, func(*testing.T) map[string]any, func(*testing.T, string, string) reply, func(*testing.T, string) int) {
		a := bearerkittest.NewAuthAPI(t, opts...)
		return a.Core, func(t *testing.T) map[string]any { return aaLogin(t, a) },
			func(t *testing.T, _, rt string) reply { return aaRefresh(t, a, rt) },
			func(t *testing.T, at string) int {
				return get(t, a.Client(), a.URL()+"/v1/me", bearerHdr(at)...).Status
			}
	}, 401},
}

func TestReuseGrace(t *testing.T) {
	t.Parallel()
	for _, p := range graceTargets {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			c, login, refresh, api := p.start(t, bearerkittest.WithReuseGrace(10*time.Second))
			tok := login(t)
			at0, rt0 := tok["access_token"].(string), tok["refresh_token"].(string)

			r := refresh(t, at0, rt0)
			require.Equal(t, 200, r.Status, "body: %s", r.Body)
			at1, rt1 := r.JSON(t)["access_token"].(string), r.JSON(t)["refresh_token"].(string)
			require.NotEqual(t, rt0, rt1, "rotated")

			// Within the grace the rotated-out token gets the very same new tokens.
			r = refresh(t, at0, rt0)
			require.Equal(t, 200, r.Status, "body: %s", r.Body)
			assert.Equal(t, at1, r.JSON(t)["access_token"], "the same access token")
			assert.Equal(t, rt1, r.JSON(t)["refresh_token"], "the same refresh token")
			assert.Equal(t, 1, c.GraceReplays())
			assert.Equal(t, 0, c.Stats().ReuseDetections)
			assert.Equal(t, 200, api(t, at1), "the grant is alive")

			// Once rt1 has rotated too, rt0 is a reuse again: the grant dies.
			r = refresh(t, at1, rt1)
			require.Equal(t, 200, r.Status, "body: %s", r.Body)
			at2 := r.JSON(t)["access_token"].(string)
			r = refresh(t, at0, rt0)
			assert.Equal(t, p.reuseSt, r.Status, "body: %s", r.Body)
			s := c.Stats()
			assert.Equal(t, 1, s.ReuseDetections)
			assert.Equal(t, 3, s.Refreshes, "the replay counts as a refresh")
			assert.Equal(t, 1, c.GraceReplays())
			assert.Equal(t, 401, api(t, at2), "reuse detection killed the grant")
		})
	}
}

func TestReuseGraceEnds(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t, bearerkittest.WithReuseGrace(5*time.Second), bearerkittest.WithAccessTokenTTL(time.Hour))
	rt0 := kcPassword(t, k)["refresh_token"].(string)
	require.Equal(t, 200, kcRefresh(t, k, rt0).Status)
	k.Advance(6 * time.Second)
	requireOAuthError(t, kcRefresh(t, k, rt0), 400, "invalid_grant", "Stale token")
	assert.Equal(t, 1, k.Stats().ReuseDetections)
	assert.Equal(t, 0, k.GraceReplays())

	// Without the option a reuse is detected at once (the default is unchanged).
	plain := bearerkittest.NewKeycloak(t)
	rt0 = kcPassword(t, plain)["refresh_token"].(string)
	require.Equal(t, 200, kcRefresh(t, plain, rt0).Status)
	requireOAuthError(t, kcRefresh(t, plain, rt0), 400, "invalid_grant", "Stale token")
	assert.Equal(t, 1, plain.Stats().ReuseDetections)

	// A killed access token is not handed out again: the reuse is detected.
	k2 := bearerkittest.NewKeycloak(t, bearerkittest.WithReuseGrace(time.Minute))
	rt0 = kcPassword(t, k2)["refresh_token"].(string)
	require.Equal(t, 200, kcRefresh(t, k2, rt0).Status)
	k2.KillAccessTokens()
	requireOAuthError(t, kcRefresh(t, k2, rt0), 400, "invalid_grant", "Stale token")
}

func TestReuseGraceOption(t *testing.T) {
	t.Parallel()
	_, err := bearerkittest.StartKeycloak(bearerkittest.WithReuseGrace(-time.Second))
	require.Error(t, err)
	_, err = bearerkittest.StartOneData(bearerkittest.WithReuseGrace(time.Second))
	require.ErrorContains(t, err, "does not apply to OneData")
}

func TestFailRotateThenReset(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t)
	rt0 := kcPassword(t, k)["refresh_token"].(string)
	k.FailNext(bearerkittest.EndpointRefresh, 1, bearerkittest.Failure{Kind: bearerkittest.FailRotateThenReset})
	_, err := k.Client().PostForm(k.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {rt0}})
	require.Error(t, err, "the answer is dropped")
	s := k.Stats()
	assert.Equal(t, 1, s.Refreshes, "the platform rotated")
	assert.Equal(t, 1, s.Injected)
	ev := k.Events()
	require.Len(t, ev, 2)
	assert.Equal(t, 0, ev[1].Status, "no response was sent")
	assert.True(t, ev[1].Injected)

	// rt0 was rotated out: presenting it again is a reuse.
	requireOAuthError(t, kcRefresh(t, k, rt0), 400, "invalid_grant", "Stale token")
	assert.Equal(t, 1, k.Stats().ReuseDetections)
}

func TestFailRotateThenHold(t *testing.T) {
	t.Parallel()
	k := bearerkittest.NewKeycloak(t, bearerkittest.WithReuseGrace(time.Minute))
	rt0 := kcPassword(t, k)["refresh_token"].(string)
	k.FailNext(bearerkittest.EndpointRefresh, 1, bearerkittest.Failure{Kind: bearerkittest.FailRotateThenHold})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.TokenURL(),
		strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {rt0}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	done := make(chan error, 1)
	go func() {
		resp, err := k.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return k.Holding() == 1 }, 10*time.Second, time.Millisecond, "the answer is held")
	select {
	case err := <-done:
		t.Fatalf("the client got an answer while it was held: %v", err)
	default:
	}
	cancel() // the client gives up (a killed process closes its connection the same way)
	require.ErrorIs(t, <-done, context.Canceled)
	require.Eventually(t, func() bool { return k.Holding() == 0 && k.Stats().Refreshes == 1 }, 10*time.Second, time.Millisecond)

	// The platform rotated; with a reuse grace, rt0 gets the tokens the client never saw.
	r := kcRefresh(t, k, rt0)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	at1 := r.JSON(t)["access_token"].(string)
	assert.Equal(t, 200, get(t, k.Client(), k.APIURL(), bearerHdr(at1)...).Status)
	assert.Equal(t, 0, k.Stats().ReuseDetections)
	assert.Equal(t, 1, k.GraceReplays())

	// Close ends a held answer at once.
	k.FailNext(bearerkittest.EndpointRefresh, 1, bearerkittest.Failure{Kind: bearerkittest.FailRotateThenHold})
	rt1 := r.JSON(t)["refresh_token"].(string)
	go func() {
		resp, err := k.Client().PostForm(k.TokenURL(), url.Values{"grant_type": {"refresh_token"}, "client_id": {"dc-ui"}, "refresh_token": {rt1}})
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return k.Holding() == 1 }, 10*time.Second, time.Millisecond)
	k.Close()
	require.Error(t, <-done)
	assert.Equal(t, 0, k.Holding())
}
