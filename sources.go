package bearerkit

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strconv"
	"time"
)

// SourcesService is the data sources API of the platform: the sources
// grid, single sources, previews of their rows and data-quality detection
// (docs/platforms/dataddo.md). Get it from Client.Sources; it is safe for concurrent
// use.
type SourcesService service

// DefaultQualityRows is how many rows DetectQuality checks when its limit
// is zero or negative.
const DefaultQualityRows = 1000

// Source is a data source: an item of the sources grid (List, All) or of
// GET /sources/{id} (Get). The two carry different fields; those a given
// answer lacks are zero, and Raw holds the item as sent, unknown fields
// included.
type Source struct {
	// ID identifies the source in the other calls. It is a string even
	// when the platform sends a number.
	ID string `json:"id"`

	// Label is the source's name; Description the user's note on it.
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`

	// Type is the connector of the source, e.g. "google_analytics4".
	Type string `json:"type,omitempty"`

	// Status is the grid's state of the source, e.g. "ok" or "broken";
	// empty when not sent.
	Status string `json:"status,omitempty"`

	// ServiceID and ServiceLabel name the authorizer the source reads
	// with (see AuthorizersService); empty when not sent.
	ServiceID    string `json:"service_id,omitempty"`
	ServiceLabel string `json:"service_label,omitempty"`

	// CustomerID is the account the source belongs to.
	CustomerID string `json:"customer_id,omitempty"`

	// Created is when the source was made; zero when not sent or not
	// readable.
	Created time.Time `json:"created,omitzero"`

	// Raw is the source's JSON as the platform sent it.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a source tolerantly: ids given as numbers or
// strings, times in any common layout, fields of unexpected types left
// zero.
func (s *Source) UnmarshalJSON(b []byte) error {
	type plain Source
	aux := struct {
		*plain
		ID         flexString `json:"id"`
		ServiceID  flexString `json:"service_id"`
		CustomerID flexString `json:"customer_id"`
		Status     flexString `json:"status"`
		Created    flexTime   `json:"created"`
	}{plain: (*plain)(s)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	s.ID, s.ServiceID, s.CustomerID, s.Status = string(aux.ID), string(aux.ServiceID), string(aux.CustomerID), string(aux.Status)
	s.Created = time.Time(aux.Created)
	s.Raw = cloneRaw(b)
	return nil
}

// List returns the sources grid (GET grids/source), the list the
// platform's own UI shows. The grid may come as a JSON array or as an
// object holding it ({"items": [...]}); either is read.
func (s *SourcesService) List(ctx context.Context) ([]*Source, *Response, error) {
	return listOf[*Source](ctx, s.client, "grids/source")
}

// All is List as an iterator: it yields the grid's sources one by one as
// they are decoded, so a long grid is never held whole. A failure is
// yielded once, as the last pair (with a nil *Source). Each call of the
// iterator makes one request; breaking out of the loop closes it.
func (s *SourcesService) All(ctx context.Context) iter.Seq2[*Source, error] {
	return streamOf[*Source](ctx, s.client, "grids/source")
}

// Get returns one source (GET sources/{id}). An unknown id gives an
// *APIError with StatusCode 404.
func (s *SourcesService) Get(ctx context.Context, id string) (*Source, *Response, error) {
	p, err := pathOf("sources", id)
	if err != nil {
		return nil, nil, err
	}
	req, err := s.client.NewRequest(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, nil, err
	}
	src := new(Source)
	resp, err := s.client.Do(req, src)
	if err != nil {
		return nil, resp, err
	}
	return src, resp, nil
}

// Preview returns the first limit rows of a source (GET
// sources/{id}/preview?limit=N); limit <= 0 lets the platform choose. Each
// row maps column names to values: string, bool, nil, json.Number (so no
// precision is lost), []any or map[string]any.
func (s *SourcesService) Preview(ctx context.Context, id string, limit int) ([]map[string]any, *Response, error) {
	p, err := previewPath(id, "preview", limit)
	if err != nil {
		return nil, nil, err
	}
	return listOf[map[string]any](ctx, s.client, p)
}

// PreviewAll is Preview as an iterator: it yields the rows one by one as
// they are decoded, so a large preview is never held whole. A failure is
// yielded once, as the last pair (with a nil row).
func (s *SourcesService) PreviewAll(ctx context.Context, id string, limit int) iter.Seq2[map[string]any, error] {
	p, err := previewPath(id, "preview", limit)
	if err != nil {
		return func(yield func(map[string]any, error) bool) { yield(nil, err) }
	}
	return streamOf[map[string]any](ctx, s.client, p)
}

func previewPath(id, what string, limit int) (string, error) {
	p, err := pathOf("sources", id, what)
	if err != nil {
		return "", err
	}
	if limit > 0 {
		p += "?limit=" + strconv.Itoa(limit)
	}
	return p, nil
}

// DetectQuality runs the platform's data-quality detection on the first
// limit rows of a source (GET sources/{id}/detect?limit=N); limit <= 0
// means DefaultQualityRows. The report's known fields are decoded, and its
// Raw field keeps the whole answer.
func (s *SourcesService) DetectQuality(ctx context.Context, id string, limit int) (*QualityReport, *Response, error) {
	if limit <= 0 {
		limit = DefaultQualityRows
	}
	p, err := previewPath(id, "detect", limit)
	if err != nil {
		return nil, nil, err
	}
	req, err := s.client.NewRequest(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, nil, err
	}
	rep := new(QualityReport)
	resp, err := s.client.Do(req, rep)
	if err != nil {
		return nil, resp, err
	}
	return rep, resp, nil
}
