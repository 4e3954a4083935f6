package bearerkittest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// dataddoAPI returns a function that calls the API of a fresh emulator as the default user.
func dataddoAPI(t *testing.T, opts ...bearerkittest.Option) (*bearerkittest.Dataddo, func(method, path string, body any) reply) {
	d := bearerkittest.NewDataddo(t, opts...)
	hdr := dataddoHdr(dataddoLogin(t, d)["access_token"].(string))
	return d, func(method, path string, body any) reply {
		if body != nil {
			b, err := json.Marshal(body)
			require.NoError(t, err)
			return do(t, d.Client(), method, d.URL()+path, strings.NewReader(string(b)),
				append(hdr, "Content-Type", "application/json")...)
		}
		return do(t, d.Client(), method, d.URL()+path, nil, hdr...)
	}
}

func TestDataddoReadEndpoints(t *testing.T) {
	t.Parallel()
	_, call := dataddoAPI(t)
	for _, tc := range []struct {
		path   string
		status int
		want   string // a substring of the body
	}{
		{"/logged-member", 200, `"email":"alice@example.com"`},
		{"/grids/source", 200, `"status":"broken"`},
		{"/sources", 200, `"label":"GA4 sessions"`},
		{"/sources/101", 200, `"service_id":1`},
		{"/sources/999", 404, `"statusCode":404`},
		{"/sources/abc", 400, `"statusCode":400`},
		{"/sources/101/preview?limit=abc", 400, `limit`},
		{"/sources/101/preview?limit=0", 400, `limit`},
		{"/sources/999/preview", 404, `Source 999 not found`},
		{"/tokens", 200, `"name":"CI pipeline"`},
		{"/services", 200, `"service":"google_sheets"`},
		{"/services/1", 200, `"status":true`},
		{"/services/999", 404, `Service 999 not found`},
		{"/services/999/debug", 404, `"statusCode":404`},
		{"/no-such-path", 404, `"statusCode":404`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			r := call(http.MethodGet, tc.path, nil)
			require.Equal(t, tc.status, r.Status, "body: %s", r.Body)
			assert.Contains(t, string(r.Body), tc.want)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		})
	}
}

func TestDataddoGridShape(t *testing.T) {
	t.Parallel()
	_, call := dataddoAPI(t)
	m := call(http.MethodGet, "/grids/source", nil).JSON(t)
	assert.EqualValues(t, 3, m["total"])
	items := m["items"].([]any)
	require.Len(t, items, 3)
	second := items[1].(map[string]any)
	assert.EqualValues(t, 102, second["id"])
	assert.Equal(t, "broken", second["status"])
	assert.Contains(t, second, "service_label")
}

func TestDataddoPreviewAndDetect(t *testing.T) {
	t.Parallel()
	d, call := dataddoAPI(t)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/sources/101/preview?limit=5", nil).Body, &rows))
	require.Len(t, rows, 5)
	assert.Contains(t, rows[0], "sessions")

	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/sources/101/preview", nil).Body, &rows))
	assert.Len(t, rows, 100, "default limit")

	var rep bearerkittest.DataddoQualityReport
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/sources/101/detect", nil).Body, &rep))
	assert.Equal(t, 1000, rep.Limit)
	assert.Equal(t, 120, rep.RowsChecked)
	assert.Len(t, rep.Columns, 5)
	kinds := map[string]bool{}
	for _, is := range rep.Issues {
		kinds[is.Kind] = true
	}
	assert.True(t, kinds["null_values"] && kinds["duplicate_rows"], "issues: %+v", rep.Issues)
	assert.Less(t, rep.Score, 100)

	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/sources/101/detect?limit=10", nil).Body, &rep))
	assert.Equal(t, 10, rep.RowsChecked)

	require.NoError(t, d.SetRows(103, []map[string]any{{"a": 1, "b": "x"}, {"a": -2, "b": nil}}))
	require.NoError(t, json.Unmarshal(call(http.MethodGet, "/sources/103/detect", nil).Body, &rep))
	assert.Equal(t, 2, rep.RowsChecked)
	assert.Equal(t, []bearerkittest.DataddoQualityColumn{
		{Name: "a", Type: "integer", Distinct: 2, Min: float64(-2), Max: float64(1)},
		{Name: "b", Type: "string", Nulls: 1, Distinct: 1},
	}, rep.Columns)
	require.Error(t, d.SetRows(999, nil))
}

