package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"digibot/bot/schedule"
)

func TestCadenceNext(t *testing.T) {
	cal := calendar(t)
	tests := []struct {
		name string
		c    Cadence
		from time.Time
		want time.Time
	}{
		{"january 2027: 1 Jan holiday, 2–3 weekend", Cadence{Kind: "monthly"}, sthlm(2026, 12, 15, 12, 0), sthlm(2027, 1, 4, 9, 0)},
		{"december 2026 from late november", Cadence{Kind: "monthly"}, sthlm(2026, 11, 20, 8, 0), sthlm(2026, 12, 1, 9, 0)},
		{"strictly after: at the due time", Cadence{Kind: "monthly"}, sthlm(2026, 12, 1, 9, 0), sthlm(2027, 1, 4, 9, 0)},
		{"same day before the time", Cadence{Kind: "monthly"}, sthlm(2026, 12, 1, 8, 59), sthlm(2026, 12, 1, 9, 0)},
		{"march 2026 in winter time", Cadence{Kind: "monthly"}, sthlm(2026, 2, 10, 9, 0), sthlm(2026, 3, 2, 9, 0)},
		{"april 2026 in summer time (DST 29 March)", Cadence{Kind: "monthly"}, sthlm(2026, 3, 10, 9, 0), sthlm(2026, 4, 1, 9, 0)},
		{"may 2026: 1 May is a holiday", Cadence{Kind: "monthly"}, sthlm(2026, 4, 10, 9, 0), sthlm(2026, 5, 4, 9, 0)},
		{"third working day of april 2026: påsk", Cadence{Kind: "monthly", Workday: 3}, sthlm(2026, 3, 10, 9, 0), sthlm(2026, 4, 7, 9, 0)},
		{"november 2026 (winter time again)", Cadence{Kind: "monthly", Time: "08:30"}, sthlm(2026, 10, 20, 9, 0), sthlm(2026, 11, 2, 8, 30)},
		{"every 2 weeks across DST", Cadence{Kind: "weeks", EveryWeeks: 2, Anchor: "2026-01-05"}, sthlm(2026, 3, 20, 9, 0), sthlm(2026, 3, 30, 9, 0)},
		{"every 2 weeks, not the odd week", Cadence{Kind: "weeks", EveryWeeks: 2, Anchor: "2026-01-05"}, sthlm(2026, 3, 30, 9, 0), sthlm(2026, 4, 13, 9, 0)},
		{"weekly, annandag påsk moves to tuesday", Cadence{Kind: "weeks", EveryWeeks: 1}, sthlm(2026, 4, 3, 9, 0), sthlm(2026, 4, 7, 9, 0)},
		{"weekly, after the moved nudge", Cadence{Kind: "weeks", EveryWeeks: 1}, sthlm(2026, 4, 7, 9, 0), sthlm(2026, 4, 13, 9, 0)},
		{"every 3 weeks on friday: julafton", Cadence{Kind: "weeks", EveryWeeks: 3, Weekday: "fredag", Anchor: "2026-12-21"}, sthlm(2026, 12, 20, 9, 0), sthlm(2026, 12, 28, 9, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Cadence: tc.c}.WithDefaults().Cadence
			spec, err := newCadenceSpec(c, cal)
			if err != nil {
				t.Fatal(err)
			}
			got := spec.Next(tc.from)
			if !got.Equal(tc.want) {
				t.Fatalf("Next(%s) = %s, want %s", tc.from, got, tc.want)
			}
			if got.In(schedule.Stockholm).Hour() != tc.want.Hour() {
				t.Fatalf("local hour %d", got.In(schedule.Stockholm).Hour())
			}
			// The scheduler finds the same due time looking back.
			if p := schedule.Previous(spec, got.Add(-6*24*time.Hour), got.Add(time.Minute)); !p.Equal(got) {
				t.Fatalf("Previous = %s, want %s", p, got)
			}
		})
	}
}

