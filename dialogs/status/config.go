package status

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the status follow-up's part of the app YAML (under "status:").
// Zero values take the defaults noted; Validate reports every problem with
// its key.
type Config struct {
	// RegisterFile overrides the embedded activity register (same format
	// as activities.yaml).
	RegisterFile string `yaml:"register_file"`
	// Owners maps an activity id to its owners: UPNs, or "aad:<object id>"
	// (works without Graph). Admins can add and remove owners in chat.
	Owners map[string][]string `yaml:"owners"`
	// Cadence says when owners are asked. Default: monthly, first working
	// day, 09:00 Europe/Stockholm.
	Cadence Cadence `yaml:"cadence"`
	// ReminderAfterWorkdays: no answer after this many working days → a
	// reminder (default 3).
	ReminderAfterWorkdays int `yaml:"reminder_after_workdays"`
	// EscalateAfterWorkdays: still no answer → escalation (default 7).
	EscalateAfterWorkdays int `yaml:"escalate_after_workdays"`
	// EscalateTo: manager, coordinator, both (default) or none.
	EscalateTo string `yaml:"escalate_to"`
	// CoordinatorChannel is the reference key ("conv:<conversation id>")
	// of the coordinating function's channel.
	CoordinatorChannel string `yaml:"coordinator_channel"`
	// Coordinators are people (UPN or aad:) told in a 1:1 chat.
	Coordinators []string `yaml:"coordinators"`
	// FollowUpTime is when reminders and escalations are checked on
	// working days, "HH:MM" (default: the cadence time).
	FollowUpTime string `yaml:"followup_time"`
}

// Cadence is when nudges go out.
type Cadence struct {
	// Kind: monthly (default) or weeks.
	Kind string `yaml:"kind"`
	// Workday: monthly, the nth working day of the month (default 1).
	Workday int `yaml:"workday"`
	// EveryWeeks: weeks, the interval in weeks (1–12, required).
	EveryWeeks int `yaml:"every_weeks"`
	// Weekday: weeks, the day (monday…friday, or Swedish måndag…fredag;
	// default monday). A holiday moves the nudge to the next working day.
	Weekday string `yaml:"weekday"`
	// Anchor: weeks, a date (YYYY-MM-DD) in a week that has a nudge
	// (default 2024-01-01), so that "every 2 weeks" says which weeks.
	Anchor string `yaml:"anchor"`
	// Time of day, "HH:MM" in Europe/Stockholm (default 09:00).
	Time string `yaml:"time"`
}

// Escalation targets.
const (
	EscalateManager     = "manager"
	EscalateCoordinator = "coordinator"
	EscalateBoth        = "both"
	EscalateNone        = "none"
)

// WithDefaults returns c with zero values replaced by the defaults.
func (c Config) WithDefaults() Config {
	if c.Cadence.Kind == "" {
		c.Cadence.Kind = "monthly"
	}
	if c.Cadence.Kind == "monthly" && c.Cadence.Workday == 0 {
		c.Cadence.Workday = 1
	}
	if c.Cadence.Weekday == "" {
		c.Cadence.Weekday = "monday"
	}
	if c.Cadence.Anchor == "" {
		c.Cadence.Anchor = "2024-01-01"
	}
	if c.Cadence.Time == "" {
		c.Cadence.Time = "09:00"
	}
	if c.ReminderAfterWorkdays == 0 {
		c.ReminderAfterWorkdays = 3
	}
	if c.EscalateAfterWorkdays == 0 {
		c.EscalateAfterWorkdays = 7
	}
	if c.EscalateTo == "" {
		c.EscalateTo = EscalateBoth
	}
	if c.FollowUpTime == "" {
		c.FollowUpTime = c.Cadence.Time
	}
	return c
}

// Validate checks c (after defaults) and the register it names; every
// error starts with the key, e.g. "status.owners.A12[0]: …".
func (c Config) Validate() error {
	_, err := c.check()
	return err
}

