package coaching

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// oneSlotConfig has a single bookable slot in the horizon: Tuesday
// 13.00–13.30, one place, horizon 7 days (from Monday 30 November).
func oneSlotConfig() Config {
	c := testConfig()
	c.Sessions = []Session{{Weekday: "tuesday", Start: "13:00", End: "13:30", Coaches: []string{annaUPN}}}
	c.HorizonDays = 7
	c.Waitlist.Offers = 2
	return c
}

func TestWaitlistOfferFirstConfirmWins(t *testing.T) {
	e := newEnv(t, withConfig(oneSlotConfig()))
	owner, p2, p3, p4 := person(1), person(2), person(3), person(4)
	r := e.bookVia(owner, tue13, "x", "IT-förvaltningen")
	id := bookingIDs(r)[0]

	r = e.say(p2, "boka")
	wantContains(t, r, "Alla tider är bokade", "Ställ mig i kö")
	if len(offeredSlots(r)) != 0 {
		t.Fatal("slots offered when all are taken")
	}
	join := func(u user, topic string) {
		t.Helper()
		r := e.submit(u, map[string]any{"action": ActionWaitlist, inTopic: topic, inDepartment: "HR-förvaltningen"})
		wantContains(t, r, "Du står i kö")
	}
	join(p2, "Ämne två")
	join(p3, "Ämne tre")
	join(p4, "Ämne fyra")
	wantContains(t, e.say(p3, "mina bokningar"), "nummer 2 i kön")
	// Joining again keeps the place and takes the new topic.
	join(p2, "Nytt ämne")
	wantContains(t, e.say(p2, "boka"), "nummer 1 i kön")

	// A bad waitlist form changes nothing.
	before := e.snapshot()
	wantContains(t, e.submit(person(5), map[string]any{"action": ActionWaitlist, inTopic: "", inDepartment: "HR-förvaltningen"}),
		"Skriv kort vad du vill ha hjälp med")
	if e.snapshot() != before {
		t.Fatal("state changed")
	}

	wantContains(t, e.submit(owner, map[string]any{"action": ActionCancel, inBooking: id}), "Avbokat")
	// Offers go to the first two in the queue (waitlist.offers = 2).
	for _, u := range []user{p2, p3} {
		o := e.outbox("coaching.offer:" + id + ":" + u.aad)
		if o.RefKey != "user:"+u.aad || !strings.Contains(string(o.Activity), "En tid har blivit ledig") ||
			!strings.Contains(string(o.Activity), `"slot":"`+tue13+`"`) {
			t.Fatalf("offer to %s: %+v %s", u.name, o, o.Activity)
		}
	}
	e.noOutbox("coaching.offer:" + id + ":" + p4.aad)

	// The second in the queue confirms first and gets it.
	r = e.submit(p3, map[string]any{"action": ActionOfferAccept, inSlot: tue13})
	wantContains(t, r, "Du är bokad!", "Ämne tre", "HR-förvaltningen")
	r = e.submit(p2, map[string]any{"action": ActionOfferAccept, inSlot: tue13})
	wantContains(t, r, "Någon hann före dig", "Alla tider är bokade", "nummer 1 i kön")
	if bs := e.activeIn(tue13); len(bs) != 1 || bs[0].AAD != p3.aad {
		t.Fatalf("slot %+v", bs)
	}
	// The winner left the queue; the others keep their places.
	w, _, _ := read[waitlistDoc](e.ctx, e.st, collWaitlist, waitlistID)
	var queued []string
	for _, x := range w.Entries {
		queued = append(queued, x.AAD)
	}
	if !slices.Equal(queued, []string{p2.aad, p4.aad}) {
		t.Fatalf("queue %v", queued)
	}
	wantContains(t, e.submit(p2, map[string]any{"action": ActionWaitlistLeave}), "Du står inte längre i kön")
	wantContains(t, e.submit(p2, map[string]any{"action": ActionWaitlistLeave}), "Du står inte i kön")
}

func TestWaitlistOnlyWhenFull(t *testing.T) {
	e := newEnv(t, withConfig(oneSlotConfig()))
	p := person(2)
	r := e.submit(p, map[string]any{"action": ActionWaitlist, inTopic: "x", inDepartment: "HR-förvaltningen"})
	wantContains(t, r, "Det har blivit lediga tider")
	if got := offeredSlots(r); !slices.Equal(got, []string{tue13}) {
		t.Fatalf("offered %v", got)
	}
	if _, pos, _ := e.c.waitlistEntry(e.ctx, p.aad); pos != 0 {
		t.Fatal("queued although a slot was free")
	}
}

func TestNoOfferWhenTooLate(t *testing.T) {
	e := newEnv(t, withConfig(oneSlotConfig()))
	owner := person(1)
	id := bookingIDs(e.bookVia(owner, tue13, "x", "IT-förvaltningen"))[0]
	e.submit(person(2), map[string]any{"action": ActionWaitlist, inTopic: "x", inDepartment: "HR-förvaltningen"})
	// Cancelled inside the lead time: nobody else could book it.
	e.clock.Set(sthlm(2026, time.December, 1, 11, 30))
	wantContains(t, e.submit(owner, map[string]any{"action": ActionCancel, inBooking: id}), "Avbokat")
	e.noOutbox("coaching.offer:" + id + ":" + person(2).aad)
}
