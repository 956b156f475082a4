package coaching

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outcomes of a booking, a cancellation or a mark that are answers to the
// user rather than failures.
var (
	errFull        = errors.New("slot full")
	errAlready     = errors.New("already booked in this slot")
	errLimit       = errors.New("per-person limit reached")
	errNotFound    = errors.New("no such booking")
	errNotYours    = errors.New("booking belongs to someone else")
	errCancelled   = errors.New("booking already cancelled")
	errTooLate     = errors.New("past the cancellation cutoff")
	errStarted     = errors.New("slot has started")
	errNotStarted  = errors.New("slot has not started")
	errNotCoach    = errors.New("not the booking's coach")
	errNotBookable = errors.New("slot not bookable now")
)

// bookRequest is a validated booking: the slot id still has to be checked
// against the schedule.
type bookRequest struct {
	SlotID     string
	AAD        string
	Name       string
	Lang       string
	Topic      string
	Department string
}

// bookResult says what happened; Booking is set when booked.
type bookResult struct {
	Slot    slot
	Doc     slotDoc
	Booking booking
	State   slotState // when errNotBookable
}

// holdGrace is how long a hold may exist before its slot doc must show
// the booking (a hold older than this without one was left by a crash).
const holdGrace = time.Minute

// book takes a place in a slot. Order: validate the slot against the
// schedule; reserve the person's quota (a hold); take the place in the
// slot doc; on losing, release the hold. Each step is one optimistic
// update, so concurrent attempts on one slot leave exactly as many
// winners as places. Errors: errBadSlot, errNotBookable, errLimit,
// errAlready, errFull, or a store error.
func (c *Coaching) book(ctx context.Context, r bookRequest) (bookResult, error) {
	now := c.now()
	s, err := c.plan.find(r.SlotID)
	if err != nil {
		return bookResult{}, err
	}
	res := bookResult{Slot: s}
	if st := c.plan.stateOf(s, now); st != slotBookable {
		res.State = st
		return res, errNotBookable
	}
	coll := slotColl(s.Start)
	busy := c.busyFor(ctx, s.Coaches, now, c.plan.horizonEnd(now))
	// A full slot needs no hold: a stale card and most of a crowd of
	// losers stop here, without writing anything.
	if d, _, err := read[slotDoc](ctx, c.st, coll, s.ID); err != nil {
		return res, err
	} else if d.activeFor(r.AAD) {
		return res, errAlready
	} else if _, free := pickCoach(s, &d, busy); !free || d.activeCount() >= s.Capacity {
		return res, errFull
	}
	id := newBookingID(s.ID)
	if err := c.reserve(ctx, r.AAD, s, id, now); err != nil {
		return res, err
	}
	var b booking
	doc, err := update(ctx, c.st, coll, s.ID, func(d *slotDoc, exists bool) error {
		if !exists {
			d.Start, d.End = s.Start, s.End
		}
		if d.activeFor(r.AAD) {
			return errAlready
		}
		if d.activeCount() >= s.Capacity {
			return errFull
		}
		co, ok := pickCoach(s, d, busy)
		if !ok {
			return errFull // every coach got busy since the card was shown
		}
		b = booking{
			ID: id, AAD: r.AAD, Name: r.Name, Lang: r.Lang, Topic: r.Topic, Department: r.Department,
			Coach: co.UPN, CoachName: co.Name, State: stateBooked, BookedAt: now,
		}
		if c.meet != nil {
			// The creation is attempted right after this write; the job
			// leaves it alone for a while so the two do not overlap.
			b.Meeting = meeting{Mode: modeGraph, Status: meetPending, NextTry: now.Add(2 * time.Minute)}
		} else {
			b.Meeting = meeting{Mode: modeStanding, JoinURL: s.Link}
		}
		d.Bookings = append(d.Bookings, b)
		d.prune()
		return nil
	})
	if errors.Is(err, errFull) || errors.Is(err, errAlready) {
		// Lost: give the quota back. If this fails too, the hold is
		// dropped by the next repair (it has no booking). After a store
		// error the write may have happened, so the hold stays for the
		// repair to judge.
		if _, rerr := update(context.WithoutCancel(ctx), c.st, collPeople, r.AAD, func(p *personDoc, _ bool) error {
			if !p.remove(id) {
				return errNoChange
			}
			return nil
		}); rerr != nil {
			c.log.WarnContext(ctx, "coaching: cannot release a hold; it will be repaired", "err", rerr)
		}
	}
	if err != nil {
		return res, err
	}
	res.Doc, res.Booking = doc, b
	c.audit(ctx, now, "booked", b.ID, map[string]any{"department": b.Department, "coach": b.Coach})
	if _, err := c.leaveWaitlist(ctx, r.AAD); err != nil {
		c.log.WarnContext(ctx, "coaching: cannot take a booked person off the waitlist", "err", err)
	}
	return res, nil
}

