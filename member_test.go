package bearerkit_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/bearerkit/bearerkit"
)

func TestClient_Member(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       bearerkit.Member
	}{
		{"numbers", `{"id":5001,"email":"alice@example.com","first_name":"alice","last_name":"Tester","customer_id":1001,"realm_id":1,"provider":"dataddo","role":"admin","extra":true}`,
			bearerkit.Member{ID: "5001", Email: "alice@example.com", FirstName: "alice", LastName: "Tester", CustomerID: "1001", RealmID: "1", Provider: "dataddo", Role: "admin"}},
		{"strings", `{"id":"m-1","realm_id":"42"}`, bearerkit.Member{ID: "m-1", RealmID: "42"}},
		{"missing", `{}`, bearerkit.Member{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			mux.HandleFunc("/logged-member", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "GET")
				testAuth(t, r)
				writeBody(w, 200, tt.body)
			})
			m, _, err := c.Member(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Raw) != tt.body {
				t.Errorf("Raw = %s", m.Raw)
			}
			m.Raw = nil
			if !reflect.DeepEqual(*m, tt.want) {
				t.Errorf("member %+v, want %+v", *m, tt.want)
			}
		})
	}
}

func TestClient_Member_unauthorized(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("/logged-member", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, 401, `{"statusCode":401,"message":"Unauthorized"}`)
	})
	// A static token answered 401 cannot be renewed: the error says to
	// replace it.
	m, _, err := c.Member(context.Background())
	if m != nil || !errors.Is(err, bearerkit.ErrTokenRejected) {
		t.Fatalf("member %v, err %v; want ErrTokenRejected", m, err)
	}
}
