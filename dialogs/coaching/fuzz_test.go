package coaching

import (
	"strings"
	"testing"
	"time"
)

// FuzzCardSubmission sends arbitrary card data to every coaching action.
// Nothing may panic, every turn gets an answer, and state changes only for
// a well-formed booking of a bookable slot (or a cancellation of the
// sender's own booking).
func FuzzCardSubmission(f *testing.F) {
	seeds := [][6]string{
		{ActionBook, tue13, "Hjälp med Teams", "IT-förvaltningen", "", ""},
		{ActionBook, "20261201T1215Z", "x", "IT-förvaltningen", "", ""},
		{ActionBook, tue13, "", "IT-förvaltningen", "", ""},
		{ActionBook, tue13, "x", "Okänd", "", ""},
		{ActionBook, tue13 + "\x00", "x\u202e\u0000", "it-FÖRVALTNINGEN", "", ""},
		{ActionBook, "99999999T9999Z", strings.Repeat("ä", 400), "HR-förvaltningen", "", ""},
		{ActionCancel, "", "", "", tue13 + "-00000000", ""},
		{ActionCancel, "", "", "", "../../etc/passwd", ""},
		{ActionCancel, "", "", "", tue13 + "-ZZZZZZZZ", ""},
		{ActionWaitlist, "", "topic", "HR-förvaltningen", "", ""},
		{ActionWaitlistLeave, "", "", "", "", ""},
		{ActionOfferAccept, tue1330, "", "", "", ""},
		{ActionMark, "", "", "", tue13 + "-00000000", stateHeld},
		{ActionMark, "", "", "", "", "<script>"},
		{ActionMine, "", "", "", "", ""},
		{ActionStart, "", "", "", "", ""},
		{ActionCoachList, "", "", "", "", ""},
		{"coaching.unknown", "", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	e := newEnv(f)
	actions := []string{ActionStart, ActionBook, ActionCancel, ActionMine, ActionWaitlist, ActionWaitlistLeave,
		ActionOfferAccept, ActionMark, ActionCoachList}
	f.Fuzz(func(t *testing.T, action, slotIn, topic, dept, bookingIn, outcome string) {
		known := false
		for _, a := range actions {
			known = known || a == action
		}
		if !known {
			// Unknown actions belong to the router; explore ours instead.
			action = actions[len(action)%len(actions)]
		}
		e.t = t
		p := person(1)
		mineBefore, _ := e.c.upcoming(e.ctx, p.aad, e.clock.Now())
		before := e.snapshot()
		r := e.submit(p, map[string]any{"action": action, inSlot: slotIn, inTopic: topic, inDepartment: dept,
			inBooking: bookingIn, inOutcome: outcome, inNotePrefix + bookingIn: topic})
		if len(r.Replies()) == 0 {
			t.Fatalf("no reply to %q", action)
		}
		if e.snapshot() == before {
			return
		}
		switch action {
		case ActionBook:
			form, prob := parseBookForm(map[string]any{inSlot: slotIn, inTopic: topic, inDepartment: dept}, e.c.plan.departments, true)
			s, err := e.c.plan.find(form.Slot)
			if prob != probNone || err != nil || e.c.plan.stateOf(s, e.clock.Now()) != slotBookable {
				t.Fatalf("state changed on a bad booking: slot %q topic %q dept %q", slotIn, topic, dept)
			}
		case ActionCancel:
			own := false
			for _, b := range mineBefore {
				own = own || b.Booking.ID == strings.TrimSpace(bookingIn)
			}
			if !own {
				t.Fatalf("state changed on cancelling %q, not an own booking", bookingIn)
			}
		default:
			t.Fatalf("state changed on %s", action)
		}
		// Keep the fuzzer exploring: free the person again.
		if mine, _ := e.c.upcoming(e.ctx, p.aad, e.clock.Now()); len(mine) >= 2 {
			for _, b := range mine {
				if _, err := e.c.cancel(e.ctx, p.aad, b.Booking.ID); err != nil {
					t.Fatalf("cleanup cancel: %v", err)
				}
			}
		}
	})
}

// FuzzIDs checks the id parsers: no panic, and whatever resolves is a
// slot of the schedule whose id round-trips.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{tue13, tue13 + "-deadbeef", "20261201T1215Z", "", "T", "20260229T1200Z", "20261201T1200Z-DEADBEEF"} {
		f.Add(s)
	}
	p := planOf(f, testConfig())
	f.Fuzz(func(t *testing.T, s string) {
		if sl, err := p.find(s); err == nil {
			if sl.ID != s || slotID(sl.Start) != s || sl.End.Sub(sl.Start) < time.Minute {
				t.Fatalf("find(%q) = %+v", s, sl)
			}
		}
		if id, start, err := parseBookingID(s); err == nil {
			if !strings.HasPrefix(s, id+"-") || slotID(start) != id {
				t.Fatalf("parseBookingID(%q) = %q %v", s, id, start)
			}
		}
		_, _ = parseMarkForm(map[string]any{inBooking: s, inOutcome: s, inNotePrefix + s: s})
	})
}
