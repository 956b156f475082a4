package coaching

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeMeetings records what coaching asks Graph for. The SDK-level
// requests are the graph package's tests; here we assert the calls.
type fakeMeetings struct {
	mu        sync.Mutex
	createErr error
	deleteErr error
	busy      map[string][]Busy // by UPN
	creates   []createCall
	deletes   []string // eventIDs
	busyCalls int
	events    map[string]string // TransactionID → eventID (Graph's idempotency)
}

type createCall struct {
	Organizer string
	M         Meeting
}

func newFakeMeetings() *fakeMeetings {
	return &fakeMeetings{busy: map[string][]Busy{}, events: map[string]string{}}
}

func (f *fakeMeetings) CreateMeeting(_ context.Context, organizer string, m Meeting) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates = append(f.creates, createCall{organizer, m})
	if f.createErr != nil {
		return "", "", f.createErr
	}
	id, ok := f.events[m.TransactionID]
	if !ok {
		id = fmt.Sprintf("event-%d", len(f.events)+1)
		f.events[m.TransactionID] = id
	}
	return id, "https://teams.microsoft.com/l/meetup-join/" + id, nil
}

func (f *fakeMeetings) DeleteEvent(_ context.Context, organizer, eventID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes = append(f.deletes, organizer+"/"+eventID)
	return f.deleteErr
}

func (f *fakeMeetings) BusyTimes(_ context.Context, upn string, from, to time.Time) ([]Busy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.busyCalls++
	return f.busy[upn], nil
}

func (f *fakeMeetings) set(fn func(f *fakeMeetings)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeMeetings) calls() ([]createCall, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.creates), slices.Clone(f.deletes)
}

type fakeDirectory map[string][2]string // aad → email, name

func (d fakeDirectory) UserByID(_ context.Context, aad string) (string, string, error) {
	if u, ok := d[aad]; ok {
		return u[0], u[1], nil
	}
	return "", "", errors.New("user not found")
}

func TestGraphMeetingCreated(t *testing.T) {
	fm := newFakeMeetings()
	p := person(1)
	dir := fakeDirectory{p.aad: {"person1@regiongavleborg.se", "Person Ett"}}
	e := newEnv(t, withMeetings(fm), withDirectory(dir))

	r := e.bookVia(p, tue13, "Digital <b>post</b>", "IT-förvaltningen")
	wantContains(t, r, "Du är bokad!", "Ett Teams-möte är bokat", "https://teams.microsoft.com/l/meetup-join/event-1", "Öppna Teams-mötet")
	wantNotContains(t, r, "standing")
	creates, _ := fm.calls()
	if len(creates) != 1 {
		t.Fatalf("%d create calls", len(creates))
	}
	b := e.activeIn(tue13)[0]
	got := creates[0]
	want := Meeting{
		Subject:       "IT-coachning: Digital <b>post</b>",
		Start:         time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC),
		End:           time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC),
		AttendeeEmail: "person1@regiongavleborg.se",
		AttendeeName:  "Person Ett",
		TransactionID: "digibot-coaching-" + b.ID,
	}
	if got.Organizer != annaUPN || got.M.Subject != want.Subject || !got.M.Start.Equal(want.Start) || !got.M.End.Equal(want.End) ||
		got.M.Start.Location() != time.UTC || got.M.AttendeeEmail != want.AttendeeEmail || got.M.AttendeeName != want.AttendeeName ||
		got.M.TransactionID != want.TransactionID {
		t.Fatalf("create call\n got %+v\nwant organizer %s %+v", got, annaUPN, want)
	}
	if !strings.Contains(got.M.BodyHTML, "Digital &lt;b&gt;post&lt;/b&gt;") || strings.Contains(got.M.BodyHTML, "<b>post") {
		t.Fatalf("body not escaped: %s", got.M.BodyHTML)
	}
	if b.Meeting.Status != meetCreated || b.Meeting.EventID != "event-1" || !b.Meeting.Notified {
		t.Fatalf("meeting record %+v", b.Meeting)
	}

	// The retry job has nothing to do, and sends no link message.
	if err := e.c.retryMeetings(e.ctx, e.clock.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c, _ := fm.calls(); len(c) != 1 {
		t.Fatalf("job created again: %d calls", len(c))
	}
	e.noOutbox("coaching.link:" + b.ID)

	// Cancelling deletes the event in the coach's calendar.
	wantContains(t, e.submit(p, map[string]any{"action": ActionCancel, inBooking: b.ID}), "Avbokat")
	if _, dels := fm.calls(); !slices.Equal(dels, []string{annaUPN + "/event-1"}) {
		t.Fatalf("deletes = %v", dels)
	}
	if m := e.slotDocOf(tue13).Bookings[0].Meeting; m.Status != meetDeleted {
		t.Fatalf("after cancel: %+v", m)
	}
}

