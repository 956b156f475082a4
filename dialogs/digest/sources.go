package digest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"digibot/dialogs/answer"
	"digibot/dialogs/coaching"
	"digibot/dialogs/status"
	"digibot/storage"
)

// StatusSource is the activity follow-up as the digest reads it.
type StatusSource interface {
	// StatusOverview is every activity's state at now, who owes updates
	// in the latest round and who could not be reached.
	StatusOverview(ctx context.Context, now time.Time) (StatusOverview, error)
	// StatusHistory is every status report with from <= At < to (zero
	// to: no bound), oldest first.
	StatusHistory(ctx context.Context, from, to time.Time) ([]StatusReport, error)
}

// StatusOverview is what a StatusSource reports. Activities are in
// register order; Late, AtRisk and Upcoming are the digest's to decide.
type StatusOverview struct {
	Activities  []ActivityFig
	Missing     []MissingFig
	Unreachable []Unreachable
	Round       string
	RoundDue    time.Time
	NextNudge   time.Time
}

// StatusReport is one entry of an activity's status history.
type StatusReport struct {
	Activity string
	Status   string // code
	At       time.Time
	By       string
	Done     string
	Next     string
	Due      string
	Help     bool
	HelpText string
}

// CoachingSource is the IT coaching's figures for [from, to).
type CoachingSource interface {
	CoachingStats(ctx context.Context, from, to time.Time) (CoachingFigures, error)
}

// QuestionSource is the question and feedback figures for [from, to).
type QuestionSource interface {
	QuestionStats(ctx context.Context, from, to time.Time) (QuestionFigures, error)
}

// StatusFrom adapts the status follow-up.
func StatusFrom(s *status.Service) StatusSource { return statusAdapter{s} }

type statusAdapter struct{ s *status.Service }

func (a statusAdapter) StatusOverview(ctx context.Context, now time.Time) (StatusOverview, error) {
	ov, err := a.s.Overview(ctx, now)
	if err != nil {
		return StatusOverview{}, err
	}
	out := StatusOverview{Round: ov.Round, RoundDue: ov.RoundDue, NextNudge: ov.NextNudge}
	for _, ao := range ov.Activities {
		f := ActivityFig{
			ID: ao.Activity.ID, Name: ao.Activity.Name, Area: ao.Activity.Area, Department: ao.Activity.Department,
			Status: statusCode(ao.Status), UpdatedAt: ao.UpdatedAt, UpdatedBy: ao.UpdatedBy, Due: ao.Due,
			Help: ao.HelpNeeded, HelpText: ao.HelpText, Done: ao.Done, Next: ao.Next, Missing: ao.Missing,
		}
		for _, p := range ao.Owners {
			f.Owners = append(f.Owners, cmp.Or(p.Name, p.Principal))
		}
		if ao.Delegate != nil {
			f.Delegate = cmp.Or(ao.Delegate.Name, ao.Delegate.Principal)
		}
		out.Activities = append(out.Activities, f)
	}
	for _, m := range ov.Missing {
		out.Missing = append(out.Missing, MissingFig{Name: m.Name, Activities: m.Activities, NudgedAt: m.NudgedAt,
			RemindedAt: m.RemindedAt, EscalatedAt: m.EscalatedAt})
	}
	for _, u := range ov.Unreachable {
		out.Unreachable = append(out.Unreachable, Unreachable{Name: cmp.Or(u.Name, u.Principal), Activities: u.Activities,
			Reason: u.Reason, ReasonText: map[string]string{"sv": u.Text("sv"), "en": u.Text("en")}})
	}
	return out, nil
}

func (a statusAdapter) StatusHistory(ctx context.Context, from, to time.Time) ([]StatusReport, error) {
	us, err := a.s.Changes(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]StatusReport, 0, len(us))
	for _, u := range us {
		out = append(out, StatusReport{Activity: u.Activity, Status: statusCode(u.Status), At: u.At, By: u.AuthorName,
			Done: u.Done, Next: u.Next, Due: u.Due, Help: u.Help, HelpText: u.HelpText})
	}
	return out, nil
}

func statusCode(s status.Status) string {
	if s == "" {
		return NoReport
	}
	return string(s)
}

// statusLabel is a status code as people read it.
func statusLabel(code, lang string) string {
	if code == NoReport {
		return status.Status("").Label(lang)
	}
	return status.Status(code).Label(lang)
}