// reserve adds a hold for bookingID to the person's doc, within the limit.
func (c *Coaching) reserve(ctx context.Context, aad string, s slot, bookingID string, now time.Time) error {
	for repaired := false; ; repaired = true {
		_, err := update(ctx, c.st, collPeople, aad, func(p *personDoc, _ bool) error {
			p.future(now)
			for _, h := range p.Holds {
				if h.Slot == s.ID {
					return errAlready
				}
			}
			if len(p.Holds) >= c.plan.cfg.MaxFutureBookings {
				return errLimit
			}
			p.Holds = append(p.Holds, hold{Booking: bookingID, Slot: s.ID, Start: s.Start, At: now})
			return nil
		})
		if repaired || (!errors.Is(err, errLimit) && !errors.Is(err, errAlready)) {
			return err
		}
		// A hold may be left over from a crash or a failed release.
		if fixed, rerr := c.repairHolds(ctx, aad, now); rerr != nil || !fixed {
			return err
		}
	}
}

// repairHolds drops holds whose booking is not in its slot doc (or was
// cancelled) and that are older than holdGrace. It reports whether any
// were dropped.
func (c *Coaching) repairHolds(ctx context.Context, aad string, now time.Time) (bool, error) {
	p, ok, err := read[personDoc](ctx, c.st, collPeople, aad)
	if err != nil || !ok {
		return false, err
	}
	stale := map[string]bool{}
	for _, h := range p.Holds {
		if now.Sub(h.At) < holdGrace {
			continue
		}
		d, _, err := read[slotDoc](ctx, c.st, slotColl(h.Start), h.Slot)
		if err != nil {
			return false, err
		}
		if i, ok := d.find(h.Booking); !ok || !d.Bookings[i].active() {
			stale[h.Booking] = true
		}
	}
	if len(stale) == 0 {
		return false, nil
	}
	fixed := false
	_, err = update(ctx, c.st, collPeople, aad, func(p *personDoc, _ bool) error {
		fixed = false
		out := p.Holds[:0]
		for _, h := range p.Holds {
			if stale[h.Booking] {
				fixed = true
				continue
			}
			out = append(out, h)
		}
		p.Holds = out
		if !fixed {
			return errNoChange
		}
		return nil
	})
	return fixed, err
}

func newBookingID(slotID string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return slotID + "-" + hex.EncodeToString(b)
}

// cancelResult is what a cancellation found.
type cancelResult struct {
	SlotID  string
	Doc     slotDoc
	Booking booking
}

// cancel cancels aad's booking id. Errors: errBadSlot (malformed id),
// errNotFound, errNotYours, errCancelled, errStarted, errTooLate, or a
// store error. Nothing changes unless it succeeds.
func (c *Coaching) cancel(ctx context.Context, aad, bookingID string) (cancelResult, error) {
	now := c.now()
	slotID, start, err := parseBookingID(bookingID)
	if err != nil {
		return cancelResult{}, err
	}
	var res cancelResult
	res.SlotID = slotID
	doc, err := update(ctx, c.st, slotColl(start), slotID, func(d *slotDoc, exists bool) error {
		i, ok := d.find(bookingID)
		if !exists || !ok {
			return errNotFound
		}
		b := &d.Bookings[i]
		switch {
		case b.AAD != aad:
			return errNotYours
		case b.State == stateCancelled:
			res.Booking = *b
			return errCancelled
		case b.State != stateBooked || !d.Start.After(now):
			res.Booking = *b
			return errStarted
		case now.After(d.Start.Add(-c.plan.cfg.CancelCutoff)):
			res.Booking = *b
			return errTooLate
		}
		b.State, b.CancelledAt = stateCancelled, now
		if b.Meeting.Mode == modeGraph {
			switch b.Meeting.Status {
			case meetCreated:
				b.Meeting.Status, b.Meeting.NextTry, b.Meeting.Attempts = meetDeleting, now, 0
			case meetPending:
				b.Meeting.Status = meetDropped
			}
		}
		res.Booking = *b
		return nil
	})
	res.Doc = doc
	if err != nil {
		return res, err
	}
	if _, err := update(ctx, c.st, collPeople, aad, func(p *personDoc, _ bool) error {
		if !p.remove(bookingID) {
			return errNoChange
		}
		return nil
	}); err != nil {
		c.log.WarnContext(ctx, "coaching: cannot release the hold of a cancelled booking; it will be repaired", "err", err)
	}
	c.audit(ctx, now, "cancelled", bookingID, nil)
	if res.Booking.Meeting.Status == meetDeleting && c.meet != nil {
		c.deleteMeeting(ctx, slotID, doc, res.Booking)
	}
	if err := c.offerFreedPlace(ctx, slotID, bookingID, aad); err != nil {
		c.log.WarnContext(ctx, "coaching: cannot offer the freed place to the waitlist", "err", err)
	}
	return res, nil
}

