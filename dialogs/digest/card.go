package digest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs/card"
)

// Card action names.
const (
	// ActionAll answers "Visa allt" with every list of a digest in chat.
	ActionAll = "digest.all"
)

// MaxCardBytes bounds the card's JSON: Teams refuses messages over 28 KB,
// and the activity around the card needs some room.
const MaxCardBytes = 24 << 10

// limits are how much of each list a card shows.
type limits struct {
	areas, changes, risks, missing, unreachable, upcoming, departments, topics, gaps int
	changeComment, riskComment                                                       int // runes; 0: none
	name                                                                             int // runes of an activity name
}

// steps are the limits tried in turn until the card fits: comments on
// changes go first, then lists get shorter; the risks keep a comment
// longest, as koncernledningen needs to know why.
var steps = []limits{
	{areas: 12, changes: 8, risks: 8, missing: 6, unreachable: 6, upcoming: 8, departments: 6, topics: 3, gaps: 5, changeComment: 200, riskComment: 200, name: 90},
	{areas: 12, changes: 8, risks: 8, missing: 6, unreachable: 6, upcoming: 8, departments: 6, topics: 3, gaps: 5, changeComment: 100, riskComment: 140, name: 80},
	{areas: 12, changes: 8, risks: 8, missing: 6, unreachable: 6, upcoming: 8, departments: 6, topics: 3, gaps: 5, riskComment: 100, name: 70},
	{areas: 10, changes: 6, risks: 6, missing: 4, unreachable: 4, upcoming: 6, departments: 4, topics: 3, gaps: 5, riskComment: 100, name: 60},
	{areas: 10, changes: 5, risks: 5, missing: 3, unreachable: 3, upcoming: 4, departments: 3, topics: 2, gaps: 4, riskComment: 80, name: 50},
	{areas: 8, changes: 3, risks: 4, missing: 2, unreachable: 2, upcoming: 3, departments: 3, topics: 2, gaps: 3, riskComment: 60, name: 40},
	{areas: 8, changes: 2, risks: 3, missing: 1, unreachable: 1, upcoming: 2, departments: 2, topics: 1, gaps: 2, riskComment: 60, name: 30},
	{areas: 4, changes: 1, risks: 2, missing: 1, unreachable: 1, upcoming: 1, departments: 1, topics: 1, gaps: 1, riskComment: 40, name: 30},
}

// Card renders the digest card of f in lang ("sv" or "en"): an Adaptive
// Card 1.5 whose JSON stays within MaxCardBytes — lists are cut short
// with "och N till" and the card's "Visa allt" answers with everything.
func Card(f Figures, lang string) card.Element {
	tx := textFor(lang)
	for _, l := range steps {
		if c := buildCard(f, tx, l); cardSize(c) <= MaxCardBytes {
			return c
		}
	}
	return minimalCard(f, tx)
}

func cardSize(c card.Element) int {
	b, err := json.Marshal(c)
	if err != nil {
		return 1 << 30
	}
	return len(b)
}

// minimalCard is the last resort when even the smallest lists do not fit
// (absurd registers): headline figures and the button.
func minimalCard(f Figures, tx *text) card.Element {
	body := []card.Element{card.Title(tx.title(f)), card.Subtle(tx.periodLine(f))}
	if f.Status.Available {
		body = append(body, legend(tx, f.Status.Counts))
	}
	return card.New(body, showAll(tx, f))
}

func showAll(tx *text, f Figures) card.Element {
	return card.Submit(tx.showAll, ActionAll, map[string]any{"id": snapshotID(f.Kind, f.Period)})
}

func buildCard(f Figures, tx *text, l limits) card.Element {
	body := []card.Element{card.Title(tx.title(f)), card.Subtle(tx.periodLine(f))}
	if f.Status.Available {
		body = append(body, statusSection(f, tx, l)...)
	}
	if f.Coaching.Available {
		body = append(body, coachingSection(f, tx, l)...)
	}
	if f.Questions.Available {
		body = append(body, questionSection(f, tx, l)...)
	}
	return card.New(body, showAll(tx, f))
}

// Container styles per status: the colours of the bars and the legend.
var statusStyle = map[string]string{
	StatusDone: "accent", StatusOnTrack: "good", StatusAtRisk: "warning", StatusDelayed: "attention",
	StatusPaused: "emphasis", StatusNotStarted: "emphasis", NoReport: "default",
}

