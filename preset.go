package bearerkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/bearerkit/bearerkit/internal/redact"
)

// presetURL joins a preset's BaseURL and an endpoint path.
func presetURL(grant, base, path string) (string, error) {
	if base == "" {
		return "", &AuthError{Grant: grant, Err: fmt.Errorf("%w: no BaseURL", ErrInvalidOption)}
	}
	return strings.TrimRight(base, "/") + path, nil
}

// jsonRequest builds a POST with a JSON body to an authentication
// endpoint.
func jsonRequest(ctx context.Context, grant, url string, body any) (*http.Request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(url), Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, &AuthError{Grant: grant, Endpoint: redact.URL(url), Err: fmt.Errorf("%w: invalid BaseURL", ErrInvalidOption)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// statusIs reports whether err is an *AuthError with one of the statuses.
func statusIs(err error, codes ...int) bool {
	ae, ok := err.(*AuthError)
	if !ok {
		return false
	}
	for _, c := range codes {
		if ae.StatusCode == c {
			return true
		}
	}
	return false
}
