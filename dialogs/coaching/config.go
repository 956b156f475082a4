package coaching

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Config is the coaching service's schedule and rules, embedded in the
// app's YAML under "coaching:". Zero values take the defaults below; a
// config with no sessions switches booking off (the capability then says
// that no sessions are set up).
//
//	coaching:
//	  coaches:
//	    - {upn: anna.a@regiongavleborg.se, name: Anna Andersson, aad_id: 5f0c…}
//	  sessions:
//	    - {weekday: tisdag, start: "13:00", end: "16:00", slot_minutes: 30,
//	       capacity: 1, coaches: [anna.a@regiongavleborg.se],
//	       teams_link: "https://teams.microsoft.com/l/meetup-join/…"}
//	  horizon_days: 21
//	  lead_time: 2h
//	  cancel_cutoff: 1h
//	  max_future_bookings: 2
//	  closed_dates: ["2026-12-29"]
type Config struct {
	Sessions []Session `yaml:"sessions"`
	Coaches  []Coach   `yaml:"coaches"`
	// HorizonDays: how many days ahead slots can be booked (default 21).
	HorizonDays int `yaml:"horizon_days"`
	// LeadTime: how long before its start a slot can still be booked
	// (default 2h).
	LeadTime time.Duration `yaml:"lead_time"`
	// CancelCutoff: how long before its start a booking can still be
	// cancelled in Teams (default 1h).
	CancelCutoff time.Duration `yaml:"cancel_cutoff"`
	// MaxFutureBookings: how many upcoming bookings one person may hold
	// (default 2).
	MaxFutureBookings int `yaml:"max_future_bookings"`
	// ClosedDates ("2006-01-02") have no sessions, on top of weekends and
	// Swedish public holidays.
	ClosedDates []string `yaml:"closed_dates"`
	// Departments the booking card offers (default: the departments the
	// action plan names).
	Departments []string  `yaml:"departments"`
	Reminders   Reminders `yaml:"reminders"`
	Waitlist    Waitlist  `yaml:"waitlist"`
}

// Session is one weekly open session, cut into slots.
type Session struct {
	// Weekday: monday–friday, in English or Swedish (default tuesday).
	Weekday string `yaml:"weekday"`
	// Start and End: "HH:MM" Stockholm time (default 13:00–16:00).
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// SlotMinutes must divide the session (default 30).
	SlotMinutes int `yaml:"slot_minutes"`
	// Capacity: bookings per slot (default 1).
	Capacity int `yaml:"capacity"`
	// Coaches: UPNs from Config.Coaches who run the session.
	Coaches []string `yaml:"coaches"`
	// TeamsLink is a standing Teams meeting used when Graph is not
	// configured (optional).
	TeamsLink string `yaml:"teams_link"`
}

// Coach is an IT coach.
type Coach struct {
	UPN  string `yaml:"upn"`
	Name string `yaml:"name"`
	// AADID is the coach's Entra object id (optional): it lets Digibot
	// recognise the coach without Graph (dev mode, coach list) and send
	// the morning list.
	AADID string `yaml:"aad_id"`
}

// Reminders says when reminders go out.
type Reminders struct {
	// DayBeforeAt: the employee's reminder on the working day before
	// (default "16:00").
	DayBeforeAt string `yaml:"day_before_at"`
	// MinutesBefore: the employee's reminder shortly before (default 15).
	MinutesBefore int `yaml:"minutes_before"`
	// CoachListAt: each coach's list on session days (default "07:30").
	CoachListAt string `yaml:"coach_list_at"`
}

// Waitlist configures the queue used when every slot is taken.
type Waitlist struct {
	// Offers: how many people, in queue order, are offered a freed place
	// (default 5); the first to confirm gets it.
	Offers int `yaml:"offers"`
	// MaxLength bounds the queue (default 200).
	MaxLength int `yaml:"max_length"`
}

// Defaults.
const (
	DefaultWeekday           = "tuesday"
	DefaultStart             = "13:00"
	DefaultEnd               = "16:00"
	DefaultSlotMinutes       = 30
	DefaultCapacity          = 1
	DefaultHorizonDays       = 21
	DefaultLeadTime          = 2 * time.Hour
	DefaultCancelCutoff      = time.Hour
	DefaultMaxFutureBookings = 2
	DefaultDayBeforeAt       = "16:00"
	DefaultMinutesBefore     = 15
	DefaultCoachListAt       = "07:30"
	DefaultWaitlistOffers    = 5
	DefaultWaitlistMax       = 200
)

