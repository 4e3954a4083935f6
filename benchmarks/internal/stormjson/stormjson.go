// Package stormjson is the JSON the storm command writes with -json and the
// report command reads: one schema for both sides.
package stormjson

// Results is the whole file.
type Results struct {
	GOOS      string   `json:"goos"`
	GOARCH    string   `json:"goarch"`
	CPUs      int      `json:"cpus"`
	GoVersion string   `json:"go_version"`
	Expired   []Storm  `json:"expired"`
	Revoked   []Storm  `json:"revoked"`
	Steady    []Steady `json:"steady"`
}

// Storm is one (N, client) row of a storm, over its rounds.
type Storm struct {
	N          int       `json:"n"`
	Client     string    `json:"client"`
	Rounds     int       `json:"rounds"`
	TokenCalls int64     `json:"token_calls"` // the most of any round
	Failures   int64     `json:"failures"`    // all rounds
	Held       int       `json:"held,omitempty"`
	OK         bool      `json:"ok"`     // some round had no failure: P50 and P99 are figures
	P50        float64   `json:"p50_ms"` // median over the rounds without failures
	P99        float64   `json:"p99_ms"`
	P50s       []float64 `json:"p50s_ms"` // every round's
	P99s       []float64 `json:"p99s_ms"`
}

// Steady is one client's steady load.
type Steady struct {
	Client       string  `json:"client"`
	Requests     int     `json:"requests"`
	Renewals     int64   `json:"renewals"`
	SyncRenewals int64   `json:"sync_renewals"`
	Late         int64   `json:"late"`
	Failures     int64   `json:"failures"`
	P50          float64 `json:"p50_ms"`
	P99          float64 `json:"p99_ms"`
	P100         float64 `json:"p100_ms"`
}
