package status

import (
	"fmt"
	"strconv"
	"strings"

	"digibot/dialogs/card"
)

// Card action verbs (Action.Execute; Action.Submit data "action").
const (
	ActionSubmit = "status.submit" // save the card's answers
	ActionCard   = "status.card"   // show an editable card again
)

// maxPerCard bounds a nudge card: Teams rejects cards over ~28 KB, and one
// activity's inputs take about 1.5 KB. Owners of more get several cards.
const maxPerCard = 8

// cardItem is one activity on an editable card.
type cardItem struct {
	act     Activity
	cur     Update // current record (zero: never reported)
	version int64  // the record version the card is built from
	draft   *Update
}

type cardOpts struct {
	intro  string
	errs   []string
	entry  string // outbox entry that carried the card (Action.Submit receipts)
	round  string
	remind bool
}

// Input ids on the card: "<activity>.<field>", so that one card carries
// several activities.
func inputID(act, field string) string { return act + "." + field }

// editCard is the nudge card: every activity with its last answer
// prefilled, and one "Send" that submits them all with the versions the
// card was built from.
func editCard(tx *texts, items []cardItem, o cardOpts) card.Element {
	title := tx.cardTitle
	if o.remind {
		title = tx.reminderTitle
	}
	body := []card.Element{card.Title(title)}
	if o.intro != "" {
		body = append(body, card.Text(o.intro))
	}
	for _, e := range o.errs {
		body = append(body, attention(e))
	}
	versions := map[string]any{}
	for _, it := range items {
		versions[it.act.ID] = strconv.FormatInt(it.version, 10)
		v := it.cur
		if it.draft != nil {
			v = *it.draft
		}
		id := it.act.ID
		choices := make([]card.Element, 0, len(Statuses))
		for _, st := range Statuses {
			choices = append(choices, card.Element{"title": st.Label(tx.lang), "value": string(st)})
		}
		last := tx.neverReported
		if !it.cur.At.IsZero() {
			last = tx.lastReport(it.cur.Status.Label(tx.lang), tx.dateTime(it.cur.At), it.cur.AuthorName)
		}
		fields := []card.Element{
			card.Heading(id + " · " + card.Escape(it.act.Name)),
			card.Subtle(card.Escape(joinNonEmpty(" · ", it.act.Area, it.act.Department))),
			card.Subtle(last),
			{"type": "Input.ChoiceSet", "id": inputID(id, "status"), "label": tx.fieldStatus, "style": "compact",
				"choices": choices, "value": string(v.Status), "isRequired": true, "errorMessage": tx.chooseStatus},
			{"type": "Input.Text", "id": inputID(id, "done"), "label": tx.fieldDone, "value": v.Done,
				"isMultiline": true, "maxLength": maxDone, "placeholder": tx.placeholderDone},
			{"type": "Input.Text", "id": inputID(id, "next"), "label": tx.fieldNext, "value": v.Next,
				"isMultiline": true, "maxLength": maxNext},
			{"type": "Input.Date", "id": inputID(id, "due"), "label": tx.fieldDue, "value": v.Due},
			{"type": "Input.Toggle", "id": inputID(id, "help"), "title": tx.fieldHelp,
				"value": strconv.FormatBool(v.Help), "valueOn": "true", "valueOff": "false"},
			{"type": "Input.Text", "id": inputID(id, "help_text"), "label": tx.fieldHelpText, "value": v.HelpText,
				"isMultiline": true, "maxLength": maxHelpText},
		}
		body = append(body, card.Element{"type": "Container", "separator": true, "spacing": "Large", "items": fields})
	}
	body = append(body, card.Subtle(tx.cardFootnote))
	data := map[string]any{"versions": versions}
	if o.entry != "" {
		data["entry"] = o.entry
	}
	if o.round != "" {
		data["round"] = o.round
	}
	return card.New(body, execute(tx.send, ActionSubmit, data, true))
}

