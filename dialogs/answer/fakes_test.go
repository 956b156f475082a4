package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/storage"
)

// fakeStore is an in-memory Store and Outbox with the storage package's
// semantics for the operations this package uses.
type fakeStore struct {
	mu      sync.Mutex
	logs    map[string][]storage.LogEntry
	docs    map[string]storage.Doc // coll + "/" + id
	outbox  map[string]storage.OutboxEntry
	order   []string // outbox ids in enqueue order
	failLog error    // AppendLog returns this when set
	seq     int
}

func newFakeStore() *fakeStore {
	return &fakeStore{logs: map[string][]storage.LogEntry{}, docs: map[string]storage.Doc{}, outbox: map[string]storage.OutboxEntry{}}
}

func (s *fakeStore) AppendLog(_ context.Context, log string, at time.Time, data []byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLog != nil {
		return "", s.failLog
	}
	s.seq++
	id := fmt.Sprintf("%020d", s.seq)
	s.logs[log] = append(s.logs[log], storage.LogEntry{ID: id, At: at, Data: append([]byte(nil), data...)})
	return id, nil
}

func (s *fakeStore) ReadLog(_ context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []storage.LogEntry
	for _, e := range s.logs[log] {
		if e.At.Before(from) || (!to.IsZero() && !e.At.Before(to)) {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *fakeStore) GetDoc(_ context.Context, coll, id string) (storage.Doc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[coll+"/"+id]
	if !ok {
		return storage.Doc{}, fmt.Errorf("doc %s/%s: %w", coll, id, storage.ErrNotFound)
	}
	return d, nil
}

func (s *fakeStore) PutDoc(_ context.Context, coll, id string, value []byte, expect int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.docs[coll+"/"+id]
	switch {
	case expect == storage.NoVersion && ok,
		expect > 0 && (!ok || cur.Version != expect):
		return 0, fmt.Errorf("doc %s/%s: %w", coll, id, storage.ErrConflict)
	}
	v := cur.Version + 1
	s.docs[coll+"/"+id] = storage.Doc{ID: id, Value: append([]byte(nil), value...), Version: v}
	return v, nil
}

func (s *fakeStore) Enqueue(_ context.Context, e storage.OutboxEntry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.outbox[e.ID]; ok {
		return false, nil
	}
	e.State = storage.OutboxPending
	s.outbox[e.ID] = e
	s.order = append(s.order, e.ID)
	return true, nil
}

func (s *fakeStore) entries() []storage.OutboxEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]storage.OutboxEntry, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.outbox[id])
	}
	return out
}

func (s *fakeStore) logEntries(t *testing.T, log string, v any) int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	es := s.logs[log]
	if len(es) > 0 && v != nil {
		if err := json.Unmarshal(es[len(es)-1].Data, v); err != nil {
			t.Fatal(err)
		}
	}
	return len(es)
}

var fixedNow = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

// newFixtureEngine is an engine over the fixture knowledge base.
func newFixtureEngine(t testing.TB, mod func(*Options)) *Engine {
	t.Helper()
	o := Options{
		FS:     os.DirFS(filepath.Join("testdata", "fixtures", "kb")),
		Now:    func() time.Time { return fixedNow },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&o)
	}
	e, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// withForwarding configures a store, an outbox and a forward channel.
func withForwarding(s *fakeStore) func(*Options) {
	return func(o *Options) {
		o.Store, o.Outbox, o.ForwardChannelRef = s, s, storage.ConversationKey(channelID)
	}
}

const (
	channelID = "19:coord@thread.tacv2"
	askerAAD  = "aad-asker"
	askerName = "Anna Andersson"
)

// message is a typed message from the asker in a 1:1 chat.
func message(text string) *turn.Turn {
	return turn.New(schema.Activity{
		Type: schema.Message, ID: "act-" + text, Text: text, Locale: "sv-SE",
		From:         schema.ChannelAccount{ID: "29:asker", Name: askerName, AadObjectID: askerAAD},
		Conversation: schema.ConversationAccount{ID: "a:personal", ConversationType: "personal"},
	})
}

// submit is an Action.Submit from a card; channel true means it comes from
// the coordinating function's channel.
func submitTurn(data map[string]any, fromAAD, fromName string, channel bool) *turn.Turn {
	conv := schema.ConversationAccount{ID: "a:personal", ConversationType: "personal"}
	if channel {
		conv = schema.ConversationAccount{ID: channelID + ";messageid=1700000000000", ConversationType: "channel"}
	}
	return turn.New(schema.Activity{
		Type: schema.Message, ID: "submit", Value: data, Locale: "sv-SE",
		From:         schema.ChannelAccount{ID: "29:" + fromAAD, Name: fromName, AadObjectID: fromAAD},
		Conversation: conv,
	})
}

func route(t *testing.T, e *Engine, tt *turn.Turn) {
	t.Helper()
	r := dialogs.NewRouter()
	e.Register(r)
	if err := r.HandleTurn(context.Background(), tt); err != nil {
		t.Fatalf("handle turn: %v", err)
	}
}

// cardOf returns the only reply's card, as JSON-decoded map, checking
// that the reply is valid JSON of an Adaptive Card 1.5.
func cardOf(t *testing.T, tt *turn.Turn) map[string]any {
	t.Helper()
	rs := tt.Replies()
	if len(rs) != 1 || len(rs[0].Attachments) != 1 {
		t.Fatalf("want one card reply, got %+v", rs)
	}
	return decodeCard(t, rs[0].Attachments[0].Content)
}

func decodeCard(t testing.TB, c any) map[string]any {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil || !json.Valid(b) {
		t.Fatalf("card is not valid JSON: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["type"] != "AdaptiveCard" || m["version"] != "1.5" {
		t.Fatalf("not an Adaptive Card 1.5: %s", b)
	}
	return m
}

// textOf is the only reply's text.
func textOf(t *testing.T, tt *turn.Turn) string {
	t.Helper()
	rs := tt.Replies()
	if len(rs) != 1 || rs[0].Text == "" {
		t.Fatalf("want one text reply, got %+v", rs)
	}
	return rs[0].Text
}

// walk visits every object in a decoded card.
func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, c := range x {
			walk(c, f)
		}
	case []any:
		for _, c := range x {
			walk(c, f)
		}
	}
}

// actionsOf lists the card's actions (anywhere) as title → data.
func actionsOf(c map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	walk(c, func(m map[string]any) {
		switch m["type"] {
		case "Action.Submit":
			data, _ := m["data"].(map[string]any)
			out[m["title"].(string)] = data
		case "Action.ShowCard":
			out[m["title"].(string)] = nil
		}
	})
	return out
}

// textsOf concatenates every TextBlock text of a card.
func textsOf(c map[string]any) []string {
	var out []string
	walk(c, func(m map[string]any) {
		if m["type"] == "TextBlock" {
			out = append(out, m["text"].(string))
		}
	})
	return out
}
