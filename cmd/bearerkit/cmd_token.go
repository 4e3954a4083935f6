package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit"
)

// tokenUsage is "bearerkit help token".
const tokenUsage = `Usage: bearerkit token [--output raw|header|json|exec-credential] [--min-valid DURATION]

Prints a valid access token of the profile on stdout, renewing it first
when it has expired or is about to: with the refresh token, and with the
password only when the session has ended and the profile keeps one
($BEARERKIT_PASSWORD or the profile's password_env). Processes that share
the token file renew it once between them, however many run at once.

Flags:
  -o, --output FORMAT   raw (default): the access token alone
                        header: the Authorization header line, and Dataddo's
                          X-realm-id and X-provider lines, for curl -H @file
                        json: {"access_token", "token_type", "expiry" (RFC 3339),
                          "expires_at" (Unix seconds), "realm_id", "provider"}
                        exec-credential: a Kubernetes client.authentication.k8s.io/v1
                          ExecCredential, for a kubeconfig's exec credential plugin
  --min-valid DURATION  renew a token that expires within DURATION (e.g. 10m)
` + commonUsage

// tokenCmd is "bearerkit token".
var tokenCmd = &command{
	name:    "token",
	summary: "print a valid access token, renewing it if needed",
	usage:   tokenUsage,
	run:     runToken,
}

// token output formats.
const (
	outRaw     = "raw"
	outHeader  = "header"
	outJSON    = "json"
	outExecCrd = "exec-credential"
)

// runToken prints a valid access token of the profile.
func runToken(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("token", e)
	output := outRaw
	var minValid time.Duration
	fs.StringVar(&output, "output", output, "")
	fs.StringVar(&output, "o", output, "")
	fs.DurationVar(&minValid, "min-valid", 0, "")
	if err := parseFlagsOnly(e, fs, tokenUsage, args); err != nil {
		return err
	}
	switch output {
	case outRaw, outHeader, outJSON, outExecCrd:
	case "k8s", "kubernetes":
		output = outExecCrd
	default:
		return usageErrorf("unknown --output %q (raw, header, json, exec-credential)", output)
	}
	if minValid < 0 {
		return usageErrorf("--min-valid must not be negative")
	}
	ss, err := e.openSession(minValid)
	if err != nil {
		return err
	}
	tok, err := ss.transport(e).Token(ctx)
	if err != nil {
		return err
	}
	if minValid > 0 && !tok.Expiry.IsZero() && time.Until(tok.Expiry) < minValid {
		fmt.Fprintf(e.err, "bearerkit: token: warning: the platform's token expires in %s, less than --min-valid %s\n",
			time.Until(tok.Expiry).Round(time.Second), minValid)
	}
	return writeToken(e.out, tok, output)
}

// accessValue is the access token without a pasted "Bearer " prefix.
func accessValue(tok *bearerkit.Token) string {
	a := strings.TrimSpace(tok.AccessToken)
	for len(a) >= 7 && strings.EqualFold(a[:7], "bearer ") {
		a = strings.TrimLeft(a[7:], " ")
	}
	return a
}

// writeToken prints tok's access token in format; never its refresh token.
func writeToken(w io.Writer, tok *bearerkit.Token, format string) error {
	access := accessValue(tok)
	var err error
	switch format {
	case outRaw:
		_, err = fmt.Fprintln(w, access)
	case outHeader:
		var b strings.Builder
		fmt.Fprintf(&b, "Authorization: %s %s\n", tok.Type(), access)
		if tok.RealmID != "" {
			fmt.Fprintf(&b, "X-realm-id: %s\n", tok.RealmID)
		}
		if tok.Provider != "" {
			fmt.Fprintf(&b, "X-provider: %s\n", tok.Provider)
		}
		_, err = io.WriteString(w, b.String())
	case outJSON:
		v := struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			Expiry      string `json:"expiry,omitempty"`
			ExpiresAt   int64  `json:"expires_at,omitempty"`
			RealmID     string `json:"realm_id,omitempty"`
			Provider    string `json:"provider,omitempty"`
		}{AccessToken: access, TokenType: tok.Type(), RealmID: tok.RealmID, Provider: tok.Provider}
		if !tok.Expiry.IsZero() {
			v.Expiry = tok.Expiry.UTC().Format(time.RFC3339)
			v.ExpiresAt = tok.Expiry.Unix()
		}
		err = writeJSON(w, v)
	case outExecCrd:
		type status struct {
			ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
			Token               string `json:"token"`
		}
		v := struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Status     status `json:"status"`
		}{APIVersion: "client.authentication.k8s.io/v1", Kind: "ExecCredential", Status: status{Token: access}}
		if !tok.Expiry.IsZero() {
			v.Status.ExpirationTimestamp = tok.Expiry.UTC().Format(time.RFC3339)
		}
		err = writeJSON(w, v)
	}
	return err
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
