package graph

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseGraphTime: dateTimeTimeZone values come from Graph responses.
func FuzzParseGraphTime(f *testing.F) {
	for _, s := range [][2]string{
		{"2026-03-02T10:00:00.0000000", "UTC"},
		{"2026-03-02T10:00:00", ""},
		{"2026-03-02T10:00:00Z", "UTC"},
		{"2026-03-02T10:00:00+01:00", ""},
		{"2026-03-29T02:30:00.0000000", "W. Europe Standard Time"},
		{"2026-13-40T25:61:00", "UTC"},
		{"", "UTC"},
		{"2026-03-02T10:00:00", "../../etc/passwd"},
		{"2026-03-02T10:00:00", "Local"},
		{"\x00", "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, dt, tz string) {
		got, err := parseGraphTime(dt, tz)
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Errorf("error text is not UTF-8: %q", err.Error())
			}
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("parseGraphTime(%q, %q) = %v, not UTC", dt, tz, got)
		}
	})
}

// FuzzResponseBody sends whatever status and body Graph might answer with
// through the real SDK: the client must never panic, and a failure must be
// an *Error that names the call and keeps the status.
func FuzzResponseBody(f *testing.F) {
	seeds := []struct {
		status      int
		contentType string
		body        string
	}{
		{200, "application/json", annaJSON},
		{200, "application/json", `{}`},
		{200, "application/json", `[]`},
		{200, "application/json", `{"id":5,"displayName":{"x":[1,2]}}`},
		{404, "application/json", odataErr("Request_ResourceNotFound", "gone")},
		{500, "application/json", `{"message":"boom"}`},
		{500, "application/json", `{"error":null}`},
		{500, "application/json", `{"error":{"code":null,"message":null}}`},
		{500, "application/json", `{"error":"text"}`},
		{400, "application/json", `{"error":{"innerError":{"date":"not a date"}}}`},
		{500, "application/json", `{"error":`},
		{500, "text/html", `<html>`},
		{418, "", ``},
		{200, "application/json", `null`},
		{302, "", ``},
	}
	for _, s := range seeds {
		f.Add(s.status, s.contentType, s.body)
	}
	var mu sync.Mutex
	var status int
	var contentType, body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		st, ct, b := status, contentType, body
		mu.Unlock()
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(st)
		w.Write([]byte(b))
	}))
	f.Cleanup(srv.Close)
	c, err := New(Config{Credential: &fakeCred{}, BaseURL: srv.URL + "/v1.0", HTTPClient: srv.Client(),
		MaxRetryWait: time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, st int, ct, b string) {
		if st < 200 || st > 599 || st == 429 || st == 503 || st == 504 || (st >= 300 && st < 400) || len(b) > 1<<16 {
			t.Skip() // retried or redirected statuses are covered elsewhere
		}
		if strings.IndexFunc(ct, func(r rune) bool { return r < 0x20 || r >= 0x7f }) >= 0 {
			t.Skip() // not a header net/http can carry
		}
		mu.Lock()
		status, contentType, body = st, ct, b
		mu.Unlock()
		_, err := c.UserByUPN(context.Background(), anna)
		if st >= 400 {
			var ge *Error
			if !errors.As(err, &ge) || ge.Status != st || !strings.Contains(err.Error(), "UserByUPN") {
				t.Fatalf("status %d body %q: error = %v", st, b, err)
			}
		}
		if err != nil {
			_ = err.Error() // must not panic
		}
	})
}
