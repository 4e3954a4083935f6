package bearerkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bearerkit/bearerkit"
	"github.com/bearerkit/bearerkit/bearerkittest"
)

// Issue 9, point 9: list calls say what the server said about the whole
// list, and iterators end with an error when it was truncated.
func TestListPagination(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		body      string
		header    http.Header
		total     int64
		next      string
		truncated bool
	}{
		{"array, nothing said", `[{"id":1},{"id":2}]`, nil, -1, "", false},
		{"total equals the items", `{"items":[{"id":1},{"id":2}],"total":2}`, nil, 2, "", false},
		{"total first", `{"total":"5","items":[{"id":1},{"id":2}]}`, nil, 5, "", true},
		{"total after", `{"items":[{"id":1},{"id":2}],"total":5,"page":1}`, nil, 5, "", true},
		{"count", `{"count":3,"data":[{"id":1},{"id":2}]}`, nil, 3, "", true},
		{"next cursor", `{"items":[{"id":1},{"id":2}],"next":"abc"}`, nil, -1, "abc", true},
		{"has_more", `{"items":[{"id":1},{"id":2}],"has_more":true}`, nil, -1, "", true},
		{"has_more false", `{"items":[{"id":1},{"id":2}],"has_more":false,"next":null}`, nil, -1, "", false},
		{"X-Total-Count", `[{"id":1},{"id":2}]`, http.Header{"X-Total-Count": {"7"}}, 7, "", true},
		{"Link rel=next", `[{"id":1},{"id":2}]`, http.Header{"Link": {`<https://api.example.com/x?page=1>; rel="prev", <https://api.example.com/x?page=3>; rel="next"`}}, -1, "https://api.example.com/x?page=3", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, mux, _ := setup(t)
			mux.HandleFunc("/grids/source", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range c.header {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, c.body)
			})
			src, resp, err := client.Sources.List(context.Background())
			require.NoError(t, err)
			assert.Len(t, src, 2)
			assert.Equal(t, c.total, resp.Total)
			assert.Equal(t, c.next, resp.Next)
			assert.Equal(t, c.truncated, resp.Truncated)

			var got []string
			var last error
			for s, err := range client.Sources.All(context.Background()) {
				if err != nil {
					last = err
					break
				}
				got = append(got, s.ID)
			}
			assert.Equal(t, []string{"1", "2"}, got)
			if c.truncated {
				require.ErrorIs(t, last, bearerkit.ErrTruncated)
				var te *bearerkit.TruncatedError
				require.True(t, errors.As(last, &te))
				assert.Equal(t, 2, te.Got)
				assert.Equal(t, c.total, te.Total)
			} else {
				assert.NoError(t, last)
			}
		})
	}
}

// An iterator stopped early reads no further and reports nothing.
func TestListIteratorStoppedEarly(t *testing.T) {
	t.Parallel()
	client, mux, _ := setup(t)
	mux.HandleFunc("/grids/source", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"items":[{"id":1},{"id":2},{"id":3}],"total":10}`)
	})
	n := 0
	for _, err := range client.Sources.All(context.Background()) {
		require.NoError(t, err)
		n++
		if n == 2 {
			break
		}
	}
	assert.Equal(t, 2, n)
}

// The emulator's grid says its total; a whole grid is not truncated.
func TestEmulatorGridNotTruncated(t *testing.T) {
	t.Parallel()
	d := bearerkittest.NewDataddo(t)
	c, err := bearerkit.NewClient(d.URL(), bearerkit.Dataddo{Email: bearerkittest.DefaultEmail, Password: bearerkittest.DefaultPassword}, bearerkit.WithHTTPClient(d.Client()))
	require.NoError(t, err)
	src, resp, err := c.Sources.List(context.Background())
	require.NoError(t, err)
	assert.False(t, resp.Truncated)
	if resp.Total >= 0 {
		assert.Equal(t, int64(len(src)), resp.Total)
	}
}