// CoachingFrom adapts the IT coaching.
func CoachingFrom(c *coaching.Coaching) CoachingSource { return coachingAdapter{c} }

type coachingAdapter struct{ c *coaching.Coaching }

// maxTopics is how many topics per department a digest keeps.
const maxTopics = 5

func (a coachingAdapter) CoachingStats(ctx context.Context, from, to time.Time) (CoachingFigures, error) {
	st, err := a.c.Stats(ctx, from, to)
	if err != nil {
		return CoachingFigures{}, err
	}
	f := CoachingFigures{Available: true, Booked: st.Booked, Held: st.Held, NoShow: st.NoShow, Cancelled: st.Cancelled}
	booked := 0
	for _, w := range st.Weeks {
		f.Places += w.Places
		booked += w.Booked
	}
	if f.Places > 0 {
		f.Utilization = float64(booked) / float64(f.Places)
	}
	for _, d := range st.Departments {
		f.Departments = append(f.Departments, DepartmentFig{
			Department: d.Department, Bookings: d.Bookings, Topics: topCounts(d.Topics, nil, maxTopics),
		})
	}
	return f, nil
}

// QuestionsFrom reads the answer capability's question and feedback logs.
func QuestionsFrom(logs LogReader) QuestionSource { return questionLogs{logs} }

// LogReader reads logs.
type LogReader interface {
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
}

type questionLogs struct{ st LogReader }

// maxLogEntries bounds what one digest reads of a log.
const maxLogEntries = 200000

// maxGaps is how many unanswered questions a digest keeps.
const maxGaps = 50

func (q questionLogs) QuestionStats(ctx context.Context, from, to time.Time) (QuestionFigures, error) {
	f := QuestionFigures{Available: true}
	qs, err := q.st.ReadLog(ctx, answer.LogQuestions, from, to, maxLogEntries)
	if err != nil {
		return f, fmt.Errorf("read %s: %w", answer.LogQuestions, err)
	}
	var unanswered []string
	var last []time.Time
	for _, e := range qs {
		var r answer.QuestionLog
		if json.Unmarshal(e.Data, &r) != nil {
			continue // a record another version wrote
		}
		f.Asked++
		if r.Answered {
			f.Answered++
			continue
		}
		unanswered = append(unanswered, r.Question)
		last = append(last, e.At)
	}
	f.Unanswered = topCounts(unanswered, last, maxGaps)
	fb, err := q.st.ReadLog(ctx, answer.LogFeedback, from, to, maxLogEntries)
	if err != nil {
		return f, fmt.Errorf("read %s: %w", answer.LogFeedback, err)
	}
	for _, e := range fb {
		var r answer.FeedbackLog
		if json.Unmarshal(e.Data, &r) != nil {
			continue
		}
		if r.Helpful {
			f.Up++
		} else {
			f.Down++
		}
	}
	return f, nil
}

// topCounts groups texts by their normalised wording and returns the n
// most common: count, then the latest (when at is given), then the text.
// The wording shown is the latest one asked.
func topCounts(texts []string, at []time.Time, n int) []TopicCount {
	type group struct {
		text  string
		count int
		last  time.Time
	}
	groups := map[string]*group{}
	for i, t := range texts {
		key := normalize(t)
		if key == "" {
			continue
		}
		var when time.Time
		if i < len(at) {
			when = at[i]
		}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
		}
		g.count++
		if g.text == "" || !when.Before(g.last) {
			g.text, g.last = oneLine(t, maxItemRunes), when
		}
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *group) int {
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		if c := b.last.Compare(a.last); c != 0 {
			return c
		}
		return strings.Compare(a.text, b.text)
	})
	out := make([]TopicCount, 0, min(n, len(list)))
	for _, g := range list[:min(n, len(list))] {
		out = append(out, TopicCount{Text: g.text, Count: g.count})
	}
	return out
}

// normalize is a text's grouping key: lower case letters and digits,
// words separated by one space.
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// maxItemRunes bounds one user text (question, topic, comment) kept in a
// snapshot.
const maxItemRunes = 300

// oneLine makes user text one line of valid UTF-8 without control
// characters, cut to max runes with an ellipsis.
func oneLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		if n >= max {
			return strings.TrimSpace(b.String()) + "…"
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
