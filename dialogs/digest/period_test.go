package digest

import (
	"strings"
	"testing"
	"time"

	"digibot/bot/schedule"
)

func sthlm(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, schedule.Stockholm)
}

func TestSchedulesMovePastHolidays(t *testing.T) {
	cal, err := schedule.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	sp, err := Config{}.WithDefaults().compile(cal)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		spec      schedule.Spec
		after     time.Time
		want      time.Time
		kind      string
		period    string
		from, to  time.Time
		wantTitle string
	}{
		{"weekly on an ordinary Monday", sp.weekly, sthlm(2026, 11, 27, 12, 0), sthlm(2026, 11, 30, 8, 0),
			KindWeekly, "2026-W48", sthlm(2026, 11, 23, 0, 0), sthlm(2026, 11, 30, 0, 0), "vecka 48"},
		{"annandag påsk moves to Tuesday", sp.weekly, sthlm(2026, 4, 3, 12, 0), sthlm(2026, 4, 7, 8, 0),
			KindWeekly, "2026-W14", sthlm(2026, 3, 30, 0, 0), sthlm(2026, 4, 6, 0, 0), "vecka 14"},
		{"across the spring DST change", sp.weekly, sthlm(2026, 3, 28, 12, 0), sthlm(2026, 3, 30, 8, 0),
			KindWeekly, "2026-W13", sthlm(2026, 3, 23, 0, 0), sthlm(2026, 3, 30, 0, 0), "vecka 13"},
		{"ISO week 53", sp.weekly, sthlm(2027, 1, 8, 12, 0), sthlm(2027, 1, 11, 8, 0),
			KindWeekly, "2027-W01", sthlm(2027, 1, 4, 0, 0), sthlm(2027, 1, 11, 0, 0), "vecka 1"},
		{"week 53 of 2026", sp.weekly, sthlm(2027, 1, 1, 12, 0), sthlm(2027, 1, 4, 8, 0),
			KindWeekly, "2026-W53", sthlm(2026, 12, 28, 0, 0), sthlm(2027, 1, 4, 0, 0), "vecka 53"},
		{"monthly on the first working day", sp.monthly, sthlm(2026, 11, 15, 12, 0), sthlm(2026, 12, 1, 8, 0),
			KindMonthly, "2026-11", sthlm(2026, 11, 1, 0, 0), sthlm(2026, 12, 1, 0, 0), "november 2026"},
		{"nyårsdagen on a Friday: Monday 4 January", sp.monthly, sthlm(2026, 12, 15, 12, 0), sthlm(2027, 1, 4, 8, 0),
			KindMonthly, "2026-12", sthlm(2026, 12, 1, 0, 0), sthlm(2027, 1, 1, 0, 0), "december 2026"},
		{"1 May 2027 is a Saturday: Monday 3 May", sp.monthly, sthlm(2027, 4, 15, 12, 0), sthlm(2027, 5, 3, 8, 0),
			KindMonthly, "2027-04", sthlm(2027, 4, 1, 0, 0), sthlm(2027, 5, 1, 0, 0), "april 2027"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.spec.Next(tc.after)
			if !got.Equal(tc.want) {
				t.Fatalf("next after %s = %s, want %s", tc.after, got.In(schedule.Stockholm), tc.want)
			}
			w := windowFor(tc.kind, got)
			if w.Period != tc.period || !w.From.Equal(tc.from) || !w.To.Equal(tc.to) {
				t.Fatalf("window %+v, want %s %s–%s", w, tc.period, tc.from, tc.to)
			}
			if title := textFor("sv").title(Figures{Kind: tc.kind, From: w.From, To: w.To}); !strings.HasSuffix(title, tc.wantTitle) {
				t.Fatalf("title %q", title)
			}
			// Next strictly after the due time is a later one.
			if n := tc.spec.Next(got); !n.After(got) {
				t.Fatalf("next after %s is %s", got, n)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none: valid
	}{
		{"defaults", Config{}, nil},
		{"configured channel", Config{Channel: "conv:19:abc@thread.tacv2"}, nil},
		{"schedules off", Config{Weekly: "off", Monthly: "OFF"}, nil},
		{"custom", Config{Weekly: "30 7 * * FRI", Monthly: "0 9 2 * *", UpcomingDays: 90, Language: "en"}, nil},
		{"channel without conv:", Config{Channel: "19:abc@thread.tacv2"}, []string{"digest.channel:"}},
		{"channel thread", Config{Channel: "conv:19:abc@thread.tacv2;messageid=123"}, []string{"digest.channel:", "messageid"}},
		{"bad cron", Config{Weekly: "every monday"}, []string{"digest.weekly:"}},
		{"never", Config{Monthly: "0 8 31 2 *"}, []string{"digest.monthly:", "never"}},
		{"too often", Config{Weekly: "*/5 * * * *"}, []string{"digest.weekly:", "more often"}},
		{"working days at 08:00 is fine", Config{Weekly: "0 8 * * MON-FRI"}, nil},
		{"everything wrong", Config{Channel: "x", Weekly: "x", Monthly: "y", UpcomingDays: -1, Language: "de"},
			[]string{"digest.channel:", "digest.weekly:", "digest.monthly:", "digest.upcoming_days:", "digest.language:"}},
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
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	off := false
	if (Config{Enabled: &off}).IsEnabled() || !(Config{}).IsEnabled() {
		t.Fatal("enabled flag")
	}
}

func TestChunk(t *testing.T) {
	long := strings.Repeat("rad med text\n", 500)
	msgs := chunk([]string{"a", "b", long, "c"}, 1000)
	joined := strings.Join(msgs, "\n")
	for _, m := range msgs {
		if len(m) > 1000 {
			t.Fatalf("message of %d bytes", len(m))
		}
	}
	if !strings.HasPrefix(msgs[0], "a\n\nb") || !strings.HasSuffix(msgs[len(msgs)-1], "c") ||
		strings.Count(joined, "rad med text") != 500 {
		t.Fatalf("chunks lost text: %d messages", len(msgs))
	}
	// A paragraph without line breaks is cut between runes.
	for _, m := range chunk([]string{strings.Repeat("å", 3000)}, 1001) {
		if !strings.HasPrefix(m, "å") || strings.ContainsRune(m, '\uFFFD') {
			t.Fatalf("cut inside a rune: %q", m[:10])
		}
	}
}

func TestTopCountsAndOneLine(t *testing.T) {
	at := func(d int) time.Time { return sthlm(2026, 11, d, 9, 0) }
	got := topCounts([]string{"Hur bokar jag?", "hur  bokar jag", "Vad är A12?", "", "!!!"},
		[]time.Time{at(1), at(2), at(3), at(4), at(5)}, 10)
	if len(got) != 2 || got[0].Count != 2 || got[0].Text != "hur bokar jag" || got[1].Text != "Vad är A12?" {
		t.Fatalf("%+v", got)
	}
	if s := oneLine("a\x00b\u200bc\n\td "+strings.Repeat("x", 50), 10); s != "abc d xxxx…" {
		t.Fatalf("%q", s)
	}
}
