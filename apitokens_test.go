package bearerkit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

func TestAPITokensService_List(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/tokens", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testAuth(t, r)
		writeBody(w, 200, `[{"id":1,"created_at":"2024-03-04T09:30:00Z","customer_id":1001,"token":"ddo_secret_1","name":"CI","last_use":"2024-04-04T09:30:00Z"},
			{"id":"2","created_at":"2024-03-11 09:30:00","token":"ddo_secret_2","name":"Looker","last_use":null}]`)
	})
	toks, _, err := c.APITokens.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []bearerkit.APIToken{
		{ID: "1", Name: "CI", Token: "ddo_secret_1", CustomerID: "1001",
			CreatedAt: time.Date(2024, 3, 4, 9, 30, 0, 0, time.UTC), LastUse: time.Date(2024, 4, 4, 9, 30, 0, 0, time.UTC)},
		{ID: "2", Name: "Looker", Token: "ddo_secret_2", CreatedAt: time.Date(2024, 3, 11, 9, 30, 0, 0, time.UTC)},
	}
	if len(toks) != len(want) {
		t.Fatalf("%d tokens", len(toks))
	}
	for i := range want {
		if *toks[i] != want[i] {
			t.Errorf("token %d: %#v, want %#v", i, toks[i], want[i])
		}
	}
}

func TestAPITokensService_Create(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/tokens", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testAuth(t, r)
		testJSONBody(t, r, `{"name":"nightly export"}`)
		writeBody(w, http.StatusCreated, `{"id":1001,"name":"nightly export","token":"ddo_new"}`)
	})
	tok, resp, err := c.APITokens.Create(context.Background(), "nightly export")
	if err != nil {
		t.Fatal(err)
	}
	if tok.ID != "1001" || tok.Token != "ddo_new" || resp.StatusCode != http.StatusCreated {
		t.Errorf("token %#v, status %d", tok, resp.StatusCode)
	}
	if _, _, err := c.APITokens.Create(context.Background(), " "); !errors.Is(err, bearerkit.ErrInvalidOption) {
		t.Errorf("empty name: %v", err)
	}
}

func TestAPITokensService_Delete(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/tokens/{id}", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "DELETE")
		testAuth(t, r)
		if r.PathValue("id") != "7" {
			writeBody(w, 404, `{"statusCode":404,"message":"Token 8 not found"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	resp, err := c.APITokens.Delete(context.Background(), "7")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("resp %v, err %v", resp, err)
	}
	_, err = c.APITokens.Delete(context.Background(), "8")
	var ae *bearerkit.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Message != "Token 8 not found" {
		t.Errorf("err = %v", err)
	}
}

func TestAPIToken_printingHidesTheSecret(t *testing.T) {
	t.Parallel()
	tok := &bearerkit.APIToken{ID: "1", Name: "CI", Token: "ddo_very_secret", CreatedAt: time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("token", "tok", tok)
	outs := []string{logged.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, tok), fmt.Sprintf(verb, *tok), fmt.Sprintf(verb, []*bearerkit.APIToken{tok}))
	}
	for _, out := range outs {
		if strings.Contains(out, "ddo_very_secret") {
			t.Errorf("the secret leaks: %s", out)
		}
	}
	if s := tok.String(); !strings.Contains(s, "[redacted]") || !strings.Contains(s, "CI") {
		t.Errorf("String() = %s", s)
	}
}
