package schedule

import (
	"fmt"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/se"
)

// Stockholm is the zone every Digibot schedule is in.
var Stockholm = mustLoad("Europe/Stockholm")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("schedule: time zone %s missing: %v (build with -tags timetzdata or install tzdata)", name, err))
	}
	return loc
}

// Calendar knows Swedish working days: weekends, public holidays and the
// de facto days off (midsommarafton, julafton, nyårsafton) are not working
// days, nor are configured closed dates.
type Calendar struct {
	bc     *cal.BusinessCalendar
	closed map[string]bool // "2006-01-02"
}

// NewCalendar returns the Swedish calendar plus closed dates ("2006-01-02").
func NewCalendar(closed ...string) (*Calendar, error) {
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(se.Holidays...)
	c := &Calendar{bc: bc, closed: map[string]bool{}}
	for _, d := range closed {
		t, err := time.ParseInLocation(time.DateOnly, d, Stockholm)
		if err != nil {
			return nil, fmt.Errorf("closed date %q is not YYYY-MM-DD: %w", d, err)
		}
		c.closed[t.Format(time.DateOnly)] = true
	}
	return c, nil
}

// IsWorkday reports whether t's date in Stockholm is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	t = t.In(Stockholm)
	if c.closed[t.Format(time.DateOnly)] {
		return false
	}
	return c.bc.IsWorkday(t)
}

// Holiday names the public holiday or day off on t's date, if any.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	actual, observed, h := c.bc.IsHoliday(t.In(Stockholm))
	if (actual || observed) && h != nil {
		return h.Name, true
	}
	return "", false
}

// AddWorkdays returns t moved n working days forward (same clock time).
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	t = t.In(Stockholm)
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if c.IsWorkday(t) {
			n--
		}
	}
	return t
}
