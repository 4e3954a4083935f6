package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit"
)

// statusUsage is "bearerkit help status".
const statusUsage = `Usage: bearerkit status [--json]

Shows the profile, its platform, who is logged in (for Dataddo, the logged
member as the API reports it, which may renew the token), when the token
expires and whether a refresh token is held. It never shows a token.
Exits with code 3 when the profile is not logged in.

Flags:
  --json   print a JSON object instead of lines
` + commonUsage

// statusCmd is "bearerkit status".
var statusCmd = &command{
	name:    "status",
	summary: "show the profile, who is logged in and until when",
	usage:   statusUsage,
	run:     runStatus,
}

// statusInfo is what status prints.
type statusInfo struct {
	Profile      string        `json:"profile"`
	Platform     string        `json:"platform"`
	URL          string        `json:"url,omitempty"`
	APIURL       string        `json:"api_url,omitempty"`
	User         string        `json:"user,omitempty"`
	Member       *statusMember `json:"member,omitempty"`
	TokenFile    string        `json:"token_file,omitempty"`
	TokenSource  string        `json:"token_source"`
	LoggedIn     bool          `json:"logged_in"`
	Expiry       string        `json:"expiry,omitempty"`
	ExpiresAt    int64         `json:"expires_at,omitempty"`
	Expired      bool          `json:"expired"`
	RefreshToken bool          `json:"refresh_token"`
	PasswordKept bool          `json:"password_kept"`
}

// statusMember is Dataddo's logged member.
type statusMember struct {
	ID         string `json:"id"`
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
	Role       string `json:"role,omitempty"`
	CustomerID string `json:"customer_id,omitempty"`
}

// runStatus prints what is known of the profile's session.
func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("status", e)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "")
	if err := parseFlagsOnly(e, fs, statusUsage, args); err != nil {
		return err
	}
	ss, err := e.openSession(0)
	if err != nil {
		return err
	}
	p := ss.p
	info := &statusInfo{Profile: ss.name, Platform: p.Platform, URL: p.URL, APIURL: p.apiBase(), User: p.User,
		PasswordKept: p.canLogin(ss.secrets) && p.Platform != platformStatic}
	if p.Issuer != "" && p.URL == "" {
		info.URL = p.Issuer
	}
	if p.clientCredentials() {
		info.User = "client " + p.clientID()
	}

	var tok *bearerkit.Token
	var lookupErr error
	switch {
	case ss.store == nil:
		info.TokenSource = "environment (BEARERKIT_TOKEN)"
		tok, err = ss.transport(e).Token(ctx)
		if err != nil {
			return err
		}
	default:
		info.TokenSource = "file"
		info.TokenFile = ss.store.Path
		if tok, err = ss.store.Load(ctx); err != nil {
			return err
		}
		if tok != nil && p.Platform == platformDataddo {
			info.Member, tok, lookupErr = loggedMember(ctx, e, ss, tok)
		}
	}
	if tok != nil {
		info.LoggedIn = true
		info.RefreshToken = tok.RefreshToken != ""
		if !tok.Expiry.IsZero() {
			info.Expiry = tok.Expiry.UTC().Format(time.RFC3339)
			info.ExpiresAt = tok.Expiry.Unix()
			info.Expired = !time.Now().Before(tok.Expiry)
		}
	}
	if asJSON {
		err = writeJSON(e.out, info)
	} else {
		err = writeStatus(e, info)
	}
	switch {
	case err != nil:
		return err
	case lookupErr != nil:
		return fmt.Errorf("looking up the logged member: %w", lookupErr)
	case !info.LoggedIn:
		return &cliError{code: exitNotLoggedIn, err: errNotLoggedIn}
	}
	return nil
}

// loggedMember asks Dataddo who is logged in, and returns the token after
// that call (which may have renewed it).
func loggedMember(ctx context.Context, e *env, ss *session, tok *bearerkit.Token) (*statusMember, *bearerkit.Token, error) {
	c, err := ss.client(e)
	if err != nil {
		return nil, tok, err
	}
	m, _, err := c.Member(ctx)
	if err != nil {
		return nil, tok, err
	}
	if now, err := c.Token(ctx); err == nil {
		tok = now
	}
	name := strings.TrimSpace(m.FirstName + " " + m.LastName)
	return &statusMember{ID: m.ID, Email: m.Email, Name: name, Role: m.Role, CustomerID: m.CustomerID}, tok, nil
}

// writeStatus prints info as aligned lines.
func writeStatus(e *env, info *statusInfo) error {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-15s %s\n", k+":", v)
		}
	}
	yesNo := map[bool]string{true: "yes", false: "no"}
	line("profile", info.Profile)
	line("platform", info.Platform)
	line("url", info.URL)
	if info.APIURL != info.URL {
		line("api url", info.APIURL)
	}
	line("user", info.User)
	if m := info.Member; m != nil {
		who := m.Email
		if m.Name != "" {
			who = fmt.Sprintf("%s <%s>", m.Name, m.Email)
		}
		var extra []string
		for _, kv := range [][2]string{{"id", m.ID}, {"role", m.Role}, {"customer", m.CustomerID}} {
			if kv[1] != "" {
				extra = append(extra, kv[0]+" "+kv[1])
			}
		}
		if len(extra) > 0 {
			who += " (" + strings.Join(extra, ", ") + ")"
		}
		line("member", who)
	}
	if info.TokenFile == "" {
		line("token", info.TokenSource)
	}
	line("token file", info.TokenFile)
	line("logged in", yesNo[info.LoggedIn])
	if info.LoggedIn {
		switch {
		case info.Expiry == "":
			line("expires", "unknown (used until the API refuses it)")
		case info.Expired:
			line("expires", info.Expiry+" (expired)")
		default:
			left := time.Until(time.Unix(info.ExpiresAt, 0)).Round(time.Second)
			line("expires", fmt.Sprintf("%s (in %s)", info.Expiry, left))
		}
		line("refresh token", yesNo[info.RefreshToken])
	}
	if info.PasswordKept {
		line("password", "kept in the environment: token and api log in again when the session ends")
	} else {
		line("password", "not kept: when the session ends, log in again")
	}
	_, err := fmt.Fprint(e.out, b.String())
	return err
}
