package schedule

import (
	"context"
	"errors"
	"testing"
	"time"

	"digibot/storage/embedded"
)

func sthlm(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, Stockholm)
}

func TestCalendarSwedishDaysOff(t *testing.T) {
	c, err := NewCalendar("2026-12-28")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		day     time.Time
		workday bool
	}{
		{"trettondedag jul 2027", sthlm(2027, 1, 6, 9, 0), false},
		{"långfredag 2026", sthlm(2026, 4, 3, 9, 0), false},
		{"annandag påsk 2026", sthlm(2026, 4, 6, 9, 0), false},
		{"första maj 2026", sthlm(2026, 5, 1, 9, 0), false},
		{"Kristi himmelsfärd 2026", sthlm(2026, 5, 14, 9, 0), false},
		{"nationaldagen 2027 (Sunday anyway)", sthlm(2027, 6, 6, 9, 0), false},
		{"midsommarafton 2026", sthlm(2026, 6, 19, 9, 0), false},
		{"julafton 2026", sthlm(2026, 12, 24, 9, 0), false},
		{"annandag jul 2026", sthlm(2026, 12, 26, 9, 0), false},
		{"nyårsafton 2026", sthlm(2026, 12, 31, 9, 0), false},
		{"långfredag 2027", sthlm(2027, 3, 26, 9, 0), false},
		{"annandag påsk 2027", sthlm(2027, 3, 29, 9, 0), false},
		{"configured closed date", sthlm(2026, 12, 28, 9, 0), false},
		{"saturday", sthlm(2026, 11, 28, 9, 0), false},
		{"ordinary tuesday", sthlm(2026, 11, 24, 9, 0), true},
		{"day after midsommar weekend", sthlm(2026, 6, 22, 9, 0), true},
		{"skärtorsdag is a working day", sthlm(2026, 4, 2, 9, 0), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.IsWorkday(tc.day); got != tc.workday {
				t.Fatalf("IsWorkday(%s) = %v, want %v", tc.day.Format(time.DateOnly), got, tc.workday)
			}
		})
	}
	if _, err := NewCalendar("28/12/2026"); err == nil {
		t.Fatal("bad closed date accepted")
	}
	if got := c.AddWorkdays(sthlm(2026, 12, 23, 9, 0), 3); !got.Equal(sthlm(2027, 1, 4, 9, 0)) {
		t.Fatalf("3 working days after 23 Dec 2026: %s", got)
	}
}

func TestCronAcrossDST(t *testing.T) {
	daily, err := Cron("0 8 * * *")
	if err != nil {
		t.Fatal(err)
	}
	// Spring forward (29 Mar 2026) and fall back (25 Oct 2026): 08:00 stays local.
	for _, start := range []time.Time{sthlm(2026, 3, 27, 12, 0), sthlm(2026, 10, 23, 12, 0)} {
		n := start
		for range 4 {
			n = daily.Next(n)
			if l := n.In(Stockholm); l.Hour() != 8 || l.Minute() != 0 {
				t.Fatalf("daily 08:00 fired at %s", l)
			}
		}
	}
	// An hourly job fires 23 times on the spring day and 25 on the autumn day.
	hourly, _ := Cron("0 * * * *")
	count := func(from, to time.Time) int {
		n := 0
		for x := hourly.Next(from.Add(-time.Second)); x.Before(to); x = hourly.Next(x) {
			n++
		}
		return n
	}
	if got := count(sthlm(2026, 3, 29, 0, 0), sthlm(2026, 3, 30, 0, 0)); got != 23 {
		t.Errorf("spring day: %d hourly runs, want 23", got)
	}
	if got := count(sthlm(2026, 10, 25, 0, 0), sthlm(2026, 10, 26, 0, 0)); got != 25 {
		t.Errorf("autumn day: %d hourly runs, want 25", got)
	}
	if _, err := Cron("every monday"); err == nil {
		t.Fatal("bad cron accepted")
	}
}

func TestOnWorkdaysSkipsHolidays(t *testing.T) {
	c, _ := NewCalendar()
	mon, _ := Cron("0 8 * * MON")
	s := OnWorkdays(mon, c)
	// Annandag påsk 2026 is Monday 6 April: the next run is 13 April.
	if got := s.Next(sthlm(2026, 4, 1, 0, 0)); !got.Equal(sthlm(2026, 4, 13, 8, 0)) {
		t.Fatalf("got %s", got.In(Stockholm))
	}
}

