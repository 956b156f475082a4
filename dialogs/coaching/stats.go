package coaching

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Stats are the coaching figures for the digest over [From, To): slots
// by their start time.
type Stats struct {
	From, To time.Time
	// Booked counts bookings not cancelled (held, no-show and those not
	// yet marked); Held and NoShow are what coaches marked.
	Booked, Held, NoShow, Cancelled int
	Weeks                           []WeekStats
	Departments                     []DepartmentStats
}

// WeekStats is one ISO week (Stockholm).
type WeekStats struct {
	Week   string // "2026-W49"
	Places int    // places offered by the schedule (holidays and closed dates excluded)
	Booked int    // places taken (not cancelled)
	// Utilization is Booked/Places (0 when no places were offered).
	Utilization float64
}

// DepartmentStats is one department's bookings (not cancelled) and their
// topics, oldest first.
type DepartmentStats struct {
	Department string
	Bookings   int
	Topics     []string
}

// maxStatsSpan bounds a Stats period.
const maxStatsSpan = 2 * 366 * 24 * time.Hour

// Stats computes the figures for slots starting in [from, to). Places
// offered are computed from the current configuration.
func (c *Coaching) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	st := Stats{From: from, To: to}
	if !from.Before(to) {
		return st, errors.New("coaching: stats: from must be before to")
	}
	if to.Sub(from) > maxStatsSpan {
		return st, errors.New("coaching: stats: period longer than two years")
	}
	weeks := map[string]*WeekStats{}
	week := func(t time.Time) *WeekStats {
		k := isoWeek(t)
		if weeks[k] == nil {
			weeks[k] = &WeekStats{Week: k}
		}
		return weeks[k]
	}
	for _, s := range c.plan.slotsBetween(from, to) {
		week(s.Start).Places += s.Capacity
	}
	docs, err := readSlots(ctx, c.st, from, to)
	if err != nil {
		return st, errorf("stats", err)
	}
	depts := map[string]*DepartmentStats{}
	for _, id := range sortedKeys(docs) {
		d := docs[id]
		if d.Start.Before(from) || !d.Start.Before(to) {
			continue
		}
		for _, b := range d.Bookings {
			switch b.State {
			case stateCancelled:
				st.Cancelled++
				continue
			case stateHeld:
				st.Held++
			case stateNoShow:
				st.NoShow++
			}
			st.Booked++
			week(d.Start).Booked++
			ds := depts[b.Department]
			if ds == nil {
				ds = &DepartmentStats{Department: b.Department}
				depts[b.Department] = ds
			}
			ds.Bookings++
			ds.Topics = append(ds.Topics, b.Topic)
		}
	}
	for _, k := range sortedKeys(weeks) {
		w := *weeks[k]
		if w.Places > 0 {
			w.Utilization = float64(w.Booked) / float64(w.Places)
		}
		st.Weeks = append(st.Weeks, w)
	}
	for _, ds := range depts {
		st.Departments = append(st.Departments, *ds)
	}
	slices.SortFunc(st.Departments, func(a, b DepartmentStats) int {
		if a.Bookings != b.Bookings {
			return b.Bookings - a.Bookings
		}
		return strings.Compare(a.Department, b.Department)
	})
	return st, nil
}
