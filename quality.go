package bearerkit

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"time"
)

// QualityReport is the answer of SourcesService.DetectQuality. Its shape is
// undocumented: the fields below are read when present (numbers may come
// as strings), and Raw keeps the whole answer for everything else.
type QualityReport struct {
	// SourceID is the source checked.
	SourceID string `json:"source_id,omitempty"`

	// Limit is the number of rows asked for; RowsChecked the number
	// checked (fewer when the source has fewer).
	Limit       int `json:"limit,omitempty"`
	RowsChecked int `json:"rows_checked,omitempty"`

	// Score rates the data from 0 (bad) to 100 (no findings); zero when not
	// sent.
	Score float64 `json:"score,omitempty"`

	// Columns are per-column statistics; Issues the findings.
	Columns []QualityColumn `json:"columns,omitempty"`
	Issues  []QualityIssue  `json:"issues,omitempty"`

	// CheckedAt is when the check ran; zero when not sent.
	CheckedAt time.Time `json:"checked_at,omitzero"`

	// Raw is the report's JSON as the platform sent it.
	Raw json.RawMessage `json:"-"`
}

// QualityColumn is the statistics of one column of a QualityReport.
type QualityColumn struct {
	// Name is the column's name.
	Name string `json:"name"`

	// Type is the detected type, e.g. "integer", "number", "string",
	// "date", "boolean", "mixed" or "null".
	Type string `json:"type,omitempty"`

	// NullCount is the number of null values, DistinctCount that of
	// distinct non-null values, among the rows checked.
	NullCount     int `json:"null_count"`
	DistinctCount int `json:"distinct_count"`

	// Min and Max are the smallest and largest values (a float64 for
	// numbers, a string for dates), nil when not sent.
	Min any `json:"min,omitempty"`
	Max any `json:"max,omitempty"`
}

// QualityIssue is one finding of a QualityReport.
type QualityIssue struct {
	// Kind names the finding, e.g. "null_values" or "duplicate_rows".
	Kind string `json:"kind"`

	// Column is the column concerned; empty for a row-level finding.
	Column string `json:"column,omitempty"`

	// Severity is, e.g., "info", "warning" or "error".
	Severity string `json:"severity,omitempty"`

	// Count is how many values or rows are affected.
	Count int `json:"count"`

	// Message describes the finding for people.
	Message string `json:"message,omitempty"`
}

// UnmarshalJSON decodes a report tolerantly and keeps it in Raw.
func (q *QualityReport) UnmarshalJSON(b []byte) error {
	type plain QualityReport
	aux := struct {
		*plain
		SourceID    flexString     `json:"source_id"`
		Limit       flexInt        `json:"limit"`
		RowsChecked flexInt        `json:"rows_checked"`
		Score       flexFloat      `json:"score"`
		Columns     qualityColumns `json:"columns"`
		CheckedAt   flexTime       `json:"checked_at"`
	}{plain: (*plain)(q)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	q.SourceID, q.Limit, q.RowsChecked = string(aux.SourceID), int(aux.Limit), int(aux.RowsChecked)
	q.Score, q.Columns, q.CheckedAt = float64(aux.Score), []QualityColumn(aux.Columns), time.Time(aux.CheckedAt)
	q.Raw = cloneRaw(b)
	return nil
}

// UnmarshalJSON decodes a column tolerantly (counts may be strings).
func (c *QualityColumn) UnmarshalJSON(b []byte) error {
	type plain QualityColumn
	aux := struct {
		*plain
		NullCount     flexInt `json:"null_count"`
		DistinctCount flexInt `json:"distinct_count"`
	}{plain: (*plain)(c)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	c.NullCount, c.DistinctCount = int(aux.NullCount), int(aux.DistinctCount)
	return nil
}

// UnmarshalJSON decodes an issue tolerantly (the count may be a string).
func (i *QualityIssue) UnmarshalJSON(b []byte) error {
	type plain QualityIssue
	aux := struct {
		*plain
		Count flexInt `json:"count"`
	}{plain: (*plain)(i)}
	if err := lenient(json.Unmarshal(b, &aux)); err != nil {
		return err
	}
	i.Count = int(aux.Count)
	return nil
}

// qualityColumns reads columns as an array, or as an object keyed by
// column name (sorted by name).
type qualityColumns []QualityColumn

func (qc *qualityColumns) UnmarshalJSON(b []byte) error {
	*qc = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '[':
		var cols []QualityColumn
		if lenient(json.Unmarshal(b, &cols)) == nil {
			*qc = cols
		}
	case '{':
		var m map[string]QualityColumn
		if lenient(json.Unmarshal(b, &m)) != nil {
			return nil
		}
		for name, c := range m {
			if c.Name == "" {
				c.Name = name
			}
			*qc = append(*qc, c)
		}
		slices.SortFunc(*qc, func(a, b QualityColumn) int { return cmp.Compare(a.Name, b.Name) })
	}
	return nil
}
