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
	err = decodeList(resp.Response, func(v T) bool { out = append(out, v); return true })
	if err != nil {
		return nil, resp, err
	}
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
		stopped := false
		err = decodeList(resp.Response, func(v T) bool {
			stopped = !yield(v, nil)
			return !stopped
		})
		if err != nil && !stopped {
			yield(zero, err)
		}
	}
}

// decodeList reads a JSON array from resp.Body, or an object holding one
// under one of listKeys, calling fn with each element that is not null
// until fn returns false. Numbers in untyped values (map[string]any) are
// json.Number. An empty body, null, or a list key holding null is an
// empty list.
func decodeList[T any](resp *http.Response, fn func(T) bool) error {
	dec := json.NewDecoder(resp.Body)
	tok, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return decodeError(resp, err)
	case tok == nil:
		return nil
	case tok == json.Delim('['):
		return decodeElements(resp, dec, fn)
	case tok != json.Delim('{'):
		return decodeError(resp, errNoList)
	}
	nullList := false // {"items": null}: an empty list, unless another key has one
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return decodeError(resp, err)
		}
		key, _ := kt.(string)
		vt, err := dec.Token()
		if err != nil {
			return decodeError(resp, err)
		}
		if slices.Contains(listKeys, key) {
			switch vt {
			case json.Delim('['):
				return decodeElements(resp, dec, fn)
			case nil:
				nullList = true
			}
		}
		if err := skipValue(dec, vt); err != nil {
			return decodeError(resp, err)
		}
	}
	if nullList {
		return nil
	}
	return decodeError(resp, errNoList)
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
