package coaching

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"digibot/storage"
)

// gdprWorld: person 1 (the one who asks to be forgotten) and person 2
// book in week 49; the Tuesday sessions are held and marked by coach
// Anna; person 1 books again for the next Tuesday and waits in the queue,
// as does person 4. Reminders and the coach's morning list are queued for
// Thursday. The clock ends on Thursday 3 December 08:30, half an hour
// before the Thursday session: inside the cancellation cutoff.
type gdprWorld struct {
	*env
	p1, p2, p4           user
	p1Tue, p1Thu, p1Next string
	p2Tue, p2Thu         string
	past                 [2]time.Time // a period with only started sessions
	statsBefore          Stats
	p2Before             UserData
}

var (
	tue8  = slotID(sthlm(2026, time.December, 8, 13, 0))
	anna  = user{aad: annaAAD, name: "Anna Andersson"}
	erase = sthlm(2026, time.December, 3, 8, 30)
)

func newGDPRWorld(t *testing.T) *gdprWorld { return newGDPRWorldOn(t, openEmbedded) }

func newGDPRWorldOn(t *testing.T, open func(testing.TB, *clock) storage.Store) *gdprWorld {
	t.Helper()
	clk := newClock(sthlm(2026, time.November, 30, 9, 0)) // Monday
	w := &gdprWorld{env: newEnvOn(t, open(t, clk), clk), p1: person(1), p2: person(2), p4: person(4)}
	w.p1.name, w.p2.name = "Petra Ett", "Per Två"
	first := func(r []string) string {
		t.Helper()
		if len(r) == 0 {
			t.Fatal("not booked")
		}
		return r[0]
	}
	w.p1Tue = first(bookingIDs(w.bookVia(w.p1, tue13, "Petras ämne om e-tjänster", "IT-förvaltningen")))
	w.p2Tue = first(bookingIDs(w.bookVia(w.p2, tue1330, "Pers ämne om Teams", "HR-förvaltningen")))
	for _, id := range bookingIDs(w.bookVia(w.p1, thu09, "Petras torsdagsämne", "IT-förvaltningen")) {
		if id != w.p1Tue {
			w.p1Thu = id
		}
	}
	for _, id := range bookingIDs(w.bookVia(w.p2, thu09, "Pers torsdagsämne", "HR-förvaltningen")) {
		if id != w.p2Tue {
			w.p2Thu = id
		}
	}
	w.clock.Set(sthlm(2026, time.December, 1, 14, 0))
	w.submit(anna, map[string]any{"action": ActionMark, inBooking: w.p1Tue, inOutcome: stateHeld, inNotePrefix + w.p1Tue: "Petra vill ha uppföljning"})
	w.submit(anna, map[string]any{"action": ActionMark, inBooking: w.p2Tue, inOutcome: stateNoShow})
	for _, id := range bookingIDs(w.bookVia(w.p1, tue8, "Petras nästa ämne", "IT-förvaltningen")) {
		if id != w.p1Thu {
			w.p1Next = id
		}
	}
	if w.p1Thu == "" || w.p2Thu == "" || w.p1Next == "" {
		t.Fatalf("bookings: %+v", w)
	}
	for _, p := range []user{w.p1, w.p4} {
		if _, err := w.c.joinWaitlist(w.ctx, waiter{AAD: p.aad, Name: p.name, Topic: "Kö " + p.name, Department: "IT-förvaltningen"}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, due time.Time) {
		t.Helper()
		for _, j := range w.c.Jobs() {
			if j.Name == name {
				if err := j.Run(w.ctx, "", due); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return
			}
		}
		t.Fatalf("no job %s", name)
	}
	run(JobReminderDayBefore, sthlm(2026, time.December, 2, 15, 0))
	run(JobCoachList, sthlm(2026, time.December, 3, 7, 0))
	w.clock.Set(erase)

	w.past = [2]time.Time{sthlm(2026, time.November, 30, 0, 0), sthlm(2026, time.December, 3, 0, 0)}
	var err error
	if w.statsBefore, err = w.c.Stats(w.ctx, w.past[0], w.past[1]); err != nil {
		t.Fatal(err)
	}
	if w.p2Before, err = ExportUser(w.ctx, w.st.(GDPRStore), testConfig(), w.p2.aad, erase); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *gdprWorld) store() GDPRStore { return w.st.(GDPRStore) }

func bookingIDsOf(items []BookingRecord) []string {
	var out []string
	for _, b := range items {
		out = append(out, b.ID)
	}
	return out
}

func TestGDPRCoachingExport(t *testing.T) {
	w := newGDPRWorld(t)
	d, err := ExportUser(w.ctx, w.store(), testConfig(), strings.ToUpper(w.p1.aad), erase)
	if err != nil {
		t.Fatal(err)
	}
	if got := bookingIDsOf(d.Bookings.Items); !slices.Equal(got, []string{w.p1Tue, w.p1Thu, w.p1Next}) {
		t.Fatalf("bookings %v", got)
	}
	held := d.Bookings.Items[0]
	if held.State != stateHeld || held.Topic != "Petras ämne om e-tjänster" || held.CoachNote != "Petra vill ha uppföljning" ||
		held.Name != "Petra Ett" || held.CoachName != "Anna Andersson" {
		t.Fatalf("held booking %+v", held)
	}
	if len(d.Holds.Items) != 2 || len(d.Waitlist.Items) != 1 || d.Waitlist.Items[0].Position != 1 || len(d.History.Items) != 4 {
		t.Fatalf("holds %d, waitlist %+v, history %d", len(d.Holds.Items), d.Waitlist.Items, len(d.History.Items))
	}
	var out []string
	for _, e := range d.Outbox.Items {
		out = append(out, e.ID)
	}
	for _, want := range []string{"coaching.remind.day:" + w.p1Thu, "coaching.coachlist:2026-12-03:"} {
		if !slices.ContainsFunc(out, func(id string) bool { return strings.HasPrefix(id, want) }) {
			t.Fatalf("outbox %v lacks %s", out, want)
		}
	}
	if len(d.CoachIdentity.Items)+len(d.CoachSessions.Items) != 0 {
		t.Fatalf("person 1 is no coach: %+v %+v", d.CoachIdentity.Items, d.CoachSessions.Items)
	}
	js, _ := json.Marshal(d)
	// Nothing of person 2 or person 4: outbox cards (the coach's list)
	// name person 2 and are theirs to see, so only the rest is checked.
	d.Outbox.Items = nil
	rest, _ := json.Marshal(d)
	for _, other := range []string{w.p2.aad, "Per Två", "Pers", w.p4.aad, "Kö Person 4"} {
		if strings.Contains(string(rest), other) {
			t.Fatalf("export holds %q:\n%s", other, rest)
		}
	}
	for _, want := range []string{`"what"`, `"why"`, `"kept"`, `"onDelete"`} {
		if !strings.Contains(string(js), want) {
			t.Fatalf("export lacks %s", want)
		}
	}
}

func TestGDPRCoachingDeleteBooker(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { testGDPRCoachingDeleteBooker(t, newGDPRWorldOn(t, s.open)) })
	}
}