// newLocks is a real embedded store: the scheduler's claims are only as
// good as the store's, which storagetest proves for both back ends.
func newLocks(t *testing.T) *embedded.Store {
	st, err := embedded.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestSchedulerRunsOncePerPeriod(t *testing.T) {
	locks := newLocks(t)
	weekly, _ := Cron("0 8 * * MON")
	var periods []string
	job := Job{Name: "digest", Spec: weekly, Run: func(_ context.Context, p string, _ time.Time) error {
		periods = append(periods, p)
		return nil
	}}
	a, err := New(locks, "replica-a", nil, nil, nil, job)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(locks, "replica-b", nil, nil, nil, job)
	ctx := context.Background()
	times := []time.Time{
		sthlm(2026, 11, 30, 7, 59), // not due yet
		sthlm(2026, 11, 30, 8, 0),  // due
		sthlm(2026, 11, 30, 8, 1),  // same period
		sthlm(2026, 11, 30, 9, 0),  // same period
		sthlm(2026, 12, 7, 8, 30),  // next week
	}
	for _, now := range times {
		for _, s := range []*Scheduler{a, b} {
			if _, err := s.Tick(ctx, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(periods) != 2 || periods[0] != "2026-11-30T08:00+01:00" || periods[1] != "2026-12-07T08:00+01:00" {
		t.Fatalf("periods %v", periods)
	}
}

func TestSchedulerRetriesFailedRunAndCatchesUp(t *testing.T) {
	locks := newLocks(t)
	daily, _ := Cron("0 9 * * *")
	fail := true
	runs := 0
	s, _ := New(locks, "a", nil, nil, nil, Job{Name: "nudge", Spec: daily, CatchUp: 6 * time.Hour,
		Run: func(context.Context, string, time.Time) error {
			runs++
			if fail {
				return errors.New("connector down")
			}
			return nil
		}})
	ctx := context.Background()
	if _, err := s.Tick(ctx, sthlm(2026, 12, 1, 9, 0)); err == nil {
		t.Fatal("want the job's error")
	}
	fail = false
	if n, _ := s.Tick(ctx, sthlm(2026, 12, 1, 9, 1)); n != 1 {
		t.Fatal("failed run must be retried")
	}
	// Down all morning: a run missed by less than CatchUp still happens ...
	if n, _ := s.Tick(ctx, sthlm(2026, 12, 2, 14, 0)); n != 1 {
		t.Fatal("missed run within catch-up must run")
	}
	// ... one missed by more does not.
	if n, _ := s.Tick(ctx, sthlm(2026, 12, 3, 16, 0)); n != 0 {
		t.Fatal("run missed beyond catch-up must not run")
	}
	if runs != 3 {
		t.Fatalf("runs %d", runs)
	}
}

func TestSchedulerDSTRepeatedHourIsTwoPeriods(t *testing.T) {
	locks := newLocks(t)
	hourly, _ := Cron("30 2 * * *")
	var periods []string
	s, _ := New(locks, "a", nil, nil, nil, Job{Name: "j", Spec: hourly, Run: func(_ context.Context, p string, _ time.Time) error {
		periods = append(periods, p)
		return nil
	}})
	// 25 Oct 2026: 02:30 CEST, then 02:30 CET an hour later. Tick every 10 minutes.
	start := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC) // 02:00 CEST
	for i := 0; i < 18; i++ {
		if _, err := s.Tick(context.Background(), start.Add(time.Duration(i)*10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if len(periods) < 1 || len(periods) > 2 {
		t.Fatalf("periods %v", periods)
	}
	for i := 1; i < len(periods); i++ {
		if periods[i] == periods[i-1] {
			t.Fatalf("same period twice: %v", periods)
		}
	}
}

func TestSchedulerNotLeaderDoesNothing(t *testing.T) {
	locks := newLocks(t)
	if ok, _ := locks.AcquireLock(context.Background(), leaderLock, "other", time.Hour); !ok {
		t.Fatal("setup: lock")
	}
	daily, _ := Cron("0 9 * * *")
	s, _ := New(locks, "me", nil, nil, nil, Job{Name: "j", Spec: daily, Run: func(context.Context, string, time.Time) error {
		t.Fatal("non-leader ran a job")
		return nil
	}})
	if n, err := s.Tick(context.Background(), sthlm(2026, 12, 1, 9, 0)); n != 0 || err != nil {
		t.Fatalf("n=%d err=%v", n, err)
	}
	locks.Close()
	if _, err := s.Tick(context.Background(), sthlm(2026, 12, 1, 9, 0)); err == nil {
		t.Fatal("want store error")
	}
}

func TestNewValidatesJobs(t *testing.T) {
	daily, _ := Cron("0 9 * * *")
	run := func(context.Context, string, time.Time) error { return nil }
	if _, err := New(newLocks(t), "a", nil, nil, nil, Job{Name: "x", Spec: daily}); err == nil {
		t.Fatal("job without run accepted")
	}
	if _, err := New(newLocks(t), "a", nil, nil, nil, Job{Name: "x", Spec: daily, Run: run}, Job{Name: "x", Spec: daily, Run: run}); err == nil {
		t.Fatal("duplicate job accepted")
	}
}

func FuzzCron(f *testing.F) {
	for _, s := range []string{"0 8 * * MON", "*/5 * * * *", "@daily", "61 25 * * *", "", "0 0 31 2 *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Cron(expr)
		if err != nil {
			return
		}
		c, _ := NewCalendar()
		_ = OnWorkdays(s, c).Next(sthlm(2026, 1, 1, 0, 0))
	})
}

func TestRunNowAndJobs(t *testing.T) {
	locks := newLocks(t)
	daily, _ := Cron("0 9 * * *")
	runs := 0
	s, _ := New(locks, "a", nil, nil, nil, Job{Name: "digest", Spec: daily, Run: func(context.Context, string, time.Time) error {
		runs++
		return nil
	}})
	now := sthlm(2026, 12, 1, 10, 0)
	if got := s.Jobs(now)["digest"]; !got.Equal(sthlm(2026, 12, 2, 9, 0)) {
		t.Fatalf("next due %s", got)
	}
	p, err := s.RunNow(context.Background(), "digest", now)
	if err != nil || runs != 1 || p != "manual:2026-12-01T10:00:00+01:00" {
		t.Fatalf("RunNow: %q %v runs=%d", p, err, runs)
	}
	if _, err := s.RunNow(context.Background(), "digest", now); err == nil || runs != 1 {
		t.Fatalf("same manual period twice must not run again: %v runs=%d", err, runs)
	}
	if _, err := s.RunNow(context.Background(), "nope", now); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("unknown job: %v", err)
	}
}