// DefaultDepartments are the departments the action plan names.
var DefaultDepartments = []string{
	"Hälso- och sjukvårdsförvaltningen",
	"Regionstabsförvaltningen",
	"IT-förvaltningen",
	"HR-förvaltningen",
	"Ekonomiförvaltningen",
	"Kommunikationsförvaltningen",
	"Trafik- kultur- och folkhögskoleförvaltningen",
	"Annan",
}

// Enabled reports whether any session is configured.
func (c Config) Enabled() bool { return len(c.Sessions) > 0 }

// WithDefaults returns c with every zero value replaced by its default.
func (c Config) WithDefaults() Config {
	n := c
	n.Sessions = make([]Session, len(c.Sessions))
	for i, s := range c.Sessions {
		s.Weekday = or(strings.TrimSpace(s.Weekday), DefaultWeekday)
		s.Start = or(strings.TrimSpace(s.Start), DefaultStart)
		s.End = or(strings.TrimSpace(s.End), DefaultEnd)
		s.TeamsLink = strings.TrimSpace(s.TeamsLink)
		if s.SlotMinutes == 0 {
			s.SlotMinutes = DefaultSlotMinutes
		}
		if s.Capacity == 0 {
			s.Capacity = DefaultCapacity
		}
		s.Coaches = append([]string(nil), s.Coaches...)
		n.Sessions[i] = s
	}
	n.Coaches = make([]Coach, len(c.Coaches))
	for i, co := range c.Coaches {
		co.UPN = strings.TrimSpace(co.UPN)
		co.AADID = strings.ToLower(strings.TrimSpace(co.AADID))
		co.Name = strings.TrimSpace(co.Name)
		if co.Name == "" {
			co.Name, _, _ = strings.Cut(co.UPN, "@")
		}
		n.Coaches[i] = co
	}
	if n.HorizonDays == 0 {
		n.HorizonDays = DefaultHorizonDays
	}
	if n.LeadTime == 0 {
		n.LeadTime = DefaultLeadTime
	}
	if n.CancelCutoff == 0 {
		n.CancelCutoff = DefaultCancelCutoff
	}
	if n.MaxFutureBookings == 0 {
		n.MaxFutureBookings = DefaultMaxFutureBookings
	}
	if len(n.Departments) == 0 {
		n.Departments = DefaultDepartments
	}
	n.Departments = append([]string(nil), n.Departments...)
	n.ClosedDates = append([]string(nil), n.ClosedDates...)
	n.Reminders.DayBeforeAt = or(strings.TrimSpace(n.Reminders.DayBeforeAt), DefaultDayBeforeAt)
	n.Reminders.CoachListAt = or(strings.TrimSpace(n.Reminders.CoachListAt), DefaultCoachListAt)
	if n.Reminders.MinutesBefore == 0 {
		n.Reminders.MinutesBefore = DefaultMinutesBefore
	}
	if n.Waitlist.Offers == 0 {
		n.Waitlist.Offers = DefaultWaitlistOffers
	}
	if n.Waitlist.MaxLength == 0 {
		n.Waitlist.MaxLength = DefaultWaitlistMax
	}
	return n
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var (
	upnRE  = regexp.MustCompile(`^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$`)
	guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	hhmmRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// Validate checks c with its defaults applied. Every problem is reported,
// each naming its key ("coaching.sessions[0].weekday: …").
func (c Config) Validate() error {
	_, err := compile(c.WithDefaults())
	return err
}

// Limits on configuration values.
const (
	maxSessions     = 50
	maxCoaches      = 100
	maxHorizonDays  = 180
	maxCapacity     = 50
	maxDepartments  = 50
	maxDeptRunes    = 100
	maxFutureLimit  = 20
	maxWaitOffers   = 50
	maxWaitLength   = 5000
	minSlotMinutes  = 5
	maxSlotMinutes  = 240
	maxCancelCutoff = 7 * 24 * time.Hour
)

var weekdays = map[string]time.Weekday{
	"monday": time.Monday, "mon": time.Monday, "måndag": time.Monday, "mandag": time.Monday, "mån": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tisdag": time.Tuesday, "tis": time.Tuesday,
	"wednesday": time.Wednesday, "wed": time.Wednesday, "onsdag": time.Wednesday, "ons": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "torsdag": time.Thursday, "tors": time.Thursday, "tor": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "fredag": time.Friday, "fre": time.Friday,
	"saturday": time.Saturday, "lördag": time.Saturday, "sunday": time.Sunday, "söndag": time.Sunday,
}

// compile validates a config with defaults applied and builds the plan
// the slot generator uses.
func compile(c Config) (*plan, error) {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("coaching.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	p := &plan{cfg: c, closed: map[string]bool{}, coaches: map[string]Coach{}}

	if len(c.Coaches) > maxCoaches {
		bad("coaches", "%d coaches; at most %d", len(c.Coaches), maxCoaches)
	}
	for i, co := range c.Coaches {
		key := fmt.Sprintf("coaches[%d]", i)
		switch {
		case co.UPN == "":
			bad(key+".upn", "missing (the coach's user principal name, e.g. anna.andersson@regiongavleborg.se)")
		case !upnRE.MatchString(co.UPN):
			bad(key+".upn", "%q is not a user principal name (name@domain)", co.UPN)
		case p.coaches[strings.ToLower(co.UPN)].UPN != "":
			bad(key+".upn", "%q is listed twice", co.UPN)
		default:
			p.coaches[strings.ToLower(co.UPN)] = co
		}
		if co.AADID != "" && !guidRE.MatchString(co.AADID) {
			bad(key+".aad_id", "%q is not an Entra object id (a GUID)", co.AADID)
		}
		if utf8.RuneCountInString(co.Name) > 100 {
			bad(key+".name", "longer than 100 characters")
		}
	}

	if len(c.Sessions) > maxSessions {
		bad("sessions", "%d sessions; at most %d", len(c.Sessions), maxSessions)
	}
	for i, s := range c.Sessions {
		key := fmt.Sprintf("sessions[%d]", i)
		cs := compiledSession{index: i, capacity: s.Capacity, slotMin: s.SlotMinutes, link: s.TeamsLink}
		wd, ok := weekdays[strings.ToLower(s.Weekday)]
		switch {
		case !ok:
			bad(key+".weekday", "%q is not a weekday (monday–friday, or måndag–fredag)", s.Weekday)
		case wd == time.Saturday || wd == time.Sunday:
			bad(key+".weekday", "%q: sessions are on working days (monday–friday)", s.Weekday)
		default:
			cs.weekday = wd
		}
		start, okStart := parseHHMM(s.Start)
		if !okStart {
			bad(key+".start", "%q is not a time HH:MM", s.Start)
		}
		end, okEnd := parseHHMM(s.End)
		if !okEnd {
			bad(key+".end", "%q is not a time HH:MM", s.End)
		}
		cs.startMin, cs.endMin = start, end
		okLen := true
		if s.SlotMinutes < minSlotMinutes || s.SlotMinutes > maxSlotMinutes {
			bad(key+".slot_minutes", "%d; give %d–%d minutes", s.SlotMinutes, minSlotMinutes, maxSlotMinutes)
			okLen = false
		}
		if okStart && okEnd {
			switch {
			case end <= start:
				bad(key+".end", "%s is not after start %s", s.End, s.Start)
			case okLen && (end-start)%s.SlotMinutes != 0:
				bad(key+".slot_minutes", "%d minutes do not divide the session %s–%s (%d minutes) evenly", s.SlotMinutes, s.Start, s.End, end-start)
			}
		}
		if s.Capacity < 1 || s.Capacity > maxCapacity {
			bad(key+".capacity", "%d; give 1–%d bookings per slot", s.Capacity, maxCapacity)
		}
		if len(s.Coaches) == 0 {
			bad(key+".coaches", "no coach; list at least one UPN from coaching.coaches")
		}
		seen := map[string]bool{}
		for j, upn := range s.Coaches {
			co, ok := p.coaches[strings.ToLower(strings.TrimSpace(upn))]
			switch {
			case !ok:
				bad(fmt.Sprintf("%s.coaches[%d]", key, j), "%q is not in coaching.coaches", upn)
			case seen[strings.ToLower(co.UPN)]:
				bad(fmt.Sprintf("%s.coaches[%d]", key, j), "%q is listed twice", upn)
			default:
				seen[strings.ToLower(co.UPN)] = true
				cs.coaches = append(cs.coaches, co)
			}
		}
		if s.TeamsLink != "" {
			u, err := url.Parse(s.TeamsLink)
			if err != nil || u.Scheme != "https" || u.Host == "" || len(s.TeamsLink) > 2000 {
				bad(key+".teams_link", "%q is not an https link", s.TeamsLink)
			}
		}
		p.sessions = append(p.sessions, cs)
	}
	// Two sessions on one weekday must not overlap: a slot is identified
	// by its start time.
	for i, a := range p.sessions {
		for _, b := range p.sessions[:i] {
			if a.weekday == b.weekday && a.weekday != 0 && a.startMin < b.endMin && b.startMin < a.endMin {
				bad(fmt.Sprintf("sessions[%d]", a.index), "overlaps sessions[%d] on the same weekday", b.index)
			}
		}
	}

	if c.HorizonDays < 1 || c.HorizonDays > maxHorizonDays {
		bad("horizon_days", "%d; give 1–%d days", c.HorizonDays, maxHorizonDays)
	}
	if c.LeadTime < 0 || c.LeadTime > time.Duration(c.HorizonDays)*24*time.Hour {
		bad("lead_time", "%s; give a duration from 0 up to the horizon (e.g. 2h)", c.LeadTime)
	}
	if c.CancelCutoff < 0 || c.CancelCutoff > maxCancelCutoff {
		bad("cancel_cutoff", "%s; give a duration from 0 to 168h (e.g. 1h)", c.CancelCutoff)
	}
	if c.MaxFutureBookings < 1 || c.MaxFutureBookings > maxFutureLimit {
		bad("max_future_bookings", "%d; give 1–%d", c.MaxFutureBookings, maxFutureLimit)
	}
	for i, d := range c.ClosedDates {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(d))
		if err != nil {
			bad(fmt.Sprintf("closed_dates[%d]", i), "%q is not a date YYYY-MM-DD", d)
			continue
		}
		p.closed[t.Format(time.DateOnly)] = true
	}
	if len(c.Departments) > maxDepartments {
		bad("departments", "%d departments; at most %d", len(c.Departments), maxDepartments)
	}
	seenDept := map[string]bool{}
	for i, d := range c.Departments {
		key := fmt.Sprintf("departments[%d]", i)
		d = strings.TrimSpace(d)
		switch {
		case d == "":
			bad(key, "empty")
		case utf8.RuneCountInString(d) > maxDeptRunes || !utf8.ValidString(d):
			bad(key, "longer than %d characters or not UTF-8", maxDeptRunes)
		case seenDept[strings.ToLower(d)]:
			bad(key, "%q is listed twice", d)
		default:
			seenDept[strings.ToLower(d)] = true
			p.departments = append(p.departments, d)
		}
	}
	if m, ok := parseHHMM(c.Reminders.DayBeforeAt); ok {
		p.dayBeforeAt = m
	} else {
		bad("reminders.day_before_at", "%q is not a time HH:MM", c.Reminders.DayBeforeAt)
	}
	if m, ok := parseHHMM(c.Reminders.CoachListAt); ok {
		p.coachListAt = m
	} else {
		bad("reminders.coach_list_at", "%q is not a time HH:MM", c.Reminders.CoachListAt)
	}
	if c.Reminders.MinutesBefore < 1 || c.Reminders.MinutesBefore > 24*60 {
		bad("reminders.minutes_before", "%d; give 1–1440 minutes", c.Reminders.MinutesBefore)
	}
	if c.Waitlist.Offers < 1 || c.Waitlist.Offers > maxWaitOffers {
		bad("waitlist.offers", "%d; give 1–%d", c.Waitlist.Offers, maxWaitOffers)
	}
	if c.Waitlist.MaxLength < 1 || c.Waitlist.MaxLength > maxWaitLength {
		bad("waitlist.max_length", "%d; give 1–%d", c.Waitlist.MaxLength, maxWaitLength)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// parseHHMM returns minutes after midnight.
func parseHHMM(s string) (int, bool) {
	if !hhmmRE.MatchString(s) {
		return 0, false
	}
	return int(s[0]-'0')*600 + int(s[1]-'0')*60 + int(s[3]-'0')*10 + int(s[4]-'0'), true
}
