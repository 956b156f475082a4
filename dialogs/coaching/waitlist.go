package coaching

import (
	"context"
	"errors"
	"time"
)

// waitlistTTL: an entry older than this is dropped (the person can join
// again); by then the horizon has moved on twice.
func (c *Coaching) waitlistTTL() time.Duration {
	return 2 * time.Duration(c.plan.cfg.HorizonDays) * 24 * time.Hour
}

func (c *Coaching) pruneWaitlist(w *waitlistDoc, now time.Time) bool {
	out := w.Entries[:0]
	changed := false
	for _, e := range w.Entries {
		if now.Sub(e.At) > c.waitlistTTL() {
			changed = true
			continue
		}
		out = append(out, e)
	}
	w.Entries = out
	return changed
}

var errWaitlistFull = errors.New("waitlist full")

// joinWaitlist adds (or updates) aad's entry and returns its 1-based
// position.
func (c *Coaching) joinWaitlist(ctx context.Context, e waiter) (int, error) {
	now := c.now()
	e.At = now
	pos := 0
	_, err := update(ctx, c.st, collWaitlist, waitlistID, func(w *waitlistDoc, _ bool) error {
		c.pruneWaitlist(w, now)
		if i := w.index(e.AAD); i >= 0 {
			// Keep the place in the queue; take the new topic.
			w.Entries[i].Topic, w.Entries[i].Department, w.Entries[i].Lang = e.Topic, e.Department, e.Lang
			pos = i + 1
			return nil
		}
		if len(w.Entries) >= c.plan.cfg.Waitlist.MaxLength {
			return errWaitlistFull
		}
		w.Entries = append(w.Entries, e)
		pos = len(w.Entries)
		return nil
	})
	return pos, err
}

// leaveWaitlist removes aad's entry; it reports whether there was one.
func (c *Coaching) leaveWaitlist(ctx context.Context, aad string) (bool, error) {
	w, ok, err := read[waitlistDoc](ctx, c.st, collWaitlist, waitlistID)
	if err != nil || !ok || w.index(aad) < 0 {
		return false, err
	}
	removed := false
	_, err = update(ctx, c.st, collWaitlist, waitlistID, func(w *waitlistDoc, _ bool) error {
		i := w.index(aad)
		if removed = i >= 0; !removed {
			return errNoChange
		}
		w.Entries = append(w.Entries[:i], w.Entries[i+1:]...)
		return nil
	})
	return removed, err
}

// waitlistEntry returns aad's entry and 1-based position (0: not queued).
func (c *Coaching) waitlistEntry(ctx context.Context, aad string) (waiter, int, error) {
	w, _, err := read[waitlistDoc](ctx, c.st, collWaitlist, waitlistID)
	if err != nil {
		return waiter{}, 0, err
	}
	now := c.now()
	for i, e := range w.Entries {
		if e.AAD == aad && now.Sub(e.At) <= c.waitlistTTL() {
			return e, i + 1, nil
		}
	}
	return waiter{}, 0, nil
}

// offerFreedPlace offers the slot freed by cancelling bookingID to the
// first people on the waitlist, in queue order; the first to confirm
// gets it (an ordinary booking attempt). The outbox ids name the freed
// booking, so repeating this sends nothing twice.
func (c *Coaching) offerFreedPlace(ctx context.Context, slotID, freedBooking, canceller string) error {
	now := c.now()
	s, err := c.plan.find(slotID)
	if err != nil || c.plan.stateOf(s, now) != slotBookable {
		return nil // not in the schedule any more, or too late to book
	}
	w, ok, err := read[waitlistDoc](ctx, c.st, collWaitlist, waitlistID)
	if err != nil || !ok {
		return err
	}
	var errs []error
	sent := 0
	for _, e := range w.Entries {
		if sent >= c.plan.cfg.Waitlist.Offers {
			break
		}
		if e.AAD == canceller || now.Sub(e.At) > c.waitlistTTL() {
			continue
		}
		tx := textFor(e.Lang)
		if err := c.enqueue(ctx, "coaching.offer:"+freedBooking+":"+e.AAD, kindOffer, e.AAD, c.offerCard(tx, s, e)); err != nil {
			errs = append(errs, err)
			continue
		}
		sent++
	}
	return errors.Join(errs...)
}
