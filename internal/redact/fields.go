package redact

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Field is one field of a configuration struct, described for printing.
type Field struct {
	Name   string
	Value  any
	Secret bool // a non-empty string Value is shown as Placeholder
	URL    bool // a string Value is shown without user info and query
}

func (f Field) shown() any {
	s, isString := f.Value.(string)
	switch {
	case f.Secret && isString:
		return Secret(s)
	case f.Secret:
		if f.Value == nil {
			return ""
		}
		return Placeholder
	case f.URL && isString:
		return URL(s)
	}
	return f.Value
}

// String renders typ{Name: value, …}, secrets redacted, empty fields left
// out.
func String(typ string, fs ...Field) string {
	var b strings.Builder
	b.WriteString(typ)
	b.WriteString("{")
	n := 0
	for _, f := range fs {
		v := f.shown()
		if isZero(v) {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(f.Name)
		b.WriteString(": ")
		switch v := v.(type) {
		case *http.Client:
			b.WriteString("(custom *http.Client)")
		case fmt.Stringer:
			b.WriteString(v.String())
		default:
			fmt.Fprint(&b, v)
		}
	}
	b.WriteString("}")
	return b.String()
}

// GoString renders typ{Name:value, …} in Go syntax, secrets redacted.
func GoString(typ string, fs ...Field) string {
	var b strings.Builder
	b.WriteString(typ)
	b.WriteString("{")
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteString(":")
		switch v := f.shown().(type) {
		case *http.Client:
			fmt.Fprintf(&b, "(*http.Client)(%p)", v)
		default:
			fmt.Fprintf(&b, "%#v", v)
		}
	}
	b.WriteString("}")
	return b.String()
}

// LogValue renders the fields as a slog group, secrets redacted, empty
// fields left out.
func LogValue(fs ...Field) slog.Value {
	attrs := make([]slog.Attr, 0, len(fs))
	for _, f := range fs {
		v := f.shown()
		if isZero(v) {
			continue
		}
		switch v := v.(type) {
		case string:
			attrs = append(attrs, slog.String(f.Name, v))
		case *http.Client:
			attrs = append(attrs, slog.Bool(f.Name, true))
		case fmt.Stringer:
			attrs = append(attrs, slog.String(f.Name, v.String()))
		default:
			attrs = append(attrs, slog.String(f.Name, fmt.Sprint(v)))
		}
	}
	return slog.GroupValue(attrs...)
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	case *http.Client:
		return v == nil
	case bool:
		return !v
	case int:
		return v == 0
	}
	return false
}

// JSON renders the fields as a JSON object, secrets redacted, empty fields
// left out: the MarshalJSON of configuration types, so that json.Marshal
// (and slog's JSONHandler, which uses it for slices, maps and nested
// structs) cannot reach a secret either.
func JSON(fs ...Field) ([]byte, error) {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		v := f.shown()
		if isZero(v) {
			continue
		}
		switch v := v.(type) {
		case string:
			m[f.Name] = v
		case *http.Client:
			m[f.Name] = "(custom *http.Client)"
		case fmt.Stringer:
			m[f.Name] = v.String()
		default:
			m[f.Name] = fmt.Sprint(v)
		}
	}
	return json.Marshal(m)
}
