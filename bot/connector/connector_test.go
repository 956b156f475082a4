package connector

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// recorded is one request as it arrived at the fake connector.
type recorded struct {
	Method, RawPath, Auth, ContentType string
	Body                               []byte
}

type fakeConnector struct {
	mu    sync.Mutex
	reqs  []recorded
	reply func(w http.ResponseWriter, r *http.Request)
}

func (f *fakeConnector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	reply := f.reply
	f.mu.Unlock()
	if reply != nil {
		reply(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, `{"id":"1:new"}`)
}

func (f *fakeConnector) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

type staticToken struct {
	tok string
	err error
}

func (s staticToken) Token(context.Context) (string, error) { return s.tok, s.err }

func newFake(t *testing.T) (*fakeConnector, *httptest.Server) {
	t.Helper()
	f := &fakeConnector{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// fullActivity is an activity with every by-value struct left at its zero
// value, as handlers build them.
func fullActivity() schema.Activity {
	return schema.Activity{
		Text:        "Hej <b>&</b>",
		ChannelData: map[string]any{"notification": map[string]any{"alert": false}, "marker": ""},
		Attachments: []schema.Attachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content:     map[string]any{"type": "AdaptiveCard", "body": []any{}, "version": "1.5", "x": ""},
		}},
	}
}

func TestSendPathsAndBodies(t *testing.T) {
	const convID = "19:abc@thread.skype;messageid=1"
	const escaped = "19%3Aabc%40thread.skype%3Bmessageid%3D1"
	cases := []struct {
		name     string
		call     func(c *Client, base string) (string, error)
		method   string
		path     string
		wantID   string
		bodyWant map[string]any // top-level keys that must be present with this JSON value
	}{
		{
			name: "send",
			call: func(c *Client, base string) (string, error) {
				return c.SendToConversation(t.Context(), base, convID, fullActivity())
			},
			method: "POST", path: "/v3/conversations/" + escaped + "/activities", wantID: "1:new",
			bodyWant: map[string]any{"type": "message", "text": "Hej <b>&</b>"},
		},
		{
			name: "send with service path prefix",
			call: func(c *Client, base string) (string, error) {
				return c.SendToConversation(t.Context(), base+"/emea/", "a:1 b/c", schema.Activity{Text: "x"})
			},
			method: "POST", path: "/emea/v3/conversations/a%3A1%20b%2Fc/activities", wantID: "1:new",
		},
		{
			name: "reply",
			call: func(c *Client, base string) (string, error) {
				return c.ReplyToActivity(t.Context(), base, convID, "1:17", schema.Activity{Text: "svar"})
			},
			method: "POST", path: "/v3/conversations/" + escaped + "/activities/1%3A17", wantID: "1:new",
			bodyWant: map[string]any{"replyToId": "1:17"},
		},
		{
			name: "update",
			call: func(c *Client, base string) (string, error) {
				return "", c.UpdateActivity(t.Context(), base, convID, "1:17", schema.Activity{Type: schema.Message, Text: "kvitto"})
			},
			method: "PUT", path: "/v3/conversations/" + escaped + "/activities/1%3A17",
			bodyWant: map[string]any{"id": "1:17", "text": "kvitto"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			c := New(srv.Client(), staticToken{tok: "tok"}, WithServiceURLCheck(LoopbackOnly))
			id, err := tc.call(c, srv.URL)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if id != tc.wantID {
				t.Errorf("id = %q, want %q", id, tc.wantID)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.RawPath != tc.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.RawPath, tc.method, tc.path)
			}
			if r.Auth != "Bearer tok" {
				t.Errorf("Authorization = %q", r.Auth)
			}
			if !strings.HasPrefix(r.ContentType, "application/json") {
				t.Errorf("Content-Type = %q", r.ContentType)
			}
			assertPruned(t, r.Body)
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("body: %v", err)
			}
			for k, want := range tc.bodyWant {
				if body[k] != want {
					t.Errorf("body[%q] = %#v, want %#v (body %s)", k, body[k], want, r.Body)
				}
			}
		})
	}
}

// assertPruned fails when body carries the zero values schema.Activity
// produces.
func assertPruned(t *testing.T, body []byte) {
	t.Helper()
	s := string(body)
	// Payloads (channelData, card content) may carry "" on purpose, so
	// only the schema's own zero values are looked for.
	for _, bad := range []string{"0001-01-01", `"relatesTo"`, `"suggestedActions"`, `"semanticAction"`, `"from"`, `"recipient"`, `"conversation"`, `:{}`, "null", `"timestamp"`, `"expiration"`} {
		if strings.Contains(s, bad) {
			t.Errorf("body carries %s: %s", bad, s)
		}
	}
}

