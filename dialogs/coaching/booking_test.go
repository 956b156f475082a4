package coaching

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// First Tuesday slot after the env's Monday 30 November 2026 09:00.
var (
	tue13   = slotID(sthlm(2026, time.December, 1, 13, 0))
	tue1330 = slotID(sthlm(2026, time.December, 1, 13, 30))
	thu09   = slotID(sthlm(2026, time.December, 3, 9, 0))
)

func TestNoSessionsSaysSo(t *testing.T) {
	e := newEnv(t, withConfig(Config{}))
	for _, in := range []string{"boka", "mina bokningar", "coachlista"} {
		r := e.say(person(1), in)
		wantContains(t, r, "Det finns inga tider för IT-coachning inlagda")
	}
	r := e.submit(user{aad: person(1).aad, locale: "en-GB"}, map[string]any{"action": ActionStart})
	wantContains(t, r, "No IT coaching sessions have been set up")
	if len(e.c.Jobs()) != 0 {
		t.Fatal("jobs without sessions")
	}
}

func TestBookShowCancelWithoutGraph(t *testing.T) {
	e := newEnv(t)
	p := person(1)

	r := e.say(p, "boka")
	slots := offeredSlots(r)
	if len(slots) != 21 || slots[0] != tue13 || slots[6] != thu09 {
		t.Fatalf("offered %d slots %v", len(slots), slots)
	}
	wantContains(t, r, "Boka IT-coachning", "tisdag 1 december kl. 13.00–13.30", "torsdag 3 december kl. 09.00–10.00 (2 platser kvar)",
		"IT-förvaltningen", "HR-förvaltningen", `"isRequired":true`)

	r = e.bookVia(p, tue13, "Hur digitaliserar vi   remisser?", "it-förvaltningen")
	wantContains(t, r, "Du är bokad!", "tisdag 1 december kl. 13.00–13.30", "Anna Andersson",
		"Hur digitaliserar vi remisser?", "IT-förvaltningen",
		"stående Teams-möte", "https://teams.microsoft.com/l/meetup-join/standing", "Avboka")
	ids := bookingIDs(r)
	if len(ids) != 1 || !strings.HasPrefix(ids[0], tue13+"-") {
		t.Fatalf("cancel buttons carry %v", ids)
	}
	if got := e.activeIn(tue13); len(got) != 1 || got[0].AAD != p.aad || got[0].Coach != annaUPN {
		t.Fatalf("slot doc: %+v", got)
	}

	// The taken slot is not offered again, to anyone.
	if slices.Contains(offeredSlots(e.say(person(2), "boka")), tue13) {
		t.Fatal("a full slot is still offered")
	}

	r = e.say(p, "mina bokningar")
	wantContains(t, r, "Mina bokningar", "tisdag 1 december kl. 13.00–13.30")
	if got := bookingIDs(r); !slices.Equal(got, ids) {
		t.Fatalf("my bookings list %v, want %v", got, ids)
	}

	// Without a standing link the card says the coach sends one.
	r = e.bookVia(p, thu09, "Teams-rum", "HR-förvaltningen")
	wantContains(t, r, "Du är bokad!", "skickar en länk till mötet")
	wantNotContains(t, r, "Öppna Teams-mötet")

	r = e.submit(p, map[string]any{"action": ActionCancel, inBooking: ids[0]})
	wantContains(t, r, "Avbokat: tisdag 1 december kl. 13.00–13.30")
	if got := e.activeIn(tue13); len(got) != 0 {
		t.Fatalf("slot still taken after cancel: %+v", got)
	}
	holds, _, _ := read[personDoc](e.ctx, e.st, collPeople, p.aad)
	if len(holds.Holds) != 1 {
		t.Fatalf("holds after cancel: %+v", holds)
	}
	if !slices.Contains(offeredSlots(e.say(person(2), "boka")), tue13) {
		t.Fatal("a cancelled slot is not offered again")
	}
	// Cancelling again is a clear message and changes nothing.
	before := e.snapshot()
	wantContains(t, e.submit(p, map[string]any{"action": ActionCancel, inBooking: ids[0]}), "är redan avbokad")
	if e.snapshot() != before {
		t.Fatal("a second cancel changed state")
	}
}

func TestEnglishLocale(t *testing.T) {
	e := newEnv(t)
	p := person(1)
	p.locale = "en-US"
	wantContains(t, e.say(p, "book"), "Book IT coaching", "Tuesday 1 December 13:00–13:30")
	r := e.bookVia(p, tue13, "Power Automate", "IT-förvaltningen")
	wantContains(t, r, "You are booked!", "standing Teams meeting", "Cancel booking")
}

