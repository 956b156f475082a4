package coaching

import (
	"time"

	"digibot/dialogs/card"
)

// maxChoices bounds the slot list on the booking card.
const maxChoices = 40

// Elements the shared card package does not have, built here.

func choiceSet(id, label string, choices [][2]string, value, errMsg string) card.Element {
	cs := make([]card.Element, 0, len(choices))
	for _, ch := range choices {
		cs = append(cs, card.Element{"title": ch[0], "value": ch[1]})
	}
	e := card.Element{"type": "Input.ChoiceSet", "id": id, "label": label, "style": "compact",
		"choices": cs, "isRequired": true, "errorMessage": errMsg}
	if value != "" {
		e["value"] = value
	}
	return e
}

func textInput(id, label, placeholder, value string, maxLen int, required bool, errMsg string) card.Element {
	e := card.Element{"type": "Input.Text", "id": id, "label": label, "placeholder": placeholder,
		"maxLength": maxLen, "isMultiline": true}
	if required {
		e["isRequired"], e["errorMessage"] = true, errMsg
	}
	if value != "" {
		e["value"] = value
	}
	return e
}

// plainSubmit is a button that submits no form: Teams must not demand the
// card's required inputs before sending it.
func plainSubmit(title, action string, data map[string]any) card.Element {
	e := card.Submit(title, action, data)
	e["associatedInputs"] = "none"
	return e
}

func container(items ...card.Element) card.Element {
	return card.Element{"type": "Container", "items": items, "separator": true, "spacing": "Medium"}
}

// notice is a highlighted line at the top of a card (what just happened).
func notice(text string) card.Element {
	return card.Element{"type": "TextBlock", "text": card.Escape(text), "wrap": true, "weight": "Bolder", "color": "Attention"}
}

func good(text string) card.Element {
	return card.Element{"type": "TextBlock", "text": card.Escape(text), "wrap": true, "weight": "Bolder", "color": "Good"}
}

func showCard(title string, body []card.Element, actions ...card.Element) card.Element {
	inner := card.Element{"type": "AdaptiveCard", "body": body}
	if len(actions) > 0 {
		inner["actions"] = actions
	}
	return card.Element{"type": "Action.ShowCard", "title": title, "card": inner}
}

func withNotice(body []card.Element, text string) []card.Element {
	if text != "" {
		body = append(body, notice(text))
	}
	return body
}

func (c *Coaching) topicDeptInputs(tx *text, prefill bookForm) []card.Element {
	depts := make([][2]string, 0, len(c.plan.departments))
	for _, d := range c.plan.departments {
		depts = append(depts, [2]string{d, d})
	}
	return []card.Element{
		textInput(inTopic, tx.topicLabel, tx.topicPlaceholder, prefill.Topic, maxTopicRunes, true, tx.topicRequired),
		choiceSet(inDepartment, tx.departmentLabel, depts, prefill.Department, tx.departmentRequired),
	}
}

// bookingCard offers the free slots with the topic and department form.
func (c *Coaching) bookingCard(tx *text, free []freeSlot, prefill bookForm, note string) card.Element {
	body := []card.Element{card.Title(tx.bookTitle)}
	body = withNotice(body, note)
	body = append(body, card.Text(tx.bookIntro))
	choices := make([][2]string, 0, min(len(free), maxChoices))
	value := ""
	for i, f := range free {
		if i >= maxChoices {
			break
		}
		title := tx.when(f.Start, f.End)
		if f.Capacity > 1 {
			title += " " + tx.placesLeft(f.Free)
		}
		choices = append(choices, [2]string{title, f.ID})
		if f.ID == prefill.Slot {
			value = f.ID
		}
	}
	if value == "" && len(choices) > 0 {
		value = choices[0][1]
	}
	body = append(body, choiceSet(inSlot, tx.slotLabel, choices, value, tx.slotRequired))
	body = append(body, c.topicDeptInputs(tx, prefill)...)
	body = append(body, card.Subtle(tx.rules(c.plan.cfg.MaxFutureBookings, c.cutoffText(tx))))
	return card.New(body,
		card.Submit(tx.bookButton, ActionBook, nil),
		plainSubmit(tx.mineButton, ActionMine, nil))
}

// waitlistCard says every slot is taken and offers the queue.
func (c *Coaching) waitlistCard(tx *text, prefill bookForm, note string, pos int) card.Element {
	body := []card.Element{card.Title(tx.fullTitle)}
	body = withNotice(body, note)
	if pos > 0 {
		body = append(body, card.Text(tx.queuedAt(pos)))
		return card.New(body,
			plainSubmit(tx.leaveButton, ActionWaitlistLeave, nil),
			plainSubmit(tx.mineButton, ActionMine, nil))
	}
	body = append(body, card.Text(tx.fullIntro(c.plan.cfg.HorizonDays)))
	body = append(body, c.topicDeptInputs(tx, prefill)...)
	return card.New(body,
		card.Submit(tx.joinButton, ActionWaitlist, nil),
		plainSubmit(tx.mineButton, ActionMine, nil))
}