// upcoming returns aad's active future bookings with their slot docs, in
// time order. It reads the slot docs the person's holds point at, so a
// hold without a booking shows nothing (and is repaired when old).
func (c *Coaching) upcoming(ctx context.Context, aad string, now time.Time) ([]slotBooking, error) {
	p, _, err := read[personDoc](ctx, c.st, collPeople, aad)
	if err != nil {
		return nil, err
	}
	var out []slotBooking
	stale := false
	for _, h := range p.Holds {
		if !h.Start.After(now) {
			continue
		}
		d, _, err := read[slotDoc](ctx, c.st, slotColl(h.Start), h.Slot)
		if err != nil {
			return nil, err
		}
		i, ok := d.find(h.Booking)
		if !ok || !d.Bookings[i].active() || d.Bookings[i].AAD != aad {
			stale = stale || now.Sub(h.At) >= holdGrace
			continue
		}
		out = append(out, slotBooking{SlotID: h.Slot, Doc: d, Booking: d.Bookings[i]})
	}
	if stale {
		if _, err := c.repairHolds(ctx, aad, now); err != nil {
			c.log.WarnContext(ctx, "coaching: cannot repair holds", "err", err)
		}
	}
	sortBookings(out)
	return out, nil
}

// slotBooking is a booking with its slot.
type slotBooking struct {
	SlotID  string
	Doc     slotDoc
	Booking booking
}

func sortBookings(s []slotBooking) {
	slices.SortStableFunc(s, func(a, b slotBooking) int { return a.Doc.Start.Compare(b.Doc.Start) })
}

// freeSlot is a bookable slot with places left.
type freeSlot struct {
	slot
	Free int
}

// freeSlots lists the slots aad can book now: bookable, with a place, a
// free coach, and no booking of aad's already.
func (c *Coaching) freeSlots(ctx context.Context, aad string, now time.Time) ([]freeSlot, error) {
	slots := c.plan.bookable(now)
	if len(slots) == 0 {
		return nil, nil
	}
	docs, err := readSlots(ctx, c.st, slots[0].Start, slots[len(slots)-1].Start)
	if err != nil {
		return nil, err
	}
	var coaches []Coach
	seen := map[string]bool{}
	for _, s := range slots {
		for _, co := range s.Coaches {
			if k := strings.ToLower(co.UPN); !seen[k] {
				seen[k] = true
				coaches = append(coaches, co)
			}
		}
	}
	busy := c.busyFor(ctx, coaches, now, c.plan.horizonEnd(now))
	var out []freeSlot
	for _, s := range slots {
		d := docs[s.ID]
		if d.activeFor(aad) {
			continue
		}
		free := s.Capacity - d.activeCount()
		if free <= 0 {
			continue
		}
		if _, ok := pickCoach(s, &d, busy); !ok {
			continue
		}
		out = append(out, freeSlot{slot: s, Free: free})
	}
	return out, nil
}

// mark records the outcome of a held session: outcome is stateHeld or
// stateNoShow; note replaces the note when not empty. Only the booking's
// coach or an administrator may mark.
func (c *Coaching) mark(ctx context.Context, who actor, bookingID, outcome, note string) (slotBooking, error) {
	now := c.now()
	slotID, start, err := parseBookingID(bookingID)
	if err != nil {
		return slotBooking{}, err
	}
	res := slotBooking{SlotID: slotID}
	doc, err := update(ctx, c.st, slotColl(start), slotID, func(d *slotDoc, exists bool) error {
		i, ok := d.find(bookingID)
		if !exists || !ok {
			return errNotFound
		}
		b := &d.Bookings[i]
		res.Booking = *b
		switch {
		case !who.admin && !who.isCoach(b.Coach):
			return errNotCoach
		case b.State == stateCancelled:
			return errCancelled
		case d.Start.After(now):
			return errNotStarted
		}
		b.State = outcome
		if note != "" {
			b.Note = note
		}
		b.MarkedBy, b.MarkedAt = who.aad, now
		res.Booking = *b
		return nil
	})
	res.Doc = doc
	if err != nil {
		return res, err
	}
	c.audit(ctx, now, "marked", bookingID, map[string]any{"outcome": outcome})
	return res, nil
}

// audit appends to the coaching log (ids and outcomes, never topics).
func (c *Coaching) audit(ctx context.Context, at time.Time, event, bookingID string, extra map[string]any) {
	rec := map[string]any{"event": event, "booking": bookingID}
	for k, v := range extra {
		rec[k] = v
	}
	b, err := json.Marshal(rec)
	if err == nil {
		_, err = c.st.AppendLog(ctx, auditLog, at, b)
	}
	if err != nil {
		c.log.WarnContext(ctx, "coaching: audit log", "event", event, "err", err)
	}
}

// errorf wraps a store failure with what was being done.
func errorf(what string, err error) error { return fmt.Errorf("coaching: %s: %w", what, err) }
