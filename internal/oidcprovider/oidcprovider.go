// Package oidcprovider runs a real OpenID Provider on the loopback interface
// for tests: the npm package oidc-provider (exact version pinned in
// package.json, OpenID Certified), wrapped by server.mjs, which adds the
// OAuth 2.0 password grant (RFC 6749 section 4.3) and a protected resource,
// GET /api/me.
//
// The provider supports the password grant (public and confidential
// clients), client_credentials, refresh_token with rotation (reusing a
// rotated refresh token answers 400 invalid_grant and revokes the whole
// grant, so the newest refresh token dies too), RFC 7009 revocation, RFC
// 7662 introspection and discovery. Its clock tolerance is 0 and all
// lifetimes are configurable, so expiry can be tested for real.
//
// Enable it with
//
//	cd internal/oidcprovider && npm ci     # or ./install.sh
//
// Without node on PATH or without node_modules, Start skips the test, unless
// the environment variable CI is non-empty: then it fails the test.
//
// Lifetimes are whole seconds (durations are rounded up) and oidc-provider
// truncates the issue time to the second, so a token with a TTL of n seconds
// is valid for more than n-1 and at most n seconds after it was issued.
package oidcprovider

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit/internal/skipnote"
)

// Client authentication methods (token_endpoint_auth_method).
const (
	AuthNone  = "none"
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
)

// Grant types a Client may be allowed.
const (
	GrantPassword          = "password"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
)

// The clients every Provider has.
const (
	// PublicClientID is a public client (token_endpoint_auth_method none)
	// allowed the password and refresh_token grants, like DataClarity's
	// dc-ui.
	PublicClientID = "dc-ui"

	// BasicClientID / BasicClientSecret: a confidential client registered
	// with client_secret_basic, allowed client_credentials, password and
	// refresh_token. The secret holds characters that must be
	// form-urlencoded inside HTTP Basic (RFC 6749 section 2.3.1): sending it
	// unencoded fails with 400 invalid_request ("%:" is a malformed escape).
	BasicClientID     = "dc-backend"
	BasicClientSecret = "s3cr3t/+%:"

	// PostClientID / PostClientSecret: a confidential client registered with
	// client_secret_post (form fields), allowed the same grants. The secret
	// holds characters that need form encoding.
	PostClientID     = "dc-post"
	PostClientSecret = "p0st&s=cr3t+"

	// Note: oidc-provider accepts either client_secret_basic or
	// client_secret_post for a client registered with one of the two.
)

// The users every Provider has unless Config.Users is set.
const (
	User      = "alice"
	Password  = "wonderland"
	User2     = "bob"
	Password2 = "b0b p@ss+w/rd%&="
)

// DefaultUsers returns a fresh copy of the default users.
func DefaultUsers() map[string]string {
	return map[string]string{User: Password, User2: Password2}
}

// Client is an OAuth client registered at the provider.
type Client struct {
	ID         string   `json:"client_id"`
	Secret     string   `json:"client_secret,omitempty"`
	AuthMethod string   `json:"token_endpoint_auth_method"` // AuthNone, AuthBasic or AuthPost
	GrantTypes []string `json:"grant_types"`                // e.g. "password", "refresh_token", "client_credentials"
}

// DefaultClients returns the three built-in clients.
func DefaultClients() []Client {
	return []Client{
		{ID: PublicClientID, AuthMethod: AuthNone, GrantTypes: []string{GrantPassword, GrantRefreshToken}},
		{ID: BasicClientID, Secret: BasicClientSecret, AuthMethod: AuthBasic, GrantTypes: []string{GrantClientCredentials, GrantPassword, GrantRefreshToken}},
		{ID: PostClientID, Secret: PostClientSecret, AuthMethod: AuthPost, GrantTypes: []string{GrantClientCredentials, GrantPassword, GrantRefreshToken}},
	}
}

