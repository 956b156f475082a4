package connector

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func FuzzParseError(f *testing.F) {
	f.Add(429, []byte(`{"error":{"code":"c","message":"m"}}`), "3")
	f.Add(502, []byte(`<html>`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(403, []byte("text\x00\xff"), "-1")
	f.Add(404, []byte(`{"message":5}`), "99999999999999999999999")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		e := parseError(status, body)
		if e.Status != status || len(e.Message) > 600 || len(e.Code) > 200 {
			t.Fatalf("bad parse %+v", e)
		}
		_ = e.Error()
		d := parseRetryAfter(retryAfter, now)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("retry after %v for %q", d, retryAfter)
		}
		if retryAfter == now.Add(time.Minute).Format(http.TimeFormat) && d != time.Minute {
			t.Fatalf("date %q -> %v", retryAfter, d)
		}
	})
}

func FuzzPruneJSON(f *testing.F) {
	f.Add([]byte(`{"a":{},"channelData":{"x":""},"attachments":[{"content":null}]}`))
	f.Add([]byte(`[1,"",{}]`))
	f.Add([]byte(`"0001-01-01T00:00:00Z"`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := pruneJSON(raw, activityOpaque)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q", out)
		}
		again, err := pruneJSON(out, activityOpaque)
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent: %s -> %s (%v)", out, again, err)
		}
	})
}
