package otelbearerkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/bearerkit/bearerkit"
)

func TestErrorType(t *testing.T) {
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("anything"), "_OTHER"},
		{fmt.Errorf("x: %w", bearerkit.ErrTokenRejected), "token_rejected"},
		{&bearerkit.RefusedError{Message: "m", Until: time.Now()}, "refused_elsewhere"},
		{&bearerkit.AuthError{Err: bearerkit.ErrNoRefreshToken}, "no_refresh_token"},
		{fmt.Errorf("x: %w", bearerkit.ErrInsecureHTTP), "insecure_http"},
		{fmt.Errorf("x: %w", bearerkit.ErrInvalidOption), "invalid_option"},
		{fmt.Errorf("x: %w", bearerkit.ErrRedirectRefused), "redirect_refused"},
		{fmt.Errorf("x: %w", bearerkit.ErrRefreshOnly), "refresh_only"},
		{fmt.Errorf("x: %w", bearerkit.ErrAuthenticatorPanic), "authenticator_panic"},
		{context.DeadlineExceeded, "timeout"},
		{&bearerkit.AuthError{Err: context.Canceled}, "canceled"},
		{&bearerkit.AuthError{StatusCode: 400, Code: "invalid_grant"}, "invalid_grant"},
		{&bearerkit.AuthError{StatusCode: 200, Code: "invalid_client"}, "invalid_client"},
		{&bearerkit.AuthError{StatusCode: 400, Code: "made_up_by_the_server"}, "400"},
		{&bearerkit.AuthError{StatusCode: 503}, "503"},
		{&bearerkit.AuthError{StatusCode: 404}, "404"},
		{&bearerkit.AuthError{StatusCode: 200, ContentType: "text/html"}, "invalid_response"},
		{&bearerkit.AuthError{StatusCode: 999}, "_OTHER"},
		{&bearerkit.AuthError{Err: &url.Error{Op: "Post", URL: "https://x", Err: netErr}}, "network"},
		{&bearerkit.AuthError{Err: errors.New("decoding")}, "_OTHER"}, // not a network error
		{&bearerkit.AuthError{}, "_OTHER"},
		{netErr, "network"},
	} {
		if got := errorType(tc.err); got != tc.want {
			t.Errorf("errorType(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestMethod(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "": "GET", "QUERY": "QUERY", "get": "_OTHER", "BREW": "_OTHER"} {
		if got := method(in); got != want {
			t.Errorf("method(%q) = %q, want %q", in, got, want)
		}
	}
}
