package main

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/bearerkit/bearerkit"
)

// session is a profile ready to hand out tokens through the SDK.
type session struct {
	name    string
	p       *profile
	secrets secrets
	// store is the token file; nil for a static token from the
	// environment (BEARERKIT_TOKEN), which is never written to disk.
	store *tokenStore
}

// openSession loads and checks the profile in use. minValid is token's
// --min-valid (0 elsewhere).
func (e *env) openSession(minValid time.Duration) (*session, error) {
	p, err := e.loadProfile()
	if err != nil {
		return nil, err
	}
	name := e.profileName()
	if err := p.check(name); err != nil {
		return nil, err
	}
	ss := &session{name: name, p: p, secrets: e.secretsFromEnv(p)}
	if p.Platform == platformStatic && ss.secrets.staticToken != "" {
		return ss, nil
	}
	path, err := e.tokenPath(name)
	if err != nil {
		return nil, err
	}
	ss.store = newTokenStore(path, minValid, p.canLogin(ss.secrets))
	e.log().Debug("bearerkit: profile", "profile", name, "platform", p.Platform, "token_file", path)
	return ss, nil
}

// transport returns a Transport that renews the profile's token, with the
// token file as its bearerkit.Coordinator. Background renewal is off: the
// process ends as soon as it has its token, and must not end in the middle
// of a renewal that rotates the refresh token.
func (ss *session) transport(e *env) *bearerkit.Transport {
	tr := &bearerkit.Transport{
		Auth:              ss.p.authenticator(ss.secrets),
		RefreshWindow:     -1,
		Logger:            e.sdkLogger(),
		AllowInsecureHTTP: ss.p.InsecureHTTP,
	}
	if ss.store != nil {
		tr.Store = ss.store
	}
	return tr
}

// client returns a Client of the profile's API (see transport), with more
// options.
func (ss *session) client(e *env, more ...bearerkit.Option) (*bearerkit.Client, error) {
	opts := append([]bearerkit.Option{bearerkit.WithRefreshWindow(0), bearerkit.WithUserAgent(userAgent())}, more...)
	if ss.store != nil {
		opts = append(opts, bearerkit.WithTokenStore(ss.store))
	}
	if l := e.sdkLogger(); l != nil {
		opts = append(opts, bearerkit.WithLogger(l))
	}
	if ss.p.InsecureHTTP {
		opts = append(opts, bearerkit.WithInsecureHTTP())
	}
	base := ss.p.apiBase()
	if base == "" {
		return nil, usageErrorf("profile %q has no api_url (--api-url)", ss.name)
	}
	return bearerkit.NewClient(base, ss.p.authenticator(ss.secrets), opts...)
}

// authContext is ctx for the SDK calls made outside a Transport (login,
// logout), allowing plain http when the profile says so.
func (ss *session) authContext(ctx context.Context) context.Context {
	if ss.p.InsecureHTTP {
		return bearerkit.WithInsecureHTTPContext(ctx)
	}
	return ctx
}

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// userAgent is the User-Agent of api requests.
func userAgent() string { return "bearerkit-cli/" + version() }
