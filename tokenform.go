package bearerkit

import (
	"net/url"
	"slices"
	"strings"
)

// tokenForm is the body of a token request: the few fields of a grant,
// encoded as url.Values.Encode encodes them (keys sorted, each key and value
// query-escaped) into one string, without a map or its slices.
type tokenForm struct {
	n      int
	fields [maxFormFields]formField
}

// maxFormFields is the most fields a grant sends: grant_type, username,
// password, scope, client_id and client_secret.
const maxFormFields = 6

type formField struct{ key, value string }

// set adds a field, or replaces the value of one already there.
func (f *tokenForm) set(key, value string) {
	for i := range f.n {
		if f.fields[i].key == key {
			f.fields[i].value = value
			return
		}
	}
	f.fields[f.n] = formField{key, value} // grants never set more than maxFormFields
	f.n++
}

// encode returns the form in the "application/x-www-form-urlencoded"
// format.
func (f *tokenForm) encode() string {
	fields := f.fields[:f.n]
	slices.SortFunc(fields, func(a, b formField) int { return strings.Compare(a.key, b.key) })
	var esc [maxFormFields][2]string
	size := 0
	for i, fl := range fields {
		esc[i] = [2]string{url.QueryEscape(fl.key), url.QueryEscape(fl.value)}
		size += len(esc[i][0]) + len(esc[i][1]) + 2
	}
	var b strings.Builder
	b.Grow(size)
	for i := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(esc[i][0])
		b.WriteByte('=')
		b.WriteString(esc[i][1])
	}
	return b.String()
}
