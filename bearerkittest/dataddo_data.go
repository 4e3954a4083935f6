package bearerkittest

import (
	"fmt"
	"slices"
	"time"
)

// BrokenGoogleDetail is the status_detail (and debug message) of the seeded broken Google
// Sheets service: what an upstream Google refresh answers once its grant is gone.
const BrokenGoogleDetail = `oauth2: cannot fetch token: 400 Bad Request {"error":"invalid_grant","error_description":"Bad Request"}`

// DataddoSource is a data source, as GET /sources and GET /sources/{id} return it.
// ServiceID is the authorizer the source reads with (0: none).
type DataddoSource struct {
	ID          int       `json:"id"`
	Label       string    `json:"label"`
	Description string    `json:"description"`
	Type        string    `json:"type"`
	CustomerID  int       `json:"customer_id"`
	Created     time.Time `json:"created"`
	ServiceID   int       `json:"service_id"`
}

// DataddoService is an authorizer ("authorized service", docs/platforms/dataddo-authorizers.md). Status false is
// the UI's "Broken" state, with the reason in StatusDetail. ServiceType is "source" or
// "destination".
type DataddoService struct {
	ID           int       `json:"id"`
	Service      string    `json:"service"`
	Label        string    `json:"label"`
	LastAction   time.Time `json:"last_action"`
	Status       bool      `json:"status"`
	StatusDetail string    `json:"status_detail"`
	CustomerID   int       `json:"customer_id"`
	ServiceType  string    `json:"service_type"`
}

// DataddoToken is an API token of the account (GET /tokens). LastUse nil means never used.
// These tokens are data only: the emulated API does not accept them as bearer tokens.
type DataddoToken struct {
	ID         int        `json:"id"`
	CreatedAt  time.Time  `json:"created_at"`
	CustomerID int        `json:"customer_id"`
	Token      string     `json:"token"`
	Name       string     `json:"name"`
	LastUse    *time.Time `json:"last_use"`
}

var seedTime = time.Date(2024, 3, 4, 9, 30, 0, 0, time.UTC)

// seed loads the starting data:
//
//	services 1 google_analytics4 (ok), 2 google_sheets (broken: BrokenGoogleDetail),
//	         3 bigquery destination (ok), 4 facebook_ads (ok, used by no source)
//	sources  101 GA4 sessions (service 1), 102 Budget sheet (service 2),
//	         103 GA4 conversions (service 1)
//	tokens   1 "CI pipeline", 2 "Looker Studio"
func (d *Dataddo) seed() {
	d.sources, d.rows = map[int]*DataddoSource{}, map[int][]map[string]any{}
	d.services, d.apiTokens = map[int]*DataddoService{}, map[int]*DataddoToken{}
	d.oauth = map[string]oauthRequest{}
	svc := func(id int, name, label, typ string, ok bool, detail string) {
		d.services[id] = &DataddoService{ID: id, Service: name, Label: label,
			LastAction: seedTime.Add(time.Duration(id) * time.Hour), Status: ok, StatusDetail: detail,
			CustomerID: DefaultCustomerID, ServiceType: typ}
	}
	svc(1, "google_analytics4", "GA4 - marketing@example.com", "source", true, "")
	svc(2, "google_sheets", "Google Sheets - finance@example.com", "source", false, BrokenGoogleDetail)
	svc(3, "bigquery", "BigQuery - warehouse", "destination", true, "")
	svc(4, "facebook_ads", "Facebook Ads - unused", "source", true, "")
	src := func(id int, label, desc, typ string, service int) {
		d.sources[id] = &DataddoSource{ID: id, Label: label, Description: desc, Type: typ,
			CustomerID: DefaultCustomerID, Created: seedTime.AddDate(0, 0, id-100), ServiceID: service}
	}
	src(101, "GA4 sessions", "Daily sessions by campaign", "google_analytics4", 1)
	src(102, "Budget sheet", "Marketing budget per country", "google_sheets", 2)
	src(103, "GA4 conversions", "Daily conversions by campaign", "google_analytics4", 1)
	last := seedTime.AddDate(0, 1, 0)
	d.apiTokens[1] = &DataddoToken{ID: 1, CreatedAt: seedTime, CustomerID: DefaultCustomerID,
		Token: "ddo_ci_5f2b8c1e9a7d4036", Name: "CI pipeline", LastUse: &last}
	d.apiTokens[2] = &DataddoToken{ID: 2, CreatedAt: seedTime.AddDate(0, 0, 7), CustomerID: DefaultCustomerID,
		Token: "ddo_ls_0c3e6a9d2b5f8147", Name: "Looker Studio"}
	d.nextID = 1000
}