func TestPerPersonLimit(t *testing.T) {
	e := newEnv(t)
	p := person(1)
	wantContains(t, e.bookVia(p, tue13, "a", "IT-förvaltningen"), "Du är bokad!")
	wantContains(t, e.bookVia(p, tue1330, "b", "IT-förvaltningen"), "Du är bokad!")
	before := e.snapshot()
	r := e.bookVia(p, thu09, "c", "IT-förvaltningen")
	wantContains(t, r, "Du har redan 2 kommande bokningar")
	if e.snapshot() != before {
		t.Fatal("a booking over the limit changed state")
	}
	if len(bookingIDs(r)) != 2 {
		t.Fatalf("the limit card should list both bookings with cancel: %s", replyJSON(r))
	}
	// "boka" at the limit shows the bookings instead of slots.
	if r := e.say(p, "boka"); len(offeredSlots(r)) != 0 {
		t.Fatal("slots offered at the limit")
	}
	// A past booking no longer counts.
	e.clock.Set(sthlm(2026, time.December, 1, 14, 5))
	wantContains(t, e.bookVia(p, thu09, "c", "IT-förvaltningen"), "Du är bokad!")
}

// Same person, ten concurrent bookings of ten different slots: the limit
// holds.
func TestPerPersonLimitUnderConcurrency(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			clk := newClock(sthlm(2026, time.November, 30, 9, 0))
			e := newEnvOn(t, s.open(t, clk), clk)
			slots := e.c.plan.bookable(clk.Now())[:10]
			p := person(7)
			done := make(chan bool, len(slots))
			for _, sl := range slots {
				go func() {
					res, err := e.c.book(e.ctx, bookRequest{SlotID: sl.ID, AAD: p.aad, Topic: "x", Department: "IT-förvaltningen"})
					done <- err == nil && res.Booking.ID != ""
				}()
			}
			won := 0
			for range slots {
				if <-done {
					won++
				}
			}
			if won != 2 {
				t.Fatalf("%d bookings for one person, limit 2", won)
			}
			mine, err := e.c.upcoming(e.ctx, p.aad, clk.Now())
			if err != nil || len(mine) != 2 {
				t.Fatalf("upcoming = %d, %v", len(mine), err)
			}
			doc, _, _ := read[personDoc](e.ctx, e.st, collPeople, p.aad)
			if len(doc.Holds) != 2 {
				t.Fatalf("holds drifted: %+v", doc.Holds)
			}
		})
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	owner, other := person(1), person(2)
	r := e.bookVia(owner, tue13, "Första", "IT-förvaltningen")
	id := bookingIDs(r)[0]
	cases := []struct {
		name string
		who  user
		data map[string]any
		want string
	}{
		{"tampered slot id", other, map[string]any{"action": ActionBook, inSlot: "20261201T1215Z", inTopic: "x", inDepartment: "IT-förvaltningen"}, "Den tiden finns inte i schemat"},
		{"slot id on a Wednesday", other, map[string]any{"action": ActionBook, inSlot: "20261202T1200Z", inTopic: "x", inDepartment: "IT-förvaltningen"}, "Den tiden finns inte i schemat"},
		{"slot id not a string", other, map[string]any{"action": ActionBook, inSlot: 42.0, inTopic: "x", inDepartment: "IT-förvaltningen"}, "Välj en tid"},
		{"stale card: slot taken", other, map[string]any{"action": ActionBook, inSlot: tue13, inTopic: "x", inDepartment: "IT-förvaltningen"}, "Någon hann före dig"},
		{"stale card: own slot again", owner, map[string]any{"action": ActionBook, inSlot: tue13, inTopic: "x", inDepartment: "IT-förvaltningen"}, "Du har redan bokat den tiden"},
		{"beyond the horizon", other, map[string]any{"action": ActionBook, inSlot: slotID(sthlm(2026, time.December, 29, 13, 0)), inTopic: "x", inDepartment: "IT-förvaltningen"}, "går inte att boka än"},
		{"no topic", other, map[string]any{"action": ActionBook, inSlot: tue1330, inTopic: "   ", inDepartment: "IT-förvaltningen"}, "Skriv kort vad du vill ha hjälp med"},
		{"topic too long", other, map[string]any{"action": ActionBook, inSlot: tue1330, inTopic: strings.Repeat("å", 301), inDepartment: "IT-förvaltningen"}, "för lång"},
		{"unknown department", other, map[string]any{"action": ActionBook, inSlot: tue1330, inTopic: "x", inDepartment: "Hackers"}, "finns inte i listan"},
		{"another person's booking id", other, map[string]any{"action": ActionCancel, inBooking: id}, "Den bokningen är inte din"},
		{"made-up booking id", other, map[string]any{"action": ActionCancel, inBooking: tue13 + "-00000000"}, "Jag hittar ingen sådan bokning"},
		{"malformed booking id", other, map[string]any{"action": ActionCancel, inBooking: "'; DROP TABLE"}, "Jag hittar ingen sådan bokning"},
		{"booking id as object", other, map[string]any{"action": ActionCancel, inBooking: map[string]any{"x": 1}}, "Jag hittar ingen sådan bokning"},
		{"offer without queue", other, map[string]any{"action": ActionOfferAccept, inSlot: tue1330}, "Erbjudandet gäller inte längre"},
		{"mark by a non-coach", other, map[string]any{"action": ActionMark, inBooking: id, inOutcome: stateHeld}, "Coachlistan är till för IT-coacherna"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			r := e.submit(tc.who, tc.data)
			wantContains(t, r, tc.want)
			if after := e.snapshot(); after != before {
				t.Fatalf("state changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}

	t.Run("stale card: slot past", func(t *testing.T) {
		e.clock.Set(sthlm(2026, time.December, 1, 13, 10))
		defer e.clock.Set(sthlm(2026, time.November, 30, 9, 0))
		before := e.snapshot()
		r := e.bookVia(other, tue1330, "x", "IT-förvaltningen")
		wantContains(t, r, "är för nära i tid")
		r = e.bookVia(other, tue13, "x", "IT-förvaltningen")
		wantContains(t, r, "har redan passerat")
		if len(offeredSlots(r)) == 0 {
			t.Fatal("no new slots offered after a stale card")
		}
		// Too late to cancel, and a started slot cannot be cancelled.
		wantContains(t, e.submit(owner, map[string]any{"action": ActionCancel, inBooking: id}), "har redan börjat")
		if e.snapshot() != before {
			t.Fatal("state changed")
		}
	})
	t.Run("cancel after the cutoff", func(t *testing.T) {
		e.clock.Set(sthlm(2026, time.December, 1, 12, 30))
		defer e.clock.Set(sthlm(2026, time.November, 30, 9, 0))
		before := e.snapshot()
		wantContains(t, e.submit(owner, map[string]any{"action": ActionCancel, inBooking: id}),
			"för sent att avboka", "Anna Andersson")
		if e.snapshot() != before {
			t.Fatal("state changed")
		}
	})
	t.Run("in a channel", func(t *testing.T) {
		before := e.snapshot()
		u := other
		u.channel = true
		wantContains(t, e.bookVia(u, tue1330, "x", "IT-förvaltningen"), "i en egen chatt med mig")
		wantContains(t, e.say(u, "boka"), "i en egen chatt med mig")
		if e.snapshot() != before {
			t.Fatal("state changed")
		}
	})
	t.Run("no AAD id", func(t *testing.T) {
		before := e.snapshot()
		wantContains(t, e.bookVia(user{name: "Anon"}, tue1330, "x", "IT-förvaltningen"), "Jag kan inte se vem du är")
		if e.snapshot() != before {
			t.Fatal("state changed")
		}
	})
}

// A hold left behind by a crash between the hold and the slot write is
// repaired: it does not block the person for good.
func TestCrashLeftoverHoldIsRepaired(t *testing.T) {
	e := newEnv(t)
	p := person(1)
	now := e.clock.Now()
	for i, s := range []string{tue13, tue1330} {
		sl, _ := e.c.plan.find(s)
		if err := e.c.reserve(e.ctx, p.aad, sl, newBookingID(s), now); err != nil {
			t.Fatalf("reserve %d: %v", i, err)
		}
	}
	// Within the grace period the holds count (a booking may be in flight).
	wantContains(t, e.bookVia(p, thu09, "x", "IT-förvaltningen"), "Du har redan 2 kommande bokningar")
	e.clock.Advance(2 * holdGrace)
	wantContains(t, e.bookVia(p, thu09, "x", "IT-förvaltningen"), "Du är bokad!")
	doc, _, _ := read[personDoc](e.ctx, e.st, collPeople, p.aad)
	if len(doc.Holds) != 1 {
		t.Fatalf("holds after repair: %+v", doc.Holds)
	}
}
