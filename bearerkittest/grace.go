package bearerkittest

import (
	"errors"
	"time"
)

// WithReuseGrace sets a refresh-token reuse grace interval, as some platforms have
// (Auth0's "reuse interval", Okta's "grace period"): a rotated-out refresh token
// presented again within d of the refresh that rotated it out gets the very tokens that
// refresh issued (the same access token and the same new refresh token, expires_in
// counted from now) instead of triggering reuse detection, as long as that new refresh
// token is still the grant's live one and its access token is still good. Past d, or
// once the new refresh token has itself been rotated out, the old one is a reuse as
// usual. Such an answer counts as a successful refresh in Stats; GraceReplays counts
// them. Zero (the default) means no grace; a negative d is an error. Dataddo, AuthAPI and
// Keycloak only.
func WithReuseGrace(d time.Duration) Option {
	return func(c *config) error {
		if err := only("WithReuseGrace", c, platformDataddo, platformAuthAPI, platformKeycloak); err != nil {
			return err
		}
		if d < 0 {
			return errors.New("bearerkittest: reuse grace must not be negative")
		}
		c.reuseGrace = d
		return nil
	}
}

// GraceReplays returns how many rotated-out refresh tokens were answered within the
// reuse grace (see WithReuseGrace) with the tokens their first refresh issued.
func (c *Core) GraceReplays() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokens.graceReplays
}

// graced returns the record of token when it is a refresh token rotated out within the
// reuse grace whose successor is still live, and arms the replay of what its first
// refresh issued (see replaying); otherwise nil. Called with c.mu held.
func (c *Core) graced(token string) *refreshRec {
	r := c.tokens.refresh[token]
	if c.cfg.reuseGrace <= 0 || c.cfg.noRotation || r == nil || r.g.dead || r.g.refresh == r ||
		r.nextAccess == "" || r.nextRefresh == "" {
		return nil
	}
	now := c.now()
	live := r.g.refresh
	if now.Sub(r.redeemedAt) > c.cfg.reuseGrace || live == nil || live.token != r.nextRefresh || !now.Before(live.exp) {
		return nil
	}
	if _, o := c.tokens.checkAccess(r.nextAccess, now); o != OutcomeOK {
		return nil
	}
	c.tokens.replay = r
	c.tokens.graceReplays++
	return r
}

// replaying returns the refresh record whose tokens the call being served issues again
// (see graced), when they belong to g. mintAccess and mintRefresh then return those
// instead of minting new ones. The replay is armed by Core.redeem and disarmed by the
// next one; between the two only the call being served mints tokens for g, since every
// handler holds c.mu from redeem to the end of issue. Called with c.mu held.
func (c *Core) replaying(g *grant) *refreshRec {
	if r := c.tokens.replay; r != nil && r.g == g {
		return r
	}
	return nil
}
