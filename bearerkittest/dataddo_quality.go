package bearerkittest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// generatedRows is how many rows a source has unless SetRows says otherwise.
const generatedRows = 120

// sourceRows returns the rows of a source: set by SetRows, or generated from its id
// (columns date, campaign, country, sessions, revenue; country is null every 17th row,
// every 50th row duplicates the one before, so detection has something to report).
// Called with d.mu held.
func (d *Dataddo) sourceRows(id int) []map[string]any {
	if rows, ok := d.rows[id]; ok {
		return rows
	}
	campaigns := []string{"brand", "retargeting", "newsletter", "spring_sale"}
	countries := []string{"CZ", "DE", "US", "GB", "FR"}
	rows := make([]map[string]any, 0, generatedRows)
	for i := range generatedRows {
		if i%50 == 49 {
			rows = append(rows, rows[i-1])
			continue
		}
		sessions := (id*7 + i*13) % 500
		row := map[string]any{
			"date":     seedTime.AddDate(0, 0, -i).Format(time.DateOnly),
			"campaign": campaigns[(id+i)%len(campaigns)],
			"country":  countries[(id*3+i)%len(countries)],
			"sessions": sessions,
			"revenue":  math.Round(float64(sessions)*37) / 100,
		}
		if i%17 == 16 {
			row["country"] = nil
		}
		rows = append(rows, row)
	}
	return rows
}

// limitParam reads ?limit=N (1..max), def when absent; it answers 400 when invalid.
func (d *Dataddo) limitParam(cl *call, w http.ResponseWriter, r *http.Request, def, maxN int) (int, bool) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxN {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, fmt.Sprintf("limit must be an integer from 1 to %d", maxN))
		return 0, false
	}
	return n, true
}

// preview serves GET /sources/{id}/preview?limit=N (default 100): a JSON array of rows.
func (d *Dataddo) preview(cl *call, w http.ResponseWriter, r *http.Request) {
	s, ok := d.source(cl, w, r)
	if !ok {
		return
	}
	limit, ok := d.limitParam(cl, w, r, 100, 10000)
	if !ok {
		return
	}
	d.mu.Lock()
	rows := d.sourceRows(s.ID)
	rows = rows[:min(limit, len(rows))]
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, nil, rows)
}

// DataddoQualityColumn is a column of a data-quality report (GET /sources/{id}/detect).
// Type is "integer", "number", "string", "date", "boolean", "mixed" or "null"; Min and Max
// are set for numbers and dates.
type DataddoQualityColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nulls    int    `json:"null_count"`
	Distinct int    `json:"distinct_count"`
	Min      any    `json:"min,omitempty"`
	Max      any    `json:"max,omitempty"`
}

// DataddoQualityIssue is a finding of a data-quality report. Kind is "null_values",
// "duplicate_rows" or "negative_values"; Column is "" for row-level findings.
type DataddoQualityIssue struct {
	Kind     string `json:"kind"`
	Column   string `json:"column,omitempty"`
	Severity string `json:"severity"`
	Count    int    `json:"count"`
	Message  string `json:"message"`
}

// DataddoQualityReport is what GET /sources/{id}/detect?limit=N (default 1000) answers: the
// first N rows checked, per-column statistics, issues, and a score from 0 to 100.
type DataddoQualityReport struct {
	SourceID    int                    `json:"source_id"`
	Limit       int                    `json:"limit"`
	RowsChecked int                    `json:"rows_checked"`
	Columns     []DataddoQualityColumn `json:"columns"`
	Issues      []DataddoQualityIssue  `json:"issues"`
	Score       int                    `json:"score"`
	CheckedAt   time.Time              `json:"checked_at"`
}

