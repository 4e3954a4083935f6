package bearerkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bearerkit/bearerkit/internal/jwtexp"
	"github.com/bearerkit/bearerkit/internal/redact"
)

// maxTokenBody is the most of a token response that is read. A larger body
// is an error, never a truncated success.
const maxTokenBody = 1 << 20

// maxLifetime caps expires_in so that a hostile value cannot overflow a
// time.Duration.
const maxLifetime = 10 * 365 * 24 * time.Hour

var errBodyTooLarge = errors.New("response body larger than 1 MiB")

// readLimited reads all of r, or fails if it holds more than maxTokenBody
// bytes.
func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxTokenBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxTokenBody {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// tokenFields is the RFC 6749 §5.1 response, plus Dataddo's realm_id and
// provider. Numbers may come as strings.
type tokenFields struct {
	AccessToken  string          `json:"access_token"`
	TokenType    string          `json:"token_type"`
	RefreshToken string          `json:"refresh_token"`
	ExpiresIn    json.RawMessage `json:"expires_in"`
	RealmID      json.RawMessage `json:"realm_id"`
	Provider     string          `json:"provider"`
}

// errorFields is the RFC 6749 §5.2 error response, plus the
// {"statusCode", "message"} shape some platforms use.
type errorFields struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Message     string `json:"message"`
}

// parseTokenResponse turns a token endpoint's answer into a Token, or into
// an *AuthError that says what came back. It closes nothing: the caller owns
// resp.Body. secrets are scrubbed from every string the server supplied.
func parseTokenResponse(resp *http.Response, grant, endpoint string, secrets []string) (*Token, error) {
	return parseToken(resp, grant, func() string { return endpoint }, secrets)
}

// parseToken is parseTokenResponse with the endpoint's printed form made
// only for an error: a successful renewal does not format its URL.
func parseToken(resp *http.Response, grant string, endpoint func() string, secrets []string) (*Token, error) {
	fail := func(err error) *AuthError {
		return newAuthError(resp, grant, endpoint(), err, secrets)
	}
	body, err := readLimited(resp.Body)
	if err != nil {
		return nil, fail(fmt.Errorf("reading the response: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := fail(nil)
		var ef errorFields
		if json.Unmarshal(body, &ef) == nil {
			e.Code = serverText(ef.Error, 100, secrets)
			desc := ef.Description
			if desc == "" {
				desc = ef.Message
			}
			e.Description = serverText(desc, 300, secrets)
		} else {
			e.ContentType = contentType(resp, secrets)
		}
		return nil, e
	}
	var tf tokenFields
	if err := decodeTokenBody(resp, body, &tf); err != nil {
		e := fail(err)
		e.ContentType = contentType(resp, secrets)
		return nil, e
	}
	tok, err := tf.token(time.Now())
	if err != nil {
		e := fail(err)
		e.ContentType = contentType(resp, secrets)
		return nil, e
	}
	return tok, nil
}

// decodeTokenBody decodes a JSON or form-encoded token body into tf.
func decodeTokenBody(resp *http.Response, body []byte, tf *tokenFields) error {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	trimmed := bytes.TrimSpace(body)
	switch {
	case mt == "application/x-www-form-urlencoded" || (mt == "text/plain" && !bytes.HasPrefix(trimmed, []byte("{"))):
		vals, err := url.ParseQuery(string(trimmed))
		if err != nil {
			return errors.New("malformed form-encoded token response")
		}
		tf.AccessToken = vals.Get("access_token")
		tf.TokenType = vals.Get("token_type")
		tf.RefreshToken = vals.Get("refresh_token")
		if v := vals.Get("expires_in"); v != "" {
			tf.ExpiresIn = json.RawMessage(strconv.Quote(v))
		}
		if v := vals.Get("realm_id"); v != "" {
			tf.RealmID = json.RawMessage(strconv.Quote(v))
		}
		tf.Provider = vals.Get("provider")
		return nil
	case mt == "" || mt == "text/plain" || mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if err := json.Unmarshal(trimmed, tf); err != nil {
			return errors.New("malformed JSON token response")
		}
		return nil
	default:
		return errors.New("token response is not JSON")
	}
}

// token validates the decoded fields and builds the Token.
func (tf *tokenFields) token(now time.Time) (*Token, error) {
	access := accessValue(tf.AccessToken)
	if access == "" {
		return nil, errors.New("token response has no access_token")
	}
	if !validHeaderToken(access) {
		return nil, errors.New("access_token has characters that cannot be sent in a header")
	}
	if tf.TokenType != "" && !strings.EqualFold(tf.TokenType, "bearer") {
		return nil, fmt.Errorf("unsupported token_type %q (only bearer tokens are supported)", redact.Clip(tf.TokenType, 40))
	}
	realm, err := stringOrNumber(tf.RealmID)
	if err != nil {
		return nil, errors.New("malformed realm_id in token response")
	}
	if !validHeaderToken(tf.Provider) || !validHeaderToken(realm) {
		return nil, errors.New("realm_id or provider has characters that cannot be sent in a header")
	}
	t := &Token{
		AccessToken:  access,
		TokenType:    tf.TokenType,
		RefreshToken: tf.RefreshToken,
		RealmID:      realm,
		Provider:     tf.Provider,
	}
	secs, err := stringOrNumber(tf.ExpiresIn)
	if err != nil {
		return nil, errors.New("malformed expires_in in token response")
	}
	t.Expiry = expiryFrom(secs, t.AccessToken, now)
	return t, nil
}

// expiryFrom turns an expires_in value (seconds, possibly empty) into an
// expiry. A missing, zero, negative or unreadable lifetime falls back to the
// exp claim of a JWT access token, else to no expiry.
func expiryFrom(secs, access string, now time.Time) time.Time {
	if secs != "" {
		if f, err := strconv.ParseFloat(secs, 64); err == nil && f > 0 {
			d := maxLifetime
			if f < maxLifetime.Seconds() {
				d = time.Duration(f * float64(time.Second))
			}
			return now.Add(d)
		}
	}
	if exp, ok := jwtexp.Expiry(access); ok {
		return exp
	}
	return time.Time{}
}

// stringOrNumber reads a JSON string or number as a string; null or absent
// gives "".
func stringOrNumber(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return strings.TrimSpace(s), err
	}
	if !isJSONNumber(raw) {
		return "", errors.New("not a JSON string or number")
	}
	return string(raw), nil
}

// isJSONNumber reports whether b is a JSON number (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(b []byte) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(b)
}