// Config configures a Provider. The zero value is usable.
type Config struct {
	// AccessTTL is the lifetime of access tokens from the password and
	// refresh_token grants (oidc-provider ttl.AccessToken). Default 5 min.
	AccessTTL time.Duration
	// ClientCredentialsTTL is the lifetime of client_credentials access
	// tokens (ttl.ClientCredentials). Default: AccessTTL.
	ClientCredentialsTTL time.Duration
	// RefreshTTL is the lifetime of each refresh token (ttl.RefreshToken);
	// every rotation gets a fresh RefreshTTL, like Keycloak's SSO idle
	// timeout. Default 30 min.
	RefreshTTL time.Duration
	// GrantTTL is the lifetime of the grant behind a login (ttl.Grant); no
	// refresh works after it, like Keycloak's SSO session max.
	// Default: max(1 h, RefreshTTL).
	GrantTTL time.Duration
	// SessionTTL is ttl.Session (unused by these grants). Default 1 h.
	SessionTTL time.Duration
	// IDTokenTTL is ttl.IdToken. Default: AccessTTL.
	IDTokenTTL time.Duration

	// Users for the password grant, username to password. Nil means
	// DefaultUsers().
	Users map[string]string
	// Clients are registered in addition to DefaultClients().
	Clients []Client

	// RefreshOnlyWithOfflineAccess makes the password grant return a refresh
	// token only when the scope offline_access is requested. By default it
	// returns one whenever the client may use the refresh_token grant (like
	// Keycloak).
	RefreshOnlyWithOfflineAccess bool
	// DisableRefreshRotation turns refresh token rotation off (on by
	// default: every refresh returns a new refresh token and the old one is
	// consumed).
	DisableRefreshRotation bool
	// BadCredentialsStatus is the HTTP status for a wrong username or
	// password in the password grant (error invalid_grant). 0 means 400
	// (RFC 6749 section 5.2, oidc-provider); use 401 to mimic Keycloak.
	BadCredentialsStatus int

	// KeycloakLayout puts the issuer at {base}/realms/{Realm} and the
	// endpoints at Keycloak's paths (.../protocol/openid-connect/token,
	// /revoke, /token/introspect, /certs, /userinfo).
	KeycloakLayout bool
	// Realm for KeycloakLayout. Default "bearerkit".
	Realm string

	// Port to listen on at 127.0.0.1. 0 picks a free port.
	Port int
	// StartTimeout bounds the wait for readiness. Default 20 s.
	StartTimeout time.Duration
}

// Provider is a running oidc-provider process.
type Provider struct {
	// Users holds the users for the password grant (username to password).
	Users map[string]string
	// Clients lists all registered clients, DefaultClients() first.
	Clients []Client
	// StartDuration is how long Start took, from exec to readiness.
	StartDuration time.Duration

	ready readyLine

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  *capBuffer
	done    chan struct{} // closed when the process has been waited for
	waitErr error

	stopOnce sync.Once
}

type readyLine struct {
	Issuer        string `json:"issuer"`
	Port          int    `json:"port"`
	Base          string `json:"base"`
	Discovery     string `json:"discovery_endpoint"`
	Token         string `json:"token_endpoint"`
	Revocation    string `json:"revocation_endpoint"`
	Introspection string `json:"introspection_endpoint"`
	JWKS          string `json:"jwks_uri"`
	API           string `json:"api_endpoint"`
	PID           int    `json:"pid"`
}

// Issuer is the issuer identifier, e.g. http://127.0.0.1:41234 (or
// .../realms/bearerkit with KeycloakLayout).
func (p *Provider) Issuer() string { return p.ready.Issuer }

// BaseURL is http://127.0.0.1:PORT.
func (p *Provider) BaseURL() string { return p.ready.Base }

// TokenURL is the token endpoint.
func (p *Provider) TokenURL() string { return p.ready.Token }

// RevocationURL is the RFC 7009 revocation endpoint.
func (p *Provider) RevocationURL() string { return p.ready.Revocation }

// IntrospectionURL is the RFC 7662 introspection endpoint.
func (p *Provider) IntrospectionURL() string { return p.ready.Introspection }

// DiscoveryURL is {issuer}/.well-known/openid-configuration.
func (p *Provider) DiscoveryURL() string { return p.ready.Discovery }

// JWKSURL is the jwks_uri.
func (p *Provider) JWKSURL() string { return p.ready.JWKS }

// APIURL is the protected resource, GET {base}/api/me: 200 JSON
// {"sub","client_id","scope","token_kind","iat","exp"} for a valid bearer
// access token (password/refresh or client_credentials), else 401 with
// WWW-Authenticate: Bearer realm="{issuer}", error="invalid_token" (no
// error attribute when there is no Authorization header).
func (p *Provider) APIURL() string { return p.ready.API }

// Port is the TCP port on 127.0.0.1.
func (p *Provider) Port() int { return p.ready.Port }

// Stderr returns what the node process wrote to stderr so far:
// oidc-provider's warnings and one line per OAuth error with its internal
// detail (e.g. "refresh token already used"), which the wire format hides.
func (p *Provider) Stderr() string { return p.stderr.String() }

