package bearerkit

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"testing"
)

type otherRT struct{}

func (otherRT) RoundTrip(*http.Request) (*http.Response, error) { return nil, http.ErrNotSupported }

type otherStore struct{}

func (otherStore) Load(context.Context) (*Token, error) { return nil, nil }
func (otherStore) Save(context.Context, *Token) error   { return nil }

// TestInlineGate lists when the request that starts a renewal runs it on
// its own goroutine: only when nothing in it can outlast RenewTimeout and
// the request's context cannot end.
func TestInlineGate(t *testing.T) {
	netHTTP := &http.Client{Transport: &http.Transport{}}
	jar, _ := cookiejar.New(nil)
	refresh := RefreshGrant{TokenURL: "https://auth.example.com/token", HTTPClient: netHTTP}
	password := &PasswordGrant{TokenURL: "https://auth.example.com/token", Username: "u", Password: "p", HTTPClient: netHTTP}
	cancelled, cancel := context.WithCancel(context.Background())
	defer cancel()
	var nilGrant *PasswordGrant
	tests := []struct {
		name string
		tr   *Transport
		ctx  context.Context
		want bool
	}{
		{"grant over net/http", &Transport{Auth: refresh}, context.Background(), true},
		{"grant over the default client", &Transport{Auth: RefreshGrant{TokenURL: "https://auth.example.com/token"}}, context.Background(), http.DefaultTransport.(*http.Transport) != nil},
		{"pointer to a grant", &Transport{Auth: password}, context.Background(), true},
		{"Fallback of grants", &Transport{Auth: Fallback(refresh, password)}, context.Background(), true},
		{"presets", &Transport{Auth: Fallback(Keycloak{HTTPClient: netHTTP}, Dataddo{HTTPClient: netHTTP}, OneData{HTTPClient: netHTTP}, AuthAPI{HTTPClient: netHTTP}, ClientCredentials{HTTPClient: netHTTP})}, context.Background(), true},
		{"MemoryStore", &Transport{Auth: refresh, Store: &MemoryStore{}}, context.Background(), true},
		{"FileStore", &Transport{Auth: refresh, Store: &FileStore{Path: "x"}}, context.Background(), true},
		{"grant over Base, net/http", &Transport{Auth: RefreshGrant{TokenURL: "https://a/t"}, Base: &http.Transport{}}, context.Background(), true},
		{"a context that can end", &Transport{Auth: refresh}, cancelled, false},
		{"a RoundTripper of the caller's", &Transport{Auth: RefreshGrant{HTTPClient: &http.Client{Transport: otherRT{}}}}, context.Background(), false},
		{"grant over Base, another RoundTripper", &Transport{Auth: RefreshGrant{TokenURL: "https://a/t"}, Base: otherRT{}}, context.Background(), false},
		{"the context's client, another RoundTripper", &Transport{Auth: RefreshGrant{}}, WithHTTPClientContext(context.Background(), &http.Client{Transport: otherRT{}}), false},
		{"a CheckRedirect of the caller's", &Transport{Auth: RefreshGrant{HTTPClient: &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}}}, context.Background(), false},
		{"a cookie jar", &Transport{Auth: RefreshGrant{HTTPClient: &http.Client{Transport: &http.Transport{}, Jar: jar}}}, context.Background(), false},
		{"a typed-nil *http.Transport", &Transport{Auth: RefreshGrant{HTTPClient: &http.Client{Transport: (*http.Transport)(nil)}}}, context.Background(), false},
		{"an AuthenticatorFunc", &Transport{Auth: AuthenticatorFunc(func(context.Context, *Token) (*Token, error) { return nil, nil })}, context.Background(), false},
		{"a Fallback with an AuthenticatorFunc", &Transport{Auth: Fallback(refresh, AuthenticatorFunc(func(context.Context, *Token) (*Token, error) { return nil, nil }))}, context.Background(), false},
		{"a nested Fallback", &Transport{Auth: Fallback(Fallback(refresh))}, context.Background(), false},
		{"an empty Fallback", &Transport{Auth: Fallback()}, context.Background(), false},
		{"a typed-nil grant", &Transport{Auth: nilGrant}, context.Background(), false},
		{"a nil Authenticator", &Transport{}, context.Background(), false},
		{"StaticToken", &Transport{Auth: StaticToken{AccessToken: "x"}}, context.Background(), false},
		{"a TokenStore of the caller's", &Transport{Auth: refresh, Store: otherStore{}}, context.Background(), false},
		{"a typed-nil MemoryStore", &Transport{Auth: refresh, Store: (*MemoryStore)(nil)}, context.Background(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.tr.state()
			st.mu.Lock()
			got := st.inline(tt.ctx)
			st.mu.Unlock()
			if got != tt.want {
				t.Errorf("inline = %v, want %v", got, tt.want)
			}
		})
	}
}
