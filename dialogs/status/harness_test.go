package status

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/storage"
	"digibot/storage/embedded"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func sthlm(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, schedule.Stockholm)
}

func openStore(t testing.TB, dir string, clk *clock) *embedded.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	var opts []embedded.Option
	if clk != nil {
		opts = append(opts, embedded.WithClock(clk.Now))
	}
	s, err := embedded.Open(context.Background(), dir, opts...)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func calendar(t testing.TB) *schedule.Calendar {
	t.Helper()
	c, err := schedule.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func quietLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// Test people: Entra ids and UPNs.
const (
	anna    = "aaaaaaaa-0000-4000-8000-000000000001"
	bertil  = "bbbbbbbb-0000-4000-8000-000000000002"
	cecilia = "cccccccc-0000-4000-8000-000000000003"
	david   = "dddddddd-0000-4000-8000-000000000004" // manager
	erik    = "eeeeeeee-0000-4000-8000-000000000005" // not an owner
	tenant  = "6b3d4c2e-0000-4000-8000-00000000000a"
	svcURL  = "https://smba.trafficmanager.net/emea/"
)

func newService(t testing.TB, st Store, clk *clock, cfg Config, dir Directory) *Service {
	t.Helper()
	s, err := New(Options{
		Config: cfg, Store: st, Calendar: calendar(t), Directory: dir, TenantID: tenant, ServiceURL: svcURL,
		Now: clk.Now, Logger: quietLogger(t),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// putRef stores a personal conversation reference for aad.
func putRef(t testing.TB, st Store, aad, name, locale string) {
	t.Helper()
	err := st.PutReference(context.Background(), storage.Reference{
		Key: storage.UserKey(aad), ConversationID: "a:conv-" + aad, ConversationType: storage.ConversationPersonal,
		ServiceURL: svcURL, TenantID: tenant, ChannelID: "msteams", UserAADID: aad, UserName: name, Locale: locale,
		UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func from(aad, name string) schema.ChannelAccount {
	return schema.ChannelAccount{ID: "29:" + aad, Name: name, AadObjectID: aad}
}

// message is a typed message from aad.
func message(aad, name, text string) *turn.Turn {
	return turn.New(schema.Activity{
		Type: schema.Message, ID: "m1", Text: text, From: from(aad, name), Locale: "sv-SE",
		Conversation: schema.ConversationAccount{ID: "a:conv-" + aad, ConversationType: "personal"},
	})
}

// invoke is an Action.Execute from aad.
func invoke(aad, name, verb string, data map[string]any) *turn.Turn {
	return turn.New(schema.Activity{
		Type: schema.Invoke, Name: "adaptiveCard/action", ID: "i1", From: from(aad, name), Locale: "sv-SE",
		Conversation: schema.ConversationAccount{ID: "a:conv-" + aad, ConversationType: "personal"},
		Value:        map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": verb, "data": data}},
	})
}

// roundTrip makes v plain JSON (maps, strings, float64), like a card
// that went through Teams.
func roundTrip(t testing.TB, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// submission is what Teams sends when Send is pressed on card: the action
// data plus every input's value (prefilled unless overridden).
func submission(t testing.TB, c any, overrides map[string]string) map[string]any {
	t.Helper()
	m := roundTrip(t, c)
	data := map[string]any{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			typ, _ := x["type"].(string)
			if strings.HasPrefix(typ, "Input.") {
				id, _ := x["id"].(string)
				val, _ := x["value"].(string)
				data[id] = val
			}
			if typ == "Action.Execute" {
				if verb, _ := x["verb"].(string); verb == ActionSubmit {
					for k, v := range x["data"].(map[string]any) {
						data[k] = v
					}
				}
			}
			for _, v := range x {
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(m)
	for k, v := range overrides {
		data[k] = v
	}
	if _, ok := data["versions"]; !ok {
		t.Fatalf("card has no submit action: %v", m)
	}
	return data
}

// entryCard returns the first card of an outbox entry.
func entryCard(t testing.TB, st Store, id string) map[string]any {
	t.Helper()
	e, err := st.GetOutbox(context.Background(), id)
	if err != nil {
		t.Fatalf("outbox entry %s: %v", id, err)
	}
	var a schema.Activity
	if err := json.Unmarshal(e.Activity, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Attachments) == 0 {
		t.Fatalf("entry %s has no card: %s", id, e.Activity)
	}
	return roundTrip(t, a.Attachments[0].Content)
}

// invokeCard is the card an invoke response replaces the card with.
func invokeCard(t testing.TB, tn *turn.Turn) map[string]any {
	t.Helper()
	ir := tn.InvokeResponse()
	if ir == nil {
		t.Fatalf("no invoke response; replies %v", replyTexts(tn))
	}
	body := roundTrip(t, ir.Body)
	if body["type"] != turn.AdaptiveCardContentType {
		t.Fatalf("invoke response is not a card: %v", body)
	}
	return body["value"].(map[string]any)
}

// invokeMessage is the text of a message invoke response.
func invokeMessage(t testing.TB, tn *turn.Turn) string {
	t.Helper()
	ir := tn.InvokeResponse()
	if ir == nil {
		t.Fatalf("no invoke response")
	}
	body := roundTrip(t, ir.Body)
	if body["type"] != "application/vnd.microsoft.activity.message" {
		t.Fatalf("invoke response is not a message: %v", body)
	}
	return body["value"].(string)
}

func replyTexts(tn *turn.Turn) []string {
	var out []string
	for _, r := range tn.Replies() {
		out = append(out, r.Text)
	}
	return out
}

// cardText is every string in a card (texts, types, ids, values), one
// per line, for assertions.
func cardText(t testing.TB, c any) string {
	t.Helper()
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		case string:
			out = append(out, x)
		}
	}
	walk(roundTrip(t, map[string]any{"c": c}))
	return strings.Join(out, "\n")
}

// handle routes tn through a router with the service registered.
func handle(t testing.TB, s *Service, tn *turn.Turn) {
	t.Helper()
	r := dialogs.NewRouter()
	s.Register(r)
	r.Fallback(turn.HandlerFunc(func(_ context.Context, t *turn.Turn) error {
		t.SendText("FALLBACK")
		return nil
	}))
	if err := s.Intercept(r).HandleTurn(context.Background(), tn); err != nil {
		t.Fatalf("handle %q: %v", tn.Activity.Text, err)
	}
}

// fakeDirectory is a Directory with people and managers; it records calls.
type fakeDirectory struct {
	mu         sync.Mutex
	users      map[string][3]string // upn -> id, name, email
	managers   map[string][2]string // id -> manager id, name
	forbidden  map[string]bool      // ids Graph refuses to install for
	noChat     map[string]bool      // ids whose chat id is not visible yet
	failUPN    map[string]error
	calls      []string
	installed  map[string]int
	chatLookup map[string]int
}

func newFakeDirectory() *fakeDirectory {
	return &fakeDirectory{
		users: map[string][3]string{}, managers: map[string][2]string{}, forbidden: map[string]bool{},
		noChat: map[string]bool{}, failUPN: map[string]error{}, installed: map[string]int{}, chatLookup: map[string]int{},
	}
}

func (f *fakeDirectory) record(c string) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *fakeDirectory) UserByUPN(_ context.Context, upn string) (string, string, string, error) {
	f.record("user " + upn)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failUPN[upn]; err != nil {
		return "", "", "", err
	}
	u, ok := f.users[upn]
	if !ok {
		return "", "", "", fmt.Errorf("graph: 404: %w", ErrNotFound)
	}
	return u[0], u[1], u[2], nil
}

func (f *fakeDirectory) Manager(_ context.Context, id string) (string, string, error) {
	f.record("manager " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.managers[id]
	if !ok {
		return "", "", fmt.Errorf("graph: no manager: %w", ErrNotFound)
	}
	return m[0], m[1], nil
}

func (f *fakeDirectory) InstallForUser(_ context.Context, id string) error {
	f.record("install " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.forbidden[id] {
		return fmt.Errorf("graph: 403: %w", ErrForbidden)
	}
	f.installed[id]++
	return nil
}

func (f *fakeDirectory) PersonalChatID(_ context.Context, id string) (string, error) {
	f.record("chat " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chatLookup[id]++
	if f.noChat[id] {
		return "", fmt.Errorf("graph: chat not found: %w", ErrNotFound)
	}
	return "19:" + id + "_bot@unq.gbl.spaces", nil
}

func (f *fakeDirectory) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}
