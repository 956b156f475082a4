package coaching

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestConfigFromYAML(t *testing.T) {
	src := `
coaching:
  coaches:
    - {upn: anna.andersson@regiongavleborg.se, name: Anna Andersson, aad_id: AAAAAAAA-0000-4000-8000-000000000001}
  sessions:
    - weekday: tisdag
      coaches: [anna.andersson@regiongavleborg.se]
      teams_link: https://teams.microsoft.com/l/meetup-join/x
  lead_time: 90m
  cancel_cutoff: 2h
  closed_dates: ["2026-12-29"]
`
	var f struct {
		Coaching Config `yaml:"coaching"`
	}
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := f.Coaching.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c := f.Coaching.WithDefaults()
	s := c.Sessions[0]
	if s.Start != "13:00" || s.End != "16:00" || s.SlotMinutes != 30 || s.Capacity != 1 {
		t.Fatalf("session defaults: %+v", s)
	}
	if c.HorizonDays != 21 || c.LeadTime != 90*time.Minute || c.CancelCutoff != 2*time.Hour || c.MaxFutureBookings != 2 {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Coaches[0].AADID != "aaaaaaaa-0000-4000-8000-000000000001" {
		t.Fatalf("aad_id not normalised: %q", c.Coaches[0].AADID)
	}
	if len(c.Departments) != len(DefaultDepartments) {
		t.Fatalf("departments default: %v", c.Departments)
	}
	if !c.Enabled() || (Config{}).Enabled() {
		t.Fatal("Enabled")
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("an empty config (no sessions) must be valid: %v", err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	base := func() Config { return testConfig() }
	cases := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"weekday", func(c *Config) { c.Sessions[0].Weekday = "funday" }, "coaching.sessions[0].weekday"},
		{"weekend", func(c *Config) { c.Sessions[1].Weekday = "lördag" }, "coaching.sessions[1].weekday"},
		{"start", func(c *Config) { c.Sessions[0].Start = "25:00" }, "coaching.sessions[0].start"},
		{"end before start", func(c *Config) { c.Sessions[0].End = "12:00" }, "coaching.sessions[0].end"},
		{"uneven slots", func(c *Config) { c.Sessions[0].SlotMinutes = 45; c.Sessions[0].End = "15:00" }, "coaching.sessions[0].slot_minutes"},
		{"slot too short", func(c *Config) { c.Sessions[0].SlotMinutes = 1 }, "coaching.sessions[0].slot_minutes"},
		{"capacity", func(c *Config) { c.Sessions[0].Capacity = -1 }, "coaching.sessions[0].capacity"},
		{"no coach", func(c *Config) { c.Sessions[0].Coaches = nil }, "coaching.sessions[0].coaches"},
		{"unknown coach", func(c *Config) { c.Sessions[0].Coaches = []string{"x@y.se"} }, "coaching.sessions[0].coaches[0]"},
		{"link", func(c *Config) { c.Sessions[0].TeamsLink = "http://insecure" }, "coaching.sessions[0].teams_link"},
		{"overlap", func(c *Config) {
			c.Sessions = append(c.Sessions, Session{Weekday: "tuesday", Start: "15:00", End: "17:00", Coaches: []string{annaUPN}})
		}, "coaching.sessions[2]: overlaps sessions[0]"},
		{"upn", func(c *Config) { c.Coaches[0].UPN = "anna" }, "coaching.coaches[0].upn"},
		{"duplicate upn", func(c *Config) { c.Coaches[1].UPN = strings.ToUpper(annaUPN) }, "coaching.coaches[1].upn"},
		{"aad id", func(c *Config) { c.Coaches[0].AADID = "not-a-guid" }, "coaching.coaches[0].aad_id"},
		{"horizon", func(c *Config) { c.HorizonDays = 400 }, "coaching.horizon_days"},
		{"lead", func(c *Config) { c.LeadTime = -time.Hour }, "coaching.lead_time"},
		{"cutoff", func(c *Config) { c.CancelCutoff = 30 * 24 * time.Hour }, "coaching.cancel_cutoff"},
		{"limit", func(c *Config) { c.MaxFutureBookings = 100 }, "coaching.max_future_bookings"},
		{"closed", func(c *Config) { c.ClosedDates = []string{"29/12/2026"} }, "coaching.closed_dates[0]"},
		{"department", func(c *Config) { c.Departments = []string{"A", " "} }, "coaching.departments[1]"},
		{"reminder time", func(c *Config) { c.Reminders.DayBeforeAt = "4pm" }, "coaching.reminders.day_before_at"},
		{"reminder minutes", func(c *Config) { c.Reminders.MinutesBefore = -5 }, "coaching.reminders.minutes_before"},
		{"waitlist", func(c *Config) { c.Waitlist.Offers = 1000 }, "coaching.waitlist.offers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, tc.want)
			}
			if _, err := New(Options{Config: c, Store: nil}); err == nil {
				t.Fatal("New accepted a nil store")
			}
		})
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("test config invalid: %v", err)
	}
}
