package bearerkittest

import (
	"crypto/rand"
	"time"
)

// grant is one login: a session that owns access tokens and at most one live refresh
// token. All fields are guarded by Core.mu.
type grant struct {
	id      string
	user    string // login of the user, or the service account
	client  string // Keycloak client id, "" elsewhere
	refresh *refreshRec
	access  []*accessRec
	dead    bool // revoked, or killed by reuse detection
}

type accessRec struct {
	g      *grant
	token  string
	exp    time.Time
	killed bool
	seq    int
}

type refreshRec struct {
	g     *grant
	token string
	exp   time.Time
	// What redeeming this token issued, for WithReuseGrace (see grace.go).
	redeemedAt    time.Time
	nextAccess    string
	nextAccessExp time.Time
	nextRefresh   string
}

// refreshState is the verdict on a presented refresh token.
type refreshState int

const (
	refreshOK      refreshState = iota
	refreshUnknown              // never issued here
	refreshExpired              // past its lifetime (or ExpireRefreshTokens)
	refreshStale                // rotated out: a reuse
	refreshDead                 // its grant was revoked or killed
)

type store struct {
	access  map[string]*accessRec
	refresh map[string]*refreshRec
	seq     int

	// For WithReuseGrace and the FailRotateThen kinds (see grace.go, hold.go).
	redeeming    *refreshRec // redeemed by the call being served: records what it issues
	replay       *refreshRec // presented again within the grace: its tokens are issued again
	graceReplays int
	held         int // responses held by FailRotateThenHold now
}

func newStore() store {
	return store{access: map[string]*accessRec{}, refresh: map[string]*refreshRec{}}
}

func (s *store) newGrant(user, client string) *grant {
	return &grant{id: rand.Text(), user: user, client: client}
}

func (s *store) addAccess(g *grant, token string, exp time.Time) *accessRec {
	s.seq++
	a := &accessRec{g: g, token: token, exp: exp, killed: g.dead, seq: s.seq}
	g.access = append(g.access, a)
	s.access[token] = a
	if r := s.redeeming; r != nil && r.g == g {
		r.nextAccess, r.nextAccessExp = token, exp
	}
	return a
}

// setRefresh makes token the grant's live refresh token; the previous one becomes stale.
func (s *store) setRefresh(g *grant, token string, exp time.Time) {
	r := &refreshRec{g: g, token: token, exp: exp}
	g.refresh = r
	s.refresh[token] = r
	if old := s.redeeming; old != nil && old.g == g {
		old.nextRefresh = token
	}
}

// checkAccess says whether an access token is good now.
func (s *store) checkAccess(token string, now time.Time) (*accessRec, Outcome) {
	a := s.access[token]
	switch {
	case token == "" || a == nil:
		return nil, OutcomeUnknownToken
	case a.g.dead:
		return a, OutcomeRevoked
	case a.killed || !now.Before(a.exp):
		return a, OutcomeExpired
	}
	return a, OutcomeOK
}

// redeem judges a refresh token. On a reuse it kills the grant when detect is set.
// Checks run in Keycloak's order: unknown, expired, stale, dead.
func (s *store) redeem(token string, now time.Time, detect bool) (*grant, refreshState) {
	r := s.refresh[token]
	switch {
	case token == "" || r == nil:
		return nil, refreshUnknown
	case !now.Before(r.exp):
		return r.g, refreshExpired
	case r.g.refresh != r:
		if detect {
			s.kill(r.g)
		}
		return r.g, refreshStale
	case r.g.dead:
		return r.g, refreshDead
	}
	return r.g, refreshOK
}

// kill ends a grant: its refresh token and all its access tokens die.
func (s *store) kill(g *grant) {
	g.dead = true
	for _, a := range g.access {
		a.killed = true
	}
}

func (s *store) killAccess() {
	for _, a := range s.access {
		a.killed = true
	}
}

func (s *store) expireRefresh(now time.Time) {
	for _, r := range s.refresh {
		if now.Before(r.exp) {
			r.exp = now
		}
	}
}

// latest returns the newest live access token, or "".
func (s *store) latest(now time.Time) string {
	var best *accessRec
	for _, a := range s.access {
		if _, o := s.checkAccess(a.token, now); o == OutcomeOK && (best == nil || a.seq > best.seq) {
			best = a
		}
	}
	if best == nil {
		return ""
	}
	return best.token
}

// redeem judges a presented refresh token, applying reuse detection as configured.
// Called with c.mu held.
func (c *Core) redeem(token string) (*grant, refreshState, Outcome) {
	c.tokens.redeeming, c.tokens.replay = nil, nil
	if r := c.graced(token); r != nil {
		return r.g, refreshOK, OutcomeOK
	}
	g, st := c.tokens.redeem(token, c.now(), !c.cfg.noReuse)
	if st == refreshOK {
		r := c.tokens.refresh[token]
		r.redeemedAt = c.now()
		c.tokens.redeeming = r
	}
	o := OutcomeOK
	switch st {
	case refreshUnknown:
		o = OutcomeUnknownToken
	case refreshExpired:
		o = OutcomeExpired
	case refreshStale:
		o = OutcomeStale
		if !c.cfg.noReuse {
			o = OutcomeReused
		}
	case refreshDead:
		o = OutcomeRevoked
	}
	return g, st, o
}

// rotate gives g a new refresh token (tok, or an opaque one when tok is "") unless
// rotation is off; it returns the token to send, "" for none. Called with c.mu held.
func (c *Core) rotate(g *grant, tok string) string {
	if c.cfg.noRotation {
		return ""
	}
	return c.mintRefresh(g, tok)
}