// validHeaderToken reports whether s can be sent in a header value: no
// control characters, no line breaks.
func validHeaderToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// serverText makes a server-supplied string fit for an error: secrets taken
// out, clipped to n bytes, and taken out again, since Clip turns control
// characters into spaces and so can spell a secret ("pass\tword").
func serverText(s string, n int, secrets []string) string {
	return redact.ScrubClip(s, n, secrets...)
}

// contentType is resp's Content-Type, fit for an error: clipped and
// scrubbed of secrets.
func contentType(resp *http.Response, secrets []string) string {
	return serverText(resp.Header.Get("Content-Type"), 100, secrets)
}

// newAuthError builds the error for an answer from a token endpoint.
func newAuthError(resp *http.Response, grant, endpoint string, err error, secrets []string) *AuthError {
	e := &AuthError{Grant: grant, Endpoint: endpoint, Err: scrubErr(err, secrets)}
	if resp != nil {
		e.StatusCode = resp.StatusCode
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
// A delay too large for any integer, or a date centuries away, means "longer
// than anyone will wait": maxLifetime, never an overflow into no wait or a
// negative one. Anything unreadable, zero or past is 0.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if allDigits(v) {
		n, err := strconv.ParseUint(v, 10, 64)
		switch {
		case err != nil || n > uint64(maxLifetime/time.Second):
			return maxLifetime // overflowing digits are a very long wait
		case n == 0:
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxLifetime)
	}
	return 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// scrubbedError is an error whose message had secrets taken out. It
// answers errors.Is for its cause (context.Canceled, say) but does not
// unwrap to it, since the cause's own message holds the secret.
type scrubbedError struct {
	msg     string
	err     error
	network bool // err was a network failure (see isNetworkError)
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

func scrubErr(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// http.Client puts the full URL in its errors; keep it without
		// user information and query.
		cp := *ue
		cp.URL = redact.URL(ue.URL)
		if cp.Err != nil {
			cp.Err = scrubErr(cp.Err, secrets)
		}
		err = &cp
	}
	msg := err.Error()
	if s := redact.Scrub(msg, secrets...); s != msg {
		return &scrubbedError{msg: s, err: err, network: isNetworkError(err)}
	}
	return err
}