func TestGraphFailureBookingStandsAndRetries(t *testing.T) {
	fm := newFakeMeetings()
	fm.createErr = errors.New("graph: 503 service unavailable")
	e := newEnv(t, withMeetings(fm)) // no directory: nobody is invited
	p := person(1)

	r := e.bookVia(p, tue13, "Teams-telefoni", "IT-förvaltningen")
	wantContains(t, r, "Du är bokad!", "länken kommer i ett eget meddelande")
	wantNotContains(t, r, "Öppna Teams-mötet")
	bs := e.activeIn(tue13)
	if len(bs) != 1 || bs[0].Meeting.Status != meetPending || bs[0].Meeting.Attempts != 1 || bs[0].Meeting.NextTry.IsZero() {
		t.Fatalf("booking after Graph failure: %+v", bs)
	}
	id := bs[0].ID
	creates, _ := fm.calls()
	if creates[0].M.AttendeeEmail != "" || creates[0].M.AttendeeName != "Person 1" {
		t.Fatalf("without a directory nobody is invited: %+v", creates[0].M)
	}

	// Not yet due: the job leaves it.
	if err := e.c.retryMeetings(e.ctx, e.clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if c, _ := fm.calls(); len(c) != 1 {
		t.Fatalf("retried before due: %d calls", len(c))
	}
	// Due, still failing: backoff grows.
	e.clock.Advance(3 * time.Minute)
	if err := e.c.retryMeetings(e.ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if m := e.activeIn(tue13)[0].Meeting; m.Attempts != 2 || !m.NextTry.After(e.clock.Now().Add(3*time.Minute)) {
		t.Fatalf("after second failure: %+v", m)
	}
	// Graph is back: the job creates the meeting and the link goes out
	// through the outbox, once, even if the job runs twice.
	fm.set(func(f *fakeMeetings) { f.createErr = nil })
	e.clock.Advance(time.Hour)
	for range 2 {
		if err := e.c.retryMeetings(e.ctx, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	creates, _ = fm.calls()
	if len(creates) != 3 {
		t.Fatalf("%d create calls, want 3", len(creates))
	}
	for _, c := range creates {
		if c.M.TransactionID != "digibot-coaching-"+id {
			t.Fatalf("transaction id not stable: %q", c.M.TransactionID)
		}
	}
	m := e.activeIn(tue13)[0].Meeting
	if m.Status != meetCreated || !m.Notified || m.JoinURL == "" {
		t.Fatalf("after recovery: %+v", m)
	}
	link := e.outbox("coaching.link:" + id)
	if link.RefKey != "user:"+p.aad || !strings.Contains(string(link.Activity), m.JoinURL) ||
		!strings.Contains(string(link.Activity), "Länken till din IT-coachning") {
		t.Fatalf("link message %+v %s", link, link.Activity)
	}
	e.wantOutbox(1, "coaching.link:"+id)
	// "mina bokningar" now shows the link.
	wantContains(t, e.say(p, "mina bokningar"), m.JoinURL)
}

func TestGraphGivesUpWhenTheSessionStarts(t *testing.T) {
	fm := newFakeMeetings()
	fm.createErr = errors.New("graph down")
	e := newEnv(t, withMeetings(fm))
	e.bookVia(person(1), tue13, "x", "IT-förvaltningen")
	e.bookVia(person(2), thu09, "y", "IT-förvaltningen")
	tueID, thuID := e.activeIn(tue13)[0].ID, e.activeIn(thu09)[0].ID
	e.clock.Set(sthlm(2026, time.December, 1, 13, 1))
	for range 2 {
		if err := e.c.retryMeetings(e.ctx, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if m := e.activeIn(tue13)[0].Meeting; m.Status != meetFailed {
		t.Fatalf("meeting %+v", m)
	}
	// Tuesday has a standing link: that is the way in.
	if o := e.outbox("coaching.link-failed:" + tueID); !strings.Contains(string(o.Activity), "https://teams.microsoft.com/l/meetup-join/standing") {
		t.Fatalf("message %s", o.Activity)
	}
	// Thursday has none: contact the coach.
	e.clock.Set(sthlm(2026, time.December, 3, 9, 1))
	if err := e.c.retryMeetings(e.ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if o := e.outbox("coaching.link-failed:" + thuID); !strings.Contains(string(o.Activity), "Kontakta Anna Andersson") {
		t.Fatalf("message %s", o.Activity)
	}
	e.wantOutbox(2)
}

func TestGraphDeleteRetried(t *testing.T) {
	fm := newFakeMeetings()
	e := newEnv(t, withMeetings(fm))
	p := person(1)
	e.bookVia(p, tue13, "x", "IT-förvaltningen")
	id := e.activeIn(tue13)[0].ID
	fm.set(func(f *fakeMeetings) { f.deleteErr = errors.New("graph down") })
	wantContains(t, e.submit(p, map[string]any{"action": ActionCancel, inBooking: id}), "Avbokat")
	if m := e.slotDocOf(tue13).Bookings[0].Meeting; m.Status != meetDeleting {
		t.Fatalf("after failed delete: %+v", m)
	}
	fm.set(func(f *fakeMeetings) { f.deleteErr = nil })
	e.clock.Advance(time.Hour)
	if err := e.c.retryMeetings(e.ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if m := e.slotDocOf(tue13).Bookings[0].Meeting; m.Status != meetDeleted {
		t.Fatalf("after retry: %+v", m)
	}
	if _, dels := fm.calls(); len(dels) != 2 {
		t.Fatalf("deletes %v", dels)
	}
}

func TestBusyCoachSlotsHidden(t *testing.T) {
	fm := newFakeMeetings()
	day := func(h, m int) time.Time { return sthlm(2026, time.December, 1, h, m).UTC() }
	fm.busy[annaUPN] = []Busy{
		{day(14, 0), day(15, 0)}, // a meeting: 14.00 and 14.30 hidden
		{day(13, 0), day(16, 0)}, // Anna's own placeholder for the session: ignored
		{sthlm(2026, time.December, 3, 8, 0), sthlm(2026, time.December, 3, 12, 0)}, // Thursday morning
	}
	e := newEnv(t, withMeetings(fm))
	p := person(1)
	offered := offeredSlots(e.say(p, "boka"))
	for _, hidden := range []string{slotID(day(14, 0)), slotID(day(14, 30))} {
		if slices.Contains(offered, hidden) {
			t.Fatalf("busy slot %s offered: %v", hidden, offered)
		}
	}
	if !slices.Contains(offered, tue13) || !slices.Contains(offered, slotID(day(15, 0))) {
		t.Fatalf("free slots missing: %v", offered)
	}
	// Thursday: Anna is busy, Bertil is free, so the slot is offered with
	// one place... capacity two but one coach: both places go to Bertil.
	if !slices.Contains(offered, thu09) {
		t.Fatalf("Thursday with a free coach not offered: %v", offered)
	}
	r := e.bookVia(p, thu09, "x", "IT-förvaltningen")
	wantContains(t, r, "Bertil Berg")

	// A busy slot submitted anyway (stale card) is refused, unchanged.
	before := e.snapshot()
	wantContains(t, e.bookVia(person(2), slotID(day(14, 0)), "x", "IT-förvaltningen"), "Någon hann före dig")
	if e.snapshot() != before {
		t.Fatal("state changed")
	}
}

func TestCoachFree(t *testing.T) {
	p := planOf(t, testConfig())
	s, err := p.find(tue1330)
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return sthlm(2026, time.December, 1, h, m).UTC() }
	anna := s.Coaches[0]
	ours := slotDoc{Bookings: []booking{{ID: "x", Coach: annaUPN, State: stateBooked}}}
	cases := []struct {
		name string
		busy []Busy
		doc  slotDoc
		free bool
	}{
		{"no busy time", nil, slotDoc{}, true},
		{"meeting before", []Busy{{at(12, 0), at(13, 30)}}, slotDoc{}, true},
		{"meeting after", []Busy{{at(14, 0), at(15, 0)}}, slotDoc{}, true},
		{"overlapping meeting", []Busy{{at(13, 45), at(14, 15)}}, slotDoc{}, false},
		{"whole-day absence", []Busy{{at(0, 0), at(23, 59)}}, slotDoc{}, false},
		{"the session placeholder", []Busy{{at(13, 0), at(16, 0)}}, slotDoc{}, true},
		{"an event on the slot, not ours", []Busy{{at(13, 30), at(14, 0)}}, slotDoc{}, false},
		{"our own event on the slot", []Busy{{at(13, 30), at(14, 0)}}, ours, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			busy := map[string][]Busy{annaUPN: tc.busy}
			if got := coachFree(anna, s, &tc.doc, busy); got != tc.free {
				t.Fatalf("coachFree = %v, want %v", got, tc.free)
			}
		})
	}
}
