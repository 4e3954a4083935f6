package bearerkit_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// TestSecretsMatrix runs the whole fault matrix with a debug logger that
// writes every record in JSON and in text, and fails if any password,
// client secret, access, refresh or ID token of the run (as the token
// endpoint issued them and the API received them) shows in a log line, an
// error string, or the %v, %+v, %#v, %s or %q form of an error, a token, a
// client, a transport or an Authenticator.
func TestSecretsMatrix(t *testing.T) {
	logs := &faultBuffer{}
	sink := newLeakSink(logs)
	runFaultMatrix(t, sink)
	values, lines := sink.assertAllClean(t)
	secrets := sink.secretList()
	t.Logf("checked %d secrets against %d log lines and %d printed values", len(secrets), lines, values)

	// An empty check proves nothing: the run logged, printed and issued
	// plenty, and the check does see a secret where there is one.
	assert.Greater(t, lines, 50, "log lines")
	assert.Greater(t, values, 50, "printed values")
	assert.Greater(t, len(secrets), 50, "secrets")
	for _, sec := range []string{bearerkittest.DefaultPassword, bearerkittest.DefaultClientSecret} {
		assert.Contains(t, secrets, sec)
	}
	for _, sec := range secrets[:5] {
		assert.NotEmpty(t, sink.leaks("error: "+sec+" here"), "a raw secret is not seen")
		assert.NotEmpty(t, sink.leaks("basic "+base64.StdEncoding.EncodeToString([]byte(sec))), "a base64 secret is not seen")
	}
}