func TestNextReminderText(t *testing.T) {
	clk := newClock(sthlm(2026, 12, 15, 12, 0))
	s := newService(t, openStore(t, "", clk), clk, Config{}, nil)
	tn := message(anna, "Anna", "nästa påminnelse")
	handle(t, s, tn)
	got := strings.Join(replyTexts(tn), "\n")
	if want := "Nästa statusfråga skickas måndag 4 januari 2027 kl. 09:00."; !strings.Contains(got, want) {
		t.Fatalf("reply %q, want %q", got, want)
	}
	tn = message(anna, "Anna", "next reminder")
	tn.Activity.Locale = "en-GB"
	handle(t, s, tn)
	if got, want := strings.Join(replyTexts(tn), "\n"), "The next status request goes out Monday 4 January 2027 at 09:00."; !strings.Contains(got, want) {
		t.Fatalf("reply %q, want %q", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg.yaml")
	if err := os.WriteFile(reg, []byte("activities:\n  - id: A1\n    name: Ett\n  - id: A2\n    name: Två\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badReg := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badReg, []byte("activities:\n  - id: A2\n    nam: y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badIDs := filepath.Join(dir, "badids.yaml")
	if err := os.WriteFile(badIDs, []byte("activities:\n  - id: B1\n    name: x\n  - id: A2\n    name: y\n  - id: a02\n    name: z\n  - id: A3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none: valid
	}{
		{"defaults", Config{}, nil},
		{"owners", Config{Owners: map[string][]string{"A12": {"anna@regiongavleborg.se", "aad:" + bertil}, "a1": {"x@y.se"}}}, nil},
		{"bad owner", Config{Owners: map[string][]string{"A12": {"anna"}}}, []string{`status.owners.A12[0]: "anna" is neither a UPN`}},
		{"bad aad", Config{Owners: map[string][]string{"A12": {"x@y.se", "aad:123"}}}, []string{"status.owners.A12[1]: \"aad:123\": aad: must be followed by an Entra object id"}},
		{"duplicate owner", Config{Owners: map[string][]string{"A12": {"x@y.se", "X@y.se"}}}, []string{"status.owners.A12[1]: x@y.se is listed twice"}},
		{"unknown activity", Config{Owners: map[string][]string{"A99": {"x@y.se"}}}, []string{"status.owners.A99: no activity A99 in the register"}},
		{"not an id", Config{Owners: map[string][]string{"12": {"x@y.se"}}}, []string{"status.owners.12: not an activity id"}},
		{"same activity twice", Config{Owners: map[string][]string{"A1": {"x@y.se"}, "A01": {"z@y.se"}}}, []string{"status.owners.A1: same activity as A01"}},
		{"register override", Config{RegisterFile: reg, Owners: map[string][]string{"A2": {"x@y.se"}, "A12": {"x@y.se"}}}, []string{"status.owners.A12: no activity A12"}},
		{"bad register", Config{RegisterFile: badReg}, []string{"status.register_file:", "field nam not found"}},
		{"bad register ids", Config{RegisterFile: badIDs}, []string{"activities[0].id: \"B1\" is not an activity id", "activities[2].id: A02 appears twice", "activities[3] (A03).name: empty"}},
		{"missing register", Config{RegisterFile: filepath.Join(dir, "none.yaml")}, []string{"status.register_file:", "no such file"}},
		{"bad kind", Config{Cadence: Cadence{Kind: "daily"}}, []string{`status.cadence.kind: "daily" is not monthly or weeks`}},
		{"weeks without interval", Config{Cadence: Cadence{Kind: "weeks"}}, []string{"status.cadence.every_weeks: 0 is outside 1–12"}},
		{"bad weekday", Config{Cadence: Cadence{Kind: "weeks", EveryWeeks: 2, Weekday: "söndag"}}, []string{"status.cadence.weekday"}},
		{"bad anchor", Config{Cadence: Cadence{Kind: "weeks", EveryWeeks: 2, Anchor: "2026-02-30"}}, []string{"status.cadence.anchor"}},
		{"bad time", Config{Cadence: Cadence{Time: "9"}}, []string{`status.cadence.time: "9" is not a time of day`}},
		{"bad time 2", Config{Cadence: Cadence{Time: "24:00"}}, []string{"status.cadence.time"}},
		{"bad workday", Config{Cadence: Cadence{Workday: 20}}, []string{"status.cadence.workday: 20 is outside 1–15"}},
		{"escalate before reminder", Config{ReminderAfterWorkdays: 5, EscalateAfterWorkdays: 4}, []string{"status.escalate_after_workdays: 4 must be more than reminder_after_workdays (5)"}},
		{"negative reminder", Config{ReminderAfterWorkdays: -1}, []string{"status.reminder_after_workdays: -1 is outside 1–60"}},
		{"bad escalate_to", Config{EscalateTo: "boss"}, []string{"status.escalate_to: \"boss\" is not manager"}},
		{"coordinator without target", Config{EscalateTo: "coordinator"}, []string{"status.escalate_to: coordinator needs coordinator_channel or coordinators"}},
		{"coordinator ok", Config{EscalateTo: "coordinator", CoordinatorChannel: "conv:19:abc@thread.tacv2"}, nil},
		{"bad channel", Config{CoordinatorChannel: "19:abc@thread.tacv2"}, []string{"status.coordinator_channel: \"19:abc@thread.tacv2\" is not a conversation reference key"}},
		{"bad coordinator", Config{Coordinators: []string{"x@y.se", "nobody"}}, []string{"status.coordinators[1]:"}},
		{"bad followup time", Config{FollowUpTime: "kl 9"}, []string{"status.followup_time:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v", tc.cfg)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if _, nerr := New(Options{Config: tc.cfg, Store: openStore(t, "", nil), Calendar: calendar(t)}); nerr == nil {
				t.Errorf("New accepted the config Validate rejects")
			}
		})
	}
}

func TestEmbeddedRegister(t *testing.T) {
	r, err := LoadRegister("")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 39 {
		t.Fatalf("%d activities, want 39", r.Len())
	}
	for i, a := range r.Activities() {
		want, _ := CanonicalID("A" + strings.TrimLeft(a.ID[1:], "0"))
		if a.ID != want || a.ID != r.Activities()[i].ID || a.Name == "" || a.Area == "" || a.Department == "" {
			t.Errorf("activity %d: %+v", i, a)
		}
	}
	if a, ok := r.Get("a12"); !ok || a.ID != "A12" || !strings.Contains(a.Name, "kanalstrategi") {
		t.Fatalf("Get(a12) = %+v, %v", a, ok)
	}
}

func TestConfigFromYAML(t *testing.T) {
	const doc = `
status:
  owners:
    A12: [anna.andersson@regiongavleborg.se, "aad:bbbbbbbb-0000-4000-8000-000000000002"]
    A3:
      - cecilia@regiongavleborg.se
  cadence:
    kind: weeks
    every_weeks: 2
    weekday: tisdag
    time: "08:30"
  reminder_after_workdays: 2
  escalate_after_workdays: 5
  escalate_to: coordinator
  coordinator_channel: "conv:19:abc@thread.tacv2"
  coordinators: [lena@regiongavleborg.se]
`
	var app struct {
		Status Config `yaml:"status"`
	}
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&app); err != nil {
		t.Fatal(err)
	}
	c := app.Status
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Owners["A12"]) != 2 || c.Cadence.EveryWeeks != 2 || c.Cadence.Time != "08:30" || c.EscalateTo != "coordinator" {
		t.Fatalf("decoded %+v", c)
	}
	d := c.WithDefaults()
	if d.FollowUpTime != "08:30" || d.Cadence.Anchor != "2024-01-01" {
		t.Fatalf("defaults %+v", d)
	}
	if err := yaml.NewDecoder(strings.NewReader("status:\n  reminder_days: 3\n")).Decode(&app); err != nil {
		t.Fatal(err) // without KnownFields
	}
	dec = yaml.NewDecoder(strings.NewReader("status:\n  reminder_days: 3\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&app); err == nil {
		t.Fatal("unknown key accepted")
	}
}
