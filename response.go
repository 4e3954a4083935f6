package bearerkit

import (
	"errors"
	"fmt"
	"net/http"
)

// Response is an API answer, as the service methods and Client.Do return
// it: the *http.Response, whose Body has already been read and closed.
// It is returned alongside an *APIError too, so the status and headers of
// a failed call can be looked at; it is nil only when no answer came.
//
// For list calls (Sources.List, APITokens.List, Authorizers.List, …) it
// also says what the server told about the list as a whole, so that a
// truncated list can be told from a complete one.
type Response struct {
	*http.Response

	// Total is how many items the server says the whole list holds: a
	// "total", "total_count", "totalCount" or "count" field next to the
	// items, or an X-Total-Count header. -1 when it said nothing (and for
	// calls that are not lists).
	Total int64

	// Next is the server's pointer to the next page: a "next",
	// "next_page", "next_cursor" field or a Link header with rel="next".
	// Empty when it gave none.
	Next string

	// Truncated reports that the items returned are not the whole list:
	// fewer than Total, a Next pointer, or "has_more": true.
	Truncated bool
}

func newResponse(r *http.Response) *Response { return &Response{Response: r, Total: -1} }

// ErrTruncated is matched (errors.Is) by the error a list iterator (such
// as Sources.All) yields last when the server said the list goes on beyond
// what it sent: see Response.Truncated. errors.As finds a *TruncatedError.
var ErrTruncated = errors.New("bearerkit: the list is truncated: the server sent only part of it")

// TruncatedError says how much of a list came: Got items of Total (-1:
// unknown), and the server's Next pointer, if it gave one.
type TruncatedError struct {
	Got   int
	Total int64
	Next  string
}

// Error says how much of the list came.
func (e *TruncatedError) Error() string {
	switch {
	case e.Total >= 0:
		return fmt.Sprintf("bearerkit: the list is truncated: got %d of %d items", e.Got, e.Total)
	default:
		return fmt.Sprintf("bearerkit: the list is truncated: got %d items, and the server points to more", e.Got)
	}
}

// Is reports whether target is ErrTruncated.
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }
