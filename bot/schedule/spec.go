package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Spec says when a job is due.
type Spec interface {
	// Next returns the first due time strictly after t.
	Next(t time.Time) time.Time
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Cron parses a five-field cron expression ("0 8 * * MON") evaluated in
// Europe/Stockholm, so that "08:00" stays 08:00 local across DST.
func Cron(expr string) (Spec, error) {
	s, err := cronParser.Parse("CRON_TZ=Europe/Stockholm " + expr)
	if err != nil {
		return nil, fmt.Errorf("cron expression %q: %w", expr, err)
	}
	return s, nil
}

// OnWorkdays skips due times that fall on non-working days.
func OnWorkdays(s Spec, c *Calendar) Spec { return workdaySpec{s, c} }

type workdaySpec struct {
	s Spec
	c *Calendar
}

func (w workdaySpec) Next(t time.Time) time.Time {
	n := w.s.Next(t)
	// A cron expression cannot hit only holidays for more than a few years;
	// bound the search so a pathological spec cannot spin.
	for i := 0; i < 5000 && !n.IsZero() && !w.c.IsWorkday(n); i++ {
		n = w.s.Next(n)
	}
	return n
}

// Previous returns the latest due time in (after, at], or zero if none.
func Previous(s Spec, after, at time.Time) time.Time {
	var last time.Time
	for n := s.Next(after); !n.IsZero() && !n.After(at); n = s.Next(n) {
		last = n
	}
	return last
}
