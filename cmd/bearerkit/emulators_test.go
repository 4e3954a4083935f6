package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bearerkit/bearerkit/bearerkittest"
)

// emulator is what the scripts use of a bearerkittest emulator: its knobs
// and counters (all emulators embed *bearerkittest.Core).
type emulator interface {
	URL() string
	Stats() bearerkittest.Stats
	Reset()
	KillAccessTokens()
	ExpireRefreshTokens()
	Advance(time.Duration)
	FailNext(bearerkittest.Endpoint, int, bearerkittest.Failure)
	ClearFailures()
	Close()
}

// emuProxy is one emulator behind a recording proxy: the command talks to
// the proxy, which notes every token the emulator issues, so that the
// scripts can check that none of them leaks into an output or a log.
type emuProxy struct {
	emu   emulator
	proxy *httptest.Server
	rec   *recorder
}

// url is the proxy's URL for the emulator's base URL.
func (p *emuProxy) url() string {
	return p.proxy.URL + strings.TrimPrefix(p.emu.URL(), originOf(p.emu.URL()))
}

// close stops the proxy and the emulator.
func (p *emuProxy) close() {
	p.proxy.Close()
	p.emu.Close()
}

// emuSet is the emulators of one script.
type emuSet struct {
	byName   map[string]*emuProxy
	rec      *recorder
	keycloak *bearerkittest.Keycloak
	static   string // a ONE DATA token, as pasted from the browser
}

// startPlatforms starts the four emulators, each behind a recording proxy.
func startEmulators() (*emuSet, error) {
	ps := &emuSet{byName: map[string]*emuProxy{}, rec: &recorder{}}
	ps.rec.add(bearerkittest.DefaultPassword, bearerkittest.DefaultClientSecret)
	dd, err := bearerkittest.StartDataddo(bearerkittest.WithBasePath("/customer-api/v1"))
	if err != nil {
		return nil, err
	}
	ps.add("dataddo", dd)
	od, err := bearerkittest.StartOneData()
	if err != nil {
		ps.close()
		return nil, err
	}
	ps.add("onedata", od)
	ps.static = od.MintToken(bearerkittest.DefaultEmail)
	ps.rec.add(ps.static)
	aa, err := bearerkittest.StartAuthAPI()
	if err != nil {
		ps.close()
		return nil, err
	}
	ps.add("authapi", aa)
	kc, err := bearerkittest.StartKeycloak()
	if err != nil {
		ps.close()
		return nil, err
	}
	ps.add("keycloak", kc)
	ps.keycloak = kc
	return ps, nil
}

// add puts emulator e behind a recording proxy.
func (ps *emuSet) add(name string, e emulator) {
	target, _ := url.Parse(originOf(e.URL()))
	p := &emuProxy{emu: e, rec: ps.rec}
	p.proxy = httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		ModifyResponse: func(resp *http.Response) error { return ps.rec.note(resp, target.String(), p.proxy.URL) },
		ErrorLog:       log.New(io.Discard, "", 0), // an injected reset is a 502 here
	})
	ps.byName[name] = p
}

// close stops every emulator and proxy.
func (ps *emuSet) close() {
	for _, p := range ps.byName {
		p.close()
	}
}

// originOf is scheme://host of a URL.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// recorder keeps every secret in play: the passwords, and every token the
// emulators issued, as they went through the proxies.
type recorder struct {
	mu      sync.Mutex
	secrets []secret
}

// secret is one secret in play; access tells an access token, which the
// token command prints on purpose.
type secret struct {
	value  string
	access bool
}

// add records secrets that are not access tokens.
func (r *recorder) add(secrets ...string) { r.addKind(false, secrets...) }

// addKind records secrets; access tells access tokens.
func (r *recorder) addKind(access bool, secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
			s = strings.TrimSpace(s[7:])
		}
		if s != "" {
			r.secrets = append(r.secrets, secret{value: s, access: access})
		}
	}
}

// list returns the secrets recorded so far.
func (r *recorder) list() []secret {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]secret(nil), r.secrets...)
}

// note records the tokens of an answer (JSON access_token, refresh_token
// and id_token; ONE DATA's Authorization and X-Auth-Token headers), and
// rewrites the emulator's origin to the proxy's in the body and Location
// (the Keycloak discovery document names its endpoints).
func (r *recorder) note(resp *http.Response, from, to string) error {
	r.addKind(true, resp.Header.Get("Authorization"), resp.Header.Get("X-Auth-Token"))
	if loc := resp.Header.Get("Location"); loc != "" {
		resp.Header.Set("Location", strings.ReplaceAll(loc, from, to))
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if s, ok := m[k].(string); ok {
				r.addKind(k == "access_token", s)
			}
		}
	}
	b = bytes.ReplaceAll(b, []byte(from), []byte(to))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}

// leaks returns the secrets found in text: whole, or the signature of a
// JWT (its last segment), which is the part that cannot be forged; raw, or
// after undoing up to three layers of percent-encoding, JSON escapes and
// HTML character references. With accessOK, access tokens are allowed.
func (r *recorder) leaks(text string, accessOK bool) []string {
	views := []string{text}
	for i := 0; i < 3; i++ {
		views = append(views, unescapeAll(views[len(views)-1]))
	}
	var out []string
	for _, sec := range r.list() {
		if accessOK && sec.access {
			continue
		}
		s := sec.value
		parts := []string{s}
		if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i > 16 {
			parts = append(parts, s[i+1:])
		}
	search:
		for _, p := range parts {
			for _, v := range views {
				if strings.Contains(v, p) {
					out = append(out, fmt.Sprintf("%.12s…", p))
					break search
				}
			}
		}
	}
	return out
}

// unescapeAll undoes one layer of the encodings a server may echo a
// secret in: JSON escapes (\uXXXX, \/, \\), percent-encoding and HTML
// character references.
func unescapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch c := s[i+1]; {
			case c == 'u' && i+6 <= len(s):
				if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
					b.WriteRune(rune(n))
					i += 5
					continue
				}
			case c == '/' || c == '\\' || c == '"':
				b.WriteByte(c)
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	out := b.String()
	if u, err := url.PathUnescape(out); err == nil {
		out = u
	}
	return html.UnescapeString(out)
}

// deadURL is an http URL on the loopback where nothing listens.
func deadURL() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr, nil
}
