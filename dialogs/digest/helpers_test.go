package digest_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/coaching"
	"digibot/dialogs/digest"
	"digibot/dialogs/status"
	"digibot/storage"
	"digibot/storage/embedded"
	redisstore "digibot/storage/redis"
	"digibot/storage/redis/redistest"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func sthlm(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, schedule.Stockholm)
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openEmbedded(tb testing.TB, dir string, clk *clock) *embedded.Store {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	s, err := embedded.Open(context.Background(), dir, embedded.WithClock(clk.Now))
	if err != nil {
		tb.Fatalf("open embedded: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// newPrefix is a Redis key prefix of one test's own (shared with its child
// processes), deleted when the test ends. Without Redis the test fails in
// CI and is skipped elsewhere.
func newPrefix(tb testing.TB) string {
	tb.Helper()
	redistest.Require(tb)
	return redistest.Prefix(tb, "digest")
}

// openRedis opens a store on the test clock under prefix.
func openRedis(tb testing.TB, prefix string, clk *clock) *redisstore.Store {
	tb.Helper()
	return redistest.OpenPrefix(tb, prefix, redisstore.WithClock(clk.Now))
}

// Test people.
const (
	anna     = "aaaaaaaa-0000-4000-8000-000000000001"
	bertil   = "bbbbbbbb-0000-4000-8000-000000000002"
	cecilia  = "cccccccc-0000-4000-8000-000000000003"
	adminAAD = "adadadad-0000-4000-8000-000000000009"
	doraUPN  = "dora.dahl@regiongavleborg.se" // cannot be resolved without Graph
	tenant   = "6b3d4c2e-0000-4000-8000-00000000000a"
	svcURL   = "https://smba.trafficmanager.net/emea/"
	// koncernledningen's channel
	channelConv = "19:koncernledningen@thread.tacv2"
	channelKey  = "conv:" + channelConv
	coachUPN    = "anna.coach@regiongavleborg.se"
)

// user is someone writing to Digibot.
type user struct {
	aad, name string
	admin     bool
	channel   bool // in koncernledningen's channel (else a 1:1 chat)
	locale    string
}

var (
	admin      = user{aad: adminAAD, name: "Admin Adminsson", admin: true}
	adminInCh  = user{aad: adminAAD, name: "Admin Adminsson", admin: true, channel: true}
	memberInCh = user{aad: bertil, name: "Bertil Berg", channel: true}
)

// world is Digibot's capabilities on one store with a manual clock.
type world struct {
	t      testing.TB
	ctx    context.Context
	st     storage.Store
	clk    *clock
	status *status.Service
	coach  *coaching.Coaching
	d      *digest.Digest
	h      turn.Handler
}

func statusConfig() status.Config {
	return status.Config{Owners: map[string][]string{
		"A01": {"aad:" + anna}, "A02": {"aad:" + anna}, "A03": {"aad:" + bertil}, "A12": {"aad:" + cecilia},
		"A05": {doraUPN},
	}}
}

func coachingConfig() coaching.Config {
	return coaching.Config{
		Coaches: []coaching.Coach{{UPN: coachUPN, Name: "Anna Coach"}},
		Sessions: []coaching.Session{
			{Weekday: "tisdag", Start: "13:00", End: "16:00", Coaches: []string{coachUPN}},
			{Weekday: "torsdag", Start: "09:00", End: "10:00", SlotMinutes: 60, Capacity: 2, Coaches: []string{coachUPN}},
		},
		Departments: []string{"IT-förvaltningen", "HR-förvaltningen"},
		HorizonDays: 21,
	}
}

func newWorld(tb testing.TB, st storage.Store, clk *clock, cfg digest.Config) *world {
	tb.Helper()
	cal, err := schedule.NewCalendar()
	if err != nil {
		tb.Fatal(err)
	}
	ss, err := status.New(status.Options{Config: statusConfig(), Store: st, Calendar: cal, TenantID: tenant,
		ServiceURL: svcURL, Now: clk.Now, Logger: quietLog()})
	if err != nil {
		tb.Fatalf("status.New: %v", err)
	}
	cc, err := coaching.New(coaching.Options{Config: coachingConfig(), Store: st, Calendar: cal, Now: clk.Now, Log: quietLog()})
	if err != nil {
		tb.Fatalf("coaching.New: %v", err)
	}
	d, err := digest.New(digest.Options{Config: cfg, Store: st, Status: digest.StatusFrom(ss), Coaching: digest.CoachingFrom(cc),
		Calendar: cal, Now: clk.Now, Log: quietLog()})
	if err != nil {
		tb.Fatalf("digest.New: %v", err)
	}
	r := dialogs.NewRouter()
	ss.Register(r)
	cc.Register(r)
	d.Register(r)
	r.Fallback(turn.HandlerFunc(func(_ context.Context, t *turn.Turn) error {
		t.SendText("FALLBACK")
		return nil
	}))
	return &world{t: tb, ctx: context.Background(), st: st, clk: clk, status: ss, coach: cc, d: d, h: ss.Intercept(r)}
}

func (w *world) do(u user, a schema.Activity) *turn.Turn {
	w.t.Helper()
	a.From = schema.ChannelAccount{ID: "29:" + u.aad, Name: u.name, AadObjectID: u.aad}
	a.Conversation = schema.ConversationAccount{ID: "a:" + u.aad, ConversationType: "personal"}
	if u.channel {
		a.Conversation = schema.ConversationAccount{ID: channelConv + ";messageid=1700000000000", ConversationType: "channel"}
		a.ChannelData = map[string]any{"channel": map[string]any{"name": "Ledning"}, "team": map[string]any{"name": "Koncernledningen"}}
	}
	a.Locale = u.locale
	if a.Type == "" {
		a.Type = schema.Message
	}
	if a.ID == "" {
		a.ID = "act-" + hex.EncodeToString([]byte(a.Text))[:min(16, 2*len(a.Text))]
	}
	t := turn.New(a)
	t.Admin = u.admin
	if err := w.h.HandleTurn(w.ctx, t); err != nil {
		w.t.Fatalf("HandleTurn(%q): %v", a.Text, err)
	}
	return t
}

func (w *world) say(u user, text string) *turn.Turn {
	w.t.Helper()
	return w.do(u, schema.Activity{Text: text})
}

func (w *world) submit(u user, data map[string]any) *turn.Turn {
	w.t.Helper()
	return w.do(u, schema.Activity{Value: data})
}

// putRef stores the conversation reference Digibot keeps for a person.
func putRef(tb testing.TB, st storage.Store, aad, name string) {
	tb.Helper()
	if err := st.PutReference(context.Background(), storage.Reference{
		Key: storage.UserKey(aad), ConversationID: "a:" + aad, ConversationType: storage.ConversationPersonal,
		ServiceURL: svcURL, TenantID: tenant, ChannelID: "msteams", UserAADID: aad, UserName: name, UpdatedAt: time.Unix(0, 0).UTC(),
	}); err != nil {
		tb.Fatal(err)
	}
}

// putChannelRef stores the reference the bot keeps for koncernledningen's
// channel (it does so on every turn there).
func putChannelRef(tb testing.TB, st storage.Store) {
	tb.Helper()
	if err := st.PutReference(context.Background(), storage.Reference{
		Key: channelKey, ConversationID: channelConv, ConversationType: storage.ConversationChannel,
		ServiceURL: svcURL, TenantID: tenant, ChannelID: "msteams", TeamName: "Koncernledningen", ChannelName: "Ledning",
		UpdatedAt: time.Unix(0, 0).UTC(),
	}); err != nil {
		tb.Fatal(err)
	}
}

func texts(t *turn.Turn) string {
	var out []string
	for _, r := range t.Replies() {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// cards are the Adaptive Cards among the replies, as plain JSON.
func cards(t *turn.Turn) []map[string]any {
	var out []map[string]any
	for _, r := range t.Replies() {
		for _, a := range r.Attachments {
			out = append(out, plain(a.Content))
		}
	}
	return out
}

func plain(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// entryCard is the card of an outbox entry.
func entryCard(tb testing.TB, st storage.Store, id string) (storage.OutboxEntry, map[string]any) {
	tb.Helper()
	e, err := st.GetOutbox(context.Background(), id)
	if err != nil {
		tb.Fatalf("outbox %s: %v", id, err)
	}
	var a schema.Activity
	if err := json.Unmarshal(e.Activity, &a); err != nil {
		tb.Fatal(err)
	}
	if len(a.Attachments) != 1 || a.Attachments[0].ContentType != turn.AdaptiveCardContentType {
		tb.Fatalf("entry %s is not one card: %s", id, e.Activity)
	}
	return e, plain(a.Attachments[0].Content)
}

// strs is every string in v, one per line.
func strs(v any) string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		case string:
			out = append(out, x)
		}
	}
	walk(plain(map[string]any{"v": v}))
	return strings.Join(out, "\n")
}

func outboxTotal(tb testing.TB, st storage.Store) int {
	tb.Helper()
	n, err := st.CountOutbox(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return n.Pending + n.Leased + n.Delivered + n.Failed
}
