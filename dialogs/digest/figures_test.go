package digest_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"digibot/dialogs/answer"
	"digibot/dialogs/coaching"
	"digibot/dialogs/digest"
	"digibot/dialogs/status"
)

// seeded is what the test wrote, from which it computes the expected
// figures itself.
type seeded struct {
	// status: each activity's reports, in order.
	reports []seedReport
	// coaching: bookings in the digest's week.
	bookings []seedBooking
	// questions and feedback written to the logs.
	questions []answer.QuestionLog
	feedback  []answer.FeedbackLog
	roundDue  time.Time
}

type seedReport struct {
	at       time.Time
	activity string
	status   string
	due      string
}

type seedBooking struct {
	who        user
	slot       time.Time
	topic      string
	dept       string
	outcome    string // held, noshow, "" (unmarked), cancelled
	bookingID  string
	inWeek     bool
	cancelTime time.Time
}

// The digest under test: the weekly one due Monday 30 November 2026 08:00,
// covering week 48 (23–29 November).
var (
	due       = sthlm(2026, 11, 30, 8, 0)
	weekStart = sthlm(2026, 11, 23, 0, 0)
	weekEnd   = sthlm(2026, 11, 30, 0, 0)
)

func person(i int) user {
	return user{aad: fmt.Sprintf("11111111-0000-4000-8000-%012d", i), name: fmt.Sprintf("Person %d", i)}
}

