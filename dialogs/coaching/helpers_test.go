package coaching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"digibot/storage"
	"digibot/storage/embedded"
	redisstore "digibot/storage/redis"
	"digibot/storage/redis/redistest"
)

// clock is a manual clock.
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

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sthlm builds a Stockholm time.
func sthlm(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, schedule.Stockholm)
}

const (
	annaAAD   = "aaaaaaaa-0000-4000-8000-000000000001"
	annaUPN   = "anna.andersson@regiongavleborg.se"
	bertilUPN = "bertil.berg@regiongavleborg.se"
	adminAAD  = "adadadad-0000-4000-8000-000000000009"
)

// testConfig: Tuesdays 13–16 (30 min, one place, Anna, standing link)
// and Thursdays 09–10 (one 60-min slot, two places, Anna and Bertil).
func testConfig() Config {
	return Config{
		Coaches: []Coach{
			{UPN: annaUPN, Name: "Anna Andersson", AADID: annaAAD},
			{UPN: bertilUPN, Name: "Bertil Berg"},
		},
		Sessions: []Session{
			{Weekday: "tisdag", Start: "13:00", End: "16:00", Coaches: []string{annaUPN},
				TeamsLink: "https://teams.microsoft.com/l/meetup-join/standing"},
			{Weekday: "thursday", Start: "09:00", End: "10:00", SlotMinutes: 60, Capacity: 2, Coaches: []string{annaUPN, bertilUPN}},
		},
		Departments: []string{"IT-förvaltningen", "HR-förvaltningen"},
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is one coaching instance on one store with a manual clock.
type env struct {
	t      testing.TB
	ctx    context.Context
	st     storage.Store
	clock  *clock
	c      *Coaching
	router *dialogs.Router
}

type envOpt func(*Options)

func withMeetings(m Meetings) envOpt   { return func(o *Options) { o.Meetings = m } }
func withDirectory(d Directory) envOpt { return func(o *Options) { o.Directory = d } }
func withConfig(c Config) envOpt       { return func(o *Options) { o.Config = c } }

func openEmbedded(tb testing.TB, clk *clock) storage.Store {
	tb.Helper()
	s, err := embedded.Open(tb.Context(), tb.TempDir(), embedded.WithClock(clk.Now))
	if err != nil {
		tb.Fatalf("open embedded: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// newPrefix is a Redis key prefix of one test's own (several stores or a
// child process may share it), deleted when the test ends. Without Redis
// the test fails in CI and is skipped elsewhere.
func newPrefix(tb testing.TB) string {
	tb.Helper()
	redistest.Require(tb)
	return redistest.Prefix(tb, "coaching")
}

// openRedisPrefix opens a store on the test clock under prefix.
func openRedisPrefix(tb testing.TB, clk *clock, prefix string) storage.Store {
	tb.Helper()
	return redistest.OpenPrefix(tb, prefix, redisstore.WithClock(clk.Now))
}

func openRedis(tb testing.TB, clk *clock) storage.Store {
	tb.Helper()
	s, _ := redistest.Open(tb, "coaching", redisstore.WithClock(clk.Now))
	return s
}

// stores lists the back ends every store-level test runs against.
var stores = []struct {
	name string
	open func(tb testing.TB, clk *clock) storage.Store
}{
	{"embedded", openEmbedded},
	{"redis", openRedis},
}

func newEnvOn(tb testing.TB, st storage.Store, clk *clock, opts ...envOpt) *env {
	tb.Helper()
	o := Options{Config: testConfig(), Store: st, Now: clk.Now, Log: quietLog()}
	for _, f := range opts {
		f(&o)
	}
	c, err := New(o)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	r := dialogs.NewRouter()
	c.Register(r)
	return &env{t: tb, ctx: tb.Context(), st: st, clock: clk, c: c, router: r}
}

// newEnv is an env on the embedded store at a Monday morning.
func newEnv(tb testing.TB, opts ...envOpt) *env {
	clk := newClock(sthlm(2026, time.November, 30, 9, 0)) // Monday
	return newEnvOn(tb, openEmbedded(tb, clk), clk, opts...)
}

// user is a Teams user in a personal chat.
type user struct {
	aad, name, locale string
	admin, channel    bool
}

func person(i int) user {
	return user{aad: fmt.Sprintf("11111111-0000-4000-8000-%012d", i), name: fmt.Sprintf("Person %d", i)}
}

func (e *env) do(u user, a schema.Activity) *turn.Turn {
	e.t.Helper()
	a.From = schema.ChannelAccount{ID: "29:" + u.aad, Name: u.name, AadObjectID: u.aad}
	a.Conversation = schema.ConversationAccount{ID: "a:" + u.aad, ConversationType: "personal"}
	if u.channel {
		a.Conversation = schema.ConversationAccount{ID: "19:team@thread.tacv2", ConversationType: "channel"}
	}
	a.Locale = u.locale
	if a.Type == "" {
		a.Type = schema.Message
	}
	t := turn.New(a)
	t.Admin = u.admin
	if err := e.router.HandleTurn(e.ctx, t); err != nil {
		e.t.Fatalf("HandleTurn: %v", err)
	}
	return t
}

func (e *env) say(u user, text string) *turn.Turn {
	e.t.Helper()
	return e.do(u, schema.Activity{Text: text})
}

func (e *env) submit(u user, data map[string]any) *turn.Turn {
	e.t.Helper()
	return e.do(u, schema.Activity{Value: data})
}

func (e *env) bookVia(u user, slotID, topic, dept string) *turn.Turn {
	e.t.Helper()
	return e.submit(u, map[string]any{"action": ActionBook, inSlot: slotID, inTopic: topic, inDepartment: dept})
}

// replyJSON is all replies as one JSON string, for assertions.
func replyJSON(t *turn.Turn) string {
	b, _ := json.Marshal(t.Replies())
	return string(b)
}

// cards returns the Adaptive Cards among the replies.
func cards(t *turn.Turn) []map[string]any {
	var out []map[string]any
	for _, r := range t.Replies() {
		for _, a := range r.Attachments {
			b, _ := json.Marshal(a.Content)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			out = append(out, m)
		}
	}
	return out
}

// walk visits every map inside v.
func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, y := range x {
			walk(y, fn)
		}
	case []any:
		for _, y := range x {
			walk(y, fn)
		}
	}
}

// offeredSlots returns the slot choice values on the reply's cards.
func offeredSlots(t *turn.Turn) []string {
	var out []string
	for _, c := range cards(t) {
		walk(c, func(m map[string]any) {
			if m["type"] == "Input.ChoiceSet" && m["id"] == inSlot {
				for _, ch := range m["choices"].([]any) {
					out = append(out, ch.(map[string]any)["value"].(string))
				}
			}
		})
	}
	return out
}

// actionData returns the data of every Action.Submit with the given action.
func actionData(t *turn.Turn, action string) []map[string]any {
	var out []map[string]any
	for _, c := range cards(t) {
		walk(c, func(m map[string]any) {
			if m["type"] == "Action.Submit" {
				if d, ok := m["data"].(map[string]any); ok && d["action"] == action {
					out = append(out, d)
				}
			}
		})
	}
	return out
}

func wantContains(tb testing.TB, t *turn.Turn, subs ...string) {
	tb.Helper()
	js := replyJSON(t)
	for _, s := range subs {
		if !strings.Contains(js, s) {
			tb.Fatalf("reply lacks %q:\n%s", s, js)
		}
	}
}

func wantNotContains(tb testing.TB, t *turn.Turn, subs ...string) {
	tb.Helper()
	js := replyJSON(t)
	for _, s := range subs {
		if strings.Contains(js, s) {
			tb.Fatalf("reply has %q:\n%s", s, js)
		}
	}
}

// snapshot is every coaching doc and the outbox, to prove that bad input
// changes nothing.
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	colls := []string{collPeople, collWaitlist, collCoaches}
	now := e.clock.Now()
	for _, w := range weeksBetween(now.AddDate(0, 0, -21), now.AddDate(0, 0, 60)) {
		colls = append(colls, collSlotsPrefix+w)
	}
	for _, c := range colls {
		docs, err := e.st.ListDocs(e.ctx, c)
		if err != nil {
			e.t.Fatalf("ListDocs %s: %v", c, err)
		}
		for _, d := range docs {
			fmt.Fprintf(&b, "%s/%s v%d %s\n", c, d.ID, d.Version, d.Value)
		}
	}
	n, err := e.st.CountOutbox(e.ctx)
	if err != nil {
		e.t.Fatalf("CountOutbox: %v", err)
	}
	fmt.Fprintf(&b, "outbox %+v\n", n)
	return b.String()
}

// slotDocOf reads a slot doc.
func (e *env) slotDocOf(id string) slotDoc {
	e.t.Helper()
	start, err := parseSlotID(id)
	if err != nil {
		e.t.Fatalf("slot id %q: %v", id, err)
	}
	d, _, err := read[slotDoc](e.ctx, e.st, slotColl(start), id)
	if err != nil {
		e.t.Fatalf("read slot: %v", err)
	}
	return d
}

func (e *env) activeIn(id string) []booking {
	var out []booking
	for _, b := range e.slotDocOf(id).Bookings {
		if b.active() {
			out = append(out, b)
		}
	}
	return out
}

// outbox returns the entry with id, or fails.
func (e *env) outbox(id string) storage.OutboxEntry {
	e.t.Helper()
	o, err := e.st.GetOutbox(e.ctx, id)
	if err != nil {
		e.t.Fatalf("outbox %s: %v", id, err)
	}
	return o
}

func (e *env) noOutbox(id string) {
	e.t.Helper()
	if _, err := e.st.GetOutbox(e.ctx, id); !errors.Is(err, storage.ErrNotFound) {
		e.t.Fatalf("outbox %s: want none, got err=%v", id, err)
	}
}

// wantOutbox checks that the outbox holds exactly total entries and
// among them ids (the Outbox interface has no listing).
func (e *env) wantOutbox(total int, ids ...string) {
	e.t.Helper()
	n, err := e.st.CountOutbox(e.ctx)
	if err != nil {
		e.t.Fatalf("CountOutbox: %v", err)
	}
	if got := n.Pending + n.Leased + n.Delivered + n.Failed; got != total {
		e.t.Fatalf("outbox has %d entries, want %d (%v)", got, total, ids)
	}
	for _, id := range ids {
		e.outbox(id)
	}
}

// bookingIDs returns the booking ids on the reply's cancel buttons.
func bookingIDs(t *turn.Turn) []string {
	var out []string
	for _, d := range actionData(t, ActionCancel) {
		out = append(out, d[inBooking].(string))
	}
	return out
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
