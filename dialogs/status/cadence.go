package status

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"digibot/bot/schedule"
)

// cadenceSpec is a schedule.Spec for nudges: the nth working day of each
// month, or a weekday every N weeks moved to the next working day when it
// is a holiday. Times are built with time.Date in Europe/Stockholm, so
// 09:00 stays 09:00 across DST.
type cadenceSpec struct {
	monthly      bool
	nth          int
	every        int
	weekday      time.Weekday
	anchor       time.Time // Monday of the anchor week, 00:00 Stockholm
	hour, minute int
	cal          *schedule.Calendar
}

func newCadenceSpec(c Cadence, cal *schedule.Calendar) (*cadenceSpec, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("status.cadence.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	s := &cadenceSpec{cal: cal}
	h, m, err := parseClock(c.Time)
	if err != nil {
		bad("time", "%v", err)
	}
	s.hour, s.minute = h, m
	switch c.Kind {
	case "monthly":
		s.monthly = true
		s.nth = c.Workday
		if s.nth < 1 || s.nth > 15 {
			bad("workday", "%d is outside 1–15 (the nth working day of the month)", c.Workday)
		}
	case "weeks":
		s.every = c.EveryWeeks
		if s.every < 1 || s.every > 12 {
			bad("every_weeks", "%d is outside 1–12 (required for kind weeks)", c.EveryWeeks)
		}
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(c.Weekday))]
		if !ok {
			bad("weekday", "%q is not a weekday monday–friday", c.Weekday)
		}
		s.weekday = wd
		a, ok := dateOnly(c.Anchor)
		if !ok {
			bad("anchor", "%q is not a date YYYY-MM-DD", c.Anchor)
		}
		a = time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, schedule.Stockholm)
		s.anchor = a.AddDate(0, 0, -((int(a.Weekday()) + 6) % 7))
	default:
		bad("kind", "%q is not monthly or weeks", c.Kind)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// Next returns the first nudge time strictly after t.
func (s *cadenceSpec) Next(t time.Time) time.Time {
	t = t.In(schedule.Stockholm)
	if s.monthly {
		for i := 0; i < 36; i++ {
			first := time.Date(t.Year(), t.Month()+time.Month(i), 1, 0, 0, 0, 0, schedule.Stockholm)
			if d := s.nthWorkday(first); d.After(t) {
				return d
			}
		}
		return time.Time{}
	}
	// Weeks since the anchor's Monday, rounded down to a nudge week, one
	// period back: a holiday can push the previous nudge past t's Monday.
	mon := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, schedule.Stockholm)
	mon = mon.AddDate(0, 0, -((int(mon.Weekday()) + 6) % 7))
	weeks := daysBetween(s.anchor, mon) / 7
	k := weeks - mod(weeks, s.every) - s.every
	for i := 0; i < 200; i++ {
		day := s.anchor.AddDate(0, 0, 7*(k+i*s.every)+(int(s.weekday)+6)%7)
		for j := 0; j < 30 && !s.cal.IsWorkday(day.Add(12*time.Hour)); j++ {
			day = day.AddDate(0, 0, 1)
		}
		if d := time.Date(day.Year(), day.Month(), day.Day(), s.hour, s.minute, 0, 0, schedule.Stockholm); d.After(t) {
			return d
		}
	}
	return time.Time{}
}

// nthWorkday is the nth working day of first's month at the nudge time.
func (s *cadenceSpec) nthWorkday(first time.Time) time.Time {
	n := 0
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		if s.cal.IsWorkday(d.Add(12 * time.Hour)) {
			if n++; n == s.nth {
				return time.Date(d.Year(), d.Month(), d.Day(), s.hour, s.minute, 0, 0, schedule.Stockholm)
			}
		}
	}
	// Fewer working days than nth: the last day of the month.
	last := first.AddDate(0, 1, -1)
	return time.Date(last.Year(), last.Month(), last.Day(), s.hour, s.minute, 0, 0, schedule.Stockholm)
}

// daysBetween counts calendar days from a to b (both local midnights),
// immune to 23- and 25-hour days.
func daysBetween(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

func mod(a, n int) int { return ((a % n) + n) % n }

// periodOf names the nudge round a due time starts: its date.
func periodOf(due time.Time) string { return due.In(schedule.Stockholm).Format(time.DateOnly) }