// Text colours per status in lists.
var statusColor = map[string]string{
	StatusDone: "accent", StatusOnTrack: "good", StatusAtRisk: "warning", StatusDelayed: "attention",
	StatusPaused: "default", StatusNotStarted: "default", NoReport: "default",
}

// section is a heading that starts a new part of the card.
func section(text string) card.Element {
	h := card.Heading(text)
	h["separator"] = true
	h["spacing"] = "Large"
	return h
}

// Lists are RichTextBlocks of TextRuns: a TextRun is never read as
// Markdown, by Teams or by the Adaptive Cards renderers, so user text
// (names, comments, questions) shows as written and needs no escaping.

// label is a small bold line.
func label(text string) card.Element {
	return rich("Small", false, run(text, true, ""))
}

// detail is a small, subdued line of plain text.
func detail(text string) card.Element {
	r := rich("Small", true, run(text, false, ""))
	r["spacing"] = "None"
	return r
}

// more is the "och N till" line under a capped list.
func more(tx *text, n int) card.Element {
	return rich("Small", true, run(tx.andMore(n), false, ""))
}

// bar is a horizontal stacked bar: one coloured column per non-empty
// segment, as wide as its share, with its count in it. Adaptive Cards
// has no chart element that Teams renders everywhere; coloured columns
// do render in every Teams client and in the Adaptive Cards renderers.
func bar(segs []segment) card.Element {
	var cols []card.Element
	for _, s := range segs {
		if s.n <= 0 {
			continue
		}
		// Kept lean: a chart row is repeated per förflyttning and the
		// card's bytes are counted.
		col := card.Element{"type": "Column", "width": s.n, "style": s.style,
			"items": []card.Element{{"type": "TextBlock", "text": s.label, "size": "Small", "horizontalAlignment": "Center"}}}
		if len(cols) > 0 {
			col["spacing"] = "None"
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		cols = append(cols, card.Element{"type": "Column", "width": "stretch",
			"items": []card.Element{{"type": "TextBlock", "text": "–", "size": "Small", "horizontalAlignment": "Center"}}})
	}
	return card.Element{"type": "ColumnSet", "columns": cols}
}

// barRow is a label beside its bar: one row of the chart.
func barRow(name string, counts map[string]int) card.Element {
	return card.Element{"type": "ColumnSet", "spacing": "Small", "columns": []card.Element{
		{"type": "Column", "width": 2, "verticalContentAlignment": "Center", "items": []card.Element{
			{"type": "TextBlock", "text": escape(name), "size": "Small", "weight": "Bolder", "wrap": true}}},
		{"type": "Column", "width": 3, "verticalContentAlignment": "Center", "items": []card.Element{bar(statusSegments(counts))}},
	}}
}

type segment struct {
	n     int
	style string
	label string
}

func statusSegments(counts map[string]int) []segment {
	var segs []segment
	for _, code := range statusOrder {
		if n := counts[code]; n > 0 {
			segs = append(segs, segment{n: n, style: statusStyle[code], label: strconv.Itoa(n)})
		}
	}
	return segs
}

// legend names the colours, with the totals.
func legend(tx *text, counts map[string]int) card.Element {
	var cols []card.Element
	for _, code := range statusOrder {
		cols = append(cols, card.Element{
			"type": "Column", "width": "auto", "style": statusStyle[code],
			"items": []card.Element{{"type": "TextBlock", "text": fmt.Sprintf("%s %d", tx.statusShort[code], counts[code]),
				"size": "Small", "wrap": false}},
		})
	}
	// Seven labels do not fit one row on a phone: two rows.
	return card.Element{"type": "Container", "spacing": "Small", "items": []card.Element{
		{"type": "ColumnSet", "columns": cols[:4]},
		{"type": "ColumnSet", "columns": cols[4:], "spacing": "Small"},
	}}
}

func statusSection(f Figures, tx *text, l limits) []card.Element {
	s := f.Status
	total := len(s.Activities)
	out := []card.Element{section(tx.statusHeading), legend(tx, s.Counts)}
	out = append(out, barRow(tx.allActivities(total), s.Counts))
	for i, a := range s.Areas {
		if i >= l.areas {
			out = append(out, more(tx, len(s.Areas)-i))
			break
		}
		out = append(out, barRow(cut(a.Name, 90)+" ("+strconv.Itoa(a.Total)+")", a.Counts))
	}

	// What changed.
	out = append(out, section(tx.changesHeading(f.Since, len(s.Changes))))
	if len(s.Changes) == 0 {
		out = append(out, card.Text(tx.noChanges))
	}
	for i, c := range s.Changes {
		if i >= l.changes {
			out = append(out, more(tx, len(s.Changes)-i))
			break
		}
		a, _ := s.activity(c.Activity)
		runs := []card.Element{
			run(c.Activity+" ", true, ""), run(cut(a.Name, l.name)+": ", false, ""),
		}
		if c.From != c.To {
			runs = append(runs, run(statusLabel(c.From, tx.lang)+" → ", false, ""))
		}
		runs = append(runs, run(statusLabel(c.To, tx.lang), true, statusColor[c.To]))
		out = append(out, rich("", false, runs...))
		line := tx.byWhen(c.By, c.At)
		if l.changeComment > 0 && c.Comment != "" {
			line += " · " + cut(c.Comment, l.changeComment)
		}
		out = append(out, detail(line))
	}

	// At risk or late.
	out = append(out, section(tx.risksHeading(len(s.AtRisk))))
	if len(s.AtRisk) == 0 {
		out = append(out, card.Text(tx.noRisks))
	}
	for i, id := range s.AtRisk {
		if i >= l.risks {
			out = append(out, more(tx, len(s.AtRisk)-i))
			break
		}
		a, _ := s.activity(id)
		st := statusLabel(a.Status, tx.lang)
		color := statusColor[a.Status]
		if a.Late {
			st += " – " + tx.late
			color = "attention"
		}
		out = append(out, rich("", false, run(a.ID+" ", true, ""), run(cut(a.Name, l.name)+": ", false, ""), run(st, true, color)))
		out = append(out, detail(tx.riskDetail(a)))
		if l.riskComment > 0 {
			if c := activityComment(tx, a); c != "" {
				out = append(out, detail(cut(c, l.riskComment)))
			}
		}
	}

	// Missing updates and unreachable owners.
	out = append(out, section(tx.missingHeading))
	if s.Round == "" {
		out = append(out, card.Text(tx.noRound))
	} else {
		out = append(out, card.Text(tx.roundLine(tx.date(s.RoundDue), len(s.Missing), countMissing(s.Activities))))
		for i, m := range s.Missing {
			if i >= l.missing {
				out = append(out, more(tx, len(s.Missing)-i))
				break
			}
			out = append(out, detail(tx.missingLine(m)))
		}
	}
	if len(s.Unreachable) > 0 {
		out = append(out, label(tx.unreachableHeading(len(s.Unreachable))))
		for i, u := range s.Unreachable {
			if i >= l.unreachable {
				out = append(out, more(tx, len(s.Unreachable)-i))
				break
			}
			out = append(out, detail(tx.unreachableLine(u)))
		}
	}

	// Upcoming completion dates.
	out = append(out, section(tx.upcomingHeading(len(s.Upcoming), s.UpcomingDays)))
	if len(s.Upcoming) == 0 {
		out = append(out, card.Text(tx.noUpcoming))
	} else {
		var facts [][2]string
		for i, id := range s.Upcoming {
			if i >= l.upcoming {
				break
			}
			a, _ := s.activity(id)
			facts = append(facts, [2]string{tx.dueDate(a.Due), escape(a.ID + " " + cut(a.Name, l.name) + " (" + statusLabel(a.Status, tx.lang) + ")")})
		}
		out = append(out, card.Facts(facts...))
		if len(s.Upcoming) > l.upcoming {
			out = append(out, more(tx, len(s.Upcoming)-l.upcoming))
		}
	}
	return out
}

func countMissing(acts []ActivityFig) int {
	n := 0
	for _, a := range acts {
		if a.Missing {
			n++
		}
	}
	return n
}

// activityComment is what the owner last wrote, help first.
func activityComment(tx *text, a ActivityFig) string {
	var parts []string
	if a.Help {
		parts = append(parts, tx.helpNeeded(a.HelpText))
	}
	if a.Done != "" {
		parts = append(parts, a.Done)
	}
	if a.Next != "" {
		parts = append(parts, tx.nextStep+": "+a.Next)
	}
	return oneLine(strings.Join(parts, " · "), 2*maxItemRunes)
}

func coachingSection(f Figures, tx *text, l limits) []card.Element {
	c := f.Coaching
	out := []card.Element{section(tx.coachingHeading(f.From, f.To))}
	out = append(out, card.Facts(
		[2]string{tx.booked, strconv.Itoa(c.Booked)},
		[2]string{tx.held, strconv.Itoa(c.Held)},
		[2]string{tx.noShow, strconv.Itoa(c.NoShow)},
		[2]string{tx.cancelled, strconv.Itoa(c.Cancelled)},
		[2]string{tx.utilization, tx.utilizationValue(c)},
	))
	if c.Places > 0 {
		free := max(c.Places-c.Booked, 0)
		out = append(out, bar([]segment{
			{n: c.Booked, style: "good", label: tx.bookedShort(c.Booked)},
			{n: free, style: "emphasis", label: tx.freeShort(free)},
		}))
	}
	if len(c.Departments) > 0 {
		out = append(out, label(tx.topicsHeading))
	}
	for i, dep := range c.Departments {
		if i >= l.departments {
			out = append(out, more(tx, len(c.Departments)-i))
			break
		}
		var topics []string
		for j, t := range dep.Topics {
			if j >= l.topics {
				break
			}
			topics = append(topics, fmt.Sprintf("%s (%d)", cut(t.Text, 60), t.Count))
		}
		out = append(out, detail(fmt.Sprintf("%s (%d): %s", cut(dep.Department, 80), dep.Bookings, strings.Join(topics, ", "))))
	}
	return out
}

func questionSection(f Figures, tx *text, l limits) []card.Element {
	q := f.Questions
	out := []card.Element{section(tx.questionsHeading(f.From, f.To))}
	out = append(out, card.Facts(
		[2]string{tx.asked, strconv.Itoa(q.Asked)},
		[2]string{tx.answered, tx.answeredValue(q)},
		[2]string{tx.feedback, fmt.Sprintf("👍 %d · 👎 %d", q.Up, q.Down)},
	))
	if q.Asked > 0 {
		out = append(out, bar([]segment{
			{n: q.Answered, style: "good", label: tx.answeredShort(q.Answered)},
			{n: q.Asked - q.Answered, style: "warning", label: tx.unansweredShort(q.Asked - q.Answered)},
		}))
	}
	if len(q.Unanswered) > 0 {
		out = append(out, label(tx.gapsHeading))
		n := min(len(q.Unanswered), l.gaps)
		for i, g := range q.Unanswered[:n] {
			out = append(out, detail(fmt.Sprintf("%d. %s (%d×)", i+1, cut(g.Text, 150), g.Count)))
		}
		if len(q.Unanswered) > n {
			out = append(out, more(tx, len(q.Unanswered)-n))
		}
	}
	return out
}

// rich is a RichTextBlock of runs; size "" is the default size.
func rich(size string, subtle bool, runs ...card.Element) card.Element {
	for _, r := range runs {
		if size != "" {
			r["size"] = size
		}
		if subtle {
			r["isSubtle"] = true
		}
	}
	return card.Element{"type": "RichTextBlock", "inlines": runs, "spacing": "Small"}
}

// run is a TextRun; color "" or "default" is the default colour.
func run(text string, bold bool, color string) card.Element {
	r := card.Element{"type": "TextRun", "text": text}
	if bold {
		r["weight"] = "Bolder"
	}
	if color != "" && color != "default" {
		r["color"] = color
	}
	return r
}

// factEscaper escapes what Teams' Markdown would read in a FactSet value
// (which, unlike a TextRun, is Markdown). Parentheses are safe once "["
// is escaped.
var factEscaper = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, "`", "\\`",
	`#`, `\#`, `<`, "&lt;", `>`, "&gt;", `~`, `\~`, `|`, `\|`)

func escape(s string) string { return factEscaper.Replace(s) }

// cut shortens s to n runes with an ellipsis.
func cut(s string, n int) string { return oneLine(s, max(n, 1)) }

// activityJSON is a message activity carrying the card, as JSON for the
// outbox. summary is what Teams shows in notifications.
func activityJSON(c card.Element, summary string) (json.RawMessage, error) {
	a := schema.Activity{Type: schema.Message, Summary: summary, Attachments: []schema.Attachment{turn.CardAttachment(c)}}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("digest: encode activity: %w", err)
	}
	return b, nil
}
