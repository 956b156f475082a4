package status

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/storage"
	"digibot/storage/embedded"
)

// testConfig: anna owns A12 and A13, bertil A13, cecilia (a UPN) A14.
func testConfig() Config {
	return Config{Owners: map[string][]string{
		"A12": {"aad:" + anna},
		"A13": {"aad:" + anna, "aad:" + bertil},
		"A14": {"cecilia@regiongavleborg.se"},
	}}
}

func testDirectory() *fakeDirectory {
	d := newFakeDirectory()
	d.users["cecilia@regiongavleborg.se"] = [3]string{cecilia, "Cecilia Cedergren", "cecilia@regiongavleborg.se"}
	d.users["bertil@regiongavleborg.se"] = [3]string{bertil, "Bertil Berg", "bertil@regiongavleborg.se"}
	d.users["erik@regiongavleborg.se"] = [3]string{erik, "Erik Ek", "erik@regiongavleborg.se"}
	d.managers[anna] = [2]string{david, "David Dahl"}
	return d
}

// fixture is a service on an embedded store with references for anna,
// bertil and cecilia, at 1 December 2026 09:00 (a nudge day).
type fixture struct {
	st  *embedded.Store
	clk *clock
	s   *Service
	dir *fakeDirectory
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := newClock(sthlm(2026, 12, 1, 9, 0))
	st := openStore(t, "", clk)
	dir := testDirectory()
	for _, p := range [][2]string{{anna, "Anna Andersson"}, {bertil, "Bertil Berg"}, {cecilia, "Cecilia Cedergren"}, {david, "David Dahl"}} {
		putRef(t, st, p[0], p[1], "sv-SE")
	}
	return &fixture{st: st, clk: clk, s: newService(t, st, clk, testConfig(), dir), dir: dir}
}

const period = "2026-12-01"

func (f *fixture) nudge(t *testing.T) NudgeStats {
	t.Helper()
	st, err := f.s.RunNudge(context.Background(), period, sthlm(2026, 12, 1, 9, 0))
	if err != nil {
		t.Fatalf("RunNudge: %v", err)
	}
	return st
}