func (d *Dataddo) detect(cl *call, w http.ResponseWriter, r *http.Request) {
	s, ok := d.source(cl, w, r)
	if !ok {
		return
	}
	limit, ok := d.limitParam(cl, w, r, 1000, 100000)
	if !ok {
		return
	}
	d.mu.Lock()
	rows := d.sourceRows(s.ID)
	rows = rows[:min(limit, len(rows))]
	rep := analyze(rows)
	rep.SourceID, rep.Limit, rep.CheckedAt = s.ID, limit, d.now().UTC()
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, nil, rep)
}

// analyze computes the report of rows.
func analyze(rows []map[string]any) DataddoQualityReport {
	rep := DataddoQualityReport{RowsChecked: len(rows), Columns: []DataddoQualityColumn{}, Issues: []DataddoQualityIssue{}}
	var names []string
	seen := map[string]bool{}
	for _, row := range rows {
		for k := range row {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	bad := 0
	for _, name := range names {
		col, negatives := analyzeColumn(name, rows)
		rep.Columns = append(rep.Columns, col)
		if col.Nulls > 0 {
			rep.Issues = append(rep.Issues, DataddoQualityIssue{Kind: "null_values", Column: name, Severity: "warning",
				Count: col.Nulls, Message: fmt.Sprintf("%d of %d values are null", col.Nulls, len(rows))})
			bad += col.Nulls
		}
		if negatives > 0 {
			rep.Issues = append(rep.Issues, DataddoQualityIssue{Kind: "negative_values", Column: name, Severity: "info",
				Count: negatives, Message: fmt.Sprintf("%d negative values", negatives)})
			bad += negatives
		}
	}
	keys := map[string]bool{}
	dups := 0
	for _, row := range rows {
		b, _ := json.Marshal(row) // map keys are sorted: equal rows give equal keys
		if keys[string(b)] {
			dups++
		}
		keys[string(b)] = true
	}
	if dups > 0 {
		rep.Issues = append(rep.Issues, DataddoQualityIssue{Kind: "duplicate_rows", Severity: "warning", Count: dups,
			Message: fmt.Sprintf("%d rows duplicate an earlier row", dups)})
		bad += dups * max(1, len(names))
	}
	rep.Score = 100
	if cells := len(rows) * len(names); cells > 0 {
		rep.Score = int(math.Round(100 * (1 - math.Min(1, float64(bad)/float64(cells)))))
	}
	return rep
}

func analyzeColumn(name string, rows []map[string]any) (DataddoQualityColumn, int) {
	col := DataddoQualityColumn{Name: name}
	distinct := map[string]bool{}
	types := map[string]bool{}
	var lo, hi float64
	var dlo, dhi string
	negatives, nums := 0, 0
	for _, row := range rows {
		v := row[name]
		if v == nil {
			col.Nulls++
			continue
		}
		b, _ := json.Marshal(v)
		distinct[string(b)] = true
		if f, ok := number(v); ok {
			if f != math.Trunc(f) {
				types["number"] = true
			} else {
				types["integer"] = true
			}
			if nums == 0 || f < lo {
				lo = f
			}
			if nums == 0 || f > hi {
				hi = f
			}
			nums++
			if f < 0 {
				negatives++
			}
			continue
		}
		switch v := v.(type) {
		case string:
			if _, err := time.Parse(time.DateOnly, v); err == nil {
				types["date"] = true
				if dlo == "" || v < dlo {
					dlo = v
				}
				if v > dhi {
					dhi = v
				}
			} else {
				types["string"] = true
			}
		case bool:
			types["boolean"] = true
		default:
			types["mixed"] = true
		}
	}
	col.Distinct = len(distinct)
	switch {
	case len(types) == 0:
		col.Type = "null"
	case len(types) == 2 && types["integer"] && types["number"]:
		col.Type = "number"
	case len(types) > 1:
		col.Type = "mixed"
	default:
		for t := range types {
			col.Type = t
		}
	}
	switch col.Type {
	case "integer", "number":
		col.Min, col.Max = lo, hi
	case "date":
		col.Min, col.Max = dlo, dhi
	}
	return col, negatives
}

// number converts the numeric types rows may hold.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}
