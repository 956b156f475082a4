package coaching

import (
	"errors"
	"slices"
	"testing"
	"time"

	"digibot/bot/schedule"
)

// everyDayConfig has a session on every working day, so that holidays
// and DST shifts show up in the generated slots.
func everyDayConfig(closed ...string) Config {
	c := Config{
		Coaches:     []Coach{{UPN: annaUPN, Name: "Anna"}},
		ClosedDates: closed,
	}
	for _, wd := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		c.Sessions = append(c.Sessions, Session{Weekday: wd, Start: "08:00", End: "09:00", Coaches: []string{annaUPN}})
	}
	return c
}

func planOf(t testing.TB, c Config) *plan {
	t.Helper()
	p, err := compile(c.WithDefaults())
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if p.cal, err = schedule.NewCalendar(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSlotsAcrossDST(t *testing.T) {
	p := planOf(t, everyDayConfig())
	cases := []struct {
		name string
		day  time.Time
		// want is the UTC start of the day's first slot: 08:00 local is
		// 07:00Z in winter and 06:00Z in summer.
		want string
	}{
		{"Friday before spring DST", sthlm(2026, time.March, 27, 12, 0), "20260327T0700Z"},
		{"Monday after spring DST", sthlm(2026, time.March, 30, 12, 0), "20260330T0600Z"},
		{"Friday before autumn DST", sthlm(2026, time.October, 23, 12, 0), "20261023T0600Z"},
		{"Monday after autumn DST", sthlm(2026, time.October, 26, 12, 0), "20261026T0700Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := p.slotsOn(tc.day)
			if len(s) != 2 {
				t.Fatalf("%d slots, want 2", len(s))
			}
			if s[0].ID != tc.want {
				t.Fatalf("first slot %s, want %s", s[0].ID, tc.want)
			}
			for _, x := range s {
				l := x.Start.In(schedule.Stockholm)
				if l.Minute() != 0 && l.Minute() != 30 || l.Hour() != 8 {
					t.Fatalf("slot %s starts %s local, want 08:00 or 08:30", x.ID, l)
				}
				if x.End.Sub(x.Start) != 30*time.Minute {
					t.Fatalf("slot %s lasts %s", x.ID, x.End.Sub(x.Start))
				}
				if got, err := p.find(x.ID); err != nil || !got.Start.Equal(x.Start) {
					t.Fatalf("find(%s) = %v, %v", x.ID, got.ID, err)
				}
			}
			if sv.when(s[0].Start, s[0].End) == "" || sv.clock(s[0].Start, s[0].End) != "kl. 08.00–08.30" {
				t.Fatalf("Swedish clock %q", sv.clock(s[0].Start, s[0].End))
			}
		})
	}

	// Over the change itself: the window from Friday to Tuesday holds the
	// same local times on both sides, and lead time and horizon count in
	// local days.
	clk := sthlm(2026, time.March, 27, 7, 0) // Friday 07:00, before the first slot
	got := p.slotsBetween(clk, sthlm(2026, time.April, 1, 0, 0))
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	want := []string{"20260327T0700Z", "20260327T0730Z", "20260330T0600Z", "20260330T0630Z", "20260331T0600Z", "20260331T0630Z"}
	if !slices.Equal(ids, want) {
		t.Fatalf("slots over spring DST = %v, want %v", ids, want)
	}
	got = p.slotsBetween(sthlm(2026, time.October, 23, 7, 0), sthlm(2026, time.October, 28, 0, 0))
	ids = ids[:0]
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	want = []string{"20261023T0600Z", "20261023T0630Z", "20261026T0700Z", "20261026T0730Z", "20261027T0700Z", "20261027T0730Z"}
	if !slices.Equal(ids, want) {
		t.Fatalf("slots over autumn DST = %v, want %v", ids, want)
	}
}

func TestSlotsSkipHolidays(t *testing.T) {
	p := planOf(t, everyDayConfig("2026-12-29"))
	cases := []struct {
		day  time.Time
		open bool
		why  string
	}{
		{sthlm(2026, time.April, 3, 12, 0), false, "långfredag"},
		{sthlm(2026, time.April, 6, 12, 0), false, "annandag påsk (a Monday session)"},
		{sthlm(2026, time.April, 7, 12, 0), true, "Tuesday after Easter"},
		{sthlm(2026, time.May, 1, 12, 0), false, "första maj"},
		{sthlm(2026, time.May, 14, 12, 0), false, "Kristi himmelsfärd"},
		{sthlm(2026, time.June, 19, 12, 0), false, "midsommarafton"},
		{sthlm(2026, time.December, 22, 12, 0), true, "Tuesday of Christmas week is a working day"},
		{sthlm(2026, time.December, 24, 12, 0), false, "julafton"},
		{sthlm(2026, time.December, 25, 12, 0), false, "juldagen"},
		{sthlm(2026, time.December, 28, 12, 0), true, "Monday between the holidays"},
		{sthlm(2026, time.December, 29, 12, 0), false, "configured closed date"},
		{sthlm(2026, time.December, 31, 12, 0), false, "nyårsafton"},
		{sthlm(2027, time.January, 1, 12, 0), false, "nyårsdagen"},
		{sthlm(2027, time.January, 6, 12, 0), false, "trettondedag jul"},
		{sthlm(2027, time.December, 24, 12, 0), false, "julafton on a Friday"},
		{sthlm(2026, time.December, 26, 12, 0), false, "Saturday"},
	}
	for _, tc := range cases {
		t.Run(tc.why, func(t *testing.T) {
			s := p.slotsOn(tc.day)
			if got := len(s) > 0; got != tc.open {
				t.Fatalf("%s (%s): open = %v, want %v", tc.day.Format(time.DateOnly), tc.why, got, tc.open)
			}
			// A slot id on a closed day never resolves, even if well formed.
			id := slotID(time.Date(tc.day.Year(), tc.day.Month(), tc.day.Day(), 8, 0, 0, 0, schedule.Stockholm))
			if _, err := p.find(id); (err == nil) != tc.open {
				t.Fatalf("find(%s) err = %v, open = %v", id, err, tc.open)
			}
		})
	}
}

func TestSlotsChristmasWeekTuesday(t *testing.T) {
	// The test config's Tuesday session over Christmas 2026 and the
	// Thursday session on julafton and nyårsafton.
	p := planOf(t, testConfig())
	got := p.slotsBetween(sthlm(2026, time.December, 21, 0, 0), sthlm(2027, time.January, 2, 0, 0))
	days := map[string]int{}
	for _, s := range got {
		days[s.Start.In(schedule.Stockholm).Format(time.DateOnly)]++
	}
	want := map[string]int{"2026-12-22": 6, "2026-12-29": 6}
	if len(days) != len(want) || days["2026-12-22"] != 6 || days["2026-12-29"] != 6 {
		t.Fatalf("days with slots = %v, want %v (Thursdays 24 and 31 December are off)", days, want)
	}
}

func TestFindRejectsBadIDs(t *testing.T) {
	p := planOf(t, testConfig())
	good := slotID(sthlm(2026, time.December, 1, 13, 0))
	if _, err := p.find(good); err != nil {
		t.Fatalf("find(%s): %v", good, err)
	}
	for _, id := range []string{
		"", "x", good + " ", " " + good, good[:len(good)-1], "20261201T1215Z", // off the grid
		"20261201T1300Z",          // 14:00 local: inside the session? no: 14:00 is on the grid; see below
		"20261202T1200Z",          // a Wednesday
		"20261301T1200Z",          // month 13
		"20261201T2460Z",          // minute 60
		"2026120lT1200Z",          // letter l
		"20261201t1200z",          // lower case
		"20261201T1200Z-deadbeef", // a booking id
		"../../20261201T1200Z",    // path
		"20261201T1200+01:00",     // other form
		"20261201T1530Z",          // 16:30 local, after the session
		"20261201T1100Z",          // 12:00 local, before it
		"２０２６1201T1200Z",          // full-width digits
		"20261201T1200Z\x00",      // NUL
		"99991231T2330Z",          // far future, not a Tuesday session
		"00010101T0000Z",          // zero time
		"20261201T120Z",           // short
	} {
		if id == "20261201T1300Z" {
			// 14:00 local is a real slot; keep it as a positive control.
			if _, err := p.find(id); err != nil {
				t.Fatalf("find(%s) = %v, want the 14:00 slot", id, err)
			}
			continue
		}
		if _, err := p.find(id); !errors.Is(err, errBadSlot) {
			t.Errorf("find(%q) = %v, want errBadSlot", id, err)
		}
	}
}

func TestSlotState(t *testing.T) {
	p := planOf(t, testConfig())
	s, err := p.find(slotID(sthlm(2026, time.December, 8, 13, 0)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		now  time.Time
		want slotState
	}{
		{sthlm(2026, time.December, 8, 13, 0), slotPast},
		{sthlm(2026, time.December, 8, 14, 0), slotPast},
		{sthlm(2026, time.December, 8, 11, 1), slotTooSoon},  // lead time 2 h
		{sthlm(2026, time.December, 8, 11, 0), slotBookable}, // exactly the lead time
		{sthlm(2026, time.November, 17, 9, 0), slotBookable}, // 21 days ahead
		{sthlm(2026, time.November, 16, 23, 0), slotTooFar},  // 22 days ahead
	}
	for _, tc := range cases {
		if got := p.stateOf(s, tc.now); got != tc.want {
			t.Errorf("stateOf at %s = %d, want %d", tc.now, got, tc.want)
		}
	}
}

func TestDatesInSwedishAndEnglish(t *testing.T) {
	start, end := sthlm(2026, time.December, 1, 13, 0), sthlm(2026, time.December, 1, 13, 30)
	if got := sv.when(start, end); got != "tisdag 1 december kl. 13.00–13.30" {
		t.Fatalf("sv = %q", got)
	}
	if got := en.when(start, end); got != "Tuesday 1 December 13:00–13:30" {
		t.Fatalf("en = %q", got)
	}
	// Summer time renders local time too.
	if got := sv.when(sthlm(2026, time.June, 2, 9, 0), sthlm(2026, time.June, 2, 9, 30)); got != "tisdag 2 juni kl. 09.00–09.30" {
		t.Fatalf("sv summer = %q", got)
	}
	if sv.duration(time.Hour) != "1 timme" || sv.duration(90*time.Minute) != "90 minuter" || en.duration(2*time.Hour) != "2 hours" {
		t.Fatal("durations")
	}
}

// The whole flow with the clock on either side of both 2026 DST changes:
// the card shows local times, the lead time counts real hours, and the
// booked slot is the local 08:00.
func TestBookingAcrossDSTWithInjectedClock(t *testing.T) {
	cfg := everyDayConfig()
	cfg.HorizonDays = 3
	cfg.Departments = []string{"IT-förvaltningen"}
	cases := []struct {
		name      string
		now       time.Time
		firstID   string // first offered slot
		firstText string
	}{
		// Friday 06:00 CET: 08:00 is exactly 2 h ahead.
		{"spring, before", sthlm(2026, time.March, 27, 6, 0), "20260327T0700Z", "fredag 27 mars kl. 08.00–08.30"},
		// Friday 06:01: only 08:30 is far enough ahead today.
		{"spring, inside lead time", sthlm(2026, time.March, 27, 6, 1), "20260327T0730Z", "fredag 27 mars kl. 08.30–09.00"},
		// Saturday night before the change: Monday 08:00 CEST is 06:00Z.
		{"spring, over the weekend", sthlm(2026, time.March, 28, 23, 0), "20260330T0600Z", "måndag 30 mars kl. 08.00–08.30"},
		// Monday 06:30 CEST: lead time 2 h → 08:30 local.
		{"spring, after", sthlm(2026, time.March, 30, 6, 30), "20260330T0630Z", "måndag 30 mars kl. 08.30–09.00"},
		{"autumn, over the weekend", sthlm(2026, time.October, 24, 12, 0), "20261026T0700Z", "måndag 26 oktober kl. 08.00–08.30"},
		{"autumn, after", sthlm(2026, time.October, 26, 6, 0), "20261026T0700Z", "måndag 26 oktober kl. 08.00–08.30"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock(tc.now)
			e := newEnvOn(t, openEmbedded(t, clk), clk, withConfig(cfg))
			p := person(1)
			r := e.say(p, "boka")
			offered := offeredSlots(r)
			if len(offered) == 0 || offered[0] != tc.firstID {
				t.Fatalf("offered %v, want first %s", offered, tc.firstID)
			}
			wantContains(t, r, tc.firstText)
			wantContains(t, e.bookVia(p, tc.firstID, "x", "IT-förvaltningen"), "Du är bokad!", tc.firstText)
			// The horizon counts local days: 3 days ahead, whole days.
			last, _ := parseSlotID(offered[len(offered)-1])
			if d := localDate(last).Sub(localDate(tc.now)); d > 4*24*time.Hour {
				t.Fatalf("last offered slot %s beyond the horizon", offered[len(offered)-1])
			}
		})
	}
}
