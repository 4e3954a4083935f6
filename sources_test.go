package bearerkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

func TestSourcesService_List(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       []string // ids
	}{
		{"grid object", `{"items":[{"id":101,"label":"GA4"},{"id":"abc","label":"Sheet"}],"total":2}`, []string{"101", "abc"}},
		{"list after other fields", `{"total":1,"meta":{"items":[{"x":1}]},"data":[{"id":7}]}`, []string{"7"}},
		{"bare array", `[{"id":1},null,{"id":2}]`, []string{"1", "2"}},
		{"empty", `{"items":[]}`, []string{}},
		{"null", `null`, []string{}},
		{"null items", `{"items":null,"total":0}`, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/grids/source", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "GET")
				testAuth(t, r)
				testQuery(t, r, nil)
				writeBody(w, http.StatusOK, tt.body)
			})
			got, resp, err := c.Sources.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
			ids := []string{}
			for _, s := range got {
				ids = append(ids, s.ID)
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("ids %q, want %q", ids, tt.want)
			}
		})
	}
}

func TestSourcesService_List_noList(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"total":3}`, `"x"`, `{"items":`, `<html>`} {
		c, mux, _ := setup(t)
		mux.HandleFunc("/grids/source", func(w http.ResponseWriter, r *http.Request) { writeBody(w, 200, body) })
		got, _, err := c.Sources.List(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "bearerkit: GET ") {
			t.Errorf("%s: got %v, err %v; want an error", body, got, err)
		}
	}
}

func TestSource_decoding(t *testing.T) {
	t.Parallel()
	body := `{"id": 101, "label": "GA4 sessions", "description": "Daily", "type": "google_analytics4",
		"status": "broken", "service_id": 2, "service_label": "Sheets", "customer_id": "1001",
		"created": "2024-03-05T09:30:00Z", "unknown": {"nested": [1, 2]}}`
	var s bearerkit.Source
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	want := bearerkit.Source{ID: "101", Label: "GA4 sessions", Description: "Daily", Type: "google_analytics4",
		Status: "broken", ServiceID: "2", ServiceLabel: "Sheets", CustomerID: "1001",
		Created: time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)}
	raw := s.Raw
	s.Raw = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m["unknown"] == nil {
		t.Errorf("Raw = %s, want the whole item", raw)
	}
}

func TestSource_tolerantFields(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		body    string
		id      string
		created time.Time
	}{
		{`{"id":"  abc "}`, "abc", time.Time{}},
		{`{"id":12345678901234567890}`, "12345678901234567890", time.Time{}},
		{`{"id":null,"created":null}`, "", time.Time{}},
		{`{"id":{"$oid":"x"},"created":"garbage"}`, "", time.Time{}},
		{`{"created":"2024-03-05 09:30:00"}`, "", ts},
		{`{"created":"2024-03-05T09:30:00"}`, "", ts},
		{`{"created":"2024-03-05T11:30:00+02:00"}`, "", ts},
		{`{"created":1709631000}`, "", ts},
		{`{"created":"1709631000000"}`, "", ts},
		{`{"created":"2024-03-05"}`, "", ts.Truncate(24 * time.Hour)},
		{`{"label":5,"description":["x"]}`, "", time.Time{}}, // wrong types: left zero
	}
	for _, tt := range tests {
		var s bearerkit.Source
		if err := json.Unmarshal([]byte(tt.body), &s); err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if s.ID != tt.id || !s.Created.Equal(tt.created) {
			t.Errorf("%s: id %q created %v, want %q %v", tt.body, s.ID, s.Created, tt.id, tt.created)
		}
	}
}

func TestSourcesService_All(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var items []string
	for i := range 50 {
		items = append(items, fmt.Sprintf(`{"id":%d}`, i))
	}
	calls := 0
	mux.HandleFunc("GET /grids/source", func(w http.ResponseWriter, r *http.Request) {
		calls++
		writeBody(w, 200, `{"total":50,"items":[`+strings.Join(items, ",")+`]}`)
	})
	n := 0
	for s, err := range c.Sources.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if s.ID != fmt.Sprint(n) {
			t.Errorf("item %d has id %q", n, s.ID)
		}
		n++
	}
	if n != 50 || calls != 1 {
		t.Errorf("%d items in %d calls", n, calls)
	}

	// Breaking out early is fine.
	n = 0
	for _, err := range c.Sources.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("n = %d", n)
	}
}

func TestSourcesService_All_errors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /grids/source", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusForbidden, `{"statusCode":403,"message":"Forbidden"}`)
	})
	var errs []error
	for s, err := range c.Sources.All(context.Background()) {
		if s != nil {
			t.Errorf("source %v with an error", s)
		}
		errs = append(errs, err)
	}
	var ae *bearerkit.APIError
	if len(errs) != 1 || !errors.As(errs[0], &ae) || ae.StatusCode != 403 {
		t.Errorf("errs = %v", errs)
	}

	// A list cut short yields the items before the break, then the error.
	c2, mux2, _ := setup(t)
	mux2.HandleFunc("GET /grids/source", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 200, `{"items":[{"id":1},{"id":2},{"id":`)
	})
	var ids []string
	errs = nil
	for s, err := range c2.Sources.All(context.Background()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, s.ID)
	}
	if !reflect.DeepEqual(ids, []string{"1", "2"}) || len(errs) != 1 {
		t.Errorf("ids %q errs %v", ids, errs)
	}
}

func TestSourcesService_Get(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /sources/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "101" {
			writeBody(w, 404, `{"statusCode":404,"message":"Source not found"}`)
			return
		}
		writeBody(w, 200, `{"id":101,"label":"GA4 sessions","customer_id":1001,"created":"2024-03-05T09:30:00Z"}`)
	})
	s, _, err := c.Sources.Get(context.Background(), "101")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "101" || s.Label != "GA4 sessions" || s.CustomerID != "1001" {
		t.Errorf("source %+v", s)
	}
	s, resp, err := c.Sources.Get(context.Background(), "9")
	var ae *bearerkit.APIError
	if s != nil || !errors.As(err, &ae) || ae.StatusCode != 404 || resp.StatusCode != 404 {
		t.Errorf("unknown id: %v, %v", s, err)
	}
}

func TestSourcesService_Preview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit int
		query url.Values
	}{
		{0, nil},
		{-3, nil},
		{5, url.Values{"limit": {"5"}}},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t)
		mux.HandleFunc("GET /sources/{id}/preview", func(w http.ResponseWriter, r *http.Request) {
			testQuery(t, r, tt.query)
			writeBody(w, 200, `[{"date":"2024-03-04","sessions":12345678901234567,"country":null,"ok":true}]`)
		})
		rows, _, err := c.Sources.Preview(context.Background(), "101", tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		want := []map[string]any{{"date": "2024-03-04", "sessions": json.Number("12345678901234567"), "country": nil, "ok": true}}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("limit %d: rows %#v", tt.limit, rows)
		}
	}
}

func TestSourcesService_PreviewAll(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("GET /sources/{id}/preview", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"limit": {"3"}})
		writeBody(w, 200, `[{"n":1},{"n":2},{"n":3}]`)
	})
	var got []string
	for row, err := range c.Sources.PreviewAll(context.Background(), "101", 3) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(row["n"]))
	}
	if strings.Join(got, ",") != "1,2,3" {
		t.Errorf("rows %q", got)
	}
	for row, err := range c.Sources.PreviewAll(context.Background(), "", 3) {
		if row != nil || !errors.Is(err, bearerkit.ErrInvalidOption) {
			t.Errorf("empty id: %v, %v", row, err)
		}
	}
}

func TestSourcesService_DetectQuality(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit int
		want  string
	}{
		{0, "1000"},
		{-1, "1000"},
		{50, "50"},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t)
		mux.HandleFunc("GET /sources/{id}/detect", func(w http.ResponseWriter, r *http.Request) {
			testQuery(t, r, url.Values{"limit": {tt.want}})
			writeBody(w, 200, `{"source_id":101,"limit":`+tt.want+`,"rows_checked":"120","score":91,
				"columns":[{"name":"country","type":"string","null_count":7,"distinct_count":5}],
				"issues":[{"kind":"null_values","column":"country","severity":"warning","count":7,"message":"7 of 120 values are null"}],
				"checked_at":"2024-03-04T09:30:00Z","engine":{"version":"2"}}`)
		})
		rep, _, err := c.Sources.DetectQuality(context.Background(), "101", tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if rep.SourceID != "101" || fmt.Sprint(rep.Limit) != tt.want || rep.RowsChecked != 120 || rep.Score != 91 {
			t.Errorf("report %+v", rep)
		}
		if len(rep.Columns) != 1 || rep.Columns[0] != (bearerkit.QualityColumn{Name: "country", Type: "string", NullCount: 7, DistinctCount: 5}) {
			t.Errorf("columns %+v", rep.Columns)
		}
		if len(rep.Issues) != 1 || rep.Issues[0].Kind != "null_values" || rep.Issues[0].Count != 7 {
			t.Errorf("issues %+v", rep.Issues)
		}
		var raw struct{ Engine struct{ Version string } }
		if json.Unmarshal(rep.Raw, &raw) != nil || raw.Engine.Version != "2" {
			t.Errorf("Raw %s lacks the unknown field", rep.Raw)
		}
	}
}

func TestQualityReport_tolerant(t *testing.T) {
	t.Parallel()
	body := `{"score":"87.5","columns":{"b":{"type":"integer","null_count":"2"},"a":{"name":"a","min":1,"max":9}},
		"issues":"none","rows_checked":true}`
	var rep bearerkit.QualityReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Score != 87.5 || rep.RowsChecked != 0 || rep.Issues != nil || string(rep.Raw) != body {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Columns) != 2 || rep.Columns[0].Name != "a" || rep.Columns[0].Max != 9.0 || rep.Columns[1].Name != "b" || rep.Columns[1].NullCount != 2 {
		t.Errorf("columns %+v", rep.Columns)
	}
}

func TestSourcesService_contextCanceled(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "[]") })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Sources.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