// receiptCard replaces a submitted card: what was saved, read-only, and
// what was not, with why.
func receiptCard(tx *texts, acts map[string]Activity, saved []Update, problems []string) card.Element {
	title := tx.receiptTitle
	if len(saved) == 0 {
		title = tx.nothingSaved
	}
	body := []card.Element{card.Title(title)}
	for _, p := range problems {
		body = append(body, attention(p))
	}
	var ids []string
	for _, u := range saved {
		ids = append(ids, u.Activity)
		body = append(body, card.Element{"type": "Container", "separator": true, "items": append(
			[]card.Element{card.Heading(u.Activity + " · " + card.Escape(acts[u.Activity].Name))},
			updateFacts(tx, u),
			card.Subtle(tx.savedBy(tx.dateTime(u.At), u.AuthorName)),
		)})
	}
	for id := range acts {
		if !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	return card.New(body, execute(tx.changeAgain, ActionCard, map[string]any{"activities": strings.Join(ids, ",")}, false))
}

// updateFacts shows an update's fields.
func updateFacts(tx *texts, u Update) card.Element {
	pairs := [][2]string{{tx.fieldStatus, u.Status.Label(tx.lang)}}
	if u.Done != "" {
		pairs = append(pairs, [2]string{tx.fieldDone, card.Escape(u.Done)})
	}
	if u.Next != "" {
		pairs = append(pairs, [2]string{tx.fieldNext, card.Escape(u.Next)})
	}
	if u.Due != "" {
		pairs = append(pairs, [2]string{tx.fieldDue, tx.dueDate(u.Due)})
	}
	help := tx.no
	if u.Help {
		help = tx.yes
		if u.HelpText != "" {
			help += " – " + card.Escape(u.HelpText)
		}
	}
	return card.Facts(append(pairs, [2]string{tx.fieldHelpShort, help})...)
}

// timelineCard shows one activity and its history, newest first.
func timelineCard(tx *texts, a *assignment, cur Update, hist []Update, canUpdate bool) card.Element {
	act := a.act
	var owners []string
	for _, p := range a.owners {
		owners = append(owners, card.Escape(p.display()))
	}
	for _, u := range a.unresolve {
		owners = append(owners, card.Escape(u.principal))
	}
	ownerText := strings.Join(owners, ", ")
	if ownerText == "" {
		ownerText = tx.noOwner
	}
	if a.delegate != nil {
		ownerText += " (" + tx.delegatedTo(card.Escape(a.delegate.display())) + ")"
	}
	body := []card.Element{
		card.Title(act.ID + " · " + card.Escape(act.Name)),
		card.Subtle(card.Escape(joinNonEmpty(" · ", act.Area, act.Department))),
	}
	facts := [][2]string{{tx.fieldStatus, cur.Status.Label(tx.lang)}, {tx.owners, ownerText}}
	if cur.Due != "" {
		facts = append(facts, [2]string{tx.fieldDue, tx.dueDate(cur.Due)})
	}
	if !cur.At.IsZero() {
		facts = append(facts, [2]string{tx.lastUpdated, tx.dateTime(cur.At)})
	}
	body = append(body, card.Facts(facts...), card.Heading(tx.history))
	if len(hist) == 0 {
		body = append(body, card.Text(tx.noHistory))
	}
	for i := len(hist) - 1; i >= 0 && len(hist)-i <= maxTimeline; i-- {
		u := hist[i]
		line := fmt.Sprintf("**%s** · %s · %s", tx.dateTime(u.At), u.Status.Label(tx.lang), card.Escape(u.AuthorName))
		if u.Due != "" {
			line += " · " + tx.fieldDue + " " + tx.dueDate(u.Due)
		}
		items := []card.Element{card.Text(line)}
		var sub []string
		if u.Done != "" {
			sub = append(sub, tx.fieldDone+": "+card.Escape(u.Done))
		}
		if u.Next != "" {
			sub = append(sub, tx.fieldNext+": "+card.Escape(u.Next))
		}
		if u.Help {
			sub = append(sub, tx.fieldHelpShort+": "+card.Escape(strings.TrimSpace(tx.yes+" "+u.HelpText)))
		}
		if len(sub) > 0 {
			items = append(items, card.Subtle(strings.Join(sub, "\n\n")))
		}
		body = append(body, card.Element{"type": "Container", "separator": true, "items": items})
	}
	if len(hist) > maxTimeline {
		body = append(body, card.Subtle(tx.olderEntries(len(hist)-maxTimeline)))
	}
	var actions []card.Element
	if canUpdate {
		actions = append(actions, execute(tx.update, ActionCard, map[string]any{"activities": act.ID}, false))
	}
	return card.New(body, actions...)
}

const maxTimeline = 12

// overviewCard is the administrators' summary of every activity.
func overviewCard(tx *texts, ov Overview) card.Element {
	body := []card.Element{card.Title(tx.overviewTitle)}
	var counts [][2]string
	for _, st := range append([]Status{""}, Statuses...) {
		if n := ov.Counts[st]; n > 0 {
			counts = append(counts, [2]string{st.Label(tx.lang), strconv.Itoa(n)})
		}
	}
	body = append(body, card.Facts(counts...))
	var rows [][2]string
	for _, a := range ov.Activities {
		v := a.Status.Label(tx.lang)
		if !a.UpdatedAt.IsZero() {
			v += " · " + tx.date(a.UpdatedAt)
		}
		if a.HelpNeeded {
			v += " · " + tx.helpFlag
		}
		rows = append(rows, [2]string{a.Activity.ID, v})
	}
	body = append(body, card.Facts(rows...))
	if len(ov.Missing) > 0 {
		body = append(body, card.Heading(tx.missingHeading))
		for _, m := range ov.Missing {
			body = append(body, card.Text(card.Escape(m.Name)+" – "+strings.Join(m.Activities, ", ")))
		}
	}
	if len(ov.Unreachable) > 0 {
		body = append(body, card.Heading(tx.unreachableHeading))
		for _, u := range ov.Unreachable {
			body = append(body, card.Text(card.Escape(u.Name)+" – "+u.Text(tx.lang)))
		}
	}
	if !ov.NextNudge.IsZero() {
		body = append(body, card.Subtle(tx.nextNudge(tx.longDateTime(ov.NextNudge))))
	}
	return card.New(body)
}

// escalationCard tells a manager or the coordinating function who has not
// answered.
func escalationCard(tx *texts, intro string, lines []string) card.Element {
	body := []card.Element{card.Title(tx.escalationTitle), card.Text(intro)}
	for _, l := range lines {
		body = append(body, card.Text("• "+l))
	}
	body = append(body, card.Subtle(tx.escalationFootnote))
	return card.New(body)
}

// execute is an Action.Execute (Teams universal action): the invoke
// response replaces the card, which is how a submitted card becomes a
// receipt. Submitting cards validate their inputs first.
func execute(title, verb string, data map[string]any, validate bool) card.Element {
	if data == nil {
		data = map[string]any{}
	}
	a := card.Element{"type": "Action.Execute", "title": title, "verb": verb, "data": data}
	if validate {
		a["associatedInputs"] = "auto"
		a["style"] = "positive"
	} else {
		a["associatedInputs"] = "none"
	}
	return a
}

func attention(text string) card.Element {
	return card.Element{"type": "TextBlock", "text": text, "wrap": true, "color": "Attention", "weight": "Bolder"}
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
