package bearerkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// ErrAuthenticatorPanic is matched (errors.Is) by the error every request
// waiting for a renewal gets when the Authenticator panicked (a nil pointer
// in a user's AuthenticatorFunc, say). The panic is recovered: the process
// and the Transport go on, and the next renewal calls the Authenticator
// again. The error names the panic without secrets; the stack goes to the
// Logger at Error level.
var ErrAuthenticatorPanic = errors.New("bearerkit: the Authenticator panicked")

// panicError is a recovered panic of an Authenticator.
type panicError struct{ msg string }

func (e *panicError) Error() string { return "bearerkit: the Authenticator panicked: " + e.msg }

// Is reports whether target is ErrAuthenticatorPanic.
func (e *panicError) Is(target error) bool { return target == ErrAuthenticatorPanic }

// callAuth calls the Authenticator, turning a panic into an error wrapping
// ErrAuthenticatorPanic.
func (t *Transport) callAuth(ctx context.Context, prev *Token) (tok *Token, err error) {
	defer func() {
		if v := recover(); v != nil {
			secrets := append(secretsOf(t.Auth), tokenSecrets(prev)...)
			tok, err = nil, &panicError{msg: panicText(v, secrets)}
			if st, ok := t.st.Load().(*state); ok {
				st.logPanic("bearerkit: the Authenticator panicked", v, prev, secretsOf(t.Auth)...)
			}
		}
	}()
	return t.Auth.Authenticate(ctx, prev)
}

// panicText describes a panic value without secrets: a runtime error's
// message, a string's or error's text with the secrets taken out, or
// otherwise only the value's type.
func panicText(v any, secrets []string) string {
	switch v := v.(type) {
	case runtime.Error:
		return v.Error()
	case error:
		return serverText(v.Error(), 200, secrets)
	case string:
		return serverText(v, 200, secrets)
	}
	return fmt.Sprintf("a value of type %T", v)
}

// logPanic logs a recovered panic and its stack at Error level.
func (st *state) logPanic(msg string, v any, tok *Token, secrets ...string) {
	if st.t.Logger == nil {
		return
	}
	secrets = append(secrets, tokenSecrets(tok)...)
	st.log(context.Background(), slog.LevelError, msg, slog.String("panic", panicText(v, secrets)), slog.String("stack", redact.Scrub(string(debug.Stack()), secrets...)))
}

// tokenSecrets lists tok's access and refresh tokens; nil for nil.
func tokenSecrets(tok *Token) []string {
	if tok == nil {
		return nil
	}
	return []string{tok.AccessToken, tok.RefreshToken}
}

// secretsWith lists own and prev's secrets (prev may be nil), in one
// allocation.
func secretsWith(prev *Token, own ...string) []string {
	s := make([]string, len(own), len(own)+2)
	copy(s, own)
	if prev != nil {
		s = append(s, prev.AccessToken, prev.RefreshToken)
	}
	return s
}

// scrubToken takes tok's secrets out of s.
func scrubToken(s string, tok *Token) string { return redact.Scrub(s, tokenSecrets(tok)...) }
