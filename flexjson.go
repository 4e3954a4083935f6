package bearerkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The platform's JSON is documented loosely: ids and realm_id come as
// numbers or strings, times in several layouts, fields go missing. The
// models decode through these types, which never fail: a value they cannot
// read leaves the field zero, and the models that keep Raw still hold it.

// flexString reads a JSON string or number (or bool) as a string; null, an
// object or an array give "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, b[0] == '{', b[0] == '[', string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*f = flexString(strings.TrimSpace(s))
		}
	default: // number, true, false
		*f = flexString(b)
	}
	return nil
}

// flexBool reads a JSON bool, a number (0 is false) or a string such as
// "true", "ok" or "broken"; anything else, null included, gives nil.
type flexBool struct{ v *bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	f.v = parseBool(b)
	return nil
}

func parseBool(b []byte) *bool {
	b = bytes.TrimSpace(b)
	t, fa := true, false
	var s string
	switch {
	case len(b) == 0:
		return nil
	case b[0] == '"':
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
	default:
		s = string(b)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "ok", "yes", "active", "success", "succeeded", "passed", "connected", "valid":
		return &t
	case "false", "0", "error", "no", "broken", "failed", "failure", "fail", "invalid", "ko", "inactive":
		return &fa
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		v := n != 0
		return &v
	}
	return nil
}

// flexTime reads a time: an RFC 3339 string (with or without a zone, with a
// "T" or a space), a date, or Unix seconds or milliseconds as a number or a
// numeric string. null, "" and anything unreadable give the zero time.
type flexTime time.Time

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	*f = flexTime(parseTime(b))
	return nil
}

func parseTime(b []byte) time.Time {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return time.Time{}
	}
	s := string(b)
	if b[0] == '"' {
		if json.Unmarshal(b, &s) != nil {
			return time.Time{}
		}
		s = strings.TrimSpace(s)
	}
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) || n > 1e15 {
			return time.Time{}
		}
		if n > 1e11 { // milliseconds: 1e11 seconds is the year 5138
			n /= 1000
		}
		sec, frac := math.Modf(n)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// flexSeconds reads a duration: a number of seconds (a JSON number or a
// numeric string) or a Go duration string such as "412ms".
type flexSeconds time.Duration

func (f *flexSeconds) UnmarshalJSON(b []byte) error {
	*f = 0
	s, err := stringOrNumber(b)
	if err != nil || s == "" {
		return nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n > 0 && n < maxLifetime.Seconds() {
			*f = flexSeconds(time.Duration(n * float64(time.Second)))
		}
		return nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		*f = flexSeconds(d)
	}
	return nil
}

// flexFloat reads a number, or a number in a string.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	*f = 0
	if s, err := stringOrNumber(b); err == nil && s != "" {
		if n, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
			*f = flexFloat(n)
		}
	}
	return nil
}

// flexInt reads an integer, or one in a string; a fraction is dropped.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var n flexFloat
	_ = n.UnmarshalJSON(b)
	if math.Abs(float64(n)) < 1<<53 {
		*f = flexInt(n)
	}
	return nil
}

// flexLines reads log lines: an array of strings (objects give their
// "message", "msg" or "text", else their JSON), or one string split into
// lines.
type flexLines []string

func (f *flexLines) UnmarshalJSON(b []byte) error {
	*f = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil && s != "" {
			*f = strings.Split(strings.TrimRight(s, "\n"), "\n")
		}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			return nil
		}
		for _, it := range items {
			*f = append(*f, logLine(it))
		}
	}
	return nil
}

func logLine(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			for _, k := range []string{"message", "msg", "text"} {
				var s string
				if json.Unmarshal(m[k], &s) == nil && s != "" {
					return s
				}
			}
		}
		return string(raw)
	}
	var s flexString
	_ = s.UnmarshalJSON(raw)
	return string(s)
}

// lenient drops the type mismatches json.Unmarshal reports after decoding
// everything else (a field of an unexpected type is left zero); other
// errors are kept.
func lenient(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return nil
	}
	return err
}

// cloneRaw copies b, which json.Unmarshal may reuse.
func cloneRaw(b []byte) json.RawMessage {
	return append(json.RawMessage(nil), bytes.TrimSpace(b)...)
}

// pathOf joins segments into a relative path, escaping each with
// url.PathEscape so that an id such as "a/b" or "../x" stays one segment.
// An empty id is refused, since it would change what is addressed
// ("sources/" lists instead of getting one), and so are "." and "..".
// Errors wrap ErrInvalidOption.
func pathOf(segments ...string) (string, error) {
	var b strings.Builder
	for i, s := range segments {
		switch s {
		case "":
			return "", fmt.Errorf("%w: empty id", ErrInvalidOption)
		case ".", "..":
			return "", fmt.Errorf("%w: id %q is not allowed", ErrInvalidOption, s)
		}
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), nil
}