// seed fills the store through the capabilities' own APIs: status reports
// typed in chat by owners and an administrator, a nudge round, bookings
// and marks through the coaching cards, and question and feedback records
// in the answer capability's logs.
func seed(t *testing.T, w *world) seeded {
	t.Helper()
	var s seeded
	putRef(t, w.st, anna, "Anna Andersson")
	putRef(t, w.st, bertil, "Bertil Berg")
	putRef(t, w.st, cecilia, "Cecilia Ceder")
	report := func(at time.Time, u user, text string, want ...seedReport) {
		t.Helper()
		w.clk.Set(at)
		reply := texts(w.say(u, text))
		if strings.Contains(reply, "FALLBACK") || !strings.Contains(strings.ToLower(reply), "sparat") && !strings.Contains(strings.ToLower(reply), "saved") {
			t.Fatalf("status %q not saved: %s", text, reply)
		}
		for _, r := range want {
			r.at = at
			s.reports = append(s.reports, r)
		}
	}
	annaU := user{aad: anna, name: "Anna Andersson"}
	bertilU := user{aad: bertil, name: "Bertil Berg"}
	ceciliaU := user{aad: cecilia, name: "Cecilia Ceder"}

	// Before the week.
	report(sthlm(2026, 10, 1, 9, 0), admin, "A20 pågår enligt plan till 2026-11-15", seedReport{activity: "A20", status: "on_track", due: "2026-11-15"})
	report(sthlm(2026, 10, 1, 9, 5), admin, "A03 pågår enligt plan", seedReport{activity: "A03", status: "on_track"})
	// The November round asks the owners.
	s.roundDue = sthlm(2026, 11, 2, 9, 0)
	w.clk.Set(s.roundDue)
	if _, err := w.status.RunNudge(w.ctx, "2026-11-02", s.roundDue); err != nil {
		t.Fatalf("RunNudge: %v", err)
	}
	report(sthlm(2026, 11, 10, 10, 0), annaU, "A01 pågår enligt plan – workshop genomförd", seedReport{activity: "A01", status: "on_track"})
	// In the week.
	report(sthlm(2026, 11, 24, 10, 0), bertilU, "A03 pågår med risk – upphandlingen drar ut", seedReport{activity: "A03", status: "at_risk"})
	report(sthlm(2026, 11, 25, 14, 0), ceciliaU, "A12 pågår med risk – väntar på jurist. Behöver hjälp med juridisk bedömning",
		seedReport{activity: "A12", status: "at_risk"})
	report(sthlm(2026, 11, 26, 9, 0), admin, "A07 klar\nA05 pågår enligt plan till 2026-12-20\nA09 pågår enligt plan till 2027-06-30",
		seedReport{activity: "A07", status: "done"}, seedReport{activity: "A05", status: "on_track", due: "2026-12-20"},
		seedReport{activity: "A09", status: "on_track", due: "2027-06-30"})
	report(sthlm(2026, 11, 27, 16, 0), bertilU, "A03 försenad till 2027-03-31 – väntar på upphandling",
		seedReport{activity: "A03", status: "delayed", due: "2027-03-31"})
	// After the week but before the digest: counts as a change too.
	report(sthlm(2026, 11, 30, 7, 30), admin, "A30 pågår enligt plan", seedReport{activity: "A30", status: "on_track"})

	// Coaching: booked on Friday 20 November for week 48 and the week after.
	w.clk.Set(sthlm(2026, 11, 20, 9, 0))
	it, hr := "IT-förvaltningen", "HR-förvaltningen"
	s.bookings = []seedBooking{
		{who: person(1), slot: sthlm(2026, 11, 24, 13, 0), topic: "Teams-möten", dept: it, outcome: "held", inWeek: true},
		{who: person(2), slot: sthlm(2026, 11, 24, 13, 30), topic: "teams-möten ", dept: it, outcome: "noshow", inWeek: true},
		{who: person(3), slot: sthlm(2026, 11, 24, 14, 0), topic: "OneNote", dept: hr, outcome: "held", inWeek: true},
		{who: person(4), slot: sthlm(2026, 11, 26, 9, 0), topic: "Excel", dept: hr, outcome: "held", inWeek: true},
		{who: person(5), slot: sthlm(2026, 11, 26, 9, 0), topic: "Teams-möten", dept: hr, inWeek: true},
		{who: person(6), slot: sthlm(2026, 11, 24, 15, 0), topic: "Copilot", dept: it, outcome: "cancelled", inWeek: true,
			cancelTime: sthlm(2026, 11, 21, 10, 0)},
		{who: person(7), slot: sthlm(2026, 12, 1, 13, 0), topic: "Outlook", dept: it},
	}
	for i := range s.bookings {
		b := &s.bookings[i]
		slotID := b.slot.UTC().Format("20060102T1504Z")
		reply := w.submit(b.who, map[string]any{"action": coaching.ActionBook, "slot": slotID, "topic": b.topic, "department": b.dept})
		if !strings.Contains(strs(cards(reply)), coaching.ActionCancel) {
			t.Fatalf("booking %d not confirmed: %s", i, strs(cards(reply)))
		}
		mine := w.say(b.who, "mina bokningar")
		for _, c := range cards(mine) {
			walkMaps(c, func(m map[string]any) {
				if d, ok := m["data"].(map[string]any); ok && d["action"] == coaching.ActionCancel {
					if id, _ := d["booking"].(string); strings.HasPrefix(id, slotID) {
						b.bookingID = id
					}
				}
			})
		}
		if b.bookingID == "" {
			t.Fatalf("booking %d: no id on the my-bookings card", i)
		}
	}
	for _, b := range s.bookings {
		if b.outcome == "cancelled" {
			w.clk.Set(b.cancelTime)
			w.submit(b.who, map[string]any{"action": coaching.ActionCancel, "booking": b.bookingID})
		}
	}
	// The coaches' marks, after the sessions.
	w.clk.Set(sthlm(2026, 11, 27, 12, 0))
	for _, b := range s.bookings {
		if b.outcome == "held" || b.outcome == "noshow" {
			reply := w.submit(admin, map[string]any{"action": coaching.ActionMark, "booking": b.bookingID, "outcome": b.outcome})
			if len(reply.Replies()) == 0 {
				t.Fatalf("mark %s: no reply", b.bookingID)
			}
		}
	}

	// Questions and feedback, in and around the week.
	q := func(at time.Time, text string, answered bool) {
		s.questions = append(s.questions, answer.QuestionLog{Time: at.UTC(), AskerAAD: anna, Question: text, Lang: "sv", Answered: answered, Score: 0.5})
	}
	q(sthlm(2026, 11, 22, 23, 59), "Vad är digital basnivå?", true) // before
	q(sthlm(2026, 11, 23, 8, 0), "Vad är digital basnivå?", true)
	q(sthlm(2026, 11, 23, 9, 0), "Hur bokar jag ett mötesrum?", false)
	q(sthlm(2026, 11, 24, 9, 0), "Vem äger systemägarrådet?", true)
	q(sthlm(2026, 11, 25, 9, 0), "hur bokar jag ett MÖTESRUM", false)
	q(sthlm(2026, 11, 26, 9, 0), "Vad kostar Copilot?", false)
	q(sthlm(2026, 11, 27, 9, 0), "Vad är handlingsplanen?", true)
	q(sthlm(2026, 11, 29, 23, 0), "Vilka förflyttningar finns?", true)
	q(sthlm(2026, 11, 30, 7, 0), "Hur bokar jag ett mötesrum?", false) // after
	for _, r := range s.questions {
		raw, _ := json.Marshal(r)
		if _, err := w.st.AppendLog(w.ctx, answer.LogQuestions, r.Time, raw); err != nil {
			t.Fatal(err)
		}
	}
	fb := func(at time.Time, up bool) {
		s.feedback = append(s.feedback, answer.FeedbackLog{Time: at.UTC(), AskerAAD: anna, Lang: "sv", ArticleID: "basniva", Helpful: up})
	}
	fb(sthlm(2026, 11, 23, 8, 1), true)
	fb(sthlm(2026, 11, 24, 9, 1), true)
	fb(sthlm(2026, 11, 25, 9, 1), false)
	fb(sthlm(2026, 11, 27, 9, 1), true)
	fb(sthlm(2026, 11, 20, 9, 1), false) // before
	for _, r := range s.feedback {
		raw, _ := json.Marshal(r)
		if _, err := w.st.AppendLog(w.ctx, answer.LogFeedback, r.Time, raw); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func walkMaps(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, y := range x {
			walkMaps(y, fn)
		}
	case []any:
		for _, y := range x {
			walkMaps(y, fn)
		}
	}
}

// expected is the test's own computation of the digest's figures.
type expected struct {
	counts                                  map[string]int
	areas                                   map[string]map[string]int
	atRisk                                  []string
	upcoming                                []string
	changes                                 map[string][2]string // activity -> from, to
	booked, held, noShow, cancelled, places int
	depts                                   map[string]map[string]int // department -> topic (lower case) -> count
	asked, answered, up, down               int
	gaps                                    map[string]int // lower-case question -> count
}

func expect(t *testing.T, s seeded) expected {
	t.Helper()
	reg, err := status.LoadRegister("")
	if err != nil {
		t.Fatal(err)
	}
	e := expected{counts: map[string]int{}, areas: map[string]map[string]int{}, changes: map[string][2]string{},
		depts: map[string]map[string]int{}, gaps: map[string]int{}}
	final := map[string]seedReport{}
	before := map[string]string{}
	for _, r := range s.reports {
		if r.at.Before(weekStart) {
			before[r.activity] = r.status
		} else if r.at.Before(due) {
			from := before[r.activity]
			if c, ok := e.changes[r.activity]; ok {
				from = c[0]
			}
			if from == "" {
				from = digest.NoReport
			}
			e.changes[r.activity] = [2]string{from, r.status}
		}
		if r.due == "" {
			r.due = final[r.activity].due // a report without a date keeps the one recorded
		}
		final[r.activity] = r
	}
	today := due.Format(time.DateOnly)
	horizon := due.AddDate(0, 0, digest.DefaultUpcomingDays).Format(time.DateOnly)
	type risk struct {
		id, due string
		sev     int
	}
	var risks []risk
	var ups []seedReport
	for _, a := range reg.Activities() {
		st := digest.NoReport
		r, ok := final[a.ID]
		if ok {
			st = r.status
		}
		e.counts[st]++
		if e.areas[a.Area] == nil {
			e.areas[a.Area] = map[string]int{}
		}
		e.areas[a.Area][st]++
		late := ok && r.due != "" && r.due < today && st != "done" && st != "paused"
		switch {
		case st == "delayed":
			risks = append(risks, risk{a.ID, r.due, 0})
		case late:
			risks = append(risks, risk{a.ID, r.due, 1})
		case st == "at_risk":
			risks = append(risks, risk{a.ID, r.due, 2})
		}
		if ok && r.due >= today && r.due <= horizon && st != "done" {
			ups = append(ups, r)
		}
	}
	sort.SliceStable(risks, func(i, j int) bool { return risks[i].sev < risks[j].sev })
	for _, r := range risks {
		e.atRisk = append(e.atRisk, r.id)
	}
	sort.Slice(ups, func(i, j int) bool { return ups[i].due < ups[j].due })
	for _, r := range ups {
		e.upcoming = append(e.upcoming, r.activity)
	}

	// Coaching: Tuesdays 13–16 in 30-minute slots (6 places) and Thursdays
	// 09–10 with two places: 8 places in a week without holidays.
	e.places = 6 + 2
	for _, b := range s.bookings {
		if !b.inWeek {
			continue
		}
		if b.outcome == "cancelled" {
			e.cancelled++
			continue
		}
		e.booked++
		switch b.outcome {
		case "held":
			e.held++
		case "noshow":
			e.noShow++
		}
		if e.depts[b.dept] == nil {
			e.depts[b.dept] = map[string]int{}
		}
		e.depts[b.dept][strings.ToLower(strings.TrimSpace(b.topic))]++
	}
	for _, q := range s.questions {
		if q.Time.Before(weekStart) || !q.Time.Before(weekEnd) {
			continue
		}
		e.asked++
		if q.Answered {
			e.answered++
		} else {
			e.gaps[strings.Trim(strings.ToLower(q.Question), "?")]++
		}
	}
	for _, f := range s.feedback {
		if f.Time.Before(weekStart) || !f.Time.Before(weekEnd) {
			continue
		}
		if f.Helpful {
			e.up++
		} else {
			e.down++
		}
	}
	return e
}

func TestDigestFiguresMatchSeededStore(t *testing.T) {
	clk := newClock(sthlm(2026, 10, 1, 9, 0))
	st := openEmbedded(t, "", clk)
	w := newWorld(t, st, clk, digest.Config{})
	s := seed(t, w)
	e := expect(t, s)

	clk.Set(due)
	res, err := w.d.Run(w.ctx, digest.KindWeekly, due)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Period != "2026-W48" || res.Posted || res.Channel != "" {
		t.Fatalf("result %+v: want period 2026-W48, nothing posted without a channel", res)
	}
	f := res.Figures
	if !f.From.Equal(weekStart) || !f.To.Equal(weekEnd) || !f.Since.Equal(weekStart) {
		t.Fatalf("window %s–%s since %s", f.From, f.To, f.Since)
	}

	// Status.
	if !reflect.DeepEqual(f.Status.Counts, e.counts) {
		t.Errorf("counts %v, want %v", f.Status.Counts, e.counts)
	}
	got := map[string]map[string]int{}
	total := 0
	for _, a := range f.Status.Areas {
		got[a.Name] = a.Counts
		total += a.Total
	}
	if !reflect.DeepEqual(got, e.areas) || total != 39 {
		t.Errorf("areas %v (total %d), want %v", got, total, e.areas)
	}
	if !slices.Equal(f.Status.AtRisk, e.atRisk) {
		t.Errorf("at risk %v, want %v", f.Status.AtRisk, e.atRisk)
	}
	if !slices.Equal(f.Status.Upcoming, e.upcoming) {
		t.Errorf("upcoming %v, want %v", f.Status.Upcoming, e.upcoming)
	}
	gotChanges := map[string][2]string{}
	for _, c := range f.Status.Changes {
		gotChanges[c.Activity] = [2]string{c.From, c.To}
	}
	if !reflect.DeepEqual(gotChanges, e.changes) {
		t.Errorf("changes %v, want %v", gotChanges, e.changes)
	}
	for i := 1; i < len(f.Status.Changes); i++ {
		if f.Status.Changes[i].At.After(f.Status.Changes[i-1].At) {
			t.Errorf("changes not newest first: %+v", f.Status.Changes)
		}
	}
	// Anna answered for A01 but not A02 in the round; Dora cannot be
	// resolved without Graph.
	if len(f.Status.Missing) != 1 || !slices.Equal(f.Status.Missing[0].Activities, []string{"A02"}) {
		t.Errorf("missing %+v", f.Status.Missing)
	}
	if len(f.Status.Unreachable) != 1 || !slices.Equal(f.Status.Unreachable[0].Activities, []string{"A05"}) ||
		f.Status.Unreachable[0].ReasonText["sv"] == "" {
		t.Errorf("unreachable %+v", f.Status.Unreachable)
	}
	a03, _ := findActivity(f, "A03")
	if len(a03.Owners) != 1 || a03.Owners[0] != "Bertil Berg" || a03.Due != "2027-03-31" || !strings.Contains(a03.Done, "upphandling") {
		t.Errorf("A03 %+v", a03)
	}

	// Coaching.
	c := f.Coaching
	if c.Booked != e.booked || c.Held != e.held || c.NoShow != e.noShow || c.Cancelled != e.cancelled || c.Places != e.places {
		t.Errorf("coaching %+v, want booked %d held %d no-show %d cancelled %d places %d", c, e.booked, e.held, e.noShow, e.cancelled, e.places)
	}
	if want := float64(e.booked) / float64(e.places); math.Abs(c.Utilization-want) > 1e-9 {
		t.Errorf("utilization %v, want %v", c.Utilization, want)
	}
	gotDepts := map[string]map[string]int{}
	for _, d := range c.Departments {
		m := map[string]int{}
		n := 0
		for _, tp := range d.Topics {
			m[strings.ToLower(strings.TrimSpace(tp.Text))] = tp.Count
			n += tp.Count
		}
		if n != d.Bookings {
			t.Errorf("department %s: %d bookings, topics sum to %d", d.Department, d.Bookings, n)
		}
		gotDepts[d.Department] = m
	}
	if !reflect.DeepEqual(gotDepts, e.depts) {
		t.Errorf("departments %v, want %v", gotDepts, e.depts)
	}
	if len(c.Departments) > 0 && c.Departments[0].Department != "HR-förvaltningen" {
		t.Errorf("departments not most bookings first: %+v", c.Departments)
	}

	// Questions.
	q := f.Questions
	if q.Asked != e.asked || q.Answered != e.answered || q.Up != e.up || q.Down != e.down {
		t.Errorf("questions %+v, want asked %d answered %d up %d down %d", q, e.asked, e.answered, e.up, e.down)
	}
	gotGaps := map[string]int{}
	for _, g := range q.Unanswered {
		gotGaps[strings.Trim(strings.ToLower(g.Text), "?")] = g.Count
	}
	if !reflect.DeepEqual(gotGaps, e.gaps) {
		t.Errorf("gaps %v, want %v", gotGaps, e.gaps)
	}
	if len(q.Unanswered) == 0 || q.Unanswered[0].Count != 2 {
		t.Errorf("gaps not most asked first: %+v", q.Unanswered)
	}

	// The card shows these figures.
	card := strs(digest.Card(f, "sv"))
	for _, want := range []string{
		"Lägesbild digital omställning – vecka 48",
		fmt.Sprintf("%d av %d platser (%d %%)", e.booked, e.places, int(math.Round(100*float64(e.booked)/float64(e.places)))),
		fmt.Sprintf("%d (%d %%)", e.answered, int(math.Round(100*float64(e.answered)/float64(e.asked)))),
		fmt.Sprintf("👍 %d · 👎 %d", e.up, e.down),
		"Försenad", "slutdatum passerat", "juridisk bedömning", "Anna Andersson – A02",
		"Klar 1", fmt.Sprintf("Ingen uppgift %d", e.counts[digest.NoReport]),
		"hur bokar jag ett MÖTESRUM (2×)", "Visa allt",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}

	// A second run for the week, now with the channel chosen, posts the
	// stored figures, even though the store changed meanwhile.
	putChannelRef(t, st)
	w.say(adminInCh, "digest här")
	clk.Set(due.Add(time.Hour))
	w.say(admin, "A39 klar")
	res2, err := w.d.Run(w.ctx, digest.KindWeekly, due)
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Posted || res2.Channel != channelKey {
		t.Fatalf("second run %+v", res2)
	}
	if !reflect.DeepEqual(res2.Figures.Status.Counts, f.Status.Counts) {
		t.Errorf("second run recomputed the figures: %v vs %v", res2.Figures.Status.Counts, f.Status.Counts)
	}
	e1, posted := entryCard(t, st, digest.OutboxID(digest.KindWeekly, "2026-W48"))
	if e1.RefKey != channelKey || e1.Kind != "digest" || e1.Create != nil {
		t.Errorf("entry %+v", e1)
	}
	if !reflect.DeepEqual(posted, plain(digest.Card(f, "sv"))) {
		t.Errorf("posted card differs from the card of the stored figures")
	}
}

func findActivity(f digest.Figures, id string) (digest.ActivityFig, bool) {
	for _, a := range f.Status.Activities {
		if a.ID == id {
			return a, true
		}
	}
	return digest.ActivityFig{}, false
}

// TestChangesSincePreviousDigest: the next week's digest lists what
// changed after the previous one was made, and the trend has both.
func TestChangesSincePreviousDigest(t *testing.T) {
	clk := newClock(sthlm(2026, 11, 23, 9, 0))
	st := openEmbedded(t, "", clk)
	w := newWorld(t, st, clk, digest.Config{})
	w.say(admin, "A01 pågår enligt plan")
	clk.Set(due)
	if _, err := w.d.Run(w.ctx, digest.KindWeekly, due); err != nil {
		t.Fatal(err)
	}
	clk.Set(due.Add(-time.Minute + 2*time.Hour)) // after the digest, same Monday
	w.say(admin, "A01 pågår med risk")
	clk.Set(sthlm(2026, 12, 2, 9, 0))
	w.say(admin, "A02 klar")
	next := sthlm(2026, 12, 7, 8, 0)
	clk.Set(next)
	res, err := w.d.Run(w.ctx, digest.KindWeekly, next)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Figures
	if res.Period != "2026-W49" || !f.Since.Equal(due) {
		t.Fatalf("period %s since %s", res.Period, f.Since)
	}
	got := map[string][2]string{}
	for _, c := range f.Status.Changes {
		got[c.Activity] = [2]string{c.From, c.To}
	}
	want := map[string][2]string{"A01": {"on_track", "at_risk"}, "A02": {digest.NoReport, "done"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	tr, err := w.d.Trend(w.ctx, digest.KindWeekly)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 2 || tr[0].Period != "2026-W48" || tr[1].Period != "2026-W49" || tr[1].Counts["done"] != 1 {
		t.Fatalf("trend %+v", tr)
	}
	if !strings.Contains(strs(digest.Card(f, "sv")), "Förändringar sedan 30 nov (2)") {
		t.Errorf("card heading: %s", strs(digest.Card(f, "sv")))
	}
}
