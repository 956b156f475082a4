package digest_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"digibot/dialogs/answer"
	"digibot/dialogs/digest"
)

func TestReportCommand(t *testing.T) {
	clk := newClock(sthlm(2026, 10, 1, 9, 0))
	st := openEmbedded(t, "", clk)
	w := newWorld(t, st, clk, digest.Config{})
	s := seed(t, w)
	// A question whose text is a spreadsheet formula, in December.
	formula := `=HYPERLINK("http://example.invalid","klicka")`
	raw, _ := json.Marshal(answer.QuestionLog{Time: sthlm(2026, 12, 1, 12, 0).UTC(), Question: formula, Lang: "sv"})
	if _, err := st.AppendLog(w.ctx, answer.LogQuestions, sthlm(2026, 12, 1, 12, 0), raw); err != nil {
		t.Fatal(err)
	}
	// The weekly digest and the monthly summary for November.
	clk.Set(due)
	if _, err := w.d.Run(w.ctx, digest.KindWeekly, due); err != nil {
		t.Fatal(err)
	}
	firstDec := sthlm(2026, 12, 1, 8, 0)
	clk.Set(firstDec)
	if _, err := w.d.Run(w.ctx, digest.KindMonthly, firstDec); err != nil {
		t.Fatal(err)
	}
	// Retention then trims November's question log: the report takes
	// November from the monthly summary.
	if _, err := st.TrimLog(w.ctx, answer.LogQuestions, sthlm(2026, 12, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	clk.Set(sthlm(2026, 12, 2, 10, 0))

	asked, answered := 0, 0
	for _, q := range s.questions {
		if !q.Time.Before(sthlm(2026, 11, 1, 0, 0)) && q.Time.Before(sthlm(2026, 12, 1, 0, 0)) {
			asked++
			if q.Answered {
				answered++
			}
		}
	}
	// November's places: every Tuesday (6) and Thursday (2); no holidays.
	places := 0
	for d := sthlm(2026, 11, 1, 0, 0); d.Month() == time.November; d = d.AddDate(0, 0, 1) {
		switch d.Weekday() {
		case time.Tuesday:
			places += 6
		case time.Thursday:
			places += 2
		}
	}
	opts := digest.Options{Store: st, Status: digest.StatusFrom(w.status), Coaching: digest.CoachingFrom(w.coach), Now: clk.Now, Log: quietLog()}

	var md bytes.Buffer
	if err := digest.ReportCommand(w.ctx, []string{"--year", "2026", "--format", "md"}, &md, opts); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, want := range []string{
		"# Digital omställning – underlag till årsrapport 2026",
		"#### A03 Säkerställ en effektiv berednings- och beslutsprocess",
		"Pågår enligt plan → **Pågår med risk** (Bertil Berg)",
		"Pågår med risk → **Försenad** (Bertil Berg), förväntat klart 2027-03-31 – väntar på upphandling",
		fmt.Sprintf("| 2026-11 | 5 | 3 | 1 | 1 | %d | %d %% |", places, int(math.Round(500/float64(places)))),
		fmt.Sprintf("| 2026-11 | %d | %d |", asked, answered),
		"| månadssammanfattning |",
		"| Vecka | 2026-W48 |",
		"| Månad | 2026-11 |",
		"| A20 | Översyn av lönesättning kopplat till digital kompetens |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("markdown:\n%s", out)
	}

	var buf bytes.Buffer
	if err := digest.ReportCommand(w.ctx, []string{"--year=2026", "--format=csv"}, &buf, opts); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "section,period,activity,name,area,metric,value,text" {
		t.Fatalf("header %v", rows[0])
	}
	has := func(cells ...string) bool {
		for _, r := range rows {
			ok := true
			for i, c := range cells {
				if c != "*" && r[i] != c {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
	for _, want := range [][]string{
		{"coaching", "2026-11", "", "", "", "booked", "5"},
		{"coaching", "2026-11", "", "", "", "places", fmt.Sprint(places)},
		{"questions", "2026-11", "", "", "", "asked", fmt.Sprint(asked), "digest"},
		{"questions", "2026-10", "", "", "", "asked", "0", "log"},
		{"questions", "2026-12", "", "", "", "asked", "1", "log"},
		{"status_history", "2026-11-27 16:00", "A03", "*", "*", "status", "delayed"},
		{"status_history", "2026-11-27 16:00", "A03", "*", "*", "due", "2027-03-31"},
		{"status_end", "2026-12-02", "A07", "*", "*", "status", "done"},
		{"trend", "weekly:2026-W48", "", "", "", "status_done", "1"},
		{"knowledge_gap", "2026", "", "", "", "unanswered", "1", "'" + formula},
	} {
		if !has(want...) {
			t.Errorf("CSV lacks %v", want)
		}
	}

	for _, bad := range [][]string{{}, {"--year", "1999"}, {"--year", "2026", "--format", "pdf"}, {"--year", "2026", "extra"},
		{"--year", "2030"}, {"--bogus"}} {
		var out bytes.Buffer
		if err := digest.ReportCommand(w.ctx, bad, &out, opts); err == nil || out.Len() > 0 {
			t.Errorf("args %v: err %v, output %d bytes", bad, err, out.Len())
		}
	}
}
