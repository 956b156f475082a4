package digest

import (
	"fmt"
	"math"
	"strings"
	"time"

	"digibot/bot/schedule"
)

var stockholm = schedule.Stockholm

// text is the user-facing strings of one language (text_sv.go, text_en.go).
type text struct {
	lang                string
	months, monthsShort [12]string
	weekdays            [7]string // Sunday first, like time.Weekday
	at                  string    // between date and clock: " kl. " / " at "

	// The card.
	weekTitle, monthTitle, nowTitle               func(string) string
	preparedFor, prepared                         string
	showAll                                       string
	statusShort                                   map[string]string
	statusHeading                                 string
	allActivities                                 func(n int) string
	andMore                                       func(n int) string
	changesHeadingFirst, changesHeadingSince      string
	noChanges, noRisks, noRound, noUpcoming       string
	risksHeadingFmt, late, owner, owners, noOwner string
	delegatedTo, expectedDone, nextStep           string
	helpNeededFmt, helpNeededBare                 string
	missingHeading                                string
	roundLine                                     func(date string, people, activities int) string
	reminded, escalated                           string
	unreachableFmt                                string
	upcomingFmt                                   string
	coachingFmt, questionsFmt                     string
	booked, held, noShow, cancelled, utilization  string
	utilizationFmt, noPlaces                      string
	bookedShortFmt, freeShortFmt                  string
	topicsHeading                                 string
	asked, answered, feedback                     string
	answeredShortFmt, unansweredShortFmt          string
	gapsHeading                                   string
	summaryFmt                                    string

	// Chat.
	adminOnly, switchedOff, notInChannel        string
	channelSet                                  func(where, when string) string
	stopped, alreadyStopped                     string
	posted                                      func(where string) string
	alreadyPosted                               func(where string) string
	previewNoChannel                            string
	info                                        func(where, when string) string
	noChannel, thisChannel, aChannel            string
	weeklyDefault, monthlyDefault, scheduleNext string
	scheduleOff, scheduleCron                   string
	unknownDigest, failed                       string
}

// reportText is the annual report's headings (report.go).
type reportText struct {
	title                                                       func(year int) string
	made                                                        func(at, period string) string
	statusHeading, statusOff, countsHeader, activitiesHeader    string
	historyHeading, coachingHeading, coachingOff                string
	coachingHeader, departmentsHeader, total                    string
	questionsHeading, questionsOff, questionsHeader, sourceNote string
	source                                                      map[string]string
	trendHeading, noTrend                                       string
	trendFirst                                                  [2]string
	trendRest                                                   []string
	kind                                                        map[string]string
}

func textFor(lang string) *text {
	if lang == "en" {
		return &en
	}
	return &sv
}

// date is "23 november 2026".
func (tx *text) date(t time.Time) string {
	l := t.In(stockholm)
	return fmt.Sprintf("%d %s %d", l.Day(), tx.months[l.Month()-1], l.Year())
}

// dateShort is "23 nov".
func (tx *text) dateShort(t time.Time) string {
	l := t.In(stockholm)
	return fmt.Sprintf("%d %s", l.Day(), tx.monthsShort[l.Month()-1])
}

// dateTime is "måndag 7 december 2026 kl. 08:00".
func (tx *text) dateTime(t time.Time) string {
	l := t.In(stockholm)
	return tx.weekdays[l.Weekday()] + " " + tx.date(l) + tx.at + l.Format("15:04")
}

// span is "23–29 november 2026" for [from, to): the last day shown is
// the day before to.
func (tx *text) span(from, to time.Time) string {
	f := from.In(stockholm)
	l := to.In(stockholm).Add(-time.Nanosecond)
	switch {
	case f.Year() != l.Year():
		return tx.date(f) + " – " + tx.date(l)
	case f.Month() != l.Month():
		return fmt.Sprintf("%d %s – %s", f.Day(), tx.monthsShort[f.Month()-1], tx.date(l))
	case f.Day() != l.Day():
		return fmt.Sprintf("%d–%s", f.Day(), tx.date(l))
	}
	return tx.date(l)
}

func (tx *text) title(f Figures) string {
	switch f.Kind {
	case KindWeekly:
		_, w := f.From.In(stockholm).ISOWeek()
		return tx.weekTitle(fmt.Sprint(w))
	case KindMonthly:
		l := f.From.In(stockholm)
		return tx.monthTitle(fmt.Sprintf("%s %d", tx.months[l.Month()-1], l.Year()))
	}
	return tx.nowTitle(tx.date(f.At))
}