func (f *fixture) record(t *testing.T, id string) (Update, int64) {
	t.Helper()
	u, v, err := f.s.current(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u, v
}

func (f *fixture) history(t *testing.T, id string) []Update {
	t.Helper()
	h, err := f.s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func nudgeID(aad string) string { return "status-nudge:" + period + ":" + aad }

func TestNudgeRunEnqueuesOneCardPerOwner(t *testing.T) {
	f := newFixture(t)
	st := f.nudge(t)
	if st.Recipients != 3 || st.Enqueued != 3 || st.Unreachable != 0 {
		t.Fatalf("stats %+v", st)
	}
	c := entryCard(t, f.st, nudgeID(anna))
	text := cardText(t, c)
	for _, want := range []string{"A12 · Utveckla en koncernövergripande kanalstrategi", "A13 ·", "Pågår med risk", "Input.Date", "status.submit", "Action.Execute"} {
		if !strings.Contains(text, want) {
			t.Errorf("anna's card lacks %q", want)
		}
	}
	if strings.Contains(text, "A14") {
		t.Error("anna's card has cecilia's activity")
	}
	if !strings.Contains(text, "fredag 4 december 2026") { // 3 working days after Tue 1 Dec
		t.Errorf("card does not say when the reminder comes: %s", text)
	}
	// Cecilia is configured by UPN and resolved through the directory.
	if got := cardText(t, entryCard(t, f.st, nudgeID(cecilia))); !strings.Contains(got, "A14") {
		t.Errorf("cecilia's card: %s", got)
	}
	// Again (a crashed run taken over, or a second process): nothing new.
	st = f.nudge(t)
	if st.Enqueued != 0 || st.AlreadyDone != 3 {
		t.Fatalf("second run %+v", st)
	}
	counts, _ := f.st.CountOutbox(context.Background())
	if counts.Pending != 3 {
		t.Fatalf("outbox %+v, want 3 pending", counts)
	}
}

func TestNudgeOncePerPeriodAcrossSchedulersAndRestart(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(sthlm(2026, 11, 30, 12, 0))
	st := openStore(t, dir, clk)
	putRef(t, st, anna, "Anna", "sv-SE")
	putRef(t, st, bertil, "Bertil", "sv-SE")
	cfg := testConfig()
	delete(cfg.Owners, "A14")
	runs := 0
	sched := func(st Store, owner string) *schedule.Scheduler {
		s := newService(t, st, clk, cfg, nil)
		job := s.NudgeJob()
		inner := job.Run
		job.Run = func(ctx context.Context, p string, due time.Time) error { runs++; return inner(ctx, p, due) }
		sc, err := schedule.New(st.(schedule.Locks), owner, clk.Now, quietLogger(t), nil, job, s.FollowUpJob())
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	a, b := sched(st, "replica-a"), sched(st, "replica-b")
	ctx := context.Background()
	for _, now := range []time.Time{sthlm(2026, 11, 30, 12, 0), sthlm(2026, 12, 1, 8, 59), sthlm(2026, 12, 1, 9, 0), sthlm(2026, 12, 1, 9, 1), sthlm(2026, 12, 1, 11, 0)} {
		clk.Set(now)
		for _, sc := range []*schedule.Scheduler{a, b} {
			if _, err := sc.Tick(ctx, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if runs != 1 {
		t.Fatalf("nudge ran %d times, want once", runs)
	}
	counts, _ := st.CountOutbox(ctx)
	if counts.Pending != 2 {
		t.Fatalf("outbox %+v, want 2 nudges", counts)
	}
	// Restart: close the store, reopen it, new scheduler instances.
	_ = st.ReleaseLock(ctx, "scheduler", "replica-a")
	_ = st.ReleaseLock(ctx, "scheduler", "replica-b")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Set(sthlm(2026, 12, 1, 14, 0))
	st2 := openStore(t, dir, clk)
	c, d := sched(st2, "replica-c"), sched(st2, "replica-d")
	for _, sc := range []*schedule.Scheduler{c, d} {
		if _, err := sc.Tick(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Fatalf("nudge ran again after restart (%d runs)", runs)
	}
	// The next period runs once.
	clk.Set(sthlm(2027, 1, 4, 9, 0))
	for _, sc := range []*schedule.Scheduler{c, d} {
		if _, err := sc.Tick(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
	}
	counts, _ = st2.CountOutbox(ctx)
	if runs != 2 || counts.Pending != 4 {
		t.Fatalf("january: %d runs, outbox %+v", runs, counts)
	}
	if _, err := st2.GetOutbox(ctx, "status-nudge:2027-01-04:"+anna); err != nil {
		t.Fatalf("january nudge: %v", err)
	}
}

func TestCardSubmitReceiptAndStaleCard(t *testing.T) {
	f := newFixture(t)
	f.nudge(t)
	ctx := context.Background()
	nudgeCard := entryCard(t, f.st, nudgeID(anna))
	f.clk.Set(sthlm(2026, 12, 2, 10, 15))

	data := submission(t, nudgeCard, map[string]string{
		"A12.status": "at_risk", "A12.done": "Workshop hållen", "A12.next": "Upphandling", "A12.due": "2027-03-31",
		"A12.help": "true", "A12.help_text": "Juridisk bedömning", "A13.status": "on_track",
	})
	tn := invoke(anna, "Anna Andersson", ActionSubmit, data)
	handle(t, f.s, tn)
	receipt := cardText(t, invokeCard(t, tn))
	for _, want := range []string{"Tack! Statusen är sparad", "Pågår med risk", "Workshop hållen", "31 mars 2027", "Juridisk bedömning", "Sparad 2 dec 2026 kl. 10:15 av Anna Andersson", "Ändra igen"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("receipt lacks %q: %s", want, receipt)
		}
	}
	if strings.Contains(receipt, "Input.") {
		t.Error("receipt has inputs: it must be read-only")
	}
	u, v := f.record(t, "A12")
	if u.Status != AtRisk || u.Due != "2027-03-31" || !u.Help || u.HelpText != "Juridisk bedömning" || u.Author != anna || u.Via != ViaCard || v != 1 {
		t.Fatalf("A12 record %+v v%d", u, v)
	}
	if h := f.history(t, "A12"); len(h) != 1 || h[0].Version != 1 || h[0].AuthorName != "Anna Andersson" || !h[0].At.Equal(sthlm(2026, 12, 2, 10, 15)) {
		t.Fatalf("history %+v", h)
	}

	// Double-clicked Send: the same answer again is not a conflict and
	// adds no history.
	tn = invoke(anna, "Anna Andersson", ActionSubmit, data)
	handle(t, f.s, tn)
	if r := cardText(t, invokeCard(t, tn)); !strings.Contains(r, "Tack!") || strings.Contains(r, "Någon har uppdaterat") {
		t.Fatalf("double send: %s", r)
	}
	if h := f.history(t, "A12"); len(h) != 1 {
		t.Fatalf("double send wrote history: %d", len(h))
	}

	// Bertil (co-owner of A13) updates A13 by text; then Anna's old card,
	// sent with other values, must not overwrite it.
	tn = message(bertil, "Bertil Berg", "A13 försenad till 2027-06-30")
	handle(t, f.s, tn)
	if got := strings.Join(replyTexts(tn), " "); !strings.Contains(got, "Tack! Sparat") {
		t.Fatalf("bertil's update: %q", got)
	}
	old := submission(t, nudgeCard, map[string]string{"A12.status": "done", "A13.status": "done"})
	tn = invoke(anna, "Anna Andersson", ActionSubmit, old)
	handle(t, f.s, tn)
	r := cardText(t, invokeCard(t, tn))
	if !strings.Contains(r, "Någon har uppdaterat A12 efter att kortet skickades") || !strings.Contains(r, "Någon har uppdaterat A13 efter att kortet skickades") {
		t.Fatalf("stale card not reported: %s", r)
	}
	if !strings.Contains(r, "Inget sparades") {
		t.Fatalf("stale receipt title: %s", r)
	}
	if u, v := f.record(t, "A13"); u.Status != Delayed || u.Author != bertil || v != 2 {
		t.Fatalf("A13 overwritten by a stale card: %+v v%d", u, v)
	}
	if u, _ := f.record(t, "A12"); u.Status != AtRisk {
		t.Fatalf("A12 overwritten by a stale card: %+v", u)
	}

	// "Ändra igen" gives a fresh card with the current versions; sending
	// it works.
	tn = invoke(anna, "Anna Andersson", ActionCard, map[string]any{"activities": "A12,A13"})
	handle(t, f.s, tn)
	fresh := invokeCard(t, tn)
	if !strings.Contains(cardText(t, fresh), "Försenad") {
		t.Fatalf("fresh card lacks bertil's status: %s", cardText(t, fresh))
	}
	tn = invoke(anna, "Anna Andersson", ActionSubmit, submission(t, fresh, map[string]string{"A13.status": "at_risk"}))
	handle(t, f.s, tn)
	if r := cardText(t, invokeCard(t, tn)); strings.Contains(r, "Någon har uppdaterat") {
		t.Fatalf("fresh card rejected: %s", r)
	}
	if u, v := f.record(t, "A13"); u.Status != AtRisk || u.Due != "2027-06-30" || v != 3 {
		t.Fatalf("A13 after fresh card %+v v%d", u, v)
	}
	_ = ctx
}

func TestOnlyOwnersAndAdminsUpdate(t *testing.T) {
	f := newFixture(t)
	f.nudge(t)
	card := entryCard(t, f.st, nudgeID(anna))
	data := submission(t, card, map[string]string{"A12.status": "done"})

	// Erik owns nothing: card and text are refused, nothing changes.
	tn := invoke(erik, "Erik Ek", ActionSubmit, data)
	handle(t, f.s, tn)
	if msg := invokeMessage(t, tn); !strings.Contains(msg, "Du kan inte uppdatera A12, A13") || !strings.Contains(msg, "Inget ändrades") {
		t.Fatalf("non-owner card: %q", msg)
	}
	tn = message(erik, "Erik Ek", "A12 klar")
	handle(t, f.s, tn)
	if got := strings.Join(replyTexts(tn), " "); !strings.Contains(got, "Du kan inte uppdatera A12") {
		t.Fatalf("non-owner text: %q", got)
	}
	// Bertil owns A13 but not A12: a card with both is refused as a whole.
	tn = invoke(bertil, "Bertil Berg", ActionSubmit, data)
	handle(t, f.s, tn)
	if msg := invokeMessage(t, tn); !strings.Contains(msg, "A12") || strings.Contains(msg, "A13") {
		t.Fatalf("partial owner: %q", msg)
	}
	// No sender id at all.
	tn = message("", "Anonym", "A12 klar")
	handle(t, f.s, tn)
	if got := strings.Join(replyTexts(tn), " "); !strings.Contains(got, "Du kan inte uppdatera") {
		t.Fatalf("anonymous: %q", got)
	}
	if _, v := f.record(t, "A12"); v != storage.NoVersion {
		t.Fatalf("A12 changed by a non-owner (v%d)", v)
	}
	if h := f.history(t, "A12"); len(h) != 0 {
		t.Fatalf("history %+v", h)
	}
	// An administrator may, and it is recorded as such.
	tn = message(erik, "Erik Ek", "A12 klar")
	tn.Admin = true
	handle(t, f.s, tn)
	if u, _ := f.record(t, "A12"); u.Status != Done || u.Via != ViaAdmin || u.Author != erik {
		t.Fatalf("admin update %+v", u)
	}
	// Cecilia, configured by UPN, is recognised by her Entra id.
	tn = message(cecilia, "Cecilia", "a14: pågår enligt plan")
	handle(t, f.s, tn)
	if u, _ := f.record(t, "A14"); u.Status != OnTrack || u.Author != cecilia {
		t.Fatalf("cecilia's update %+v; replies %v", u, replyTexts(tn))
	}
}

func TestBadDatesChangeNothing(t *testing.T) {
	f := newFixture(t)
	f.nudge(t)
	card := entryCard(t, f.st, nudgeID(anna))
	tests := []struct {
		name, due, want string
	}{
		{"no such day", "2026-02-30", `A12: "2026-02-30" är inget giltigt datum`},
		{"a word", "igår", `A12: "igår" är inget giltigt datum`},
		{"other format", "31/3/2027", `A12: "31/3/2027" är inget giltigt datum`},
		{"in the past", "2026-11-30", "A12: förväntat klart 2026-11-30 har redan passerat"},
		{"absurd year", "9999-01-01", `A12: "9999-01-01" är inget giltigt datum`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tn := invoke(anna, "Anna", ActionSubmit, submission(t, card, map[string]string{"A12.status": "delayed", "A12.due": tc.due, "A13.status": "on_track"}))
			handle(t, f.s, tn)
			c := invokeCard(t, tn)
			text := cardText(t, c)
			if !strings.Contains(text, tc.want) {
				t.Fatalf("card %s lacks %q", text, tc.want)
			}
			// The card comes back editable, with what was typed and the
			// original versions.
			if !strings.Contains(text, "Input.Date") || !strings.Contains(text, tc.due) {
				t.Fatalf("error card is not the editable card with the typed value: %s", text)
			}
			for _, id := range []string{"A12", "A13"} {
				if _, v := f.record(t, id); v != storage.NoVersion {
					t.Fatalf("%s saved despite a bad date", id)
				}
			}
		})
	}
	for _, tc := range []struct{ text, want string }{
		{"A12 försenad till igår", `A12: Datumet "igår" kan jag inte tolka`},
		{"A12 försenad till 2026-02-30", `A12: Datumet "2026-02-30" kan jag inte tolka`},
		{"A12 försenad till 2026-11-01", "A12: förväntat klart 2026-11-01 har redan passerat"},
		{"A12 klar\nA13 försenad till 2026-02-31", `A13: Datumet "2026-02-31"`},
		{"status A12 försenad till igår", `A12: Datumet "igår"`},
	} {
		tn := message(anna, "Anna", tc.text)
		handle(t, f.s, tn)
		if got := strings.Join(replyTexts(tn), " "); !strings.Contains(got, tc.want) || !strings.Contains(got, "Inget") {
			t.Errorf("%q: reply %q, want %q", tc.text, got, tc.want)
		}
	}
	for _, id := range []string{"A12", "A13"} {
		if _, v := f.record(t, id); v != storage.NoVersion {
			t.Fatalf("%s saved despite a bad date", id)
		}
	}
	// A done activity may carry a completion date in the past, and a
	// past date already recorded may be kept.
	tn := message(anna, "Anna", "A12 klar 2026-11-20")
	handle(t, f.s, tn)
	if u, _ := f.record(t, "A12"); u.Status != Done || u.Due != "2026-11-20" {
		t.Fatalf("done with past date: %+v %v", u, replyTexts(tn))
	}
	tn = message(anna, "Anna", "A12 pågår enligt plan")
	handle(t, f.s, tn)
	if u, _ := f.record(t, "A12"); u.Status != OnTrack || u.Due != "2026-11-20" {
		t.Fatalf("keeping the recorded date: %+v %v", u, replyTexts(tn))
	}
}

func TestFreeTextAndCommands(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	say := func(aad, text string, admin bool) string {
		t.Helper()
		tn := message(aad, "Namn", text)
		tn.Admin = admin
		handle(t, f.s, tn)
		var out []string
		for _, r := range tn.Replies() {
			out = append(out, r.Text)
			for _, a := range r.Attachments {
				out = append(out, cardText(t, a.Content))
			}
		}
		return strings.Join(out, "\n")
	}
	if got := say(anna, "a12: pågår med risk – väntar på upphandling", false); !strings.Contains(got, "**A12** Pågår med risk") {
		t.Fatalf("free text: %q", got)
	}
	if u, _ := f.record(t, "A12"); u.Status != AtRisk || u.Done != "väntar på upphandling" || u.Via != ViaText {
		t.Fatalf("A12 %+v", u)
	}
	if got := say(anna, "A12 klar, A13 försenad till 31 mars 2027", false); !strings.Contains(got, "**A13** Försenad · Förväntat klart 31 mars 2027") {
		t.Fatalf("two updates: %q", got)
	}
	// Not an update: the timeline, with a hint.
	if got := say(anna, "A12 vad handlar den om?", false); !strings.Contains(got, "Vill du uppdatera A12?") || !strings.Contains(got, "Historik") {
		t.Fatalf("question about A12: %q", got)
	}
	// Unrelated text falls through to the other capabilities.
	if got := say(anna, "Vad är digital basnivå?", false); got != "FALLBACK" {
		t.Fatalf("fallback: %q", got)
	}
	// status: my card; status A12: the timeline, newest first.
	got := say(anna, "status", false)
	if !strings.Contains(got, "A12 ·") || !strings.Contains(got, "A13 ·") || !strings.Contains(got, "status.submit") {
		t.Fatalf("status card: %q", got)
	}
	got = say(erik, "status A12", false)
	if i, j := strings.Index(got, "Klar"), strings.Index(got, "Pågår med risk"); i < 0 || j < 0 || i > j || strings.Contains(got, "\nUppdatera\n") {
		t.Fatalf("timeline for a non-owner: %q", got)
	}
	if got := say(anna, "status A12", false); !strings.Contains(got, "\nUppdatera\n") {
		t.Fatalf("timeline for the owner lacks the update button: %q", got)
	}
	if got := say(erik, "status", false); !strings.Contains(got, "Du är inte ägare av någon aktivitet") {
		t.Fatalf("status for a non-owner: %q", got)
	}
	if got := say(erik, "status översikt", false); !strings.Contains(got, "bara administratörer") {
		t.Fatalf("overview for a non-admin: %q", got)
	}
	if got := say(erik, "status översikt", true); !strings.Contains(got, "Läget för handlingsplanens aktiviteter") {
		t.Fatalf("overview: %q", got)
	}

	// Owners: listing, admin-only changes.
	if got := say(erik, "ägare A14", false); !strings.Contains(got, "Cecilia Cedergren (cecilia@regiongavleborg.se)") {
		t.Fatalf("owners of A14: %q", got)
	}
	if got := say(erik, "ägare A14 erik@regiongavleborg.se", false); !strings.Contains(got, "bara administratörer") {
		t.Fatalf("non-admin adds owner: %q", got)
	}
	if got := say(erik, "ägare A14 nobody@regiongavleborg.se", true); !strings.Contains(got, "hittar inte nobody@regiongavleborg.se") {
		t.Fatalf("unknown person: %q", got)
	}
	if got := say(erik, "ägare A14 inte-en-adress", true); !strings.Contains(got, "ser inte ut som en e-postadress") {
		t.Fatalf("bad person: %q", got)
	}
	if got := say(erik, "ägare A14 erik@regiongavleborg.se", true); !strings.Contains(got, "Erik Ek (erik@regiongavleborg.se)") {
		t.Fatalf("admin adds owner: %q", got)
	}
	if got := say(erik, "A14 pågår", false); !strings.Contains(got, "Tack! Sparat") {
		t.Fatalf("new owner updates: %q", got)
	}
	if got := say(anna, "ta bort ägare A14 cecilia@regiongavleborg.se", false); !strings.Contains(got, "bara administratörer") {
		t.Fatalf("non-admin removes: %q", got)
	}
	if got := say(erik, "ta bort ägare A14 cecilia@regiongavleborg.se", true); strings.Contains(got, "Cecilia") {
		t.Fatalf("removed owner still listed: %q", got)
	}
	if got := say(cecilia, "A14 klar", false); !strings.Contains(got, "Du kan inte uppdatera A14") {
		t.Fatalf("removed owner may update: %q", got)
	}
	if got := say(erik, "ta bort ägare A14 anna@regiongavleborg.se", true); !strings.Contains(got, "är inte ägare av A14") {
		t.Fatalf("removing a non-owner: %q", got)
	}

	// Delegation: only an owner; the delegate may update and is asked.
	if got := say(erik, "delegera A12 till bertil@regiongavleborg.se", false); !strings.Contains(got, "Bara ägaren av A12") {
		t.Fatalf("non-owner delegates: %q", got)
	}
	if got := say(anna, "delegera A12 till bertil@regiongavleborg.se", false); !strings.Contains(got, "bertil@regiongavleborg.se svarar nu för A12") {
		t.Fatalf("delegate: %q", got)
	}
	if got := say(bertil, "A12 pågår enligt plan", false); !strings.Contains(got, "Tack! Sparat") {
		t.Fatalf("delegate updates: %q", got)
	}
	v, err := f.s.buildView(ctx, f.clk.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(v.nudge[bertil]); got != "A12,A13" {
		t.Fatalf("bertil is asked about %s", got)
	}
	if got := ids(v.nudge[anna]); got != "A13" {
		t.Fatalf("anna is asked about %s (A12 is delegated)", got)
	}
	if got := say(anna, "återta A12", false); !strings.Contains(got, "A12 är inte längre delegerad") {
		t.Fatalf("reclaim: %q", got)
	}

	// Deputy while away.
	if got := say(david, "ersättare bertil@regiongavleborg.se till 2026-12-24", false); !strings.Contains(got, "Bara aktivitetsägare") {
		t.Fatalf("david owns nothing: %q", got)
	}
	if got := say(anna, "ersättare bertil@regiongavleborg.se till 2026-02-30", false); !strings.Contains(got, "kan jag inte tolka") {
		t.Fatalf("bad deputy date: %q", got)
	}
	if got := say(anna, "ersättare bertil@regiongavleborg.se till 2026-11-30", false); !strings.Contains(got, "i dag eller senare") {
		t.Fatalf("past deputy date: %q", got)
	}
	if got := say(anna, "ersättare bertil@regiongavleborg.se till 24 december 2026", false); !strings.Contains(got, "till och med 24 december 2026") {
		t.Fatalf("deputy: %q", got)
	}
	v, _ = f.s.buildView(ctx, f.clk.Now(), false)
	if got := ids(v.nudge[bertil]); got != "A12,A13" || len(v.nudge[anna]) != 0 {
		t.Fatalf("with a deputy: bertil %s, anna %d", got, len(v.nudge[anna]))
	}
	v, _ = f.s.buildView(ctx, sthlm(2026, 12, 25, 9, 0), false)
	if got := ids(v.nudge[anna]); got != "A12,A13" {
		t.Fatalf("after the deputy period anna is asked about %s", got)
	}
	if got := say(anna, "ersättare bort", false); !strings.Contains(got, "du svarar själv") {
		t.Fatalf("deputy off: %q", got)
	}
}

func ids(as []*assignment) string {
	var out []string
	for _, a := range as {
		out = append(out, a.act.ID)
	}
	return strings.Join(out, ",")
}

func TestActionSubmitReceiptReplacesCardThroughOutbox(t *testing.T) {
	f := newFixture(t)
	f.nudge(t)
	ctx := context.Background()
	// The nudge was delivered.
	if l, err := f.st.Lease(ctx, "w", f.clk.Now(), 10, time.Minute); err != nil || len(l) != 3 {
		t.Fatalf("lease %d %v", len(l), err)
	}
	if err := f.st.MarkDelivered(ctx, nudgeID(anna), "w", storage.Delivery{At: f.clk.Now(), ConversationID: "a:conv-" + anna, ActivityID: "1:99"}); err != nil {
		t.Fatal(err)
	}
	data := submission(t, entryCard(t, f.st, nudgeID(anna)), map[string]string{"A12.status": "done", "A13.status": "paused"})
	data["action"] = ActionSubmit
	tn := message(anna, "Anna", "")
	tn.Activity.Value = data
	handle(t, f.s, tn)
	if len(tn.Replies()) != 0 {
		t.Fatalf("replies %v; want the card replaced", replyTexts(tn))
	}
	// Find the receipt entry: it updates the nudge.
	key := "status-receipt:" + nudgeID(anna) + ":A12@" + f.clk.Now().UTC().Format("20060102T150405.000") + ",A13@" + f.clk.Now().UTC().Format("20060102T150405.000")
	e, err := f.st.GetOutbox(ctx, key)
	if err != nil {
		t.Fatalf("receipt entry: %v", err)
	}
	if e.UpdateOf != nudgeID(anna) || !strings.Contains(string(e.Activity), "Tack!") {
		t.Fatalf("receipt entry %+v", e)
	}
}

func TestEnglishCard(t *testing.T) {
	f := newFixture(t)
	putRef(t, f.st, anna, "Anna", "en-GB")
	f.nudge(t)
	text := cardText(t, entryCard(t, f.st, nudgeID(anna)))
	for _, want := range []string{"How are your activities going?", "At risk", "Expected completion", "Friday 4 December 2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("english card lacks %q", want)
		}
	}
	var e map[string]any
	raw, _ := f.st.GetOutbox(context.Background(), nudgeID(anna))
	_ = json.Unmarshal(raw.Activity, &e)
	if e["summary"] != "Time for a status update of your activities" {
		t.Errorf("summary %v", e["summary"])
	}
	_ = turn.LangOf
}
