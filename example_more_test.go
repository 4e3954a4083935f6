package bearerkit_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// The Keycloak preset logs a user in with the password grant, renews with
// the refresh token Keycloak rotates, and sends the password again only when
// the refresh token is dead. Here against the Keycloak emulator.
func ExampleKeycloak() {
	kc, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer kc.Close()

	c, err := bearerkit.NewClient(kc.URL(), bearerkit.Keycloak{
		ServerURL:    kc.URL(), // https://sso.example.com, or …/auth before Keycloak 17
		Realm:        kc.Realm(),
		ClientID:     bearerkittest.DefaultConfidentialClient, // the zero ClientID is DataClarity's "dc-ui"
		ClientSecret: bearerkittest.DefaultClientSecret,
		Username:     bearerkittest.DefaultUsername,
		Password:     bearerkittest.DefaultPassword,
	}, bearerkit.WithHTTPClient(kc.Client()))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Token(context.Background()); err != nil {
		log.Fatal(err)
	}
	kc.KillAccessTokens() // the API will answer 401: renewed with the refresh token
	resp, err := c.HTTPClient().Get(kc.URL() + "/dp/api/v1/aiconnections/types")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	st := kc.Stats()
	fmt.Println(resp.StatusCode, "password sends:", st.PasswordSends, "refreshes:", st.Refreshes)
	// Output: 200 password sends: 1 refreshes: 1
}

// Discover reads an OpenID Provider's discovery document and builds the
// grants from it: the password login (renewed with the refresh token), client
// credentials, and the revoker for Logout.
func ExampleDiscover() {
	kc, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer kc.Close()
	ctx := context.Background()

	cfg, err := bearerkit.Discover(ctx, kc.Issuer(), kc.Client())
	if err != nil {
		log.Fatal(err)
	}
	login := cfg.PasswordLogin(bearerkittest.DefaultConfidentialClient, bearerkittest.DefaultClientSecret,
		bearerkittest.DefaultUsername, bearerkittest.DefaultPassword)
	c, err := bearerkit.NewClient(kc.URL(), login, bearerkit.WithHTTPClient(kc.Client()),
		bearerkit.WithRevoker(cfg.Revoker(bearerkittest.DefaultConfidentialClient, bearerkittest.DefaultClientSecret)))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token endpoint:", cfg.TokenEndpoint == kc.TokenURL(), "refresh token:", tok.RefreshToken != "")
	// Output: token endpoint: true refresh token: true
}

// Client credentials get a token for a back-end client itself; there is
// usually no refresh token, so each renewal simply asks again.
func ExampleClientCredentials() {
	kc, err := bearerkittest.StartKeycloak()
	if err != nil {
		log.Fatal(err)
	}
	defer kc.Close()

	cc := bearerkit.ClientCredentials{
		TokenURL:     kc.TokenURL(),
		ClientID:     bearerkittest.DefaultConfidentialClient,
		ClientSecret: bearerkittest.DefaultClientSecret, // sent as HTTP Basic; AuthStyleParams sends form fields
	}
	c, err := bearerkit.NewClient(kc.URL(), cc, bearerkit.WithHTTPClient(kc.Client()))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.Token(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("got a token:", tok.AccessToken != "", "refresh token:", tok.RefreshToken != "", "password sends:", kc.Stats().PasswordSends)
	// Output: got a token: true refresh token: false password sends: 0
}

// A FileStore keeps the token, refresh token included, across restarts (a
// 0600 file in a 0700 directory it creates), so a restarted process renews
// with the refresh token instead of sending the password; processes on one
// machine that share the file renew once between them.
func ExampleFileStore() {
	d, err := bearerkittest.StartDataddo()
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	dir, err := os.MkdirTemp("", "bearerkit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store := &bearerkit.FileStore{Path: filepath.Join(dir, "tokens", "dataddo.json")}

	for run := 1; run <= 2; run++ { // two runs of the same program
		c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
			bearerkit.WithHTTPClient(d.Client()), bearerkit.WithTokenStore(store))
		if err != nil {
			log.Fatal(err)
		}
		if _, _, err := c.Sources.List(context.Background()); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("password sends over two runs:", d.Stats().PasswordSends)
	// Output: password sends over two runs: 1
}

// WithLogger sends the Client's records about renewals to a slog.Logger
// (nothing is logged without it). Records never hold a secret.
func ExampleWithLogger() {
	d, err := bearerkittest.StartDataddo()
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { // steady output for the example
			switch a.Key {
			case slog.TimeKey, "took", "expires_in":
				return slog.Attr{}
			}
			return a
		},
	}))
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(d.Client()), bearerkit.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Token(context.Background()); err != nil {
		log.Fatal(err)
	}
	// Output: level=DEBUG msg="bearerkit: token renewed" reason="first use" generation=1
}

// WithHooks reports every renewal (and replays after a 401, and store
// failures) for metrics and tracing; the otelbearerkit module turns them
// into OpenTelemetry metrics and spans.
func ExampleWithHooks() {
	d, err := bearerkittest.StartDataddo()
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	hooks := bearerkit.Hooks{
		RenewDone: func(ctx context.Context, e bearerkit.RenewEvent) {
			fmt.Printf("renewal: reason=%s source=%s generation=%d err=%v\n", e.Reason, e.Source, e.Generation, e.Err)
		},
		Replayed: func(ctx context.Context, e bearerkit.ReplayEvent) {
			fmt.Printf("replayed %s after a 401: %d\n", e.Method, e.StatusCode)
		},
	}
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(d.Client()), bearerkit.WithHooks(hooks))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := c.Sources.List(ctx); err != nil {
		log.Fatal(err)
	}
	d.KillAccessTokens()
	if _, _, err := c.Sources.List(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// renewal: reason=first use source=authenticator generation=1 err=<nil>
	// renewal: reason=401 source=authenticator generation=2 err=<nil>
	// replayed GET after a 401: 200
}

// WithRetry sends idempotent API requests again after a 429, a 5xx or a
// network error, honouring Retry-After; token requests are never multiplied.
func ExampleWithRetry() {
	d, err := bearerkittest.StartDataddo()
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(d.Client()),
		bearerkit.WithRetry(bearerkit.RetryPolicy{MaxRetries: 3, MinDelay: 10 * time.Millisecond}))
	if err != nil {
		log.Fatal(err)
	}
	d.FailNext(bearerkittest.EndpointAPI, 2, bearerkittest.Failure{Status: http.StatusServiceUnavailable})
	_, resp, err := c.Sources.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	st := d.Stats()
	fmt.Println(resp.StatusCode, "API calls:", st.APICalls, "logins:", st.Logins)
	// Output: 200 API calls: 3 logins: 1
}

// Logout revokes the tokens where the platform can, clears the store and
// forgets the token; the next request logs in again.
func ExampleClient_Logout() {
	d, err := bearerkittest.StartDataddo()
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	store := &bearerkit.MemoryStore{}
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword},
		bearerkit.WithHTTPClient(d.Client()), bearerkit.WithTokenStore(store))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Token(ctx); err != nil {
		log.Fatal(err)
	}
	if err := c.Logout(ctx); err != nil {
		log.Fatal(err)
	}
	stored, _ := store.Load(ctx)
	fmt.Println("revocations:", d.Stats().Revocations, "stored:", stored != nil)
	// Output: revocations: 1 stored: false
}
