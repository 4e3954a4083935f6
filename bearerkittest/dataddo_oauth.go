package bearerkittest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// oauthRequest is a reauthorization waiting for its callback.
type oauthRequest struct {
	name        string // service name from the path, e.g. "google_sheets"
	serviceID   int    // 0: the callback creates a new service
	state       string
	redirectURI string
}

// oauthRequestURL serves POST /services/{name}/oauth-request-url
// {state, service_id, config, redirect_uri} → {"url": ...}. The URL points to the
// emulator's fake consent page, GET /oauth/authorize, which redirects (302) to
// redirect_uri with code and state; ApproveOAuth computes that callback URL directly.
func (d *Dataddo) oauthRequestURL(cl *call, w http.ResponseWriter, r *http.Request) {
	var req struct {
		State       string `json:"state"`
		ServiceID   int    `json:"service_id"`
		Config      any    `json:"config"`
		RedirectURI string `json:"redirect_uri"`
	}
	if !decodeJSON(cl.body, &req) {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "expected a JSON body {state, service_id, config, redirect_uri}")
		return
	}
	if u, err := url.Parse(req.RedirectURI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "redirect_uri must be an absolute http(s) URL")
		return
	}
	if req.State == "" {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "state is required")
		return
	}
	name := r.PathValue("name")
	if req.ServiceID != 0 {
		s, ok := d.Service(req.ServiceID)
		if !ok {
			d.apiError(cl, w, http.StatusNotFound, OutcomeNotFound, fmt.Sprintf("Service %d not found", req.ServiceID))
			return
		}
		if s.Service != name {
			d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest,
				fmt.Sprintf("Service %d is a %s service, not %s", s.ID, s.Service, name))
			return
		}
	}
	id := rand.Text()
	d.mu.Lock()
	d.oauth[id] = oauthRequest{name: name, serviceID: req.ServiceID, state: req.State, redirectURI: req.RedirectURI}
	d.mu.Unlock()
	q := url.Values{"request_id": {id}, "service": {name}, "state": {req.State},
		"redirect_uri": {req.RedirectURI}, "response_type": {"code"}}
	writeJSON(w, http.StatusOK, nil, map[string]string{"url": d.URL() + "/oauth/authorize?" + q.Encode()})
}

// ApproveOAuth plays the user who approves a reauthorization: given the url returned by
// oauth-request-url, it returns the callback URL (redirect_uri with code and state) to
// post to oauth-process-callback. It fails for an unknown or already used request.
func (d *Dataddo) ApproveOAuth(authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", errors.New("bearerkittest: bad authorization URL")
	}
	id := u.Query().Get("request_id")
	d.mu.Lock()
	req, ok := d.oauth[id]
	d.mu.Unlock()
	if !ok {
		return "", errors.New("bearerkittest: unknown or used authorization request")
	}
	cb, err := url.Parse(req.redirectURI)
	if err != nil {
		return "", errors.New("bearerkittest: bad redirect_uri")
	}
	q := cb.Query()
	q.Set("code", id)
	q.Set("state", req.state)
	cb.RawQuery = q.Encode()
	return cb.String(), nil
}

// consent serves GET /oauth/authorize: approve at once, redirecting to the callback URL.
func (d *Dataddo) consent(w http.ResponseWriter, r *http.Request) {
	cb, err := d.ApproveOAuth(r.URL.String())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, nil, dataddoErrBody(http.StatusBadRequest, "", "unknown authorization request"))
		return
	}
	http.Redirect(w, r, cb, http.StatusFound)
}

// oauthCallback serves POST /services/{name}/oauth-process-callback {callback_url}: it
// checks code and state, then fixes the service (status true) or, when the request had no
// service_id, creates one; it answers the service.
func (d *Dataddo) oauthCallback(cl *call, w http.ResponseWriter, r *http.Request) {
	var req struct {
		CallbackURL string `json:"callback_url"`
	}
	if !decodeJSON(cl.body, &req) || req.CallbackURL == "" {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "callback_url is required")
		return
	}
	u, err := url.Parse(req.CallbackURL)
	if err != nil {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "callback_url is not a URL")
		return
	}
	q := u.Query()
	if e := q.Get("error"); e != "" {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "authorization failed: "+e)
		return
	}
	name := r.PathValue("name")
	d.mu.Lock()
	defer d.mu.Unlock() // only small writes below
	p, ok := d.oauth[q.Get("code")]
	switch {
	case !ok || p.name != name:
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "invalid or expired authorization code")
		return
	case q.Get("state") != p.state:
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "state does not match")
		return
	}
	delete(d.oauth, q.Get("code"))
	now := d.now().UTC()
	s := d.services[p.serviceID]
	if p.serviceID == 0 {
		s = &DataddoService{ID: d.newID(), Service: name, Label: name, CustomerID: DefaultCustomerID, ServiceType: "source"}
		d.services[s.ID] = s
	}
	if s == nil {
		d.apiError(cl, w, http.StatusNotFound, OutcomeNotFound, fmt.Sprintf("Service %d not found", p.serviceID))
		return
	}
	s.Status, s.StatusDetail, s.LastAction = true, "", now
	writeJSON(w, http.StatusOK, nil, *s)
}
