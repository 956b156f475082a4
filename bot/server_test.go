package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/connector"
	"digibot/bot/turn"
	"digibot/storage"
	"digibot/storage/embedded"
)

// fakeConnector is a local Bot Connector: it records every request.
type fakeConnector struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []connReq
	next atomic.Int64
	fail atomic.Int32 // answer this many requests with 502 first
}

type connReq struct {
	Method, Path string
	Activity     schema.Activity
}

func newFakeConnector(t testing.TB) *fakeConnector {
	f := &fakeConnector{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var a schema.Activity
		_ = json.Unmarshal(body, &a)
		f.mu.Lock()
		f.reqs = append(f.reqs, connReq{r.Method, r.URL.Path, a})
		f.mu.Unlock()
		if f.fail.Load() > 0 {
			f.fail.Add(-1)
			http.Error(w, `{"error":{"code":"BadGateway","message":"storm"}}`, http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"msg-`+strconv.FormatInt(f.next.Add(1), 10)+`"}`)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeConnector) requests() []connReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]connReq(nil), f.reqs...)
}

type harness struct {
	t     testing.TB
	bot   *httptest.Server
	conn  *fakeConnector
	store *embedded.Store
	srv   *Server
}

func newHarness(t testing.TB, h Handlers) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fc := newFakeConnector(t)
	cl := connector.New(fc.Client(), nil, connector.WithServiceURLCheck(connector.LoopbackOnly))
	srv, err := NewServer(Options{Store: st, Auth: DevAuth{}, Conn: cl, Handlers: h, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	bs := httptest.NewServer(mux)
	t.Cleanup(bs.Close)
	return &harness{t: t, bot: bs, conn: fc, store: st, srv: srv}
}

func (h *harness) activity(typ schema.ActivityTypes, id, text string) schema.Activity {
	return schema.Activity{
		Type: typ, ID: id, Text: text, ServiceURL: h.conn.URL, ChannelID: "msteams", Locale: "sv-SE",
		From:         schema.ChannelAccount{ID: "29:user", Name: "Anna", AadObjectID: "aad-anna"},
		Recipient:    schema.ChannelAccount{ID: "28:digibot", Name: "Digibot"},
		Conversation: schema.ConversationAccount{ID: "a:conv-1", ConversationType: "personal", TenantID: "tenant-1"},
	}
}

func (h *harness) post(a any) *http.Response {
	h.t.Helper()
	var body []byte
	switch v := a.(type) {
	case []byte:
		body = v
	case string:
		body = []byte(v)
	default:
		body, _ = json.Marshal(v)
	}
	resp, err := http.Post(h.bot.URL+"/api/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func echo(_ context.Context, t *turn.Turn) error {
	t.SendText("du skrev: " + t.Text())
	return nil
}

func TestDevModeMessageGetsReplyAtServiceURL(t *testing.T) {
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(echo)})
	resp := h.post(h.activity(schema.Message, "act-1", "hej"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	reqs := h.conn.requests()
	if len(reqs) != 1 {
		t.Fatalf("want 1 connector request, got %d", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v3/conversations/a:conv-1/activities/act-1" {
		t.Errorf("reply went to %s %s", r.Method, r.Path)
	}
	if r.Activity.Text != "du skrev: hej" || r.Activity.ReplyToID != "act-1" ||
		r.Activity.Recipient.ID != "29:user" || r.Activity.From.ID != "28:digibot" {
		t.Errorf("unexpected reply activity: %+v", r.Activity)
	}
	// First contact stored the conversation reference.
	ref, err := h.store.GetReference(context.Background(), storage.UserKey("aad-anna"))
	if err != nil {
		t.Fatalf("reference not stored: %v", err)
	}
	if ref.ConversationID != "a:conv-1" || ref.ServiceURL != h.conn.URL || ref.TenantID != "tenant-1" {
		t.Errorf("reference: %+v", ref)
	}
}

func TestBadRequests(t *testing.T) {
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(echo)})
	big := h.activity(schema.Message, "big", strings.Repeat("x", DefaultMaxBody+1))
	noType := h.activity("", "x", "hej")
	noConv := h.activity(schema.Message, "x", "hej")
	noConv.Conversation.ID = ""
	tests := []struct {
		name string
		body any
		want int
	}{
		{"too large", big, http.StatusRequestEntityTooLarge},
		{"malformed", `{"type":"message",`, http.StatusBadRequest},
		{"empty", ``, http.StatusBadRequest},
		{"array", `[1,2]`, http.StatusBadRequest},
		{"no type", noType, http.StatusBadRequest},
		{"no conversation", noConv, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.post(tc.body).StatusCode; got != tc.want {
				t.Fatalf("want %d, got %d", tc.want, got)
			}
		})
	}
	if n := len(h.conn.requests()); n != 0 {
		t.Fatalf("bad input must not reach the connector, %d requests", n)
	}
}

func TestDevAuthRejectsForeignServiceURL(t *testing.T) {
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(echo)})
	a := h.activity(schema.Message, "x", "hej")
	a.ServiceURL = "https://smba.trafficmanager.net/emea/"
	if got := h.post(a).StatusCode; got != http.StatusUnauthorized {
		t.Fatalf("want 401, got %d", got)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/messages", nil)
	req.RemoteAddr = "10.0.0.5:1234"
	if err := (DevAuth{}).Authenticate(context.Background(), req, &schema.Activity{ServiceURL: h.conn.URL}); err == nil {
		t.Fatal("dev mode must refuse a non-loopback client")
	}
}

func TestDuplicateActivityHandledOnce(t *testing.T) {
	var calls atomic.Int32
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(func(ctx context.Context, t *turn.Turn) error {
		calls.Add(1)
		return echo(ctx, t)
	})})
	a := h.activity(schema.Message, "dup-1", "hej")
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); h.post(a) }()
	}
	wg.Wait()
	if calls.Load() != 1 || len(h.conn.requests()) != 1 {
		t.Fatalf("handled %d times, %d replies", calls.Load(), len(h.conn.requests()))
	}
}

func TestPanicIs500AndRetryWorks(t *testing.T) {
	var calls atomic.Int32
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(func(ctx context.Context, t *turn.Turn) error {
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return echo(ctx, t)
	})})
	a := h.activity(schema.Message, "p-1", "hej")
	if got := h.post(a).StatusCode; got != http.StatusInternalServerError {
		t.Fatalf("want 500, got %d", got)
	}
	// Teams retries the same activity: it must be handled, not dropped as a duplicate.
	if got := h.post(a).StatusCode; got != http.StatusOK {
		t.Fatalf("retry: want 200, got %d", got)
	}
	if calls.Load() != 2 || len(h.conn.requests()) != 1 {
		t.Fatalf("calls %d, replies %d", calls.Load(), len(h.conn.requests()))
	}
}

func TestHandlerErrorGetsApology(t *testing.T) {
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(func(context.Context, *turn.Turn) error {
		return errors.New("kaputt")
	})})
	a := h.activity(schema.Message, "e-1", "hej")
	a.Locale = "en-US"
	if got := h.post(a).StatusCode; got != http.StatusOK {
		t.Fatalf("status %d", got)
	}
	reqs := h.conn.requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].Activity.Text, "Something went wrong") {
		t.Fatalf("want an English apology, got %+v", reqs)
	}
}

func TestInvokeResponseInBody(t *testing.T) {
	h := newHarness(t, Handlers{Invoke: turn.HandlerFunc(func(_ context.Context, t *turn.Turn) error {
		t.Respond(http.StatusOK, map[string]any{"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": map[string]any{"type": "AdaptiveCard"}})
		return nil
	})})
	a := h.activity(schema.Invoke, "inv-1", "")
	a.Name = "adaptiveCard/action"
	a.Value = map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "x"}}
	resp := h.post(a)
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body["type"] != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("status %d body %v", resp.StatusCode, body)
	}
	if n := len(h.conn.requests()); n != 0 {
		t.Fatalf("invoke response must not be posted as a message (%d requests)", n)
	}
	// An invoke Digibot does not implement is answered 501, not ignored.
	a.ID, a.Name = "inv-2", "task/fetch"
	if got := h.post(a).StatusCode; got != http.StatusNotImplemented {
		t.Fatalf("unknown invoke: want 501, got %d", got)
	}
}

func TestInstallAndUninstallReferences(t *testing.T) {
	var welcomed atomic.Int32
	h := newHarness(t, Handlers{Welcome: turn.HandlerFunc(func(_ context.Context, t *turn.Turn) error {
		welcomed.Add(1)
		t.SendText("välkommen")
		return nil
	})})
	ctx := context.Background()

	personal := h.activity(schema.InstallationUpdate, "i-1", "")
	personal.Action = "add"
	team := h.activity(schema.ConversationUpdate, "i-2", "")
	team.Conversation = schema.ConversationAccount{ID: "19:general@thread.tacv2", ConversationType: "channel", TenantID: "tenant-1"}
	team.MembersAdded = []schema.ChannelAccount{{ID: "28:digibot"}}
	team.ChannelData = map[string]any{"team": map[string]any{"id": "19:general@thread.tacv2", "name": "Koncernledningen"}, "eventType": "teamMemberAdded"}
	group := h.activity(schema.InstallationUpdate, "i-3", "")
	group.Action = "add"
	group.Conversation = schema.ConversationAccount{ID: "19:group@thread.v2", ConversationType: "groupChat", TenantID: "tenant-1"}

	for _, a := range []schema.Activity{personal, team, group} {
		if got := h.post(a).StatusCode; got != 200 {
			t.Fatalf("%s: status %d", a.ID, got)
		}
	}
	refs, err := h.store.ListReferences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, r := range refs {
		kinds[r.Key] = r.ConversationType
	}
	want := map[string]string{
		storage.UserKey("aad-anna"):                        "personal",
		storage.ConversationKey("19:general@thread.tacv2"): "channel",
		storage.ConversationKey("19:group@thread.v2"):      "groupChat",
	}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("reference %s: want %s, got %q (all: %v)", k, v, kinds[k], kinds)
		}
	}
	if welcomed.Load() != 3 || len(h.conn.requests()) != 3 {
		t.Fatalf("welcomed %d, replies %d", welcomed.Load(), len(h.conn.requests()))
	}
	// Teams also sends conversationUpdate for a personal install: one welcome only.
	again := h.activity(schema.ConversationUpdate, "i-4", "")
	again.MembersAdded = []schema.ChannelAccount{{ID: "28:digibot"}, {ID: "29:user"}}
	if got := h.post(again).StatusCode; got != 200 || welcomed.Load() != 3 {
		t.Fatalf("second install event: status %d, welcomed %d", got, welcomed.Load())
	}

	rmPersonal := personal
	rmPersonal.ID, rmPersonal.Action = "u-1", "remove"
	rmTeam := team
	rmTeam.ID, rmTeam.MembersAdded, rmTeam.MembersRemoved = "u-2", nil, []schema.ChannelAccount{{ID: "28:digibot"}}
	for _, a := range []schema.Activity{rmPersonal, rmTeam} {
		if got := h.post(a).StatusCode; got != 200 {
			t.Fatalf("%s: status %d", a.ID, got)
		}
	}
	refs, _ = h.store.ListReferences(ctx)
	if len(refs) != 1 || refs[0].Key != storage.ConversationKey("19:group@thread.v2") {
		t.Fatalf("after uninstall want only the group chat, got %+v", refs)
	}
	// Reinstalled later: welcomed again.
	personal.ID = "i-5"
	if h.post(personal); welcomed.Load() != 4 {
		t.Fatalf("reinstall: welcomed %d", welcomed.Load())
	}
}

func TestReplyFailureFallsBackToOutbox(t *testing.T) {
	h := newHarness(t, Handlers{Message: turn.HandlerFunc(echo)})
	h.conn.fail.Store(100)
	if got := h.post(h.activity(schema.Message, "f-1", "boka")).StatusCode; got != 200 {
		t.Fatalf("status %d", got)
	}
	e, err := h.store.GetOutbox(context.Background(), "reply:a:conv-1:f-1:0")
	if err != nil {
		t.Fatalf("reply not kept in the outbox: %v", err)
	}
	var a schema.Activity
	if err := json.Unmarshal(e.Activity, &a); err != nil || a.Text != "du skrev: boka" || e.RefKey != storage.UserKey("aad-anna") {
		t.Fatalf("outbox entry %+v (%v)", e, err)
	}
}

func TestHealthAndReady(t *testing.T) {
	h := newHarness(t, Handlers{})
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(h.bot.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
	h.store.Close()
	resp, err := http.Get(h.bot.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("closed store: want 503, got %d", resp.StatusCode)
	}
}
