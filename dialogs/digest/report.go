package digest

import (
	"cmp"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

const reportUsage = "usage: digibot report --year YYYY --format md|csv"

// ReportCommand is `digibot report --year YYYY --format md|csv`: the
// annual report material — every activity's status history, the IT
// coaching and question figures per month, and the digests' trend. args
// are the words after "report". o is what New takes (the same sources as
// serve).
func ReportCommand(ctx context.Context, args []string, stdout io.Writer, o Options) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	year := fs.Int("year", 0, "the year, e.g. 2026")
	format := fs.String("format", "md", "md or csv")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("report: %w (%s)", err, reportUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("report: unexpected %q (%s)", fs.Arg(0), reportUsage)
	}
	if *year < 2000 || *year > 2100 {
		return fmt.Errorf("report: --year must be a year like 2026 (%s)", reportUsage)
	}
	if *format != "md" && *format != "csv" {
		return fmt.Errorf("report: --format must be md or csv, not %q", *format)
	}
	d, err := New(o)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r, err := d.Report(ctx, *year)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if *format == "csv" {
		return r.WriteCSV(stdout)
	}
	return r.WriteMarkdown(stdout)
}

// Report is the annual report material for one year.
type Report struct {
	Year     int
	At       time.Time
	From, To time.Time // the year, or up to now for the current year
	// Activities in register order, each with its history in the year.
	Activities []ReportActivity
	StatusOK   bool // a status source is configured
	// Counts are the statuses at the end of the period.
	Counts map[string]int
	// Months of the year up to To.
	Months []ReportMonth
	// Coaching is the whole period; Questions' Unanswered is the year's.
	Coaching   CoachingFigures
	Questions  QuestionFigures
	Trend      []TrendPoint
	CoachingOK bool
}

// ReportActivity is one activity's year.
type ReportActivity struct {
	ActivityFig
	Start   string // status at the start of the year (code)
	End     string // status at the end of the period (code)
	EndDue  string
	History []StatusReport
}

// ReportMonth is one month's coaching and question figures.
type ReportMonth struct {
	Month     string // 2026-03
	Coaching  CoachingFigures
	Questions QuestionFigures
	// QuestionsFrom says where the question figures come from: "digest"
	// (the monthly summary, which outlives the logs' retention) or "log".
	QuestionsFrom string
}

// Report gathers the material for year.
func (d *Digest) Report(ctx context.Context, year int) (Report, error) {
	now := d.now()
	from := time.Date(year, 1, 1, 0, 0, 0, 0, stockholm)
	to := from.AddDate(1, 0, 0)
	if now.Before(from) {
		return Report{}, fmt.Errorf("%d has not started yet", year)
	}
	if now.Before(to) {
		to = now
	}
	r := Report{Year: year, At: now, From: from, To: to, Counts: map[string]int{}}
	if d.status != nil {
		if err := d.reportStatus(ctx, &r, now); err != nil {
			return r, err
		}
	}
	var gapTexts []string
	var gapAt []time.Time
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, 0)
		if to.Before(end) {
			end = to
		}
		rm := ReportMonth{Month: m.Format("2006-01")}
		if d.coaching != nil {
			c, err := d.coaching.CoachingStats(ctx, m, end)
			if err != nil {
				return r, fmt.Errorf("coaching %s: %w", rm.Month, err)
			}
			rm.Coaching = c
		}
		snap, ok, err := d.loadSnapshot(ctx, snapshotID(KindMonthly, rm.Month))
		if err != nil {
			return r, err
		}
		if ok && snap.Questions.Available {
			rm.Questions, rm.QuestionsFrom = snap.Questions, "digest"
		} else if d.questions != nil {
			q, err := d.questions.QuestionStats(ctx, m, end)
			if err != nil {
				return r, fmt.Errorf("questions %s: %w", rm.Month, err)
			}
			rm.Questions, rm.QuestionsFrom = q, "log"
		}
		r.Questions.Asked += rm.Questions.Asked
		r.Questions.Answered += rm.Questions.Answered
		r.Questions.Up += rm.Questions.Up
		r.Questions.Down += rm.Questions.Down
		for _, g := range rm.Questions.Unanswered {
			for range g.Count {
				gapTexts = append(gapTexts, g.Text)
				gapAt = append(gapAt, m)
			}
		}
		r.Months = append(r.Months, rm)
	}
	r.Questions.Available = d.questions != nil
	r.Questions.Unanswered = topCounts(gapTexts, gapAt, 20)
	if d.coaching != nil {
		c, err := d.coaching.CoachingStats(ctx, from, to)
		if err != nil {
			return r, fmt.Errorf("coaching %d: %w", year, err)
		}
		r.Coaching, r.CoachingOK = c, true
	}
	for _, kind := range []string{KindMonthly, KindWeekly} {
		pts, err := d.Trend(ctx, kind)
		if err != nil {
			return r, err
		}
		for _, p := range pts {
			if !p.From.Before(from) && p.From.Before(to) {
				r.Trend = append(r.Trend, p)
			}
		}
	}
	slices.SortStableFunc(r.Trend, func(a, b TrendPoint) int {
		return cmp.Or(a.From.Compare(b.From), cmp.Compare(b.Kind, a.Kind))
	})
	return r, nil
}