func (c *Coaching) queuedCard(tx *text, pos int) card.Element {
	return card.New([]card.Element{card.Title(tx.queuedTitle), card.Text(tx.queuedAt(pos)), card.Subtle(tx.queuedHow)},
		plainSubmit(tx.leaveButton, ActionWaitlistLeave, nil))
}

// meetingFacts describes the booking's Teams meeting and returns the
// button that opens it, if there is a link.
func meetingFacts(tx *text, b booking) (string, card.Element) {
	m := b.Meeting
	var open card.Element
	if m.JoinURL != "" && (m.Mode == modeStanding || m.Status == meetCreated) {
		open = card.OpenURL(tx.openMeeting, m.JoinURL)
	}
	switch {
	case m.Mode == modeStanding && m.JoinURL != "":
		return tx.standingLink, open
	case m.Mode == modeStanding:
		return tx.noLink(b.CoachName), nil
	case m.Status == meetCreated:
		return tx.meetingCreated, open
	case m.Status == meetPending:
		return tx.linkFollows, nil
	default:
		return tx.meetingFailed(b.CoachName), nil
	}
}

func bookingFacts(tx *text, d slotDoc, b booking) card.Element {
	return card.Facts(
		[2]string{tx.factWhen, tx.when(d.Start, d.End)},
		[2]string{tx.factCoach, card.Escape(b.CoachName)},
		[2]string{tx.factTopic, card.Escape(b.Topic)},
		[2]string{tx.factDepartment, card.Escape(b.Department)},
	)
}

// confirmCard is the receipt of a booking.
func (c *Coaching) confirmCard(tx *text, d slotDoc, b booking) card.Element {
	meet, open := meetingFacts(tx, b)
	body := []card.Element{card.Title(tx.confirmTitle), good(tx.confirmed(tx.when(d.Start, d.End))),
		bookingFacts(tx, d, b), card.Text(card.Escape(meet)),
		card.Subtle(tx.confirmHint(c.cutoffText(tx)))}
	var actions []card.Element
	if open != nil {
		actions = append(actions, open)
	}
	actions = append(actions,
		plainSubmit(tx.cancelButton, ActionCancel, map[string]any{inBooking: b.ID}),
		plainSubmit(tx.mineButton, ActionMine, nil))
	return card.New(body, actions...)
}

// mineCard lists the person's upcoming bookings with cancel buttons.
func (c *Coaching) mineCard(tx *text, mine []slotBooking, now time.Time, note string, queuePos int) card.Element {
	body := []card.Element{card.Title(tx.mineTitle)}
	body = withNotice(body, note)
	if len(mine) == 0 {
		body = append(body, card.Text(tx.noBookings))
	}
	for _, sb := range mine {
		meet, open := meetingFacts(tx, sb.Booking)
		items := []card.Element{card.Heading(tx.when(sb.Doc.Start, sb.Doc.End)), bookingFacts(tx, sb.Doc, sb.Booking),
			card.Subtle(card.Escape(meet))}
		var acts []card.Element
		if open != nil {
			acts = append(acts, open)
		}
		if now.Before(sb.Doc.Start.Add(-c.plan.cfg.CancelCutoff)) {
			acts = append(acts, plainSubmit(tx.cancelButton, ActionCancel, map[string]any{inBooking: sb.Booking.ID}))
		} else {
			items = append(items, card.Subtle(tx.tooLateToCancel(c.cutoffText(tx), sb.Booking.CoachName)))
		}
		if len(acts) > 0 {
			items = append(items, card.Actions(acts...))
		}
		body = append(body, container(items...))
	}
	var actions []card.Element
	if queuePos > 0 {
		body = append(body, card.Subtle(tx.queuedAt(queuePos)))
		actions = append(actions, plainSubmit(tx.leaveButton, ActionWaitlistLeave, nil))
	}
	if len(mine) < c.plan.cfg.MaxFutureBookings {
		actions = append(actions, plainSubmit(tx.bookMoreButton, ActionStart, nil))
	}
	return card.New(body, actions...)
}

// offerCard tells someone on the waitlist that a place is free.
func (c *Coaching) offerCard(tx *text, s slot, e waiter) card.Element {
	return card.New([]card.Element{
		card.Title(tx.offerTitle),
		card.Text(tx.offer(tx.when(s.Start, s.End))),
		card.Facts([2]string{tx.factTopic, card.Escape(e.Topic)}, [2]string{tx.factDepartment, card.Escape(e.Department)}),
		card.Subtle(tx.offerHow),
	},
		plainSubmit(tx.acceptButton, ActionOfferAccept, map[string]any{inSlot: s.ID}),
		plainSubmit(tx.leaveButton, ActionWaitlistLeave, nil))
}

