package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// defaultProfile is the profile used when none is named.
const defaultProfile = "default"

// The platforms a profile can name.
const (
	platformDataddo  = "dataddo"
	platformOneData  = "onedata"
	platformAuthAPI  = "authapi"
	platformKeycloak = "keycloak"
	platformStatic   = "static"
)

// platforms lists the platform names and their aliases.
var platforms = map[string]string{
	"dataddo":     platformDataddo,
	"onedata":     platformOneData,
	"one-data":    platformOneData,
	"authapi":     platformAuthAPI,
	"keycloak":    platformKeycloak,
	"dataclarity": platformKeycloak,
	"oidc":        platformKeycloak,
	"static":      platformStatic,
}

// profile is one named set of settings: a platform and where and as whom
// to log in. It never holds a secret: passwords come from a prompt, stdin
// or the environment, tokens live in the token file.
type profile struct {
	Platform string `json:"platform"`
	// URL is where to log in: Dataddo's API root, ONE DATA's instance,
	// the token service's root, the Keycloak server.
	URL string `json:"url,omitempty"`
	// APIURL is the base of "bearerkit api" paths, when it is not URL.
	APIURL string `json:"api_url,omitempty"`
	// User is the e-mail or user name.
	User string `json:"user,omitempty"`
	// Realm is the Keycloak realm (DataClarity tenant).
	Realm string `json:"realm,omitempty"`
	// Issuer is an OpenID issuer to discover the endpoints from, instead
	// of URL and Realm.
	Issuer string `json:"issuer,omitempty"`
	// ClientID is the OpenID client (default dc-ui, DataClarity's).
	ClientID string `json:"client_id,omitempty"`
	// PasswordEnv names an environment variable that holds the password,
	// so that token and api can log in again unattended.
	PasswordEnv string `json:"password_env,omitempty"`
	// ClientSecretEnv names an environment variable that holds the client
	// secret of a confidential OpenID client.
	ClientSecretEnv string `json:"client_secret_env,omitempty"`
	// InsecureHTTP allows plain http to hosts that are not loopback.
	InsecureHTTP bool `json:"insecure_http,omitempty"`
	// Store is where the token is kept: "file" (the default) or
	// "keyring" (not available in this version: an error, never a
	// silent fallback to the file).
	Store string `json:"store,omitempty"`
}

// configFile is the file's format.
type configFile struct {
	Profiles map[string]*profile `json:"profiles"`
}

// validProfileName reports whether name may name a profile: it names a
// file, so 1 to 64 letters, digits, '.', '_' and '-', not starting with
// '.', '_' or '-'.
func validProfileName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i, c := range []byte(name) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || (c != '.' && c != '_' && c != '-')) {
			return false
		}
	}
	return true
}

// configDir is the directory of the config file and the tokens:
// $BEARERKIT_CONFIG_DIR, else bearerkit in the user's config directory.
func (e *env) configDir() (string, error) {
	if d := e.getenv("BEARERKIT_CONFIG_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", storeError(fmt.Errorf("finding the configuration directory (set BEARERKIT_CONFIG_DIR): %w", err))
	}
	return filepath.Join(d, "bearerkit"), nil
}

// configPath is the config file.
func (e *env) configPath() (string, error) {
	d, err := e.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "config.json"), nil
}

// tokenPath is the token file of the profile.
func (e *env) tokenPath(name string) (string, error) {
	d, err := e.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "tokens", name+".json"), nil
}