func (d *Digest) reportStatus(ctx context.Context, r *Report, now time.Time) error {
	ov, err := d.status.StatusOverview(ctx, now)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	hist, err := d.status.StatusHistory(ctx, time.Time{}, r.To)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	r.StatusOK = true
	idx := map[string]int{}
	for _, a := range ov.Activities {
		idx[a.ID] = len(r.Activities)
		r.Activities = append(r.Activities, ReportActivity{ActivityFig: a, Start: NoReport, End: NoReport})
	}
	for _, h := range hist {
		i, ok := idx[h.Activity]
		if !ok {
			continue
		}
		ra := &r.Activities[i]
		if h.At.Before(r.From) {
			ra.Start = h.Status
		} else {
			ra.History = append(ra.History, h)
		}
		ra.End, ra.EndDue = h.Status, h.Due
	}
	for _, ra := range r.Activities {
		r.Counts[ra.End]++
	}
	return nil
}

// WriteMarkdown writes the report in Swedish Markdown.
func (r Report) WriteMarkdown(w io.Writer) error {
	tx, rt := textFor("sv"), &reportSV
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", rt.title(r.Year))
	b.WriteString(rt.made(r.At.In(stockholm).Format("2006-01-02 15:04"), tx.span(r.From, r.To)) + "\n\n")

	b.WriteString("## " + rt.statusHeading + "\n\n")
	if !r.StatusOK {
		b.WriteString(rt.statusOff + "\n\n")
	} else {
		b.WriteString(rt.countsHeader + "\n|---|---|\n")
		for _, code := range statusOrder {
			fmt.Fprintf(&b, "| %s | %d |\n", statusLabel(code, "sv"), r.Counts[code])
		}
		b.WriteString("\n" + rt.activitiesHeader + "\n|---|---|---|---|---|---|---|\n")
		for _, a := range r.Activities {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d |\n", a.ID, mdText(a.Name), mdText(a.Area),
				statusLabel(a.Start, "sv"), statusLabel(a.End, "sv"), a.EndDue, len(a.History))
		}
		b.WriteString("\n### " + rt.historyHeading + "\n")
		for _, a := range r.Activities {
			if len(a.History) == 0 {
				continue
			}
			fmt.Fprintf(&b, "\n#### %s %s\n\n", a.ID, mdText(a.Name))
			prev := a.Start
			for _, h := range a.History {
				fmt.Fprintf(&b, "- %s: %s → **%s**", h.At.In(stockholm).Format(time.DateOnly), statusLabel(prev, "sv"), statusLabel(h.Status, "sv"))
				if h.By != "" {
					fmt.Fprintf(&b, " (%s)", mdText(h.By))
				}
				if h.Due != "" {
					fmt.Fprintf(&b, ", %s %s", tx.expectedDone, h.Due)
				}
				if c := strings.TrimSpace(joinComment(h)); c != "" {
					fmt.Fprintf(&b, " – %s", mdText(c))
				}
				b.WriteString("\n")
				prev = h.Status
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("## " + rt.coachingHeading + "\n\n")
	if !r.CoachingOK {
		b.WriteString(rt.coachingOff + "\n\n")
	} else {
		b.WriteString(rt.coachingHeader + "\n|---|---|---|---|---|---|---|\n")
		for _, m := range r.Months {
			c := m.Coaching
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d %% |\n", m.Month, c.Booked, c.Held, c.NoShow, c.Cancelled, c.Places, percent(c.Utilization))
		}
		c := r.Coaching
		fmt.Fprintf(&b, "| **%s** | %d | %d | %d | %d | %d | %d %% |\n\n", rt.total, c.Booked, c.Held, c.NoShow, c.Cancelled, c.Places, percent(c.Utilization))
		if len(c.Departments) > 0 {
			b.WriteString(rt.departmentsHeader + "\n|---|---|---|\n")
			for _, dep := range c.Departments {
				fmt.Fprintf(&b, "| %s | %d | %s |\n", mdText(dep.Department), dep.Bookings, mdText(topicList(dep.Topics)))
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("## " + rt.questionsHeading + "\n\n")
	if !r.Questions.Available {
		b.WriteString(rt.questionsOff + "\n\n")
	} else {
		b.WriteString(rt.questionsHeader + "\n|---|---|---|---|---|---|---|\n")
		for _, m := range r.Months {
			q := m.Questions
			fmt.Fprintf(&b, "| %s | %d | %d | %d %% | %d | %d | %s |\n", m.Month, q.Asked, q.Answered, percent(q.AnsweredShare()), q.Up, q.Down, rt.source[m.QuestionsFrom])
		}
		q := r.Questions
		fmt.Fprintf(&b, "| **%s** | %d | %d | %d %% | %d | %d | |\n\n", rt.total, q.Asked, q.Answered, percent(q.AnsweredShare()), q.Up, q.Down)
		b.WriteString(rt.sourceNote + "\n\n")
		if len(q.Unanswered) > 0 {
			b.WriteString("### " + tx.gapsHeading + "\n\n")
			for i, g := range q.Unanswered {
				fmt.Fprintf(&b, "%d. %s (%d×)\n", i+1, mdText(g.Text), g.Count)
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("## " + rt.trendHeading + "\n\n")
	if len(r.Trend) == 0 {
		b.WriteString(rt.noTrend + "\n")
	} else {
		b.WriteString("| " + rt.trendFirst[0] + " | " + rt.trendFirst[1] + " |")
		for _, code := range statusOrder {
			b.WriteString(" " + tx.statusShort[code] + " |")
		}
		b.WriteString(" " + strings.Join(rt.trendRest, " | ") + " |\n|---|---|" + strings.Repeat("---|", len(statusOrder)+len(rt.trendRest)) + "\n")
		for _, p := range r.Trend {
			fmt.Fprintf(&b, "| %s | %s |", rt.kind[p.Kind], p.Period)
			for _, code := range statusOrder {
				fmt.Fprintf(&b, " %d |", p.Counts[code])
			}
			fmt.Fprintf(&b, " %d | %d | %d | %d %% | %d | %d |\n", p.AtRisk, p.Missing, p.Booked, percent(p.Utilization), p.Asked, p.Answered)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes the report as one long table (section, period,
// activity, name, area, metric, value, text) for a spreadsheet's pivot.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) { _ = cw.Write(safeCells(cells)) }
	row("section", "period", "activity", "name", "area", "metric", "value", "text")
	for _, a := range r.Activities {
		row("status_start", strconv.Itoa(r.Year), a.ID, a.Name, a.Area, "status", a.Start, statusLabel(a.Start, "sv"))
		for _, h := range a.History {
			row("status_history", h.At.In(stockholm).Format("2006-01-02 15:04"), a.ID, a.Name, a.Area, "status", h.Status,
				strings.TrimSpace(statusLabel(h.Status, "sv")+" "+joinComment(h)))
			if h.Due != "" {
				row("status_history", h.At.In(stockholm).Format("2006-01-02 15:04"), a.ID, a.Name, a.Area, "due", h.Due, "")
			}
		}
		row("status_end", r.To.In(stockholm).Format(time.DateOnly), a.ID, a.Name, a.Area, "status", a.End, statusLabel(a.End, "sv"))
	}
	num := func(n int) string { return strconv.Itoa(n) }
	share := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, m := range r.Months {
		if r.CoachingOK {
			c := m.Coaching
			for _, kv := range [][2]string{{"booked", num(c.Booked)}, {"held", num(c.Held)}, {"no_show", num(c.NoShow)},
				{"cancelled", num(c.Cancelled)}, {"places", num(c.Places)}, {"utilization", share(c.Utilization)}} {
				row("coaching", m.Month, "", "", "", kv[0], kv[1], "")
			}
		}
		if r.Questions.Available {
			q := m.Questions
			for _, kv := range [][2]string{{"asked", num(q.Asked)}, {"answered", num(q.Answered)},
				{"answered_share", share(q.AnsweredShare())}, {"thumbs_up", num(q.Up)}, {"thumbs_down", num(q.Down)}} {
				row("questions", m.Month, "", "", "", kv[0], kv[1], m.QuestionsFrom)
			}
		}
	}
	for _, dep := range r.Coaching.Departments {
		row("coaching_department", strconv.Itoa(r.Year), "", dep.Department, "", "bookings", num(dep.Bookings), topicList(dep.Topics))
	}
	for _, g := range r.Questions.Unanswered {
		row("knowledge_gap", strconv.Itoa(r.Year), "", "", "", "unanswered", num(g.Count), g.Text)
	}
	for _, p := range r.Trend {
		period := p.Kind + ":" + p.Period
		for _, code := range statusOrder {
			row("trend", period, "", "", "", "status_"+code, num(p.Counts[code]), "")
		}
		for _, kv := range [][2]string{{"at_risk", num(p.AtRisk)}, {"missing", num(p.Missing)}, {"unreachable", num(p.Unreachable)},
			{"coaching_booked", num(p.Booked)}, {"coaching_utilization", share(p.Utilization)},
			{"questions_asked", num(p.Asked)}, {"questions_answered", num(p.Answered)}} {
			row("trend", period, "", "", "", kv[0], kv[1], "")
		}
	}
	cw.Flush()
	return cw.Error()
}

func joinComment(h StatusReport) string {
	var parts []string
	if h.Done != "" {
		parts = append(parts, h.Done)
	}
	if h.Next != "" {
		parts = append(parts, sv.nextStep+": "+h.Next)
	}
	if h.Help {
		parts = append(parts, sv.helpNeeded(h.HelpText))
	}
	return oneLine(strings.Join(parts, " · "), 2000)
}

func topicList(ts []TopicCount) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s (%d)", t.Text, t.Count))
	}
	return strings.Join(parts, ", ")
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "#", `\#`, "|", `\|`)

// mdText is user text on one Markdown line (a table cell or a list item).
func mdText(s string) string { return mdEscaper.Replace(oneLine(s, 4000)) }

// safeCells defuses spreadsheet formulas in user text (CSV injection).
func safeCells(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