// linkCard brings the Teams link that Graph made after the turn.
func (c *Coaching) linkCard(tx *text, d slotDoc, b booking) card.Element {
	return card.New([]card.Element{card.Title(tx.linkTitle), bookingFacts(tx, d, b), card.Text(tx.meetingCreated)},
		card.OpenURL(tx.openMeeting, b.Meeting.JoinURL),
		plainSubmit(tx.mineButton, ActionMine, nil))
}

// linkFailedCard says the meeting could not be made; the session's
// standing link, when configured, is the way in instead.
func (c *Coaching) linkFailedCard(tx *text, slotID string, d slotDoc, b booking) card.Element {
	if s, err := c.plan.find(slotID); err == nil && s.Link != "" {
		return card.New([]card.Element{card.Title(tx.linkFailedTitle), bookingFacts(tx, d, b), card.Text(tx.useStanding)},
			card.OpenURL(tx.openMeeting, s.Link))
	}
	return card.New([]card.Element{card.Title(tx.linkFailedTitle), bookingFacts(tx, d, b),
		card.Text(card.Escape(tx.meetingFailed(b.CoachName)))})
}

// reminderCard reminds the employee of a booking.
func (c *Coaching) reminderCard(tx *text, d slotDoc, b booking, soon bool, now time.Time) card.Element {
	title, lead := tx.reminderDayTitle, tx.reminderDay(tx.when(d.Start, d.End))
	if soon {
		title, lead = tx.reminderSoonTitle, tx.reminderSoon(tx.when(d.Start, d.End))
	}
	meet, open := meetingFacts(tx, b)
	var actions []card.Element
	if open != nil {
		actions = append(actions, open)
	}
	if now.Before(d.Start.Add(-c.plan.cfg.CancelCutoff)) {
		actions = append(actions, plainSubmit(tx.cancelButton, ActionCancel, map[string]any{inBooking: b.ID}))
	}
	return card.New([]card.Element{card.Title(title), card.Text(lead), bookingFacts(tx, d, b), card.Text(card.Escape(meet))}, actions...)
}

// coachListCard is the coach's list: upcoming bookings and, for sessions
// that have started, held/no-show with a note.
func (c *Coaching) coachListCard(tx *text, list []slotBooking, now time.Time, showCoach bool, note string) card.Element {
	body := []card.Element{card.Title(tx.coachListTitle)}
	body = withNotice(body, note)
	if len(list) == 0 {
		body = append(body, card.Text(tx.coachListEmpty))
	}
	for _, sb := range list {
		b := sb.Booking
		facts := [][2]string{
			{tx.factWho, card.Escape(b.Name)},
			{tx.factTopic, card.Escape(b.Topic)},
			{tx.factDepartment, card.Escape(b.Department)},
		}
		if showCoach {
			facts = append(facts, [2]string{tx.factCoach, card.Escape(b.CoachName)})
		}
		if b.State != stateBooked {
			facts = append(facts, [2]string{tx.factOutcome, tx.outcome(b.State)})
		}
		if b.Note != "" {
			facts = append(facts, [2]string{tx.factNote, card.Escape(b.Note)})
		}
		items := []card.Element{card.Heading(tx.when(sb.Doc.Start, sb.Doc.End)), card.Facts(facts...)}
		if !sb.Doc.Start.After(now) {
			noteID := inNotePrefix + b.ID
			items = append(items, card.Actions(showCard(tx.markButton,
				[]card.Element{textInput(noteID, tx.noteLabel, tx.notePlaceholder, b.Note, maxNoteRunes, false, "")},
				card.Submit(tx.outcome(stateHeld), ActionMark, map[string]any{inBooking: b.ID, inOutcome: stateHeld}),
				card.Submit(tx.outcome(stateNoShow), ActionMark, map[string]any{inBooking: b.ID, inOutcome: stateNoShow}),
			)))
		}
		body = append(body, container(items...))
	}
	return card.New(body, plainSubmit(tx.refreshButton, ActionCoachList, nil))
}

// coachMorningCard is a coach's list for today.
func (c *Coaching) coachMorningCard(tx *text, day time.Time, list []slotBooking) card.Element {
	body := []card.Element{card.Title(tx.morningTitle(tx.date(day)))}
	if len(list) == 0 {
		body = append(body, card.Text(tx.morningEmpty))
	}
	for _, sb := range list {
		b := sb.Booking
		body = append(body, container(card.Heading(tx.clock(sb.Doc.Start, sb.Doc.End)), card.Facts(
			[2]string{tx.factWho, card.Escape(b.Name)},
			[2]string{tx.factTopic, card.Escape(b.Topic)},
			[2]string{tx.factDepartment, card.Escape(b.Department)},
		)))
	}
	return card.New(body, plainSubmit(tx.coachListButton, ActionCoachList, nil))
}
