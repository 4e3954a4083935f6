package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/bearerkit/bearerkit"
)

// loginUsage is "bearerkit help login".
const loginUsage = `Usage: bearerkit login [flags]

Logs in with the profile's platform and keeps the token, refresh token
included, in a file readable only by you (mode 0600, in a 0700 directory).
Flags that describe the platform are saved in the profile, so the next
login needs none of them. Passwords are never saved, and never taken from
a flag: login asks for it on the terminal without echo, or reads it from
stdin with --password-stdin, or from $BEARERKIT_PASSWORD. Without a
terminal (or with --no-input) it never waits: it fails with exit code 3.

For a static profile the secret is the token itself (pasted from the
browser), read the same way ($BEARERKIT_TOKEN).

Profile flags (saved):
  --platform NAME        dataddo, onedata, authapi, keycloak (dataclarity), static
  --url URL              where to log in: Dataddo's API root, the ONE DATA
                         instance, the token service, the Keycloak server
  --api-url URL          base of "bearerkit api" paths (default: --url;
                         ONE DATA: --url + /api/v1)
  --user NAME            e-mail or user name (Keycloak without --user: the
                         client credentials grant)
  --realm NAME           Keycloak realm (DataClarity tenant)
  --issuer URL           OpenID issuer to discover the endpoints from,
                         instead of --url and --realm
  --client-id ID         OpenID client (default dc-ui)
  --password-env VAR     a variable holding the password, so that token and
                         api log in again by themselves when the session ends
  --client-secret-env VAR  a variable holding the OpenID client secret
  --insecure-http        allow plain http to hosts that are not loopback

Flags:
  --password-stdin       read the password (or token, or client secret)
                         from stdin
` + commonUsage

// loginCmd is "bearerkit login".
var loginCmd = &command{
	name:    "login",
	summary: "log in and keep the token (refresh token included)",
	usage:   loginUsage,
	run:     runLogin,
}

// runLogin logs in with the profile (updated with the flags given) and
// stores the token; the profile is saved only when the login succeeds.
func runLogin(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("login", e)
	var set profile
	var passwordStdin bool
	fs.StringVar(&set.Platform, "platform", "", "")
	fs.StringVar(&set.URL, "url", "", "")
	fs.StringVar(&set.APIURL, "api-url", "", "")
	fs.StringVar(&set.User, "user", "", "")
	fs.StringVar(&set.Realm, "realm", "", "")
	fs.StringVar(&set.Issuer, "issuer", "", "")
	fs.StringVar(&set.ClientID, "client-id", "", "")
	fs.StringVar(&set.PasswordEnv, "password-env", "", "")
	fs.StringVar(&set.ClientSecretEnv, "client-secret-env", "", "")
	fs.BoolVar(&set.InsecureHTTP, "insecure-http", false, "")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "")
	if err := parseFlagsOnly(e, fs, loginUsage, args); err != nil {
		return err
	}

	name := e.profileName()
	if !validProfileName(name) {
		return usageErrorf("invalid profile name %q: letters, digits, '.', '_' and '-' only", name)
	}
	cf, err := e.readConfig()
	if err != nil {
		return err
	}
	saved := &profile{}
	if old := cf.Profiles[name]; old != nil {
		*saved = *old
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "platform":
			saved.Platform = set.Platform
		case "url":
			saved.URL = set.URL
		case "api-url":
			saved.APIURL = set.APIURL
		case "user":
			saved.User = set.User
		case "realm":
			saved.Realm = set.Realm
		case "issuer":
			saved.Issuer = set.Issuer
		case "client-id":
			saved.ClientID = set.ClientID
		case "password-env":
			saved.PasswordEnv = set.PasswordEnv
		case "client-secret-env":
			saved.ClientSecretEnv = set.ClientSecretEnv
		case "insecure-http":
			saved.InsecureHTTP = set.InsecureHTTP
		}
	})
	p := *saved
	e.applyEnv(&p)
	if err := p.check(name); err != nil {
		return err
	}
	saved.Platform = p.Platform // normalized

	s := e.secretsFromEnv(&p)
	var src secretSource
	switch {
	case p.Platform == platformStatic:
		src = secretSource{what: "token", envName: "BEARERKIT_TOKEN", envValue: s.staticToken, prompt: "Paste the token: "}
	case p.clientCredentials():
		src = secretSource{what: "client secret", envName: "BEARERKIT_CLIENT_SECRET", envValue: s.clientSecret, prompt: fmt.Sprintf("Client secret of %s: ", p.clientID())}
	default:
		envName := "BEARERKIT_PASSWORD"
		if p.PasswordEnv != "" {
			envName = p.PasswordEnv
		}
		src = secretSource{what: "password", envName: envName, envValue: s.password, prompt: fmt.Sprintf("Password for %s: ", p.User)}
	}
	src.fromStdin = passwordStdin
	secret, err := e.readSecret(src)
	if err != nil {
		return err
	}
	switch {
	case p.Platform == platformStatic:
		s.staticToken = secret
	case p.clientCredentials():
		s.clientSecret = secret
	default:
		s.password = secret
	}

	ss := &session{name: name, p: &p, secrets: s}
	ctx, cancel := context.WithTimeout(ss.authContext(ctx), time.Minute)
	defer cancel()
	e.log().Debug("bearerkit: logging in", "profile", name, "platform", p.Platform, "url", p.URL, "user", p.User)
	tok, err := p.loginAuthenticator(s).Authenticate(ctx, nil)
	if err != nil {
		return err
	}

	if err := e.writeConfig(withProfile(cf, name, saved)); err != nil {
		return err
	}
	path, err := e.tokenPath(name)
	if err != nil {
		return err
	}
	if err := privateDir(filepath.Dir(path)); err != nil {
		return storeError(fmt.Errorf("creating the token directory: %w", err))
	}
	if err := (&bearerkit.FileStore{Path: path}).Save(ctx, tok); err != nil {
		return storeError(err)
	}
	e.log().Debug("bearerkit: token saved", "token_file", path, "expiry", tok.Expiry, "refresh_token", tok.RefreshToken != "")
	who := p.User
	if p.clientCredentials() {
		who = "client " + p.clientID()
	}
	msg := fmt.Sprintf("Logged in to %s", p.Platform)
	if who != "" {
		msg += " as " + who
	}
	msg += fmt.Sprintf(" (profile %s)", name)
	if !tok.Expiry.IsZero() {
		msg += fmt.Sprintf("; the token expires at %s", tok.Expiry.Local().Format(time.RFC3339))
		if tok.RefreshToken != "" {
			msg += " and is renewed with its refresh token"
		}
	}
	fmt.Fprintln(e.err, msg+".")
	return nil
}

// withProfile returns cf with profile name set to p.
func withProfile(cf *configFile, name string, p *profile) *configFile {
	cf.Profiles[name] = p
	return cf
}
