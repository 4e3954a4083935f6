package bearerkit

import "net/http"

// Response is an API answer, as the service methods and Client.Do return
// it: the *http.Response, whose Body has already been read and closed.
// It is returned alongside an *APIError too, so the status and headers of
// a failed call can be looked at; it is nil only when no answer came.
type Response struct {
	*http.Response
}

func newResponse(r *http.Response) *Response { return &Response{Response: r} }