func testGDPRCoachingDeleteBooker(t *testing.T, w *gdprWorld) {
	rep, err := DeleteUser(w.ctx, w.store(), testConfig(), w.p1.aad, erase)
	if err != nil {
		t.Fatal(err)
	}
	// Thursday is inside the cutoff (erasure path), next Tuesday is not
	// (the ordinary cancel path).
	if rep.Cancelled != 2 || rep.Anonymised != 3 || !rep.HoldsDeleted || !rep.WaitlistRemoved || rep.CoachSessions != 0 || len(rep.OutboxLeft) < 2 {
		t.Fatalf("report %+v", rep)
	}
	// The freed place next Tuesday went to the waitlist: person 4.
	w.outbox("coaching.offer:" + w.p1Next + ":" + w.p4.aad)
	es, err := w.store().ReadLog(w.ctx, auditLog, time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cancels []string
	for _, e := range es {
		if strings.Contains(string(e.Data), `"cancelled"`) {
			cancels = append(cancels, string(e.Data))
		}
	}
	if len(cancels) != 2 || !slices.ContainsFunc(cancels, func(s string) bool {
		return strings.Contains(s, w.p1Thu) && strings.Contains(s, `"erasure":true`)
	}) || !slices.ContainsFunc(cancels, func(s string) bool {
		return strings.Contains(s, w.p1Next) && !strings.Contains(s, "erasure")
	}) {
		t.Fatalf("cancellations logged: %q", cancels)
	}
	if got := w.activeIn(thu09); len(got) != 1 || got[0].AAD != w.p2.aad {
		t.Fatalf("Thursday after erasure: %+v", got)
	}

	d, err := ExportUser(w.ctx, w.store(), testConfig(), w.p1.aad, erase)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Bookings.Items) + len(d.Holds.Items) + len(d.Waitlist.Items) + len(d.History.Items) + len(d.Outbox.Items) +
		len(d.CoachIdentity.Items) + len(d.CoachSessions.Items); n != 0 {
		t.Fatalf("export after delete has %d records: %+v", n, d)
	}
	// No slot doc, hold or queue holds anything of person 1.
	for _, c := range []string{collPeople, collWaitlist, collSlotsPrefix + "2026-W49", collSlotsPrefix + "2026-W50"} {
		docs, err := w.st.ListDocs(w.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			for _, s := range []string{w.p1.aad, "Petra", "Petras"} {
				if strings.Contains(string(doc.Value), s) {
					t.Fatalf("%s/%s still holds %q: %s", c, doc.ID, s, doc.Value)
				}
			}
		}
	}
	// The digest's figures for the sessions already held are unchanged;
	// only the topic is gone.
	after, err := w.c.Stats(w.ctx, w.past[0], w.past[1])
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for i := range after.Departments {
		topics = append(topics, after.Departments[i].Topics...)
		after.Departments[i].Topics, w.statsBefore.Departments[i].Topics = nil, nil
	}
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(w.statsBefore)
	if string(a) != string(b) || after.Booked != 2 || after.Held != 1 || after.NoShow != 1 {
		t.Fatalf("figures changed:\n%s\n%s", b, a)
	}
	if slices.Contains(topics, "Petras ämne om e-tjänster") || !slices.Contains(topics, "Pers ämne om Teams") {
		t.Fatalf("topics after erasure %q", topics)
	}
	// Person 2 is untouched.
	p2After, err := ExportUser(w.ctx, w.store(), testConfig(), w.p2.aad, erase)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := json.Marshal(w.p2Before)
	y, _ := json.Marshal(p2After)
	if string(x) != string(y) {
		t.Fatalf("person 2's data changed:\n%s\n%s", x, y)
	}
	// Again: nothing left to do.
	rep, err = DeleteUser(w.ctx, w.store(), testConfig(), w.p1.aad, erase)
	if err != nil || rep.Cancelled+rep.Anonymised != 0 || rep.HoldsDeleted || rep.WaitlistRemoved {
		t.Fatalf("second delete %+v %v", rep, err)
	}
}

