package cardcheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/answer"
	"digibot/dialogs/cardcheck"
	"digibot/dialogs/coaching"
	"digibot/dialogs/digest"
	"digibot/dialogs/help"
	"digibot/dialogs/status"
	"digibot/storage"
	"digibot/storage/embedded"
)

// recorder is the store with a memory of every outbox entry created, so
// that the proactive cards (nudges, reminders, offers, forwarded
// questions, digests) can be read back.
type recorder struct {
	storage.Store
	mu  sync.Mutex
	ids []string
}

func (r *recorder) Enqueue(ctx context.Context, e storage.OutboxEntry) (bool, error) {
	created, err := r.Store.Enqueue(ctx, e)
	if created {
		r.mu.Lock()
		r.ids = append(r.ids, e.ID)
		r.mu.Unlock()
	}
	return created, err
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func sthlm(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, schedule.Stockholm)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

const (
	anna      = "aaaaaaaa-0000-4000-8000-000000000001"
	bertil    = "bbbbbbbb-0000-4000-8000-000000000002"
	adminAAD  = "adadadad-0000-4000-8000-000000000009"
	coachAAD  = "c0c0c0c0-0000-4000-8000-000000000007"
	coachUPN  = "carl.coach@regiongavleborg.se"
	tenant    = "6b3d4c2e-0000-4000-8000-00000000000a"
	svcURL    = "https://smba.trafficmanager.net/emea/"
	coordConv = "19:samordning@thread.tacv2"
	boardConv = "19:koncernledningen@thread.tacv2"
)

type who struct {
	aad, name, locale string
	admin             bool
	conv, convType    string
}

func person(aad, name string) who {
	return who{aad: aad, name: name, conv: "a:" + aad, convType: "personal"}
}

var (
	annaP   = person(anna, "Anna Andersson")
	bertilP = person(bertil, "Bertil Berg")
	adminP  = who{aad: adminAAD, name: "Admin", admin: true, conv: "a:" + adminAAD, convType: "personal"}
	coordCh = who{aad: bertil, name: "Bertil Berg", conv: coordConv + ";messageid=42", convType: "channel"}
	boardCh = who{aad: adminAAD, name: "Admin", admin: true, conv: boardConv + ";messageid=7", convType: "channel"}
)

// collector drives Digibot's capabilities and keeps every card they send.
type collector struct {
	t     *testing.T
	ctx   context.Context
	st    *recorder
	clk   *clock
	h     turn.Handler
	cards map[string]any
	seq   int
}

func (c *collector) turn(w who, a schema.Activity) *turn.Turn {
	c.t.Helper()
	c.seq++
	a.ID = fmt.Sprintf("act-%d", c.seq)
	a.From = schema.ChannelAccount{ID: "29:" + w.aad, Name: w.name, AadObjectID: w.aad}
	a.Conversation = schema.ConversationAccount{ID: w.conv, ConversationType: w.convType}
	a.Locale = w.locale
	a.ServiceURL = svcURL
	if a.Type == "" {
		a.Type = schema.Message
	}
	t := turn.New(a)
	t.Admin = w.admin
	if err := c.h.HandleTurn(c.ctx, t); err != nil {
		c.t.Fatalf("turn %q %v: %v", a.Text, a.Value, err)
	}
	return t
}

// keep records the cards of a turn under name (numbered when several).
func (c *collector) keep(name string, t *turn.Turn) []map[string]any {
	c.t.Helper()
	var got []map[string]any
	for _, r := range t.Replies() {
		for _, a := range r.Attachments {
			if a.ContentType == turn.AdaptiveCardContentType {
				got = append(got, plain(a.Content))
			}
		}
	}
	if ir := t.InvokeResponse(); ir != nil {
		if body := plain(ir.Body); body["type"] == turn.AdaptiveCardContentType {
			got = append(got, body["value"].(map[string]any))
		}
	}
	if len(got) == 0 {
		var texts []string
		for _, r := range t.Replies() {
			texts = append(texts, r.Text)
		}
		c.t.Fatalf("%s: no card; replies %q", name, texts)
	}
	for i, g := range got {
		n := name
		if len(got) > 1 {
			n = fmt.Sprintf("%s-%d", name, i+1)
		}
		c.cards[n] = g
	}
	return got
}

func (c *collector) say(name string, w who, text string) []map[string]any {
	c.t.Helper()
	return c.keep(name, c.turn(w, schema.Activity{Text: text}))
}

func (c *collector) submit(name string, w who, data map[string]any) []map[string]any {
	c.t.Helper()
	return c.keep(name, c.turn(w, schema.Activity{Value: data}))
}

// outbox records the card of every outbox entry created so far whose id
// starts with prefix; it fails when there is none.
func (c *collector) outbox(name, prefix string) {
	c.t.Helper()
	c.st.mu.Lock()
	ids := append([]string(nil), c.st.ids...)
	c.st.mu.Unlock()
	n := 0
	for _, id := range ids {
		if !strings.HasPrefix(id, prefix) {
			continue
		}
		e, err := c.st.GetOutbox(c.ctx, id)
		if err != nil {
			c.t.Fatal(err)
		}
		var a schema.Activity
		if err := json.Unmarshal(e.Activity, &a); err != nil {
			c.t.Fatalf("entry %s: %v", id, err)
		}
		for _, at := range a.Attachments {
			if at.ContentType == turn.AdaptiveCardContentType {
				n++
				c.cards[fmt.Sprintf("%s-%d", name, n)] = plain(at.Content)
			}
		}
	}
	if n == 0 {
		c.t.Fatalf("%s: no outbox card with id %s… among %v", name, prefix, ids)
	}
}

func plain(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// actionData finds the data of the first Action.Submit (or Action.Execute)
// whose action (verb) is name.
func actionData(cards []map[string]any, name string) map[string]any {
	var found map[string]any
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if found != nil {
				return
			}
			if d, ok := x["data"].(map[string]any); ok && (d["action"] == name || x["verb"] == name) {
				found = d
				return
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	for _, c := range cards {
		walk(c)
	}
	return found
}

// inputs are the values a card's inputs hold (what Teams submits).
func inputs(c map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if typ, _ := x["type"].(string); strings.HasPrefix(typ, "Input.") {
				id, _ := x["id"].(string)
				val, _ := x["value"].(string)
				out[id] = val
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(c)
	return out
}

// TestEveryCardPassesTheOfficialParser builds every card Digibot sends,
// through each capability's public API on a real embedded store, and runs
// the official Adaptive Cards parser on all of them.
func TestEveryCardPassesTheOfficialParser(t *testing.T) {
	cardcheck.Tool(t) // skip early (or fail in CI) without node
	ctx := context.Background()
	clk := &clock{now: sthlm(2026, 11, 30, 9, 0)} // a Monday
	emb, err := embedded.Open(ctx, t.TempDir(), embedded.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emb.Close() })
	st := &recorder{Store: emb}
	cal, err := schedule.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []storage.Reference{
		{Key: storage.UserKey(anna), ConversationID: "a:" + anna, ConversationType: "personal", ServiceURL: svcURL, TenantID: tenant, UserAADID: anna, UserName: "Anna Andersson"},
		{Key: storage.UserKey(bertil), ConversationID: "a:" + bertil, ConversationType: "personal", ServiceURL: svcURL, TenantID: tenant, UserAADID: bertil, UserName: "Bertil Berg"},
		{Key: storage.UserKey(coachAAD), ConversationID: "a:" + coachAAD, ConversationType: "personal", ServiceURL: svcURL, TenantID: tenant, UserAADID: coachAAD},
		{Key: storage.ConversationKey(coordConv), ConversationID: coordConv, ConversationType: "channel", ServiceURL: svcURL, TenantID: tenant},
		{Key: storage.ConversationKey(boardConv), ConversationID: boardConv, ConversationType: "channel", ServiceURL: svcURL, TenantID: tenant},
	} {
		if err := st.PutReference(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	hp := help.New(help.Answers, help.Coaching, help.Status, help.Digest)
	eng, err := answer.New(ctx, answer.Options{Store: st, Outbox: st, ForwardChannelRef: storage.ConversationKey(coordConv),
		Now: clk.Now, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	coach, err := coaching.New(coaching.Options{Store: st, Calendar: cal, Now: clk.Now, Log: quiet(), Config: coaching.Config{
		Coaches: []coaching.Coach{{UPN: coachUPN, Name: "Carl Coach", AADID: coachAAD}},
		Sessions: []coaching.Session{
			{Weekday: "tisdag", Start: "13:00", End: "14:00", SlotMinutes: 30, Coaches: []string{coachUPN},
				TeamsLink: "https://teams.microsoft.com/l/meetup-join/standing"},
		},
		Departments: []string{"IT-förvaltningen", "HR-förvaltningen"},
		HorizonDays: 7, MaxFutureBookings: 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	stat, err := status.New(status.Options{Store: st, Calendar: cal, TenantID: tenant, ServiceURL: svcURL, Now: clk.Now, Logger: quiet(),
		Config: status.Config{
			Owners:             map[string][]string{"A01": {"aad:" + anna}, "A02": {"aad:" + anna}, "A12": {"aad:" + bertil}},
			CoordinatorChannel: storage.ConversationKey(coordConv), EscalateTo: status.EscalateCoordinator,
		}})
	if err != nil {
		t.Fatal(err)
	}
	dg, err := digest.New(digest.Options{Store: st, Status: digest.StatusFrom(stat), Coaching: digest.CoachingFrom(coach),
		Calendar: cal, Now: clk.Now, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	r := dialogs.NewRouter()
	hp.Register(r)
	eng.Register(r)
	coach.Register(r)
	stat.Register(r)
	dg.Register(r)
	c := &collector{t: t, ctx: ctx, st: st, clk: clk, h: stat.Intercept(r), cards: map[string]any{}}

	// help: welcome (1:1 and channel) and help, Swedish and English.
	for _, w := range []who{annaP, {aad: anna, name: "Anna", locale: "en-US", conv: "a:" + anna, convType: "personal"}, coordCh} {
		tn := turn.New(schema.Activity{Type: schema.ConversationUpdate, Locale: w.locale,
			Conversation: schema.ConversationAccount{ID: w.conv, ConversationType: w.convType}})
		if err := hp.Welcome(ctx, tn); err != nil {
			t.Fatal(err)
		}
		c.keep("help-welcome-"+w.convType+w.locale, tn)
	}
	c.say("help", annaP, "hjälp")
	c.say("help-en", who{aad: anna, name: "Anna", locale: "en-GB", conv: "a:" + anna, convType: "personal"}, "help")

	// answer: an answer, "Läs mer", a related article, not found,
	// forwarded to the coordinating function, answered there.
	ans := c.say("answer", annaP, "Vad är digital basnivå?")
	c.say("answer-en", who{aad: anna, name: "Anna", locale: "en-GB", conv: "a:" + anna, convType: "personal"}, "What is the digital base level?")
	if d := actionData(ans, answer.ActionMore); d != nil {
		c.submit("answer-more", annaP, d)
	} else {
		t.Error("answer card has no Läs mer")
	}
	if d := actionData(ans, answer.ActionRelated); d != nil {
		c.submit("answer-related", annaP, d)
	}
	nf := c.say("answer-notfound", annaP, "Hur lagar jag punktering på min cykel?")
	fwd := actionData(nf, answer.ActionForward)
	if fwd == nil {
		t.Fatalf("not-found card has no forward button: %v", nf)
	}
	if tn := c.turn(annaP, schema.Activity{Value: fwd}); len(tn.Replies()) == 0 {
		t.Fatal("forward: no reply")
	}
	c.outbox("answer-forward", "answer.forward:")
	qid, _ := fwd["qid"].(string)
	c.turn(coordCh, schema.Activity{Value: map[string]any{"action": answer.ActionReply, "qid": qid, "reply": "Fråga IT-supporten."}})
	c.outbox("answer-human-answer", "answer.reply:")
	c.outbox("answer-forward-answered", "answer.reply-update:")
	// The feedback receipt is a text message, not a card.
	if fb := actionData(ans, answer.ActionFeedback); fb != nil {
		fb["vote"] = "up"
		if tn := c.turn(annaP, schema.Activity{Value: fb}); len(tn.Replies()) == 0 || len(tn.Replies()[0].Attachments) != 0 {
			t.Errorf("feedback receipt: %+v", tn.Replies())
		}
	}

	// coaching: slot picker, confirmation, my bookings, waitlist, offer,
	// reminders, coach list.
	pick := c.say("coaching-slots", annaP, "boka")
	var slots []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["id"] == "slot" {
				for _, ch := range x["choices"].([]any) {
					slots = append(slots, ch.(map[string]any)["value"].(string))
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(pick[0])
	sort.Strings(slots)
	if len(slots) < 2 {
		t.Fatalf("slot picker offers %v", slots)
	}
	c.submit("coaching-confirm", annaP, map[string]any{"action": coaching.ActionBook, "slot": slots[0], "topic": "Teams-möten", "department": "IT-förvaltningen"})
	c.submit("coaching-confirm-2", bertilP, map[string]any{"action": coaching.ActionBook, "slot": slots[1], "topic": "OneNote", "department": "HR-förvaltningen"})
	mine := c.say("coaching-mine", annaP, "mina bokningar")
	third := person("33333333-0000-4000-8000-000000000003", "Tredje Person")
	c.say("coaching-waitlist", third, "boka") // both slots taken
	c.submit("coaching-queued", third, map[string]any{"action": coaching.ActionWaitlist, "topic": "Excel", "department": "HR-förvaltningen"})
	c.submit("coaching-cancelled", annaP, actionData(mine, coaching.ActionCancel))
	c.outbox("coaching-offer", "coaching.offer")
	c.say("coaching-coachlist", adminP, "coachlista")
	for _, j := range coach.Jobs() {
		if j.Name == coaching.JobReminderDayBefore {
			if err := j.Run(ctx, "p", sthlm(2026, 11, 30, 16, 0)); err != nil {
				t.Fatalf("%s: %v", j.Name, err)
			}
		}
	}
	c.outbox("coaching-reminder", "coaching.remind.day:")
	if err := coachListJob(coach).Run(ctx, "p", sthlm(2026, 12, 1, 7, 30)); err != nil {
		t.Fatal(err)
	}
	c.outbox("coaching-morning-list", "coaching.coachlist:")

	// status: nudge, the owner's card and receipt, timeline, overview,
	// reminder and escalation.
	nudgeDue := sthlm(2026, 12, 1, 9, 0)
	clk.Set(nudgeDue)
	if _, err := stat.RunNudge(ctx, "2026-12-01", nudgeDue); err != nil {
		t.Fatal(err)
	}
	c.outbox("status-nudge", "status-nudge:")
	cards := c.say("status-mine", annaP, "status")
	data := inputs(cards[0])
	for k, v := range actionData(cards, status.ActionSubmit) {
		data[k] = v
	}
	for k := range data {
		if strings.HasSuffix(k, ".status") {
			data[k] = string(status.AtRisk)
		}
	}
	receipt := c.turn(annaP, schema.Activity{Type: schema.Invoke, Name: "adaptiveCard/action",
		Value: map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": status.ActionSubmit, "data": data}}})
	c.keep("status-receipt", receipt)
	c.say("status-timeline", annaP, "status A01")
	c.say("status-overview", adminP, "status översikt")
	// Bertil's nudge is delivered and unanswered: a reminder, then escalation.
	leased, err := st.Lease(ctx, "test", clk.Now(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range leased {
		if err := st.MarkDelivered(ctx, e.ID, "test", storage.Delivery{At: clk.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{cal.AddWorkdays(nudgeDue, 3), cal.AddWorkdays(nudgeDue, 7)} {
		clk.Set(at)
		if _, err := stat.RunFollowUp(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	c.outbox("status-reminder", "status-reminder:")
	c.outbox("status-escalation", "status-escalation:")

	// digest: the posted card, the preview, Swedish and English.
	clk.Set(sthlm(2026, 12, 14, 8, 0))
	c.turn(boardCh, schema.Activity{Text: "digest här"})
	if _, err := dg.Run(ctx, digest.KindWeekly, clk.Now()); err != nil {
		t.Fatal(err)
	}
	c.outbox("digest-weekly", "digest:weekly:")
	c.turn(boardCh, schema.Activity{Text: "digest stopp"})
	c.say("digest-preview", adminP, "digest nu")
	res, err := dg.Run(ctx, digest.KindMonthly, sthlm(2027, 1, 4, 8, 0))
	if err != nil {
		t.Fatal(err)
	}
	c.cards["digest-monthly-en"] = plain(digest.Card(res.Figures, "en"))

	// Every kind of card is there.
	for _, want := range []string{"help-welcome-personal", "help", "answer", "answer-more", "answer-notfound", "answer-forward-1",
		"answer-human-answer-1", "coaching-slots", "coaching-confirm", "coaching-mine", "coaching-waitlist", "coaching-queued",
		"coaching-offer-1", "coaching-coachlist", "coaching-reminder-1", "coaching-morning-list-1", "status-nudge-1",
		"status-mine", "status-receipt", "status-timeline", "status-overview", "status-reminder-1", "status-escalation-1",
		"digest-weekly-1", "digest-preview", "digest-monthly-en"} {
		if c.cards[want] == nil {
			t.Errorf("no %s card collected", want)
		}
	}
	names := make([]string, 0, len(c.cards))
	for n := range c.cards {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d cards collected: %s", len(c.cards), strings.Join(names, ", "))
	cardcheck.Validate(t, c.cards)
}

func coachListJob(c *coaching.Coaching) schedule.Job {
	for _, j := range c.Jobs() {
		if j.Name == coaching.JobCoachList {
			return j
		}
	}
	panic("no coach list job")
}

// TestParserCatchesBrokenCards: the check is only worth something if the
// parser really complains; these cards break rules Teams enforces.
func TestParserCatchesBrokenCards(t *testing.T) {
	node, script := cardcheck.Tool(t)
	dir := t.TempDir()
	bad := map[string]string{
		"unknown-element":  `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"Chart.Pie"}]}`,
		"duplicate-ids":    `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"Input.Text","id":"a"},{"type":"Input.Text","id":"a"}]}`,
		"required-nolabel": `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"Input.Text","id":"a","isRequired":true}]}`,
		"not-a-card":       `{"type":"Message","version":"1.5"}`,
		"version-1.6":      `{"type":"AdaptiveCard","version":"1.6","body":[]}`,
		"bad-action":       `{"type":"AdaptiveCard","version":"1.5","body":[],"actions":[{"type":"Action.Teleport","title":"x"}]}`,
	}
	for name, js := range bad {
		f := filepath.Join(dir, name+".json")
		if err := os.WriteFile(f, []byte(js), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, script, f).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "FAIL") {
			t.Errorf("%s: the parser passed it (err %v):\n%s", name, err, out)
		}
	}
	good := filepath.Join(dir, "good.json")
	_ = os.WriteFile(good, []byte(`{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"Hej"}]}}`), 0o600)
	if out, err := exec.Command(node, script, good).CombinedOutput(); err != nil {
		t.Errorf("a good card failed: %v\n%s", err, out)
	}
}