// check validates and returns the register.
func (c Config) check() (*Register, error) {
	c = c.WithDefaults()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("status.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	reg, err := LoadRegister(c.RegisterFile)
	if err != nil {
		bad("register_file", "%v", err)
	}
	ids := make([]string, 0, len(c.Owners))
	for id := range c.Owners {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	canon := map[string]string{}
	for _, id := range ids {
		cid, ok := CanonicalID(id)
		switch {
		case !ok:
			bad("owners."+id, "not an activity id like A12")
			continue
		case canon[cid] != "":
			bad("owners."+id, "same activity as %s", canon[cid])
			continue
		case reg != nil:
			if _, ok := reg.Get(cid); !ok {
				bad("owners."+id, "no activity %s in the register", cid)
				continue
			}
		}
		canon[cid] = id
		seen := map[string]bool{}
		for i, p := range c.Owners[id] {
			n, err := normPrincipal(p)
			if err != nil {
				bad(fmt.Sprintf("owners.%s[%d]", id, i), "%v", err)
				continue
			}
			if seen[n] {
				bad(fmt.Sprintf("owners.%s[%d]", id, i), "%s is listed twice", n)
			}
			seen[n] = true
		}
	}
	if _, err := newCadenceSpec(c.Cadence, nil); err != nil {
		errs = append(errs, err)
	}
	if c.ReminderAfterWorkdays < 1 || c.ReminderAfterWorkdays > 60 {
		bad("reminder_after_workdays", "%d is outside 1–60", c.ReminderAfterWorkdays)
	}
	if c.EscalateAfterWorkdays < 1 || c.EscalateAfterWorkdays > 120 {
		bad("escalate_after_workdays", "%d is outside 1–120", c.EscalateAfterWorkdays)
	} else if c.EscalateAfterWorkdays <= c.ReminderAfterWorkdays {
		bad("escalate_after_workdays", "%d must be more than reminder_after_workdays (%d)", c.EscalateAfterWorkdays, c.ReminderAfterWorkdays)
	}
	switch c.EscalateTo {
	case EscalateManager, EscalateCoordinator, EscalateBoth, EscalateNone:
	default:
		bad("escalate_to", "%q is not manager, coordinator, both or none", c.EscalateTo)
	}
	if c.CoordinatorChannel != "" && (!strings.HasPrefix(c.CoordinatorChannel, "conv:") || len(c.CoordinatorChannel) == len("conv:")) {
		bad("coordinator_channel", "%q is not a conversation reference key (conv:<conversation id>)", c.CoordinatorChannel)
	}
	for i, p := range c.Coordinators {
		if _, err := normPrincipal(p); err != nil {
			bad(fmt.Sprintf("coordinators[%d]", i), "%v", err)
		}
	}
	if (c.EscalateTo == EscalateCoordinator || c.EscalateTo == EscalateBoth) && c.CoordinatorChannel == "" && len(c.Coordinators) == 0 {
		if c.EscalateTo == EscalateCoordinator {
			bad("escalate_to", "coordinator needs coordinator_channel or coordinators")
		}
		// both without a coordinator: the manager is told and the
		// digest lists the rest; not an error.
	}
	if _, _, err := parseClock(c.FollowUpTime); err != nil {
		bad("followup_time", "%v", err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return reg, nil
}

// parseClock reads "HH:MM".
func parseClock(s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if ok && len(h) >= 1 && len(h) <= 2 && len(m) == 2 {
		hour, err1 := strconv.Atoi(h)
		minute, err2 := strconv.Atoi(m)
		if err1 == nil && err2 == nil && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 {
			return hour, minute, nil
		}
	}
	return 0, 0, fmt.Errorf("%q is not a time of day like 09:00", s)
}

var weekdays = map[string]time.Weekday{
	"monday": time.Monday, "måndag": time.Monday, "mon": time.Monday, "mån": time.Monday,
	"tuesday": time.Tuesday, "tisdag": time.Tuesday, "tue": time.Tuesday, "tis": time.Tuesday,
	"wednesday": time.Wednesday, "onsdag": time.Wednesday, "wed": time.Wednesday, "ons": time.Wednesday,
	"thursday": time.Thursday, "torsdag": time.Thursday, "thu": time.Thursday, "tor": time.Thursday,
	"friday": time.Friday, "fredag": time.Friday, "fri": time.Friday, "fre": time.Friday,
}
