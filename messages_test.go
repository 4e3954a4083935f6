package bearerkit_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Issue 9, point 8: errors that say what to do. Each case states the whole
// message, or the part that tells the user what happened.
func TestErrorMessagesSayWhatToDo(t *testing.T) {
	t.Parallel()
	kc := bearerkittest.NewKeycloak(t)
	ctx := context.Background()
	stutter := func(err error) {
		t.Helper()
		assert.Equal(t, 1, strings.Count(err.Error(), "bearerkit: "), "stutter: %v", err)
	}

	// A refused password: "authentication failed".
	_, err := bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: bearerkittest.DefaultClientSecret,
		Username: bearerkittest.DefaultUsername, Password: "wrong", HTTPClient: kc.Client()}.Authenticate(ctx, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bearerkit: password authentication failed at "+kc.TokenURL()+": 401 Unauthorized: invalid_grant")
	stutter(err)

	// A wrong realm: a 404 that says what to check, and no "authentication failed".
	_, err = bearerkit.Keycloak{ServerURL: kc.URL(), Realm: "nope", ClientID: bearerkittest.DefaultConfidentialClient, ClientSecret: bearerkittest.DefaultClientSecret,
		Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword, HTTPClient: kc.Client()}.Authenticate(ctx, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "password request failed at")
	assert.Contains(t, err.Error(), "404 Not Found")
	assert.Contains(t, err.Error(), "check the base URL, and the realm")
	assert.NotContains(t, err.Error(), "authentication failed")

	// The default client id, refused: the error names it.
	_, err = bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), ClientSecret: "x", Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword,
		HTTPClient: kc.Client()}.Authenticate(ctx, nil)
	if err != nil && strings.Contains(err.Error(), "invalid_client") {
		assert.Contains(t, err.Error(), `the default "dc-ui"`)
	}
	_, err = bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), ClientID: "unknown-client", ClientSecret: "x", Username: bearerkittest.DefaultUsername, Password: bearerkittest.DefaultPassword,
		HTTPClient: kc.Client()}.Authenticate(ctx, nil)
	require.ErrorContains(t, err, "invalid_client")
	assert.Contains(t, err.Error(), "check Keycloak.ClientID and ClientSecret")

	// Discovery says discovery, keeps the server's message, and says what
	// to check on a 404.
	_, err = bearerkit.Discover(ctx, kc.URL()+"/realms/nope", kc.Client())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bearerkit: openid discovery request failed at")
	assert.Contains(t, err.Error(), "check the issuer URL")
	stutter(err)
	_, err = bearerkit.Discover(ctx, "http://sso.example.com/realms/x", nil)
	require.ErrorIs(t, err, bearerkit.ErrInsecureHTTP)
	assert.Contains(t, err.Error(), "WithInsecureHTTPContext(ctx), which Discover takes")
	stutter(err)

	// The cool-down: remembered, and until when.
	c, err := bearerkit.NewClient(kc.URL(), bearerkit.Keycloak{ServerURL: kc.URL(), Realm: kc.Realm(), ClientID: bearerkittest.DefaultConfidentialClient,
		ClientSecret: bearerkittest.DefaultClientSecret, Username: bearerkittest.DefaultUsername, Password: "wrong"}, bearerkit.WithHTTPClient(kc.Client()))
	require.NoError(t, err)
	_, err = c.Token(ctx)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "remembered")
	_, err = c.Token(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(remembered: not asked again before 20")
	var ae *bearerkit.AuthError
	assert.ErrorAs(t, err, &ae, "the remembered error is still an *AuthError")
	stutter(err)

	// Construction errors do not stutter.
	_, err = bearerkit.NewClient("https://api.example.com", bearerkit.Fallback(bearerkit.RefreshGrant{}), bearerkit.WithLogger(nil))
	require.Error(t, err)
	stutter(err)
	assert.Contains(t, err.Error(), "bearerkit: NewClient: Fallback step 0: invalid option: RefreshGrant.TokenURL is empty")
}

// A 401 to the replay after a renewal says the fresh token was refused too.
func TestReplayedRefusalSaysSo(t *testing.T) {
	t.Parallel()
	refuse := rtFunc(func(r *http.Request) (*http.Response, error) {
		return reply(r, http.StatusUnauthorized, `{"message":"no"}`), nil
	})
	c, err := bearerkit.NewClient(apiURL, &issuer{}, bearerkit.WithHTTPClient(&http.Client{Transport: refuse}))
	require.NoError(t, err)
	req, err := c.NewRequest(context.Background(), http.MethodGet, "sources", nil)
	require.NoError(t, err)
	_, err = c.Do(req, nil)
	var apiErr *bearerkit.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, apiErr.Replayed)
	assert.Contains(t, err.Error(), "the API refused the fresh token too")
}

// A missing httpmock responder for an auth endpoint is no network failure:
// it is not retried, and the error says what httpmock said.
func TestMissingMockResponderNotRetried(t *testing.T) {
	t.Parallel()
	mock := httpmock.NewMockTransport()
	var calls atomic.Int32
	mock.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return httpmock.ConnectionFailure(r)
	})
	c, err := bearerkit.NewClient(apiURL, bearerkit.PasswordGrant{TokenURL: tokenURL, Username: "u", Password: "p"}, bearerkit.WithHTTPClient(&http.Client{Transport: mock}))
	require.NoError(t, err)
	_, err = c.Token(context.Background())
	var ae *bearerkit.AuthError
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.Temporary())
	assert.Equal(t, int32(1), calls.Load(), "not retried")
	assert.Contains(t, err.Error(), "no responder found")
}
