package bearerkittest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pathID parses the {id} wildcard; it answers 400 when it is not an integer.
func (d *Dataddo) pathID(cl *call, w http.ResponseWriter, r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "Validation failed (numeric string is expected)")
		return 0, false
	}
	return id, true
}

// loggedMember serves GET /logged-member.
func (d *Dataddo) loggedMember(cl *call, w http.ResponseWriter, _ *http.Request) {
	first, _, _ := strings.Cut(cl.user, "@")
	writeJSON(w, http.StatusOK, nil, map[string]any{
		"id": 5001, "email": cl.user, "first_name": first,
		"last_name": "Tester", "customer_id": DefaultCustomerID, "realm_id": d.cfg.realmID,
		"provider": d.cfg.provider, "role": "admin",
	})
}

// sourceGrid serves GET /grids/source: {"items": [row...], "total": N}, where a row is
// {id, label, type, status ("ok" or "broken", from its service), service_id,
// service_label, created}.
func (d *Dataddo) sourceGrid(_ *call, w http.ResponseWriter, _ *http.Request) {
	d.mu.Lock()
	items := []map[string]any{}
	for _, s := range sortedValues(d.sources) {
		status, label := "ok", ""
		if svc := d.services[s.ServiceID]; svc != nil {
			label = svc.Label
			if !svc.Status {
				status = "broken"
			}
		}
		items = append(items, map[string]any{"id": s.ID, "label": s.Label, "type": s.Type,
			"status": status, "service_id": s.ServiceID, "service_label": label, "created": s.Created})
	}
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, nil, map[string]any{"items": items, "total": len(items)})
}

// listSources serves GET /sources: a JSON array of DataddoSource.
func (d *Dataddo) listSources(_ *call, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nil, d.Sources())
}

// getSource serves GET /sources/{id}.
func (d *Dataddo) getSource(cl *call, w http.ResponseWriter, r *http.Request) {
	if s, ok := d.source(cl, w, r); ok {
		writeJSON(w, http.StatusOK, nil, s)
	}
}

// source looks the {id} source up; it answers 400 or 404 when it cannot.
func (d *Dataddo) source(cl *call, w http.ResponseWriter, r *http.Request) (DataddoSource, bool) {
	id, ok := d.pathID(cl, w, r)
	if !ok {
		return DataddoSource{}, false
	}
	d.mu.Lock()
	s := d.sources[id]
	d.mu.Unlock()
	if s == nil {
		d.apiError(cl, w, http.StatusNotFound, OutcomeNotFound, fmt.Sprintf("Source %d not found", id))
		return DataddoSource{}, false
	}
	return *s, true
}

// listTokens serves GET /tokens: a JSON array of DataddoToken.
func (d *Dataddo) listTokens(_ *call, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nil, d.Tokens())
}

// createToken serves POST /tokens {name} → 201 with the new DataddoToken.
func (d *Dataddo) createToken(cl *call, w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if !decodeJSON(cl.body, &req) || strings.TrimSpace(req.Name) == "" {
		d.apiError(cl, w, http.StatusBadRequest, OutcomeBadRequest, "name is required")
		return
	}
	d.mu.Lock()
	t := &DataddoToken{ID: d.newID(), CreatedAt: d.now().UTC(), CustomerID: DefaultCustomerID,
		Token: "ddo_" + strings.ToLower(rand.Text()), Name: req.Name}
	d.apiTokens[t.ID] = t
	out := *t
	d.mu.Unlock()
	writeJSON(w, http.StatusCreated, nil, out)
}

// deleteToken serves DELETE /tokens/{id} → 204.
func (d *Dataddo) deleteToken(cl *call, w http.ResponseWriter, r *http.Request) {
	id, ok := d.pathID(cl, w, r)
	if !ok {
		return
	}
	d.mu.Lock()
	_, found := d.apiTokens[id]
	delete(d.apiTokens, id)
	d.mu.Unlock()
	if !found {
		d.apiError(cl, w, http.StatusNotFound, OutcomeNotFound, fmt.Sprintf("Token %d not found", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listServices serves GET /services: a JSON array of DataddoService.
func (d *Dataddo) listServices(_ *call, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, nil, d.Services())
}

// service looks the {id} service up; it answers 400 or 404 when it cannot.
func (d *Dataddo) service(cl *call, w http.ResponseWriter, r *http.Request) (DataddoService, bool) {
	id, ok := d.pathID(cl, w, r)
	if !ok {
		return DataddoService{}, false
	}
	s, found := d.Service(id)
	if !found {
		d.apiError(cl, w, http.StatusNotFound, OutcomeNotFound, fmt.Sprintf("Service %d not found", id))
	}
	return s, found
}

// getService serves GET /services/{id}.
func (d *Dataddo) getService(cl *call, w http.ResponseWriter, r *http.Request) {
	if s, ok := d.service(cl, w, r); ok {
		writeJSON(w, http.StatusOK, nil, s)
	}
}

// debugService serves GET /services/{id}/debug: always 200 for a known service, the
// verdict in status and message.
func (d *Dataddo) debugService(cl *call, w http.ResponseWriter, r *http.Request) {
	s, ok := d.service(cl, w, r)
	if !ok {
		return
	}
	started := d.Now().UTC()
	took := 412 * time.Millisecond
	msg, logs := "Connection OK", []string{"Refreshing access token", "Access token refreshed", "Connection OK"}
	if !s.Status {
		msg, logs = s.StatusDetail, []string{"Refreshing access token", s.StatusDetail}
	}
	writeJSON(w, http.StatusOK, nil, map[string]any{
		"status": s.Status, "message": msg, "started": started, "ended": started.Add(took),
		"duration": took.Seconds(), "memory_mb": 23.5, "logs": logs,
	})
}

// deleteService serves DELETE /services/{id}: 204, or 409 while a source uses it.
func (d *Dataddo) deleteService(cl *call, w http.ResponseWriter, r *http.Request) {
	id, ok := d.pathID(cl, w, r)
	if !ok {
		return
	}
	d.mu.Lock()
	_, found := d.services[id]
	var users []string
	for _, s := range sortedValues(d.sources) {
		if s.ServiceID == id {
			users = append(users, strconv.Itoa(s.ID))
		}
	}
	if found && users == nil {
		delete(d.services, id)
	}
	d.mu.Unlock()
	switch {
	case !found:
		d.apiError(cl, w, http.StatusNotFound, OutcomeNotFound, fmt.Sprintf("Service %d not found", id))
	case users != nil:
		d.apiError(cl, w, http.StatusConflict, OutcomeConflict, fmt.Sprintf(
			"Service %d cannot be deleted: it is used by %d source(s): %s", id, len(users), strings.Join(users, ", ")))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
