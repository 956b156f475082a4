package digest

import (
	"fmt"
	"time"

	"digibot/bot/schedule"
)

// Kinds of digest.
const (
	KindWeekly  = "weekly"
	KindMonthly = "monthly"
	KindNow     = "now" // on demand ("digest nu")
)

// firstCheck is where a schedule's validity is probed.
var firstCheck = time.Date(2024, 1, 1, 0, 0, 0, 0, schedule.Stockholm)

// nextWorkday moves due times that fall on a non-working day to the next
// working day at the same clock time: a digest due on annandag påsk is
// posted on the Tuesday rather than skipped.
func nextWorkday(s schedule.Spec, c *schedule.Calendar) schedule.Spec { return shiftSpec{s, c} }

type shiftSpec struct {
	s schedule.Spec
	c *schedule.Calendar
}

// shiftLookback covers the longest run of Swedish days off (Easter, or
// Christmas to the weekend after): a due time that many days before t
// may be shifted past t.
const shiftLookback = 14 * 24 * time.Hour

func (w shiftSpec) shift(t time.Time) time.Time {
	l := t.In(schedule.Stockholm)
	for i := 0; i < 60 && !w.c.IsWorkday(l); i++ {
		l = l.AddDate(0, 0, 1)
	}
	return l
}

// Next is the first shifted due time strictly after t. Shifting keeps the
// order of due times, so scanning candidates from before t finds it.
func (w shiftSpec) Next(t time.Time) time.Time {
	c := t.Add(-shiftLookback)
	for i := 0; i < 10000; i++ {
		c = w.s.Next(c)
		if c.IsZero() {
			return c
		}
		if s := w.shift(c); s.After(t) {
			return s
		}
	}
	return time.Time{}
}

// window is the period a digest covers.
type window struct {
	Kind, Period string
	From, To     time.Time
}

// weeklyWindow is the last complete ISO week (Monday 00:00 to Monday
// 00:00, Stockholm) before due.
func weeklyWindow(due time.Time) window {
	l := due.In(schedule.Stockholm)
	back := (int(l.Weekday()) + 6) % 7 // days since Monday
	monday := time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, schedule.Stockholm)
	from := monday.AddDate(0, 0, -7)
	return window{Kind: KindWeekly, Period: isoWeek(from), From: from, To: monday}
}

// monthlyWindow is the last complete calendar month before due.
func monthlyWindow(due time.Time) window {
	l := due.In(schedule.Stockholm)
	first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, schedule.Stockholm)
	from := first.AddDate(0, -1, 0)
	return window{Kind: KindMonthly, Period: from.Format("2006-01"), From: from, To: first}
}

// nowWindow is an on-demand digest: the seven days up to now.
func nowWindow(now time.Time) window {
	l := now.In(schedule.Stockholm)
	return window{Kind: KindNow, Period: l.Format("2006-01-02T15:04:05"), From: l.AddDate(0, 0, -7), To: l}
}

func windowFor(kind string, due time.Time) window {
	switch kind {
	case KindWeekly:
		return weeklyWindow(due)
	case KindMonthly:
		return monthlyWindow(due)
	}
	return nowWindow(due)
}

func isoWeek(t time.Time) string {
	y, w := t.In(schedule.Stockholm).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// snapshotID names a digest's snapshot doc and, with "digest:" in front,
// its outbox entry: "weekly:2026-W48".
func snapshotID(kind, period string) string { return kind + ":" + period }

// OutboxID is the outbox entry id of the digest for (kind, period): one
// post per period, whoever runs it.
func OutboxID(kind, period string) string { return "digest:" + snapshotID(kind, period) }
