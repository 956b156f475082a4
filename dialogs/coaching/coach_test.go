package coaching

import (
	"math"
	"testing"
	"time"
)

func TestCoachListAndMark(t *testing.T) {
	e := newEnv(t)
	anna := user{aad: annaAAD, name: "Anna Andersson"}
	p1, p2 := person(1), person(2)
	b1 := bookingIDs(e.bookVia(p1, tue13, "Ärende ett", "IT-förvaltningen"))[0]
	bookingIDs(e.bookVia(p2, thu09, "Ärende två", "HR-förvaltningen"))

	wantContains(t, e.say(p1, "coachlista"), "Coachlistan är till för IT-coacherna")
	r := e.say(anna, "coachlista")
	wantContains(t, r, "Coachlista", "Person 1", "Ärende ett", "Person 2", "Ärende två")
	if len(actionData(r, ActionMark)) != 0 {
		t.Fatal("marking offered before the session")
	}

	mark := func(u user, id, outcome, note string) string {
		t.Helper()
		r := e.submit(u, map[string]any{"action": ActionMark, inBooking: id, inOutcome: outcome, inNotePrefix + id: note})
		return replyJSON(r)
	}
	before := e.snapshot()
	if js := mark(anna, b1, stateHeld, ""); !contains(js, "har inte börjat än") {
		t.Fatalf("mark before start: %s", js)
	}
	if e.snapshot() != before {
		t.Fatal("state changed")
	}

	e.clock.Set(sthlm(2026, time.December, 1, 13, 40))
	r = e.say(anna, "coachlista")
	if got := actionData(r, ActionMark); len(got) != 2 || got[0][inBooking] != b1 {
		t.Fatalf("mark buttons %v", got)
	}
	for _, tc := range []struct {
		who     user
		outcome string
		want    string
	}{
		{user{aad: "bbbbbbbb-0000-4000-8000-000000000002"}, stateHeld, "Coachlistan är till för IT-coacherna"},
		{anna, "maybe", "Välj Genomförd eller Uteblev"},
		{anna, stateCancelled, "Välj Genomförd eller Uteblev"},
	} {
		before := e.snapshot()
		if js := mark(tc.who, b1, tc.outcome, ""); !contains(js, tc.want) {
			t.Fatalf("want %q: %s", tc.want, js)
		}
		if e.snapshot() != before {
			t.Fatal("state changed")
		}
	}
	if js := mark(anna, b1, stateNoShow, "Kom inte, ringde efteråt"); !contains(js, "Markerat som uteblev") {
		t.Fatalf("mark: %s", js)
	}
	if js := mark(anna, b1, stateHeld, "Ringde, vi tog det på telefon"); !contains(js, "Markerat som genomförd", "Ringde, vi tog det på telefon") {
		t.Fatalf("re-mark: %s", js)
	}
	if b := e.activeIn(tue13)[0]; b.State != stateHeld || b.MarkedBy != annaAAD || b.Note != "Ringde, vi tog det på telefon" {
		t.Fatalf("booking %+v", b)
	}
	// An administrator who is not a coach sees every booking with its
	// coach and may mark.
	admin := user{aad: adminAAD, admin: true}
	wantContains(t, e.say(admin, "coachlista"), `"title":"Coach","value":"Anna Andersson"`, "Person 2")
	if js := mark(admin, b1, stateNoShow, ""); !contains(js, "Markerat som uteblev") {
		t.Fatalf("admin mark: %s", js)
	}
	if b := e.activeIn(tue13)[0]; b.State != stateNoShow || b.Note != "Ringde, vi tog det på telefon" {
		t.Fatalf("an empty note keeps the old one: %+v", b)
	}
}

func TestStats(t *testing.T) {
	e := newEnv(t)
	anna := user{aad: annaAAD}
	b1 := bookingIDs(e.bookVia(person(1), tue13, "Digital post", "IT-förvaltningen"))[0]
	b2 := bookingIDs(e.bookVia(person(2), tue1330, "Teams", "IT-förvaltningen"))[0]
	bookingIDs(e.bookVia(person(3), thu09, "Lönesystem", "HR-förvaltningen"))
	b4 := bookingIDs(e.bookVia(person(4), slotID(sthlm(2026, time.December, 1, 14, 0)), "Avbokas", "HR-förvaltningen"))[0]
	bookingIDs(e.bookVia(person(5), slotID(sthlm(2026, time.December, 8, 13, 0)), "Nästa vecka", "HR-förvaltningen"))
	e.submit(person(4), map[string]any{"action": ActionCancel, inBooking: b4})
	e.clock.Set(sthlm(2026, time.December, 1, 15, 0))
	e.submit(anna, map[string]any{"action": ActionMark, inBooking: b1, inOutcome: stateHeld})
	e.submit(anna, map[string]any{"action": ActionMark, inBooking: b2, inOutcome: stateNoShow})

	st, err := e.c.Stats(e.ctx, sthlm(2026, time.November, 30, 0, 0), sthlm(2026, time.December, 14, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if st.Booked != 4 || st.Held != 1 || st.NoShow != 1 || st.Cancelled != 1 {
		t.Fatalf("figures %+v", st)
	}
	// Week 49: Tuesday 6 places + Thursday 2 = 8, 3 taken. Week 50: 1 of 8.
	if len(st.Weeks) != 2 || st.Weeks[0].Week != "2026-W49" || st.Weeks[0].Places != 8 || st.Weeks[0].Booked != 3 ||
		math.Abs(st.Weeks[0].Utilization-0.375) > 1e-9 || st.Weeks[1].Week != "2026-W50" || st.Weeks[1].Booked != 1 {
		t.Fatalf("weeks %+v", st.Weeks)
	}
	if len(st.Departments) != 2 || st.Departments[0].Department != "HR-förvaltningen" || st.Departments[0].Bookings != 2 ||
		st.Departments[1].Bookings != 2 || st.Departments[1].Topics[0] != "Digital post" {
		t.Fatalf("departments %+v", st.Departments)
	}
	// Christmas: the Thursday session on julafton and nyårsafton offers
	// nothing, so utilization is not diluted.
	st, err = e.c.Stats(e.ctx, sthlm(2026, time.December, 21, 0, 0), sthlm(2027, time.January, 4, 0, 0))
	if err != nil || len(st.Weeks) != 2 || st.Weeks[0].Places != 6 || st.Weeks[1].Places != 6 {
		t.Fatalf("Christmas weeks %+v, %v", st.Weeks, err)
	}
	if _, err := e.c.Stats(e.ctx, sthlm(2026, time.December, 2, 0, 0), sthlm(2026, time.December, 1, 0, 0)); err == nil {
		t.Fatal("reversed period accepted")
	}
}