// readConfig reads the config file; a missing one is empty.
func (e *env) readConfig() (*configFile, error) {
	path, err := e.configPath()
	if err != nil {
		return nil, err
	}
	cf := &configFile{Profiles: map[string]*profile{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cf, nil
	}
	if err != nil {
		return nil, storeError(fmt.Errorf("reading the configuration: %w", err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cf); err != nil {
		return nil, storeError(fmt.Errorf("the configuration %s is not valid: %v", path, err))
	}
	if cf.Profiles == nil {
		cf.Profiles = map[string]*profile{}
	}
	return cf, nil
}

// writeConfig replaces the config file atomically, readable by its owner
// only, in a directory only its owner can enter.
func (e *env) writeConfig(cf *configFile) error {
	path, err := e.configPath()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(cf, "", "  ")
	if err != nil {
		return err
	}
	if err := writePrivate(path, append(b, '\n')); err != nil {
		return storeError(fmt.Errorf("writing the configuration: %w", err))
	}
	return nil
}

// privateDir creates dir (and its parents) with mode 0700 if needed, and
// makes sure dir itself is 0700 whatever the umask. It is for the tokens
// directory, which is bearerkit's own.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

// writePrivate writes path atomically with mode 0600. A missing directory
// is created with mode 0700; an existing one (BEARERKIT_CONFIG_DIR may name
// any) is left as it is.
func writePrivate(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err = f.Chmod(0o600); err == nil {
		if _, err = f.Write(b); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// loadProfile returns the profile in use, from the config file with the
// environment's overrides applied (see check). A profile may live in the
// environment alone (BEARERKIT_PLATFORM and friends).
func (e *env) loadProfile() (*profile, error) {
	name := e.profileName()
	if !validProfileName(name) {
		return nil, usageErrorf("invalid profile name %q: letters, digits, '.', '_' and '-' only", name)
	}
	cf, err := e.readConfig()
	if err != nil {
		return nil, err
	}
	p := &profile{}
	if stored := cf.Profiles[name]; stored != nil {
		*p = *stored
	}
	e.applyEnv(p)
	return p, nil
}

// envOverrides are the environment variables that override a profile's
// settings.
var envOverrides = []struct {
	name  string
	field func(*profile) *string
}{
	{"BEARERKIT_PLATFORM", func(p *profile) *string { return &p.Platform }},
	{"BEARERKIT_URL", func(p *profile) *string { return &p.URL }},
	{"BEARERKIT_API_URL", func(p *profile) *string { return &p.APIURL }},
	{"BEARERKIT_USER", func(p *profile) *string { return &p.User }},
	{"BEARERKIT_REALM", func(p *profile) *string { return &p.Realm }},
	{"BEARERKIT_ISSUER", func(p *profile) *string { return &p.Issuer }},
	{"BEARERKIT_CLIENT_ID", func(p *profile) *string { return &p.ClientID }},
}

// applyEnv overrides p's settings with the environment's.
func (e *env) applyEnv(p *profile) {
	for _, o := range envOverrides {
		if v := e.getenv(o.name); v != "" {
			*o.field(p) = v
		}
	}
	switch strings.ToLower(e.getenv("BEARERKIT_INSECURE_HTTP")) {
	case "1", "true", "yes":
		p.InsecureHTTP = true
	}
}

// check normalizes the platform name and checks that the profile has what
// its platform needs.
func (p *profile) check(name string) error {
	if p.Platform == "" {
		return &cliError{code: exitNotLoggedIn, err: fmt.Errorf("profile %q is not set up", name),
			hint: "Set it up by logging in: bearerkit login" + profileFlag(name) + " --platform dataddo|onedata|authapi|keycloak|static --url URL --user NAME"}
	}
	plat, ok := platforms[strings.ToLower(p.Platform)]
	if !ok {
		return usageErrorf("profile %q: unknown platform %q (dataddo, onedata, authapi, keycloak, static)", name, p.Platform)
	}
	p.Platform = plat
	switch p.Store {
	case "", "file":
	case "keyring":
		return &cliError{code: exitStore, err: errors.New("the OS keyring is not available in this version of bearerkit, and the token is not put in a file instead"),
			hint: "Remove \"store\": \"keyring\" from the profile to keep the token in a file readable only by you."}
	default:
		return usageErrorf("profile %q: unknown store %q (file)", name, p.Store)
	}
	need := func(what, v string) error {
		if strings.TrimSpace(v) == "" {
			return usageErrorf("profile %q (%s) has no %s", name, p.Platform, what)
		}
		return nil
	}
	for _, u := range []struct{ what, v string }{{"url", p.URL}, {"api_url", p.APIURL}, {"issuer", p.Issuer}} {
		if u.v != "" {
			if err := checkURL(u.what, u.v); err != nil {
				return usageErrorf("profile %q: %v", name, err)
			}
		}
	}
	switch p.Platform {
	case platformDataddo, platformOneData, platformAuthAPI:
		if err := need("url (--url)", p.URL); err != nil {
			return err
		}
		return need("user (--user)", p.User)
	case platformKeycloak:
		if p.Issuer == "" {
			if err := need("url (--url) and realm (--realm), or issuer (--issuer)", p.URL); err != nil {
				return err
			}
			if err := need("realm (--realm)", p.Realm); err != nil {
				return err
			}
		}
	case platformStatic:
		if p.APIURL == "" && p.URL == "" {
			return usageErrorf("profile %q (static) has no api_url (--api-url)", name)
		}
	}
	return nil
}

// checkURL checks that raw is an absolute http(s) URL without user
// information.
func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%s %q is not an absolute http(s) URL", what, raw)
	}
	if u.User != nil {
		return fmt.Errorf("%s must not hold user information", what)
	}
	return nil
}

// apiBase is the base URL of "bearerkit api" paths.
func (p *profile) apiBase() string {
	if p.APIURL != "" {
		return p.APIURL
	}
	switch {
	case p.Platform == platformOneData && p.URL != "":
		return strings.TrimRight(p.URL, "/") + "/api/v1"
	case p.URL != "":
		return p.URL
	case p.Issuer != "":
		if u, err := url.Parse(p.Issuer); err == nil {
			return u.Scheme + "://" + u.Host
		}
	}
	return ""
}

// clientID is the OpenID client, DataClarity's by default.
func (p *profile) clientID() string {
	if p.ClientID != "" {
		return p.ClientID
	}
	return "dc-ui"
}

// password returns the password the environment holds for p: the
// variable the profile names, else BEARERKIT_PASSWORD.
func (e *env) password(p *profile) string {
	if p.PasswordEnv != "" {
		if v := e.getenv(p.PasswordEnv); v != "" {
			return v
		}
	}
	return e.getenv("BEARERKIT_PASSWORD")
}

// clientSecret returns the client secret the environment holds for p.
func (e *env) clientSecret(p *profile) string {
	if p.ClientSecretEnv != "" {
		if v := e.getenv(p.ClientSecretEnv); v != "" {
			return v
		}
	}
	return e.getenv("BEARERKIT_CLIENT_SECRET")
}

// profileFlag is " --profile NAME", or "" for the default profile.
func profileFlag(name string) string {
	if name == defaultProfile {
		return ""
	}
	return " --profile " + name
}
