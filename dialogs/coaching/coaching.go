// Package coaching books the action plan's IT-coaching service (activity
// A18): weekly open sessions cut into slots, booked in Teams, with Teams
// meetings in the coach's calendar through Graph when it is configured,
// reminders, a waitlist and the coaches' follow-up.
//
// Consistency: each slot is one doc whose bookings are changed only by an
// optimistic update (PutDoc with the version read), so concurrent
// attempts on one slot leave exactly as many winners as places, across
// processes sharing a store. A person's limit is kept by a hold written
// before the slot is taken and released if it is lost. Slot and booking
// ids from cards are never trusted: a slot id is resolved against the
// schedule generated from the config, a booking id against its owner.
package coaching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/card"
	"digibot/storage"
)

// Card action names.
const (
	ActionStart         = "coaching.start" // the answer card's "Boka IT-coachning"
	ActionBook          = "coaching.book"
	ActionCancel        = "coaching.cancel"
	ActionMine          = "coaching.mine"
	ActionWaitlist      = "coaching.waitlist"
	ActionWaitlistLeave = "coaching.waitlist.leave"
	ActionOfferAccept   = "coaching.offer.accept"
	ActionMark          = "coaching.mark"
	ActionCoachList     = "coaching.coachlist"
)

// coachListDays is how far back the coach list goes (sessions to mark).
const coachListDays = 14

// Outbox entry kinds (metrics and logs).
const (
	kindReminder  = "coaching.reminder"
	kindCoachList = "coaching.coachlist"
	kindLink      = "coaching.link"
	kindOffer     = "coaching.offer"
)