func TestActivityBodyKeepsPayloads(t *testing.T) {
	f, srv := newFake(t)
	c := New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly))
	if _, err := c.SendToConversation(t.Context(), srv.URL, "a:1", fullActivity()); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Auth != "" {
		t.Errorf("nil TokenSource sent Authorization %q", r.Auth)
	}
	want := `{"attachments":[{"content":{"body":[],"type":"AdaptiveCard","version":"1.5","x":""},"contentType":"application/vnd.microsoft.card.adaptive"}],"channelData":{"marker":"","notification":{"alert":false}},"text":"Hej <b>&</b>","type":"message"}`
	if string(r.Body) != want {
		t.Errorf("body\n got %s\nwant %s", r.Body, want)
	}
}

func TestCreateConversation(t *testing.T) {
	cases := []struct {
		name      string
		reply     string
		status    int
		wantConv  string
		wantAct   string
		wantError error
	}{
		{"ok", `{"id":"a:1xyz","activityId":"1:9","serviceUrl":"https://x/"}`, 201, "a:1xyz", "1:9", nil},
		{"ok without activity", `{"id":"a:1xyz"}`, 200, "a:1xyz", "", nil},
		{"no id", `{}`, 201, "", "", ErrBadResponse},
		{"not json", `hello`, 201, "", "", ErrBadResponse},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.reply = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.reply)
			}
			c := New(srv.Client(), staticToken{tok: "t"}, WithServiceURLCheck(LoopbackOnly))
			conv, act, err := c.CreateConversation(t.Context(), srv.URL, schema.ConversationParameters{
				Members:     []schema.ChannelAccount{{ID: "00000000-0000-0000-0000-000000000001"}},
				TenantID:    "tenant-1",
				ChannelData: map[string]any{"tenant": map[string]any{"id": "tenant-1"}},
			})
			if !errors.Is(err, tc.wantError) || (tc.wantError == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantError)
			}
			if conv != tc.wantConv || act != tc.wantAct {
				t.Errorf("got (%q, %q), want (%q, %q)", conv, act, tc.wantConv, tc.wantAct)
			}
			r := f.requests()[0]
			if r.Method != "POST" || r.RawPath != "/v3/conversations" {
				t.Errorf("request %s %s", r.Method, r.RawPath)
			}
			want := `{"channelData":{"tenant":{"id":"tenant-1"}},"members":[{"id":"00000000-0000-0000-0000-000000000001"}],"tenantId":"tenant-1"}`
			if string(r.Body) != want {
				t.Errorf("body\n got %s\nwant %s", r.Body, want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name      string
		status    int
		header    string
		body      string
		want      Error
		temporary bool
	}{
		{"429 seconds", 429, "3", `{"error":{"code":"ThrottledRequest","message":"slow down"}}`, Error{Status: 429, RetryAfter: 3 * time.Second, Code: "ThrottledRequest", Message: "slow down"}, true},
		{"429 http date", 429, now.Add(90 * time.Second).Format(http.TimeFormat), `{"message":"too many"}`, Error{Status: 429, RetryAfter: 90 * time.Second, Message: "too many"}, true},
		{"429 date in past", 429, now.Add(-time.Hour).Format(http.TimeFormat), ``, Error{Status: 429}, true},
		{"429 garbage header", 429, "soon", ``, Error{Status: 429}, true},
		{"429 huge seconds capped", 429, "99999999999999999999", ``, Error{Status: 429, RetryAfter: 24 * time.Hour}, true},
		{"412", 412, "", `{"code":"PreconditionFailed","message":"etag"}`, Error{Status: 412, Code: "PreconditionFailed", Message: "etag"}, true},
		{"502 html", 502, "", `<html><body>Bad gateway</body></html>`, Error{Status: 502}, true},
		{"504", 504, "", ``, Error{Status: 504}, true},
		{"403 plain text", 403, "", "Bot not installed\n\x01", Error{Status: 403, Message: "Bot not installed"}, false},
		{"404", 404, "", `{"error":{"code":"ConversationNotFound","message":"Conversation not found."}}`, Error{Status: 404, Code: "ConversationNotFound", Message: "Conversation not found."}, false},
		{"302 not followed", 302, "", ``, Error{Status: 302}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.reply = func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}
			c := New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly), WithClock(func() time.Time { return now }))
			_, err := c.SendToConversation(t.Context(), srv.URL, "a:1", schema.Activity{Text: "x"})
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if *ce != tc.want {
				t.Errorf("got %+v, want %+v", *ce, tc.want)
			}
			if ce.Temporary() != tc.temporary {
				t.Errorf("Temporary() = %v", ce.Temporary())
			}
			if ce.Error() == "" {
				t.Error("empty error text")
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestLargeBodies(t *testing.T) {
	f, srv := newFake(t)
	c := New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly))
	big := strings.Repeat("x", 5<<20)
	f.reply = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = io.WriteString(w, big)
	}
	_, err := c.SendToConversation(t.Context(), srv.URL, "a:1", schema.Activity{Text: "x"})
	var ce *Error
	if !errors.As(err, &ce) || ce.Status != 500 || len(ce.Message) > 600 {
		t.Fatalf("err = %v", err)
	}
	f.reply = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"id":"`+big+`"}`)
	}
	id, err := c.SendToConversation(t.Context(), srv.URL, "a:1", schema.Activity{Text: "x"})
	if err != nil || id != "" {
		t.Fatalf("oversized success body: id len %d, err %v; want unknown id, no error", len(id), err)
	}
	f.reply = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) }
	if id, err := c.SendToConversation(t.Context(), srv.URL, "a:1", schema.Activity{Text: "x"}); err != nil || id != "" {
		t.Fatalf("202 without body: %q, %v", id, err)
	}
}

func TestRefusedRequestsSendNothing(t *testing.T) {
	f, srv := newFake(t)
	cases := []struct {
		name    string
		client  *Client
		service string
		conv    string
		wantErr error
	}{
		{"default policy refuses http", New(srv.Client(), nil), srv.URL, "a:1", ErrInvalidRequest},
		{"loopback policy refuses remote", New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly)), "https://smba.trafficmanager.net/emea/", "a:1", ErrInvalidRequest},
		{"not a URL", New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly)), "://x", "a:1", ErrInvalidRequest},
		{"relative", New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly)), "/v3", "a:1", ErrInvalidRequest},
		{"user info", New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly)), "http://u:p@127.0.0.1/", "a:1", ErrInvalidRequest},
		{"ftp", New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly)), "ftp://127.0.0.1/", "a:1", ErrInvalidRequest},
		{"empty conversation", New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly)), srv.URL, "", ErrInvalidRequest},
		{"token error", New(srv.Client(), staticToken{err: errors.New("aad down")}, WithServiceURLCheck(LoopbackOnly)), srv.URL, "a:1", nil},
		{"empty token", New(srv.Client(), staticToken{}, WithServiceURLCheck(LoopbackOnly)), srv.URL, "a:1", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.client.SendToConversation(t.Context(), tc.service, tc.conv, schema.Activity{Text: "x"})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			var ce *Error
			if errors.As(err, &ce) {
				t.Errorf("got a connector answer %v for a request that must not be sent", ce)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests reached the connector", n)
	}
}

func TestHTTPSDefaultPolicy(t *testing.T) {
	f := &fakeConnector{}
	srv := httptest.NewTLSServer(f)
	defer srv.Close()
	c := New(srv.Client(), staticToken{tok: "t"})
	if _, err := c.SendToConversation(t.Context(), srv.URL, "a:1", schema.Activity{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if len(f.requests()) != 1 {
		t.Fatal("https request not sent")
	}
}

func TestNetworkErrorAndCancel(t *testing.T) {
	_, srv := newFake(t)
	c := New(srv.Client(), nil, WithServiceURLCheck(LoopbackOnly))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.SendToConversation(ctx, srv.URL, "a:1", schema.Activity{Text: "x"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
	url := srv.URL
	srv.Close()
	_, err = c.SendToConversation(t.Context(), url, "a:1", schema.Activity{Text: "x"})
	var ce *Error
	if err == nil || errors.As(err, &ce) || errors.Is(err, ErrInvalidRequest) {
		t.Errorf("closed server: err = %v, want a transport error", err)
	}
}

func TestPruneJSON(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":{},"b":null,"c":"","d":false,"e":0,"f":"0001-01-01T00:00:00Z","g":[{}],"h":{"i":{"j":""}}}`, `{"d":false,"e":0}`},
		{`{"channelData":{"x":"","y":null}}`, `{"channelData":{"x":"","y":null}}`},
		{`{"channelData":{}}`, `{}`},
		{`{"attachments":[{"content":{"a":""},"name":""}]}`, `{"attachments":[{"content":{"a":""}}]}`},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
		{`{}`, `{}`},
	}
	for _, tc := range cases {
		got, err := pruneJSON([]byte(tc.in), activityOpaque)
		if err != nil || string(got) != tc.want {
			t.Errorf("prune(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}