func TestGDPRCoachingDeleteCoach(t *testing.T) {
	w := newGDPRWorld(t)
	d, err := ExportUser(w.ctx, w.store(), testConfig(), annaAAD, erase)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.CoachIdentity.Items) != 1 || !d.CoachIdentity.Items[0].Configured || d.CoachIdentity.Items[0].UPN != annaUPN {
		t.Fatalf("coach identity %+v", d.CoachIdentity.Items)
	}
	marked := 0
	for _, s := range d.CoachSessions.Items {
		if s.Marked {
			marked++
		}
	}
	if marked != 2 || len(d.Bookings.Items) != 0 {
		t.Fatalf("coach sessions %+v", d.CoachSessions.Items)
	}
	if js, _ := json.Marshal(d.CoachSessions); strings.Contains(string(js), "Petra") || strings.Contains(string(js), w.p1.aad) {
		t.Fatalf("a coach's export names the people coached: %s", js)
	}

	rep, err := DeleteUser(w.ctx, w.store(), testConfig(), annaAAD, erase)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.ConfiguredCoach || rep.CoachSessions != 2 || rep.Cancelled != 0 || rep.Anonymised != 0 || rep.HistoryEdited == 0 ||
		!slices.Contains(rep.FutureAsCoach, w.p1Next) {
		t.Fatalf("report %+v", rep)
	}
	for _, id := range []string{tue13, tue1330} {
		for _, b := range w.slotDocOf(id).Bookings {
			if b.Coach != "" || b.CoachName != ErasedName || b.MarkedBy != "" || b.State == stateBooked {
				t.Fatalf("past session %s after erasing the coach: %+v", id, b)
			}
		}
	}
	if b := w.activeIn(tue8); len(b) != 1 || b[0].Coach != annaUPN {
		t.Fatalf("upcoming session lost its coach: %+v", b)
	}
	es, err := w.store().ReadLog(w.ctx, auditLog, time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.Contains(string(e.Data), annaUPN) {
			t.Fatalf("log still names the coach: %s", e.Data)
		}
	}
	// The bookers keep their bookings and the figures.
	after, err := w.c.Stats(w.ctx, w.past[0], w.past[1])
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(w.statsBefore)
	if string(a) != string(b) {
		t.Fatalf("figures changed:\n%s\n%s", b, a)
	}
}

func TestGDPRCoachingStoreFailure(t *testing.T) {
	w := newGDPRWorld(t)
	w.st.Close()
	if _, err := ExportUser(w.ctx, w.store(), testConfig(), w.p1.aad, erase); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("export: %v", err)
	}
	if _, err := DeleteUser(w.ctx, w.store(), testConfig(), w.p1.aad, erase); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("delete: %v", err)
	}
}