// newID returns a fresh id for any object. Called with d.mu held.
func (d *Dataddo) newID() int { d.nextID++; return d.nextID }

// AddSource adds a source and returns it as stored: a zero ID gets a fresh one, a zero
// CustomerID DefaultCustomerID, a zero Created the emulator's clock. An existing ID is
// replaced. Its preview rows are generated unless set with SetRows.
func (d *Dataddo) AddSource(s DataddoSource) DataddoSource {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.ID == 0 {
		s.ID = d.newID()
	}
	if s.CustomerID == 0 {
		s.CustomerID = DefaultCustomerID
	}
	if s.Created.IsZero() {
		s.Created = d.now().UTC()
	}
	d.sources[s.ID] = &s
	return s
}

// AddService adds an authorizer, with the same defaults as AddSource (LastAction for
// Created), and returns it as stored.
func (d *Dataddo) AddService(s DataddoService) DataddoService {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.ID == 0 {
		s.ID = d.newID()
	}
	if s.CustomerID == 0 {
		s.CustomerID = DefaultCustomerID
	}
	if s.LastAction.IsZero() {
		s.LastAction = d.now().UTC()
	}
	d.services[s.ID] = &s
	return s
}

// BreakService puts a service in the "Broken" state (status false) with detail as
// status_detail and debug message, e.g. BrokenGoogleDetail. Unknown ids are an error.
func (d *Dataddo) BreakService(id int, detail string) error {
	return d.setStatus(id, false, detail)
}

// FixService puts a service back to status true with no detail.
func (d *Dataddo) FixService(id int) error { return d.setStatus(id, true, "") }

func (d *Dataddo) setStatus(id int, ok bool, detail string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.services[id]
	if s == nil {
		return fmt.Errorf("bearerkittest: no service %d", id)
	}
	s.Status, s.StatusDetail, s.LastAction = ok, detail, d.now().UTC()
	return nil
}

// SetRows replaces the preview rows of a source (nil: back to generated rows).
func (d *Dataddo) SetRows(sourceID int, rows []map[string]any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sources[sourceID] == nil {
		return fmt.Errorf("bearerkittest: no source %d", sourceID)
	}
	if rows == nil {
		delete(d.rows, sourceID)
	} else {
		d.rows[sourceID] = rows
	}
	return nil
}

// Sources returns a copy of the sources, by id.
func (d *Dataddo) Sources() []DataddoSource { return sortedCopy(d, d.sources) }

// Services returns a copy of the authorizers, by id.
func (d *Dataddo) Services() []DataddoService { return sortedCopy(d, d.services) }

// Tokens returns a copy of the account's API tokens, by id.
func (d *Dataddo) Tokens() []DataddoToken { return sortedCopy(d, d.apiTokens) }

// Service returns one authorizer and whether it exists.
func (d *Dataddo) Service(id int) (DataddoService, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.services[id]; s != nil {
		return *s, true
	}
	return DataddoService{}, false
}

func sortedCopy[T any](d *Dataddo, m map[int]*T) []T {
	d.mu.Lock()
	defer d.mu.Unlock()
	return sortedValues(m)
}

// sortedValues copies the values of m by key. Called with d.mu held.
func sortedValues[T any](m map[int]*T) []T {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		out = append(out, *m[id])
	}
	return out
}
