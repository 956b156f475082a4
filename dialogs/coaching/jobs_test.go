package coaching

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"digibot/bot/schedule"
)

func jobByName(t *testing.T, c *Coaching, name string) schedule.Job {
	t.Helper()
	for _, j := range c.Jobs() {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("no job %s", name)
	return schedule.Job{}
}

func TestJobsList(t *testing.T) {
	names := func(js []schedule.Job) []string {
		var out []string
		for _, j := range js {
			out = append(out, j.Name)
		}
		return out
	}
	e := newEnv(t)
	if got := names(e.c.Jobs()); !slices.Equal(got, []string{JobReminderDayBefore, JobReminderSoon, JobCoachList}) {
		t.Fatalf("jobs without Graph %v", got)
	}
	e = newEnv(t, withMeetings(newFakeMeetings()))
	if got := names(e.c.Jobs()); len(got) != 4 || got[3] != JobMeetings {
		t.Fatalf("jobs with Graph %v", got)
	}
	// The day-before reminder is at 16:00 on working days, DST or not.
	spec := jobByName(t, e.c, JobReminderDayBefore).Spec
	for _, tc := range []struct{ after, want time.Time }{
		{sthlm(2026, time.March, 27, 17, 0), sthlm(2026, time.March, 30, 16, 0)},     // Friday → Monday, over spring DST
		{sthlm(2026, time.April, 2, 17, 0), sthlm(2026, time.April, 7, 16, 0)},       // Easter
		{sthlm(2026, time.October, 23, 17, 0), sthlm(2026, time.October, 26, 16, 0)}, // autumn DST
	} {
		if got := spec.Next(tc.after); !got.Equal(tc.want) {
			t.Errorf("Next(%s) = %s, want %s", tc.after, got, tc.want)
		}
	}
}

// runJob runs a job for the period it is due at, twice (as a takeover
// after a crash would), through its Run function.
func runJob(t *testing.T, e *env, name string, due time.Time) {
	t.Helper()
	j := jobByName(t, e.c, name)
	for range 2 {
		if err := j.Run(context.Background(), due.Format(time.RFC3339), due); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestRemindersOncePerBooking(t *testing.T) {
	e := newEnv(t)
	p1, p2, p3 := person(1), person(2), person(3)
	b1 := bookingIDs(e.bookVia(p1, tue13, "a", "IT-förvaltningen"))[0]
	b2 := bookingIDs(e.bookVia(p2, tue1330, "b", "IT-förvaltningen"))[0]
	e.bookVia(p3, slotID(sthlm(2026, time.December, 8, 13, 0)), "c", "IT-förvaltningen") // next week
	e.submit(p2, map[string]any{"action": ActionCancel, inBooking: b2})

	runJob(t, e, JobReminderDayBefore, sthlm(2026, time.November, 30, 16, 0))
	// Cancelled and next week's bookings are not reminded.
	e.wantOutbox(1, "coaching.remind.day:"+b1)
	o := e.outbox("coaching.remind.day:" + b1)
	if o.RefKey != "user:"+p1.aad || o.Kind != kindReminder || !strings.Contains(string(o.Activity), "tisdag 1 december kl. 13.00–13.30") ||
		!strings.Contains(string(o.Activity), `"summary":"Påminnelse: IT-coachning i morgon"`) {
		t.Fatalf("reminder %+v %s", o, o.Activity)
	}

	// Shortly before: 15 minutes (default). 12.40 is too early; 12.45
	// and 12.50 both cover 13.00, which is enqueued once.
	runJob(t, e, JobReminderSoon, sthlm(2026, time.December, 1, 12, 40))
	e.wantOutbox(1)
	runJob(t, e, JobReminderSoon, sthlm(2026, time.December, 1, 12, 45))
	runJob(t, e, JobReminderSoon, sthlm(2026, time.December, 1, 12, 50))
	e.wantOutbox(2, "coaching.remind.soon:"+b1)
	if o := e.outbox("coaching.remind.soon:" + b1); !strings.Contains(string(o.Activity), "börjar snart") ||
		strings.Contains(string(o.Activity), ActionCancel) {
		t.Fatalf("soon reminder must not offer cancel after the cutoff: %s", o.Activity)
	}
}

func TestRemindersThroughTheScheduler(t *testing.T) {
	e := newEnv(t)
	b1 := bookingIDs(e.bookVia(person(1), tue13, "a", "IT-förvaltningen"))[0]
	st := e.st.(schedule.Locks)
	at := sthlm(2026, time.November, 30, 16, 1)
	for _, owner := range []string{"replica-a", "replica-b"} {
		s, err := schedule.New(st, owner, func() time.Time { return at }, quietLog(), nil, e.c.Jobs()...)
		if err != nil {
			t.Fatal(err)
		}
		_ = st.ReleaseLock(e.ctx, "scheduler", "replica-a")
		if _, err := s.Tick(e.ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	e.wantOutbox(1, "coaching.remind.day:"+b1)
}

func TestCoachMorningList(t *testing.T) {
	bertilAAD := "bbbbbbbb-0000-4000-8000-000000000002"
	dir := fakeDirectory{bertilAAD: {bertilUPN, "Bertil Berg"}}
	e := newEnv(t, withDirectory(dir))
	p1, p2 := person(1), person(2)
	e.bookVia(p1, tue13, "Ärende ett", "IT-förvaltningen")
	e.bookVia(p1, thu09, "Ärende två", "IT-förvaltningen")
	e.bookVia(p2, thu09, "Ärende tre", "HR-förvaltningen")

	// Tuesday: Anna (aad_id configured) gets her list.
	runJob(t, e, JobCoachList, sthlm(2026, time.December, 1, 7, 30))
	e.wantOutbox(1, "coaching.coachlist:2026-12-01:"+annaUPN)
	o := e.outbox("coaching.coachlist:2026-12-01:" + annaUPN)
	if o.RefKey != "user:"+annaAAD || !strings.Contains(string(o.Activity), "Ärende ett") || strings.Contains(string(o.Activity), "Ärende två") {
		t.Fatalf("Anna's list %+v %s", o, o.Activity)
	}
	// Wednesday has no session: nothing.
	runJob(t, e, JobCoachList, sthlm(2026, time.December, 2, 7, 30))
	e.wantOutbox(1)
	// Thursday: Bertil has no aad_id and is skipped until Digibot learns
	// it (he opened the coach list once, recognised via the directory).
	runJob(t, e, JobCoachList, sthlm(2026, time.December, 3, 7, 30))
	e.wantOutbox(2, "coaching.coachlist:2026-12-03:"+annaUPN)
	wantContains(t, e.say(user{aad: bertilAAD, name: "Bertil"}, "coachlista"), "Coachlista")
	runJob(t, e, JobCoachList, sthlm(2026, time.December, 3, 7, 31))
	e.wantOutbox(3)
	o = e.outbox("coaching.coachlist:2026-12-03:" + bertilUPN)
	if o.RefKey != "user:"+bertilAAD {
		t.Fatalf("Bertil's list goes to %s", o.RefKey)
	}
}