// Options are what New needs.
type Options struct {
	Config Config
	Store  Store
	// Calendar is the Swedish working-day calendar; default
	// schedule.NewCalendar(Config.ClosedDates...). Config.ClosedDates
	// are skipped either way.
	Calendar *schedule.Calendar
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Meetings is Graph; nil when Graph is not configured (the standing
	// link is used and busy calendars are not checked).
	Meetings Meetings
	// Directory finds an employee's e-mail for the meeting invitation and
	// recognises coaches by UPN (optional).
	Directory Directory
	Log       *slog.Logger
}

// Coaching is the capability.
type Coaching struct {
	plan  *plan
	st    Store
	now   func() time.Time
	meet  Meetings
	dir   Directory
	log   *slog.Logger
	busy  *busyCache
	specs jobSpecs
}

// New validates the config and returns the capability. A config without
// sessions is valid: booking then says no sessions are set up.
func New(o Options) (*Coaching, error) {
	if o.Store == nil {
		return nil, errors.New("coaching: no store")
	}
	p, err := compile(o.Config.WithDefaults())
	if err != nil {
		return nil, err
	}
	p.cal = o.Calendar
	if p.cal == nil {
		if p.cal, err = schedule.NewCalendar(); err != nil {
			return nil, fmt.Errorf("coaching: calendar: %w", err)
		}
	}
	specs, err := p.jobSpecs()
	if err != nil {
		return nil, fmt.Errorf("coaching: reminders: %w", err)
	}
	c := &Coaching{plan: p, st: o.Store, now: o.Now, meet: o.Meetings, dir: o.Directory, log: o.Log,
		busy: newBusyCache(), specs: specs}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// Enabled reports whether sessions are configured.
func (c *Coaching) Enabled() bool { return len(c.plan.sessions) > 0 }

// Register adds the coaching commands and card actions to r.
func (c *Coaching) Register(r *dialogs.Router) {
	h := func(f func(context.Context, *turn.Turn) error) turn.Handler { return turn.HandlerFunc(f) }
	r.Command(h(c.handleStart), "boka", "coachning", "coaching", "book", "boka coachning", "boka it-coachning",
		"it-coachning", "book coaching", "book it coaching")
	r.Command(h(c.handleMine), "mina bokningar", "min bokning", "my bookings", "my booking", "avboka")
	r.Command(h(c.handleCoachList), "coachlista", "coach list", "coachlist")
	r.Action(ActionStart, h(c.handleStart))
	r.Action(ActionBook, h(c.handleBook))
	r.Action(ActionCancel, h(c.handleCancel))
	r.Action(ActionMine, h(c.handleMine))
	r.Action(ActionWaitlist, h(c.handleWaitlist))
	r.Action(ActionWaitlistLeave, h(c.handleWaitlistLeave))
	r.Action(ActionOfferAccept, h(c.handleOfferAccept))
	r.Action(ActionMark, h(c.handleMark))
	r.Action(ActionCoachList, h(c.handleCoachList))
}

var aadRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// who returns the sender's AAD object id, or "" (and says so) when the
// turn has none: bookings belong to a person.
func (c *Coaching) who(t *turn.Turn, tx *text) string {
	aad := t.UserAADID()
	if !aadRE.MatchString(aad) {
		t.SendText(tx.noIdentity)
		return ""
	}
	return aad
}

// ready answers for the common preconditions; false means the turn is
// answered.
func (c *Coaching) ready(t *turn.Turn, tx *text) (string, bool) {
	if !c.Enabled() {
		t.SendText(tx.notSetUp)
		return "", false
	}
	if !t.IsPersonal() {
		// Bookings carry a topic and a name: they belong in the 1:1 chat,
		// where the reminders also go.
		t.SendText(tx.personalOnly)
		return "", false
	}
	aad := c.who(t, tx)
	return aad, aad != ""
}

func (c *Coaching) handleStart(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	return c.showBooking(ctx, t, tx, aad, bookForm{}, "")
}

// showBooking answers with what the person can do now: book a free slot,
// see their bookings when at the limit, or join the waitlist.
func (c *Coaching) showBooking(ctx context.Context, t *turn.Turn, tx *text, aad string, prefill bookForm, notice string) error {
	now := c.now()
	mine, err := c.upcoming(ctx, aad, now)
	if err != nil {
		return errorf("list bookings", err)
	}
	if len(mine) >= c.plan.cfg.MaxFutureBookings {
		t.SendCard(c.mineCard(tx, mine, now, strings.TrimSpace(notice+" "+tx.atLimit(c.plan.cfg.MaxFutureBookings)), 0))
		return nil
	}
	free, err := c.freeSlots(ctx, aad, now)
	if err != nil {
		return errorf("list free slots", err)
	}
	if len(free) == 0 {
		_, pos, err := c.waitlistEntry(ctx, aad)
		if err != nil {
			return errorf("read waitlist", err)
		}
		t.SendCard(c.waitlistCard(tx, prefill, notice, pos))
		return nil
	}
	t.SendCard(c.bookingCard(tx, free, prefill, notice))
	return nil
}

func (c *Coaching) handleBook(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	_, data := dialogs.ActionData(t)
	form, prob := parseBookForm(data, c.plan.departments, true)
	if prob != probNone {
		return c.showBooking(ctx, t, tx, aad, form, tx.problem(prob))
	}
	return c.bookAndReply(ctx, t, tx, aad, form)
}

// bookAndReply books form for aad and answers with the outcome.
func (c *Coaching) bookAndReply(ctx context.Context, t *turn.Turn, tx *text, aad string, form bookForm) error {
	res, err := c.book(ctx, bookRequest{
		SlotID: form.Slot, AAD: aad, Name: oneLine(t.Activity.From.Name, 100), Lang: t.Lang(),
		Topic: form.Topic, Department: form.Department,
	})
	switch {
	case errors.Is(err, errBadSlot):
		form.Slot = ""
		return c.showBooking(ctx, t, tx, aad, form, tx.badSlot)
	case errors.Is(err, errNotBookable):
		form.Slot = ""
		return c.showBooking(ctx, t, tx, aad, form, tx.notBookable(res.State, tx.when(res.Slot.Start, res.Slot.End)))
	case errors.Is(err, errFull):
		form.Slot = ""
		return c.showBooking(ctx, t, tx, aad, form, tx.lost(tx.when(res.Slot.Start, res.Slot.End)))
	case errors.Is(err, errAlready), errors.Is(err, errLimit):
		mine, lerr := c.upcoming(ctx, aad, c.now())
		if lerr != nil {
			return errorf("list bookings", lerr)
		}
		note := tx.alreadyBooked
		if errors.Is(err, errLimit) {
			note = tx.atLimit(c.plan.cfg.MaxFutureBookings)
		}
		t.SendCard(c.mineCard(tx, mine, c.now(), note, 0))
		return nil
	case err != nil:
		return errorf("book", err)
	}
	b := res.Booking
	if b.Meeting.Mode == modeGraph {
		// The booking stands whatever Graph does; a failure is retried by
		// the meetings job and the link follows in a message.
		stored, err := c.createMeeting(ctx, res.Slot.ID, res.Doc, b, true)
		if err != nil {
			c.log.WarnContext(ctx, "coaching: cannot record the meeting outcome", "booking", b.ID, "err", err)
		} else {
			b = stored
		}
	}
	t.SendCard(c.confirmCard(tx, res.Doc, b))
	return nil
}

func (c *Coaching) handleCancel(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	_, data := dialogs.ActionData(t)
	id := idField(data, inBooking)
	res, err := c.cancel(ctx, aad, id)
	notice := ""
	when := func() string { return tx.when(res.Doc.Start, res.Doc.End) }
	switch {
	case errors.Is(err, errBadSlot), errors.Is(err, errNotFound):
		notice = tx.noSuchBooking
	case errors.Is(err, errNotYours):
		notice = tx.notYourBooking
	case errors.Is(err, errCancelled):
		notice = tx.alreadyCancelled(when())
	case errors.Is(err, errStarted):
		notice = tx.cancelStarted(when())
	case errors.Is(err, errTooLate):
		notice = tx.cancelTooLate(when(), c.cutoffText(tx), res.Booking.CoachName)
	case err != nil:
		return errorf("cancel", err)
	default:
		notice = tx.cancelled(when())
	}
	mine, err := c.upcoming(ctx, aad, c.now())
	if err != nil {
		return errorf("list bookings", err)
	}
	_, pos, err := c.waitlistEntry(ctx, aad)
	if err != nil {
		return errorf("read waitlist", err)
	}
	t.SendCard(c.mineCard(tx, mine, c.now(), notice, pos))
	return nil
}

func (c *Coaching) cutoffText(tx *text) string { return tx.duration(c.plan.cfg.CancelCutoff) }

func (c *Coaching) handleMine(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	now := c.now()
	mine, err := c.upcoming(ctx, aad, now)
	if err != nil {
		return errorf("list bookings", err)
	}
	_, pos, err := c.waitlistEntry(ctx, aad)
	if err != nil {
		return errorf("read waitlist", err)
	}
	t.SendCard(c.mineCard(tx, mine, now, "", pos))
	return nil
}

func (c *Coaching) handleWaitlist(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	_, data := dialogs.ActionData(t)
	form, prob := parseBookForm(data, c.plan.departments, false)
	form.Slot = ""
	if prob != probNone {
		return c.showBooking(ctx, t, tx, aad, form, tx.problem(prob))
	}
	now := c.now()
	// Only when everything is taken: a place may have freed meanwhile.
	if free, err := c.freeSlots(ctx, aad, now); err != nil {
		return errorf("list free slots", err)
	} else if len(free) > 0 {
		return c.showBooking(ctx, t, tx, aad, form, tx.freeAfterAll)
	}
	if mine, err := c.upcoming(ctx, aad, now); err != nil {
		return errorf("list bookings", err)
	} else if len(mine) >= c.plan.cfg.MaxFutureBookings {
		return c.showBooking(ctx, t, tx, aad, form, "")
	}
	pos, err := c.joinWaitlist(ctx, waiter{AAD: aad, Name: oneLine(t.Activity.From.Name, 100), Lang: t.Lang(),
		Topic: form.Topic, Department: form.Department})
	switch {
	case errors.Is(err, errWaitlistFull):
		t.SendText(tx.waitlistFull)
		return nil
	case err != nil:
		return errorf("join waitlist", err)
	}
	t.SendCard(c.queuedCard(tx, pos))
	return nil
}

func (c *Coaching) handleWaitlistLeave(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	removed, err := c.leaveWaitlist(ctx, aad)
	if err != nil {
		return errorf("leave waitlist", err)
	}
	if removed {
		t.SendText(tx.leftWaitlist)
	} else {
		t.SendText(tx.notOnWaitlist)
	}
	return nil
}

func (c *Coaching) handleOfferAccept(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	_, data := dialogs.ActionData(t)
	slotID := idField(data, inSlot)
	if _, err := c.plan.find(slotID); err != nil {
		return c.showBooking(ctx, t, tx, aad, bookForm{}, tx.badSlot)
	}
	e, pos, err := c.waitlistEntry(ctx, aad)
	if err != nil {
		return errorf("read waitlist", err)
	}
	if pos == 0 {
		return c.showBooking(ctx, t, tx, aad, bookForm{}, tx.offerNotForYou)
	}
	return c.bookAndReply(ctx, t, tx, aad, bookForm{Slot: slotID, Topic: e.Topic, Department: e.Department})
}

// actor is who acts on the coach list.
type actor struct {
	aad    string
	admin  bool
	coach  Coach
	hasUPN bool
}

func (a actor) isCoach(upn string) bool { return a.hasUPN && strings.EqualFold(a.coach.UPN, upn) }

// coachOf recognises the sender as a configured coach: by aad_id in the
// config, by an id learned earlier, or through the directory (whose
// answer is then remembered for the morning list).
func (c *Coaching) coachOf(ctx context.Context, aad string) (Coach, bool) {
	for _, co := range c.plan.coaches {
		if co.AADID != "" && strings.EqualFold(co.AADID, aad) {
			return co, true
		}
	}
	if docs, err := c.st.ListDocs(ctx, collCoaches); err == nil {
		for _, d := range docs {
			var cd coachDoc
			if json.Unmarshal(d.Value, &cd) == nil && strings.EqualFold(cd.AADID, aad) {
				if co, ok := c.plan.coach(d.ID); ok {
					return co, true
				}
			}
		}
	}
	if c.dir == nil {
		return Coach{}, false
	}
	cctx, cancel := context.WithTimeout(ctx, graphTimeout)
	email, _, err := c.dir.UserByID(cctx, aad)
	cancel()
	if err != nil {
		c.log.WarnContext(ctx, "coaching: directory look-up failed", "err", err)
		return Coach{}, false
	}
	co, ok := c.plan.coach(strings.TrimSpace(email))
	if !ok {
		return Coach{}, false
	}
	b, _ := json.Marshal(coachDoc{AADID: aad})
	if _, err := c.st.PutDoc(ctx, collCoaches, strings.ToLower(co.UPN), b, storage.AnyVersion); err != nil {
		c.log.WarnContext(ctx, "coaching: cannot remember the coach's id", "err", err)
	}
	return co, true
}

// coachAAD is the AAD id the coach's proactive messages go to, if known.
func (c *Coaching) coachAAD(ctx context.Context, co Coach) string {
	if co.AADID != "" {
		return co.AADID
	}
	if d, ok, err := read[coachDoc](ctx, c.st, collCoaches, strings.ToLower(co.UPN)); err == nil && ok {
		return d.AADID
	}
	return ""
}

func (c *Coaching) actorOf(ctx context.Context, t *turn.Turn, aad string) actor {
	a := actor{aad: aad, admin: t.Admin}
	a.coach, a.hasUPN = c.coachOf(ctx, aad)
	return a
}

func (c *Coaching) handleCoachList(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	a := c.actorOf(ctx, t, aad)
	if !a.admin && !a.hasUPN {
		t.SendText(tx.notACoach)
		return nil
	}
	return c.sendCoachList(ctx, t, tx, a, "")
}

func (c *Coaching) sendCoachList(ctx context.Context, t *turn.Turn, tx *text, a actor, notice string) error {
	now := c.now()
	from := localDate(now).AddDate(0, 0, -coachListDays)
	docs, err := readSlots(ctx, c.st, from, c.plan.horizonEnd(now))
	if err != nil {
		return errorf("list slots", err)
	}
	var list []slotBooking
	for _, id := range sortedKeys(docs) {
		d := docs[id]
		if d.Start.Before(from) {
			continue
		}
		for _, b := range d.Bookings {
			if !b.active() || (!a.admin && !a.isCoach(b.Coach)) {
				continue
			}
			list = append(list, slotBooking{SlotID: id, Doc: d, Booking: b})
		}
	}
	sortBookings(list)
	t.SendCard(c.coachListCard(tx, list, now, a.admin && !a.hasUPN, notice))
	return nil
}

func (c *Coaching) handleMark(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	aad, ok := c.ready(t, tx)
	if !ok {
		return nil
	}
	a := c.actorOf(ctx, t, aad)
	if !a.admin && !a.hasUPN {
		t.SendText(tx.notACoach)
		return nil
	}
	_, data := dialogs.ActionData(t)
	form, prob := parseMarkForm(data)
	if prob != probNone {
		return c.sendCoachList(ctx, t, tx, a, tx.problem(prob))
	}
	res, err := c.mark(ctx, a, form.Booking, form.Outcome, form.Note)
	var notice string
	switch {
	case errors.Is(err, errBadSlot), errors.Is(err, errNotFound):
		notice = tx.noSuchBooking
	case errors.Is(err, errNotCoach):
		notice = tx.notYourCoaching
	case errors.Is(err, errCancelled):
		notice = tx.markCancelled
	case errors.Is(err, errNotStarted):
		notice = tx.markNotStarted(tx.when(res.Doc.Start, res.Doc.End))
	case err != nil:
		return errorf("mark", err)
	default:
		notice = tx.marked(tx.outcome(form.Outcome), tx.when(res.Doc.Start, res.Doc.End), oneLine(res.Booking.Name, 100))
	}
	return c.sendCoachList(ctx, t, tx, a, notice)
}

// enqueue puts a proactive card to a user in the outbox; id makes it
// idempotent.
func (c *Coaching) enqueue(ctx context.Context, id, kind, aad string, cardJSON map[string]any) error {
	act := schema.Activity{Type: schema.Message, Attachments: []schema.Attachment{turn.CardAttachment(cardJSON)}}
	// The card's title is what Teams shows in the notification.
	if body, ok := cardJSON["body"].([]card.Element); ok && len(body) > 0 {
		act.Summary, _ = body[0]["text"].(string)
	}
	raw, err := json.Marshal(act)
	if err != nil {
		return fmt.Errorf("encode %s: %w", id, err)
	}
	now := c.now().UTC()
	if _, err := c.st.Enqueue(ctx, storage.OutboxEntry{
		ID: id, Kind: kind, RefKey: storage.UserKey(aad), Activity: raw, CreatedAt: now, NotBefore: now,
	}); err != nil {
		return fmt.Errorf("enqueue %s: %w", id, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
