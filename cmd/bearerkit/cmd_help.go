package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"
)

// helpCmd is "bearerkit help".
var helpCmd = &command{
	name:    "help",
	summary: "show the usage of bearerkit or of a command",
	usage:   "Usage: bearerkit help [COMMAND]\n",
	run:     runHelp,
}

// versionCmd is "bearerkit version".
var versionCmd = &command{
	name:    "version",
	summary: "print the version",
	usage:   "Usage: bearerkit version\n",
	run: func(_ context.Context, e *env, args []string) error {
		if len(args) > 0 {
			return usageErrorf("unexpected argument %q", args[0])
		}
		_, err := fmt.Fprintf(e.out, "bearerkit %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return err
	},
}

// runHelp prints the main usage, or a command's.
func runHelp(_ context.Context, e *env, args []string) error {
	switch len(args) {
	case 0:
		_, err := fmt.Fprint(e.out, mainUsage())
		return err
	case 1:
		c := lookup(args[0])
		if c == nil {
			return usageErrorf("unknown command %q", args[0])
		}
		_, err := fmt.Fprint(e.out, c.usage)
		return err
	}
	return usageErrorf("usage: bearerkit help [COMMAND]")
}

// mainUsage is "bearerkit help".
func mainUsage() string {
	var b strings.Builder
	b.WriteString(`bearerkit: log in to a data platform once, then print its token or call its API.

Usage: bearerkit [--profile NAME] COMMAND [flags]

Commands:
`)
	for _, c := range []*command{loginCmd, tokenCmd, apiCmd, statusCmd, logoutCmd, versionCmd} {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString(`  help     "bearerkit help COMMAND" shows a command's flags
` + commonUsage + `
Profiles:
  A profile names a platform (dataddo, onedata, authapi, keycloak, static)
  and where and as whom to log in. "bearerkit login" saves them in
  config.json in $BEARERKIT_CONFIG_DIR, else bearerkit/ in the user's
  configuration directory; tokens go to tokens/PROFILE.json beside it
  (mode 0600, directory 0700). No password is ever saved.

Environment:
  BEARERKIT_PROFILE        the profile, instead of "default"
  BEARERKIT_PLATFORM, BEARERKIT_URL, BEARERKIT_API_URL, BEARERKIT_USER,
  BEARERKIT_REALM, BEARERKIT_ISSUER, BEARERKIT_CLIENT_ID
                           override the profile's settings (a profile may
                           live in the environment alone)
  BEARERKIT_INSECURE_HTTP  1: allow plain http to hosts that are not loopback
  BEARERKIT_PASSWORD       the password: login takes it instead of asking;
                           token and api log in with it when the session ends
  BEARERKIT_CLIENT_SECRET  the OpenID client secret
  BEARERKIT_TOKEN          a static profile's token, used as is, never stored
  BEARERKIT_CONFIG_DIR     where config.json and tokens/ live

Exit codes:
  0 ok                      4 the platform refused the credential
  1 internal error          5 temporary failure (network, 5xx, 429): try again
  2 usage                   6 the config or token file cannot be used
  3 not logged in           7 api: the API answered with a status >= 400
`)
	return b.String()
}