func TestDataddoTokens(t *testing.T) {
	t.Parallel()
	d, call := dataddoAPI(t)
	r := call(http.MethodPost, "/tokens", map[string]string{"name": "nightly"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	var tok bearerkittest.DataddoToken
	require.NoError(t, json.Unmarshal(r.Body, &tok))
	assert.Equal(t, "nightly", tok.Name)
	assert.True(t, strings.HasPrefix(tok.Token, "ddo_"))
	assert.Nil(t, tok.LastUse)
	require.Len(t, d.Tokens(), 3)

	assert.Equal(t, 400, call(http.MethodPost, "/tokens", map[string]string{"name": " "}).Status)
	assert.Equal(t, 204, call(http.MethodDelete, "/tokens/"+itoa(tok.ID), nil).Status)
	assert.Equal(t, 404, call(http.MethodDelete, "/tokens/"+itoa(tok.ID), nil).Status)
	assert.Len(t, d.Tokens(), 2)
}

func TestDataddoServices(t *testing.T) {
	t.Parallel()
	d, call := dataddoAPI(t)
	r := call(http.MethodGet, "/services/2/debug", nil)
	require.Equal(t, 200, r.Status, "a failed test is still a 200")
	m := r.JSON(t)
	assert.Equal(t, false, m["status"])
	assert.Contains(t, m["message"], `400 Bad Request {"error":"invalid_grant","error_description":"Bad Request"}`)
	for _, k := range []string{"started", "ended", "duration", "memory_mb", "logs"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, true, call(http.MethodGet, "/services/1/debug", nil).JSON(t)["status"])

	require.NoError(t, d.BreakService(1, "LinkedIn needs a yearly reauthorization"))
	m = call(http.MethodGet, "/services/1", nil).JSON(t)
	assert.Equal(t, false, m["status"])
	assert.Equal(t, "LinkedIn needs a yearly reauthorization", m["status_detail"])
	require.Error(t, d.BreakService(999, "x"))

	r = call(http.MethodDelete, "/services/1", nil)
	require.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.JSON(t)["message"], "101, 103")
	assert.Equal(t, 204, call(http.MethodDelete, "/services/4", nil).Status)
	assert.Equal(t, 404, call(http.MethodGet, "/services/4", nil).Status)
	assert.Equal(t, 404, call(http.MethodDelete, "/services/4", nil).Status)

	svc := d.AddService(bearerkittest.DataddoService{Service: "linkedin_ads", Label: "LinkedIn", Status: true})
	src := d.AddSource(bearerkittest.DataddoSource{Label: "LinkedIn campaigns", Type: "linkedin_ads", ServiceID: svc.ID})
	assert.Equal(t, bearerkittest.DefaultCustomerID, src.CustomerID)
	assert.Equal(t, 409, call(http.MethodDelete, "/services/"+itoa(svc.ID), nil).Status)
	assert.Len(t, d.Sources(), 4)
	assert.Equal(t, 200, call(http.MethodGet, "/sources/"+itoa(src.ID)+"/preview?limit=1", nil).Status)
	got, ok := d.Service(svc.ID)
	assert.True(t, ok)
	assert.Equal(t, "LinkedIn", got.Label)
}

func TestDataddoReauthorize(t *testing.T) {
	t.Parallel()
	d, call := dataddoAPI(t)
	req := map[string]any{"state": "xyz", "service_id": 2, "config": map[string]any{},
		"redirect_uri": "https://app.example.com/callback?tenant=7"}
	r := call(http.MethodPost, "/services/google_sheets/oauth-request-url", req)
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	authURL := r.JSON(t)["url"].(string)

	// The consent page redirects to the callback.
	noRedirect := *d.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r = get(t, &noRedirect, authURL)
	require.Equal(t, http.StatusFound, r.Status)
	cb, err := url.Parse(r.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "xyz", cb.Query().Get("state"))
	assert.Equal(t, "7", cb.Query().Get("tenant"))
	same, err := d.ApproveOAuth(authURL)
	require.NoError(t, err)
	assert.Equal(t, cb.String(), same)

	bad := strings.Replace(cb.String(), "state=xyz", "state=abc", 1)
	assert.Equal(t, 400, call(http.MethodPost, "/services/google_sheets/oauth-process-callback", map[string]string{"callback_url": bad}).Status)
	assert.Equal(t, 400, call(http.MethodPost, "/services/bigquery/oauth-process-callback", map[string]string{"callback_url": cb.String()}).Status)
	r = call(http.MethodPost, "/services/google_sheets/oauth-process-callback", map[string]string{"callback_url": cb.String()})
	require.Equal(t, 200, r.Status, "body: %s", r.Body)
	assert.Equal(t, true, r.JSON(t)["status"])
	svc, _ := d.Service(2)
	assert.True(t, svc.Status)
	assert.Empty(t, svc.StatusDetail)
	assert.Equal(t, 400, call(http.MethodPost, "/services/google_sheets/oauth-process-callback", map[string]string{"callback_url": cb.String()}).Status, "a code works once")
	_, err = d.ApproveOAuth(authURL)
	assert.Error(t, err)

	for _, tc := range []struct {
		name   string
		path   string
		body   map[string]any
		status int
	}{
		{"wrong service name", "/services/bigquery/oauth-request-url", req, 400},
		{"unknown service", "/services/google_sheets/oauth-request-url", map[string]any{"state": "s", "service_id": 999, "redirect_uri": "https://x.example"}, 404},
		{"no redirect_uri", "/services/google_sheets/oauth-request-url", map[string]any{"state": "s"}, 400},
		{"no state", "/services/google_sheets/oauth-request-url", map[string]any{"redirect_uri": "https://x.example"}, 400},
		{"denied", "/services/google_sheets/oauth-process-callback", map[string]any{"callback_url": "https://x.example/cb?error=access_denied"}, 400},
		{"no callback", "/services/google_sheets/oauth-process-callback", map[string]any{}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.status, call(http.MethodPost, tc.path, tc.body).Status)
		})
	}

	// Without service_id the callback creates a service.
	r = call(http.MethodPost, "/services/hubspot/oauth-request-url", map[string]any{"state": "n", "redirect_uri": "https://x.example/cb"})
	cbu, err := d.ApproveOAuth(r.JSON(t)["url"].(string))
	require.NoError(t, err)
	r = call(http.MethodPost, "/services/hubspot/oauth-process-callback", map[string]string{"callback_url": cbu})
	require.Equal(t, 200, r.Status)
	assert.Equal(t, "hubspot", r.JSON(t)["service"])
	assert.Len(t, d.Services(), 5)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
