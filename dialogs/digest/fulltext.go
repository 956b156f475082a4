package digest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"digibot/dialogs/card"
)

// maxMessageBytes bounds one chat message of "Visa allt" (Teams refuses
// messages over 28 KB).
const maxMessageBytes = 20 << 10

// fullText is every list of a digest as Markdown paragraphs, for "Visa
// allt": what the card cut short with "och N till".
func fullText(f Figures, tx *text) []string {
	esc := card.Escape
	var out []string
	out = append(out, "**"+esc(tx.title(f))+"**\n\n"+esc(tx.periodLine(f)))
	list := func(heading string, items []string) {
		if len(items) == 0 {
			return
		}
		out = append(out, "**"+esc(heading)+"**")
		// A long list is split into paragraphs so that chunk can break it.
		for len(items) > 0 {
			n := min(len(items), 20)
			out = append(out, "- "+strings.Join(items[:n], "\n- "))
			items = items[n:]
		}
	}
	s := f.Status
	if s.Available {
		area := ""
		var items []string
		flush := func() {
			list(area, items)
			items = nil
		}
		for _, a := range s.Activities {
			if a.Area != area {
				flush()
				area = a.Area
			}
			line := fmt.Sprintf("%s %s – **%s**", a.ID, a.Name, statusLabel(a.Status, tx.lang))
			if a.Late {
				line += " (" + tx.late + ")"
			}
			items = append(items, esc(line)+" · "+esc(tx.riskDetail(a)))
		}
		flush()
		var ch []string
		for _, c := range s.Changes {
			a, _ := s.activity(c.Activity)
			line := fmt.Sprintf("%s %s: %s → %s (%s)", c.Activity, a.Name, statusLabel(c.From, tx.lang), statusLabel(c.To, tx.lang), tx.byWhen(c.By, c.At))
			if c.Comment != "" {
				line += " – " + c.Comment
			}
			ch = append(ch, esc(line))
		}
		list(tx.changesHeading(f.Since, len(s.Changes)), ch)
		var risks []string
		for _, id := range s.AtRisk {
			a, _ := s.activity(id)
			line := fmt.Sprintf("%s %s – %s", a.ID, a.Name, statusLabel(a.Status, tx.lang))
			if a.Late {
				line += " (" + tx.late + ")"
			}
			line += " · " + tx.riskDetail(a)
			if c := activityComment(tx, a); c != "" {
				line += " · " + c
			}
			risks = append(risks, esc(line))
		}
		list(tx.risksHeading(len(s.AtRisk)), risks)
		var missing []string
		for _, m := range s.Missing {
			missing = append(missing, esc(tx.missingLine(m)))
		}
		list(tx.missingHeading, missing)
		var unreach []string
		for _, u := range s.Unreachable {
			unreach = append(unreach, esc(tx.unreachableLine(u)))
		}
		list(tx.unreachableHeading(len(s.Unreachable)), unreach)
		var up []string
		for _, id := range s.Upcoming {
			a, _ := s.activity(id)
			up = append(up, esc(fmt.Sprintf("%s: %s %s (%s)", tx.dueDate(a.Due), a.ID, a.Name, statusLabel(a.Status, tx.lang))))
		}
		list(tx.upcomingHeading(len(s.Upcoming), s.UpcomingDays), up)
	}
	if f.Coaching.Available {
		var deps []string
		for _, dep := range f.Coaching.Departments {
			var topics []string
			for _, t := range dep.Topics {
				topics = append(topics, fmt.Sprintf("%s (%d)", t.Text, t.Count))
			}
			deps = append(deps, esc(fmt.Sprintf("%s (%d): %s", dep.Department, dep.Bookings, strings.Join(topics, ", "))))
		}
		list(tx.coachingHeading(f.From, f.To)+" – "+tx.topicsHeading, deps)
	}
	if f.Questions.Available {
		var gaps []string
		for _, g := range f.Questions.Unanswered {
			gaps = append(gaps, esc(fmt.Sprintf("%s (%d×)", g.Text, g.Count)))
		}
		list(tx.gapsHeading, gaps)
	}
	return out
}

// chunk packs paragraphs into messages of at most max bytes; a paragraph
// longer than that is cut at a line break (or, failing that, a rune).
func chunk(paras []string, max int) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, p := range paras {
		for len(p) > max {
			i := strings.LastIndex(p[:max], "\n")
			if i <= 0 {
				i = max
				for i > 0 && !utf8.RuneStart(p[i]) {
					i--
				}
			}
			flush()
			out = append(out, p[:i])
			p = strings.TrimLeft(p[i:], "\n")
		}
		if cur.Len() > 0 && cur.Len()+2+len(p) > max {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(p)
	}
	flush()
	return out
}
