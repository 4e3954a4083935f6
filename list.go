package bearerkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// listKeys are the fields an object answer may hold its list under, as
// the sources grid does ({"items": [...], "total": N}).
var listKeys = []string{"items", "data", "results", "rows", "records", "list", "sources", "services", "tokens"}

var errNoList = errors.New("no list in the answer")

// listOf GETs path and collects the list the answer holds (see decodeList).
func listOf[T any](ctx context.Context, c *Client, path string) ([]T, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.bareDo(req)
	if err != nil {
		return nil, resp, err
	}
	defer closeBody(resp.Response)
	out := []T{}
	meta, err := decodeList(resp.Response, func(v T) bool { out = append(out, v); return true })
	if err != nil {
		return nil, resp, err
	}
	meta.apply(resp, len(out))
	return out, resp, nil
}

// streamOf GETs path and yields the elements of the list the answer holds
// one by one as they are decoded, so a long list is never held whole. A
// failure is yielded once, as the last pair. Breaking out of the loop
// closes the answer.
func streamOf[T any](ctx context.Context, c *Client, path string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
		if err != nil {
			yield(zero, err)
			return
		}
		resp, err := c.bareDo(req)
		if err != nil {
			yield(zero, err)
			return
		}
		defer closeBody(resp.Response)
		stopped, n := false, 0
		meta, err := decodeList(resp.Response, func(v T) bool {
			n++
			stopped = !yield(v, nil)
			return !stopped
		})
		switch {
		case stopped:
		case err != nil:
			yield(zero, err)
		default:
			if meta.apply(resp, n); resp.Truncated {
				yield(zero, &TruncatedError{Got: n, Total: resp.Total, Next: resp.Next})
			}
		}
	}
}

// listMeta is what a list answer says about the list as a whole.
type listMeta struct {
	total   int64 // -1: not said
	next    string
	hasMore bool
}

// apply puts meta, and what the headers say, into resp, which holds got
// items.
func (m listMeta) apply(resp *Response, got int) {
	total, next := m.total, m.next
	if total < 0 {
		if v, err := strconv.ParseInt(resp.Header.Get("X-Total-Count"), 10, 64); err == nil && v >= 0 {
			total = v
		}
	}
	if next == "" {
		next = linkNext(resp.Header.Values("Link"))
	}
	resp.Total, resp.Next = total, next
	resp.Truncated = (total >= 0 && int64(got) < total) || next != "" || m.hasMore
}

// linkNext returns the target of an RFC 8288 Link with rel="next".
func linkNext(values []string) string {
	for _, v := range values {
		for link := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(link, ";")
			if !ok {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.ToLower(strings.Trim(val, `"`))), "next") {
					return strings.Trim(strings.TrimSpace(target), "<>")
				}
			}
		}
	}
	return ""
}

// metaKeys are the fields of a list answer that say something of the
// whole list.
func (m *listMeta) read(key string, raw json.RawMessage) {
	switch strings.ToLower(key) {
	case "total", "total_count", "totalcount", "count", "total_items", "totalitems":
		if n, err := stringOrNumber(raw); err == nil {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil && v >= 0 {
				m.total = v
			}
		}
	case "next", "next_page", "nextpage", "next_cursor", "nextcursor", "next_page_url":
		var s string
		if json.Unmarshal(raw, &s) == nil {
			m.next = strings.TrimSpace(s)
		} else if n, err := stringOrNumber(raw); err == nil && n != "" {
			m.next = n
		}
	case "has_more", "hasmore":
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			m.hasMore = b
		}
	}
}

// decodeList reads a JSON array from resp.Body, or an object holding one
// under one of listKeys, calling fn with each element that is not null
// until fn returns false, and returns what the object's other fields say
// of the whole list. Numbers in untyped values (map[string]any) are
// json.Number. An empty body, null, or a list key holding null is an
// empty list.
func decodeList[T any](resp *http.Response, fn func(T) bool) (listMeta, error) {
	meta := listMeta{total: -1}
	stopped := false
	inner := fn
	fn = func(v T) bool {
		stopped = !inner(v)
		return !stopped
	}
	dec := json.NewDecoder(resp.Body)
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return meta, nil
	case err != nil:
		return meta, decodeError(resp, err)
	case tok == nil:
		return meta, nil
	case tok == json.Delim('['):
		return meta, decodeElements(resp, dec, fn)
	case tok != json.Delim('{'):
		return meta, decodeError(resp, errNoList)
	}
	found, nullList := false, false // {"items": null}: an empty list, unless another key has one
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return meta, decodeError(resp, err)
		}
		key, _ := kt.(string)
		if !found && slices.Contains(listKeys, key) {
			vt, err := dec.Token()
			if err != nil {
				return meta, decodeError(resp, err)
			}
			switch vt {
			case json.Delim('['):
				found = true
				if err := decodeElements(resp, dec, fn); err != nil || stopped {
					return meta, err
				}
				continue
			case nil:
				nullList = true
				continue
			}
			if err := skipValue(dec, vt); err != nil {
				return meta, decodeError(resp, err)
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return meta, decodeError(resp, err)
		}
		meta.read(key, raw)
	}
	if found || nullList {
		return meta, nil
	}
	return meta, decodeError(resp, errNoList)
}

func decodeElements[T any](resp *http.Response, dec *json.Decoder, fn func(T) bool) error {
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return decodeError(resp, err)
		}
		if string(raw) == "null" {
			continue
		}
		var v T
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := lenient(d.Decode(&v)); err != nil {
			return decodeError(resp, err)
		}
		if !fn(v) {
			return nil
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return decodeError(resp, err)
	}
	return nil
}

// skipValue skips the rest of a value whose first token was tok.
func skipValue(dec *json.Decoder, tok json.Token) error {
	depth := 0
	for {
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = dec.Token(); err != nil {
			return err
		}
	}
}
