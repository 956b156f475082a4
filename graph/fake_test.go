package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const (
	testToken    = "test-token"
	testCatalog  = "0f4ba2a1-4b3c-4a9e-9d1f-1c2b3a4d5e6f"
	testManifest = "7d3e9b10-2c4f-4e8a-8b6d-0a1b2c3d4e5f"
)

// fakeCred is a static azcore.TokenCredential that counts its calls.
type fakeCred struct {
	calls  atomic.Int32
	mu     sync.Mutex
	scopes []string
}

func (f *fakeCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.scopes = o.Scopes
	f.mu.Unlock()
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// seen is one request as it arrived at the fake Graph server.
type seen struct {
	Method   string
	Path     string // decoded, e.g. /v1.0/users/anna@example.org
	Query    url.Values
	Header   http.Header
	Encoding string // Content-Encoding
	Body     []byte // after gunzip
	BodyErr  string // why the body could not be read (bad gzip), if so
}

// JSON decodes the body; it fails the test if the body is not JSON.
func (s seen) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.Body, &m); err != nil {
		t.Fatalf("%s %s: body is not JSON (%v): %q", s.Method, s.Path, err, s.Body)
	}
	return m
}

// reply is one canned response. {{base}} in Body becomes the server's
// URL + "/v1.0", so @odata.nextLink points back at the fake.
type reply struct {
	Status int
	Body   string
	Header map[string]string // Content-Type defaults to application/json when Body is set
}

// fakeGraph speaks enough of Graph's wire protocol: it gunzips request
// bodies (Content-Encoding: gzip), records every request and answers each
// "METHOD /path" route with its replies in order (the last one repeats).
type fakeGraph struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	routes map[string][]reply
	reqs   []seen
}

func newFake(t *testing.T) *fakeGraph {
	t.Helper()
	f := &fakeGraph{t: t, routes: map[string][]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGraph) base() string { return f.srv.URL + "/v1.0" }

// on sets the replies for a route, e.g. on("GET /v1.0/users/x", reply{...}).
func (f *fakeGraph) on(route string, replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[route] = replies
}

func (f *fakeGraph) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fakeGraph) serve(w http.ResponseWriter, r *http.Request) {
	s := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(),
		Encoding: r.Header.Get("Content-Encoding")}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.BodyErr = err.Error()
	}
	s.Body = raw
	if s.Encoding == "gzip" && len(raw) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			s.Body, err = io.ReadAll(zr)
		}
		if err != nil {
			s.BodyErr = "gzip: " + err.Error()
		}
	}
	key := r.Method + " " + r.URL.Path
	f.mu.Lock()
	f.reqs = append(f.reqs, s)
	replies := f.routes[key]
	var rep reply
	switch {
	case s.BodyErr != "":
		rep = reply{Status: 400, Body: `{"error":{"code":"BadRequest","message":"unreadable body"}}`}
	case len(replies) == 0:
		rep = reply{Status: 404, Body: `{"error":{"code":"NoRoute","message":"no route ` + key + `"}}`}
	default:
		rep = replies[0]
		if len(replies) > 1 {
			f.routes[key] = replies[1:]
		}
	}
	f.mu.Unlock()

	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	if rep.Body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.Status)
	io.WriteString(w, strings.ReplaceAll(rep.Body, "{{base}}", f.base()))
}

// newTestClient builds the real SDK client against the fake.
func newTestClient(t *testing.T, f *fakeGraph, mod ...func(*Config)) (*Client, *fakeCred) {
	t.Helper()
	cred := &fakeCred{}
	cfg := Config{
		Credential:    cred,
		BaseURL:       f.base(),
		HTTPClient:    f.srv.Client(),
		CatalogAppID:  testCatalog,
		ManifestAppID: testManifest,
		MaxRetryWait:  500 * time.Millisecond,
		Timeout:       20 * time.Second,
		Logger:        slog.New(slog.DiscardHandler),
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, cred
}

// odataErr is a Graph error body.
func odataErr(code, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": msg}})
	return string(b)
}