func (tx *text) periodLine(f Figures) string {
	return tx.span(f.From, f.To) + " · " + tx.preparedFor + " · " + tx.prepared + " " + tx.dateShort(f.At) + " " + f.At.In(stockholm).Format("15:04")
}

func (tx *text) summary(f Figures) string {
	return fmt.Sprintf(tx.summaryFmt, tx.title(f))
}

func (tx *text) changesHeading(since time.Time, n int) string {
	if since.IsZero() {
		return fmt.Sprintf(tx.changesHeadingFirst, n)
	}
	return fmt.Sprintf(tx.changesHeadingSince, tx.dateShort(since), n)
}

func (tx *text) risksHeading(n int) string { return fmt.Sprintf(tx.risksHeadingFmt, n) }

func (tx *text) byWhen(by string, at time.Time) string {
	if by == "" {
		return tx.dateShort(at)
	}
	return by + ", " + tx.dateShort(at)
}

// riskDetail is "Ansvarig: Anna A · förväntat klart 31 dec 2026".
func (tx *text) riskDetail(a ActivityFig) string {
	var parts []string
	switch len(a.Owners) {
	case 0:
		parts = append(parts, tx.noOwner)
	case 1:
		parts = append(parts, tx.owner+": "+a.Owners[0])
	default:
		parts = append(parts, tx.owners+": "+strings.Join(a.Owners, ", "))
	}
	if a.Delegate != "" {
		parts = append(parts, tx.delegatedTo+" "+a.Delegate)
	}
	if a.Due != "" {
		parts = append(parts, tx.expectedDone+" "+tx.dueDate(a.Due))
	}
	return oneLine(strings.Join(parts, " · "), 2*maxItemRunes)
}

func (tx *text) helpNeeded(what string) string {
	if what == "" {
		return tx.helpNeededBare
	}
	return fmt.Sprintf(tx.helpNeededFmt, what)
}

// dueDate formats "2026-12-31" as "31 dec 2026".
func (tx *text) dueDate(due string) string {
	t, err := time.ParseInLocation(time.DateOnly, due, stockholm)
	if err != nil {
		return due
	}
	return fmt.Sprintf("%d %s %d", t.Day(), tx.monthsShort[t.Month()-1], t.Year())
}

// plural picks the singular for one.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (tx *text) missingLine(m MissingFig) string {
	s := m.Name + " – " + strings.Join(m.Activities, ", ")
	var notes []string
	if !m.RemindedAt.IsZero() {
		notes = append(notes, tx.reminded+" "+tx.dateShort(m.RemindedAt))
	}
	if !m.EscalatedAt.IsZero() {
		notes = append(notes, tx.escalated+" "+tx.dateShort(m.EscalatedAt))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return oneLine(s, 2*maxItemRunes)
}

func (tx *text) unreachableHeading(n int) string { return fmt.Sprintf(tx.unreachableFmt, n) }

func (tx *text) unreachableLine(u Unreachable) string {
	reason := u.ReasonText[tx.lang]
	if reason == "" {
		reason = u.Reason
	}
	return oneLine(u.Name+" – "+strings.Join(u.Activities, ", ")+": "+reason, 2*maxItemRunes)
}

func (tx *text) upcomingHeading(n, days int) string { return fmt.Sprintf(tx.upcomingFmt, days, n) }

func (tx *text) coachingHeading(from, to time.Time) string {
	return fmt.Sprintf(tx.coachingFmt, tx.span(from, to))
}

func (tx *text) questionsHeading(from, to time.Time) string {
	return fmt.Sprintf(tx.questionsFmt, tx.span(from, to))
}

// percent rounds a share to whole percent.
func percent(x float64) int { return int(math.Round(x * 100)) }

func (tx *text) utilizationValue(c CoachingFigures) string {
	if c.Places == 0 {
		return tx.noPlaces
	}
	return fmt.Sprintf(tx.utilizationFmt, c.Booked, c.Places, percent(c.Utilization))
}

func (tx *text) bookedShort(n int) string     { return fmt.Sprintf(tx.bookedShortFmt, n) }
func (tx *text) freeShort(n int) string       { return fmt.Sprintf(tx.freeShortFmt, n) }
func (tx *text) answeredShort(n int) string   { return fmt.Sprintf(tx.answeredShortFmt, n) }
func (tx *text) unansweredShort(n int) string { return fmt.Sprintf(tx.unansweredShortFmt, n) }
func (tx *text) answeredValue(q QuestionFigures) string {
	if q.Asked == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%d %%)", q.Answered, percent(q.AnsweredShare()))
}
