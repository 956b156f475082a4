package coaching

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"digibot/bot/schedule"
)

// plan is a validated config compiled for slot generation.
type plan struct {
	cfg         Config
	sessions    []compiledSession
	coaches     map[string]Coach // lower-case UPN → coach
	closed      map[string]bool  // "2006-01-02"
	departments []string
	dayBeforeAt int // minutes after midnight
	coachListAt int
	cal         *schedule.Calendar
}

type compiledSession struct {
	index            int
	weekday          time.Weekday
	startMin, endMin int
	slotMin          int
	capacity         int
	coaches          []Coach
	link             string
}

// slot is one bookable time: generated from the config, never read from
// a card.
type slot struct {
	ID       string
	Start    time.Time // UTC
	End      time.Time // UTC
	Session  int
	Capacity int
	Coaches  []Coach
	Link     string // standing Teams link, if any
	// The whole session the slot belongs to (to recognise a coach's own
	// calendar placeholder for it).
	SessionStart, SessionEnd time.Time
}

// Slot ids are the UTC start, so that they are unambiguous across DST and
// sort by time: "20261201T1200Z".
const slotIDLayout = "20060102T1504Z"

var (
	slotIDRE    = regexp.MustCompile(`^[0-9]{8}T[0-9]{4}Z$`)
	bookingIDRE = regexp.MustCompile(`^([0-9]{8}T[0-9]{4}Z)-([0-9a-f]{8})$`)
)

func slotID(start time.Time) string { return start.UTC().Format(slotIDLayout) }

// errBadSlot: the id is not a slot of the schedule (tampered, or the
// schedule changed).
var errBadSlot = errors.New("not a slot of the schedule")

// parseSlotID checks the syntax only.
func parseSlotID(id string) (time.Time, error) {
	if len(id) != len(slotIDLayout) || !slotIDRE.MatchString(id) {
		return time.Time{}, errBadSlot
	}
	t, err := time.Parse(slotIDLayout, id)
	if err != nil || slotID(t) != id {
		return time.Time{}, errBadSlot
	}
	return t.UTC(), nil
}

// parseBookingID returns the slot start a booking id names.
func parseBookingID(id string) (string, time.Time, error) {
	m := bookingIDRE.FindStringSubmatch(id)
	if m == nil {
		return "", time.Time{}, errBadSlot
	}
	t, err := parseSlotID(m[1])
	return m[1], t, err
}

// localDate is midnight of t's Stockholm date.
func localDate(t time.Time) time.Time {
	l := t.In(schedule.Stockholm)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, schedule.Stockholm)
}

// isOpen reports whether sessions run on the Stockholm date of day.
func (p *plan) isOpen(day time.Time) bool {
	noon := localDate(day).Add(12 * time.Hour)
	if p.closed[noon.Format(time.DateOnly)] {
		return false
	}
	return p.cal.IsWorkday(noon)
}

// slotsOn returns the slots on day's Stockholm date, in time order.
func (p *plan) slotsOn(day time.Time) []slot {
	d := localDate(day)
	if !p.isOpen(d) {
		return nil
	}
	var out []slot
	at := func(m int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, schedule.Stockholm).UTC()
	}
	for _, s := range p.sessions {
		if s.weekday != d.Weekday() {
			continue
		}
		for m := s.startMin; m+s.slotMin <= s.endMin; m += s.slotMin {
			// time.Date in Stockholm gives the right instant on either
			// side of a DST change.
			start, end := at(m), at(m+s.slotMin)
			out = append(out, slot{
				ID: slotID(start), Start: start, End: end, Session: s.index,
				Capacity: s.capacity, Coaches: s.coaches, Link: s.link,
				SessionStart: at(s.startMin), SessionEnd: at(s.endMin),
			})
		}
	}
	sortSlots(out)
	return out
}

func sortSlots(s []slot) {
	slices.SortFunc(s, func(a, b slot) int { return a.Start.Compare(b.Start) })
}

// slotsBetween returns the slots starting in [from, to), in time order.
func (p *plan) slotsBetween(from, to time.Time) []slot {
	var out []slot
	if !from.Before(to) {
		return nil
	}
	last := localDate(to)
	for d := localDate(from); !d.After(last); d = d.AddDate(0, 0, 1) {
		for _, s := range p.slotsOn(d) {
			if !s.Start.Before(from) && s.Start.Before(to) {
				out = append(out, s)
			}
		}
	}
	return out
}

// horizonEnd is the first instant past the booking horizon: midnight
// after the last bookable date.
func (p *plan) horizonEnd(now time.Time) time.Time {
	return localDate(now).AddDate(0, 0, p.cfg.HorizonDays+1)
}

// bookable returns the slots that can be booked at now: at least the lead
// time ahead and inside the horizon.
func (p *plan) bookable(now time.Time) []slot {
	return p.slotsBetween(now.Add(p.cfg.LeadTime), p.horizonEnd(now))
}

// find resolves a slot id against the generated schedule; errBadSlot when
// the schedule has no such slot.
func (p *plan) find(id string) (slot, error) {
	t, err := parseSlotID(id)
	if err != nil {
		return slot{}, err
	}
	for _, s := range p.slotsOn(t) {
		if s.ID == id {
			return s, nil
		}
	}
	return slot{}, errBadSlot
}

// Why a slot that exists cannot be booked now.
type slotState int

const (
	slotBookable slotState = iota
	slotPast               // started or ended
	slotTooSoon            // inside the lead time
	slotTooFar             // beyond the horizon
)

func (p *plan) stateOf(s slot, now time.Time) slotState {
	switch {
	case !s.Start.After(now):
		return slotPast
	case s.Start.Before(now.Add(p.cfg.LeadTime)):
		return slotTooSoon
	case !s.Start.Before(p.horizonEnd(now)):
		return slotTooFar
	}
	return slotBookable
}

// coach returns the configured coach with upn (any case).
func (p *plan) coach(upn string) (Coach, bool) {
	c, ok := p.coaches[strings.ToLower(upn)]
	return c, ok
}

// isoWeek names t's Stockholm ISO week: "2026-W49".
func isoWeek(t time.Time) string {
	y, w := t.In(schedule.Stockholm).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weeksBetween lists the ISO weeks that [from, to) touches.
func weeksBetween(from, to time.Time) []string {
	var out []string
	seen := map[string]bool{}
	last := localDate(to)
	for d := localDate(from); !d.After(last); d = d.AddDate(0, 0, 1) {
		if w := isoWeek(d); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