// Stop ends the process (closes its stdin, then kills its process group).
// It is idempotent; Start registers it with t.Cleanup.
func (p *Provider) Stop() {
	p.stopOnce.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
			return
		case <-time.After(3 * time.Second):
		}
		killTree(p.cmd)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
	})
}

var (
	availOnce sync.Once
	availDir  string
	availNode string
	availErr  error
)

// Dir returns the directory holding server.mjs and package.json, or "" if
// it cannot be found. It is found from this source file's location, then
// $BEARERKIT_OIDCPROVIDER_DIR, then by walking up from the working
// directory to go.mod.
func Dir() string {
	if d := os.Getenv("BEARERKIT_OIDCPROVIDER_DIR"); d != "" && hasServer(d) {
		return d
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if d := filepath.Dir(file); hasServer(d) {
			return d
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if c := filepath.Join(d, "internal", "oidcprovider"); hasServer(c) {
				return c
			}
			return ""
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

func hasServer(d string) bool {
	_, err := os.Stat(filepath.Join(d, "server.mjs"))
	return err == nil
}

const enableHint = "enable with: cd internal/oidcprovider && npm ci (or run internal/oidcprovider/install.sh)"

// Available reports whether Start can run the provider: node (20 or later)
// on PATH and internal/oidcprovider/node_modules installed. The result is
// computed once.
func Available() error {
	availOnce.Do(func() {
		availDir = Dir()
		if availDir == "" {
			availErr = errors.New("oidcprovider: cannot find the directory holding server.mjs (set BEARERKIT_OIDCPROVIDER_DIR)")
			return
		}
		node, err := exec.LookPath("node")
		if err != nil {
			availErr = fmt.Errorf("oidcprovider: node is not on PATH (%v); install Node.js 20+ and %s", err, enableHint)
			return
		}
		availNode = node
		pkg := filepath.Join(availDir, "node_modules", "oidc-provider", "package.json")
		if _, err := os.Stat(pkg); err != nil {
			availErr = fmt.Errorf("oidcprovider: %s is missing; %s", pkg, enableHint)
			return
		}
		out, err := exec.Command(node, "--version").Output()
		if err != nil {
			availErr = fmt.Errorf("oidcprovider: %s --version: %v", node, err)
			return
		}
		v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
		major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
		if err != nil || major < 20 {
			availErr = fmt.Errorf("oidcprovider: node %q is too old, oidc-provider 9 needs Node.js 20 or later", strings.TrimSpace(string(out)))
		}
	})
	return availErr
}

// seconds converts d to whole seconds, rounding up; d <= 0 yields def.
func seconds(d, def time.Duration) int {
	if d <= 0 {
		d = def
	}
	return int(math.Ceil(d.Seconds()))
}

type nodeConfig struct {
	Host                 string            `json:"host"`
	Port                 int               `json:"port"`
	KeycloakLayout       bool              `json:"keycloakLayout"`
	Realm                string            `json:"realm"`
	TTL                  map[string]int    `json:"ttl"`
	RotateRefreshToken   bool              `json:"rotateRefreshToken"`
	RefreshTokenPolicy   string            `json:"refreshTokenPolicy"`
	BadCredentialsStatus int               `json:"badCredentialsStatus"`
	Users                map[string]string `json:"users"`
	Clients              []Client          `json:"clients"`
	ExitOnStdinClose     bool              `json:"exitOnStdinClose"`
}

func (cfg Config) node() (nodeConfig, error) {
	access := cfg.AccessTTL
	if access <= 0 {
		access = 5 * time.Minute
	}
	refresh := cfg.RefreshTTL
	if refresh <= 0 {
		refresh = 30 * time.Minute
	}
	grant := cfg.GrantTTL
	if grant <= 0 {
		grant = max(time.Hour, refresh)
	}
	users := cfg.Users
	if users == nil {
		users = DefaultUsers()
	}
	for u := range users {
		if u == "" {
			return nodeConfig{}, errors.New("oidcprovider: empty username in Config.Users")
		}
	}
	clients := append(DefaultClients(), cfg.Clients...)
	seen := map[string]bool{}
	for _, c := range clients {
		if c.ID == "" || seen[c.ID] {
			return nodeConfig{}, fmt.Errorf("oidcprovider: client id %q is empty or duplicated", c.ID)
		}
		seen[c.ID] = true
		switch c.AuthMethod {
		case AuthNone:
		case AuthBasic, AuthPost:
			if c.Secret == "" {
				return nodeConfig{}, fmt.Errorf("oidcprovider: client %q needs a secret for %s", c.ID, c.AuthMethod)
			}
		default:
			return nodeConfig{}, fmt.Errorf("oidcprovider: client %q: unsupported auth method %q", c.ID, c.AuthMethod)
		}
	}
	status := cfg.BadCredentialsStatus
	if status == 0 {
		status = 400
	}
	if status < 400 || status > 499 {
		return nodeConfig{}, fmt.Errorf("oidcprovider: BadCredentialsStatus %d is not a 4xx status", status)
	}
	realm := cfg.Realm
	if realm == "" {
		realm = "bearerkit"
	}
	policy := "always"
	if cfg.RefreshOnlyWithOfflineAccess {
		policy = "offline_access"
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nodeConfig{}, fmt.Errorf("oidcprovider: bad port %d", cfg.Port)
	}
	return nodeConfig{
		Host:           "127.0.0.1",
		Port:           cfg.Port,
		KeycloakLayout: cfg.KeycloakLayout,
		Realm:          realm,
		TTL: map[string]int{
			"AccessToken":       seconds(access, 0),
			"ClientCredentials": seconds(cfg.ClientCredentialsTTL, access),
			"RefreshToken":      seconds(refresh, 0),
			"Grant":             seconds(grant, 0),
			"Session":           seconds(cfg.SessionTTL, time.Hour),
			"IdToken":           seconds(cfg.IDTokenTTL, access),
		},
		RotateRefreshToken:   !cfg.DisableRefreshRotation,
		RefreshTokenPolicy:   policy,
		BadCredentialsStatus: status,
		Users:                users,
		Clients:              clients,
		ExitOnStdinClose:     true,
	}, nil
}

// Start runs a provider for the test and waits until it is ready; t.Cleanup
// stops it. If node or node_modules is missing it calls t.Skip, or t.Fatal
// when $CI is non-empty. A start failure (bad config, crash, no readiness
// within Config.StartTimeout) fails the test with node's stderr.
func Start(t testing.TB, cfg Config) *Provider {
	t.Helper()
	if err := Available(); err != nil {
		skipnote.Skip(t, "the OpenID Connect tests (a real oidc-provider)", err.Error(), "bash internal/oidcprovider/install.sh")
	}
	nc, err := cfg.node()
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(nc)
	if err != nil {
		t.Fatal(err)
	}
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}

	p, err := start(availNode, availDir, js, timeout)
	if p != nil {
		p.Users = nc.Users
		p.Clients = nc.Clients
		t.Cleanup(func() {
			p.Stop()
			if t.Failed() {
				t.Logf("oidcprovider: node stderr:\n%s", p.Stderr())
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func start(node, dir string, config []byte, timeout time.Duration) (*Provider, error) {
	begin := time.Now()
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OIDC_HARNESS_CONFIG="+string(config), "NODE_NO_WARNINGS=1")
	setProcessGroup(cmd)

	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// Our own pipe for stdout, so reading it does not race with cmd.Wait.
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = outW
	stderr := &capBuffer{max: 1 << 20}
	cmd.Stderr = stderr

	if err := cmd.Start(); err != nil {
		_ = outR.Close()
		_ = outW.Close()
		return nil, fmt.Errorf("oidcprovider: starting node: %w", err)
	}
	_ = outW.Close()

	p := &Provider{cmd: cmd, stdin: stdin, stderr: stderr, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()

	readyc := make(chan readyLine, 1)
	go func() {
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Bytes()
			if !sent {
				var r readyLine
				if json.Unmarshal(line, &r) == nil && r.Issuer != "" && r.Token != "" {
					readyc <- r
					sent = true
					continue
				}
			}
			// Anything else on stdout is unexpected; keep it for diagnosis.
			_, _ = fmt.Fprintf(stderr, "stdout: %s\n", line)
		}
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-readyc:
		p.ready = r
		p.StartDuration = time.Since(begin)
		return p, nil
	case <-p.done:
		return p, fmt.Errorf("oidcprovider: node exited before it was ready (%v); stderr:\n%s", p.waitErr, stderr.String())
	case <-timer.C:
		p.Stop()
		return p, fmt.Errorf("oidcprovider: node not ready after %v; stderr:\n%s", timeout, stderr.String())
	}
}

// capBuffer is a goroutine-safe buffer that keeps at most max bytes.
type capBuffer struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil
	}
	b.buf.Write(p)
	return len(p), nil
}

func (b *capBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.truncated {
		return b.buf.String() + "\n[stderr truncated]"
	}
	return b.buf.String()
}
