package coaching

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"
)

// Meeting is a Teams meeting to create in a coach's calendar.
type Meeting struct {
	Subject, BodyHTML string
	Start, End        time.Time // UTC
	// AttendeeEmail is empty when the employee's address is unknown: the
	// meeting is created anyway and the link sent in Teams.
	AttendeeEmail, AttendeeName string
	// TransactionID is stable per booking, so that a retried creation
	// does not make a second event.
	TransactionID string
}

// Busy is a time the coach's calendar is taken.
type Busy struct{ Start, End time.Time }

// Meetings is Microsoft Graph as coaching needs it; nil when Graph is not
// configured.
type Meetings interface {
	// CreateMeeting creates an event with a Teams meeting in the
	// organizer's calendar.
	CreateMeeting(ctx context.Context, organizerUPN string, m Meeting) (eventID, joinURL string, err error)
	// DeleteEvent deletes (cancels) the event.
	DeleteEvent(ctx context.Context, organizerUPN, eventID string) error
	// BusyTimes returns when upn's calendar is busy in [from, to).
	BusyTimes(ctx context.Context, upn string, from, to time.Time) ([]Busy, error)
}

// Directory looks users up by Entra object id (optional).
type Directory interface {
	UserByID(ctx context.Context, aadID string) (email, name string, err error)
}

// graphTimeout bounds one Graph call; turnGraphBudget bounds all Graph
// calls of a booking made during a user's turn, which Teams expects
// answered within seconds (a slow Graph then means "the link follows").
const (
	graphTimeout    = 6 * time.Second
	turnGraphBudget = 6 * time.Second
)

// meetingRetry is the wait before retry n (1, 2, …) of a Graph operation.
func meetingRetry(n int) time.Duration {
	d := 2 * time.Minute
	for i := 1; i < n && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// busyCache keeps each coach's busy times for a short while, so that a
// crowd opening the booking card does not become a crowd of Graph calls.
type busyCache struct {
	mu       sync.Mutex
	ttl      time.Duration
	m        map[string]busyEntry // lower-case UPN →
	inflight map[string]*busyCall
}

type busyEntry struct {
	at       time.Time
	from, to time.Time
	busy     []Busy
}

// busyCall is a Graph look-up in flight, shared by everyone who needs the
// same coach meanwhile (a crowd on one slot makes one call).
type busyCall struct {
	done     chan struct{}
	from, to time.Time
	busy     []Busy
	err      error
}

const busyTTL = 2 * time.Minute

func newBusyCache() *busyCache {
	return &busyCache{ttl: busyTTL, m: map[string]busyEntry{}, inflight: map[string]*busyCall{}}
}

// busyOf returns co's busy times over [from, to), cached.
func (c *Coaching) busyOf(ctx context.Context, co Coach, from, to, now time.Time) ([]Busy, error) {
	key := strings.ToLower(co.UPN)
	bc := c.busy
	bc.mu.Lock()
	if e, ok := bc.m[key]; ok && now.Sub(e.at) >= 0 && now.Sub(e.at) < bc.ttl && !e.from.After(from) && !e.to.Before(to) {
		bc.mu.Unlock()
		return e.busy, nil
	}
	if call, ok := bc.inflight[key]; ok && !call.from.After(from) && !call.to.Before(to) {
		bc.mu.Unlock()
		select {
		case <-call.done:
			return call.busy, call.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	call := &busyCall{done: make(chan struct{}), from: from, to: to}
	bc.inflight[key] = call
	bc.mu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, graphTimeout)
	call.busy, call.err = c.meet.BusyTimes(cctx, co.UPN, from, to)
	cancel()
	bc.mu.Lock()
	if bc.inflight[key] == call {
		delete(bc.inflight, key)
	}
	if call.err == nil {
		bc.m[key] = busyEntry{at: now, from: from, to: to, busy: call.busy}
	}
	bc.mu.Unlock()
	close(call.done)
	return call.busy, call.err
}

// busyFor returns the busy times of coaches over [from, to), by lower-case
// UPN. A coach whose calendar cannot be read counts as free: the booking
// still stands and the coach's event shows any clash.
func (c *Coaching) busyFor(ctx context.Context, coaches []Coach, from, to time.Time) map[string][]Busy {
	if c.meet == nil || len(coaches) == 0 {
		return nil
	}
	now := c.now()
	out := map[string][]Busy{}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, co := range coaches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			busy, err := c.busyOf(ctx, co, from, to, now)
			if err != nil {
				c.log.WarnContext(ctx, "coaching: cannot read coach calendar; offering the slots", "coach", co.UPN, "err", err)
				return
			}
			mu.Lock()
			out[strings.ToLower(co.UPN)] = busy
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// coachFree reports whether co's calendar is free for s. Two kinds of
// busy time are the service's own and ignored: an event exactly on the
// slot where co already has one of our bookings (the meeting Digibot
// created), and an event exactly on the whole session (the coach's own
// placeholder for the open session).
func coachFree(co Coach, s slot, d *slotDoc, busy map[string][]Busy) bool {
	own := false
	for _, b := range d.Bookings {
		if b.active() && strings.EqualFold(b.Coach, co.UPN) {
			own = true
		}
	}
	for _, b := range busy[strings.ToLower(co.UPN)] {
		if !b.Start.Before(s.End) || !b.End.After(s.Start) {
			continue // no overlap
		}
		if b.Start.Equal(s.SessionStart) && b.End.Equal(s.SessionEnd) {
			continue
		}
		if own && b.Start.Equal(s.Start) && b.End.Equal(s.End) {
			continue
		}
		return false
	}
	return true
}

// pickCoach chooses the free coach with the fewest bookings in the slot
// (configuration order breaks ties).
func pickCoach(s slot, d *slotDoc, busy map[string][]Busy) (Coach, bool) {
	best, bestN := Coach{}, -1
	for _, co := range s.Coaches {
		if !coachFree(co, s, d, busy) {
			continue
		}
		n := 0
		for _, b := range d.Bookings {
			if b.active() && strings.EqualFold(b.Coach, co.UPN) {
				n++
			}
		}
		if bestN < 0 || n < bestN {
			best, bestN = co, n
		}
	}
	return best, bestN >= 0
}

// meetingFor builds the Graph request for a booking.
func (c *Coaching) meetingFor(ctx context.Context, d slotDoc, b booking) Meeting {
	tx := sv // the coach's calendar is in Swedish
	m := Meeting{
		Subject:       tx.meetingSubject(oneLine(b.Topic, 80)),
		BodyHTML:      tx.meetingBody(html.EscapeString(b.Name), html.EscapeString(b.Department), html.EscapeString(b.Topic)),
		Start:         d.Start.UTC(),
		End:           d.End.UTC(),
		AttendeeName:  b.Name,
		TransactionID: "digibot-coaching-" + b.ID,
	}
	if c.dir != nil {
		cctx, cancel := context.WithTimeout(ctx, graphTimeout)
		email, name, err := c.dir.UserByID(cctx, b.AAD)
		cancel()
		if err != nil {
			c.log.WarnContext(ctx, "coaching: cannot look up the employee; the meeting has no attendee", "booking", b.ID, "err", err)
		} else {
			m.AttendeeEmail = strings.TrimSpace(email)
			if name != "" {
				m.AttendeeName = name
			}
		}
	}
	return m
}

// createMeeting tries once to create the booking's meeting and records
// the outcome in the slot doc. It returns the booking as stored.
// inTurn says the employee sees the outcome in the reply to their turn
// (so a created link counts as sent).
func (c *Coaching) createMeeting(ctx context.Context, slotID string, d slotDoc, b booking, inTurn bool) (booking, error) {
	budget := 2 * graphTimeout
	if inTurn {
		budget = turnGraphBudget
	}
	gctx, cancel := context.WithTimeout(ctx, budget)
	m := c.meetingFor(gctx, d, b)
	eventID, joinURL, gerr := c.meet.CreateMeeting(gctx, b.Coach, m)
	cancel()
	now := c.now()
	var stored booking
	var deleteNow bool
	_, err := update(ctx, c.st, slotColl(d.Start), slotID, func(sd *slotDoc, exists bool) error {
		i, ok := sd.find(b.ID)
		if !exists || !ok {
			return fmt.Errorf("booking %s vanished", b.ID)
		}
		bk := &sd.Bookings[i]
		deleteNow = false
		switch {
		case bk.Meeting.Status == meetCreated || bk.Meeting.Status == meetDeleting || bk.Meeting.Status == meetDeleted:
			stored = *bk
			return errNoChange // another run got there first
		case gerr != nil:
			bk.Meeting.Attempts++
			bk.Meeting.NextTry = now.Add(meetingRetry(bk.Meeting.Attempts))
			bk.Meeting.LastError = oneLine(gerr.Error(), 300)
		case !bk.active():
			// Cancelled while the event was being made: delete it.
			bk.Meeting.EventID, bk.Meeting.JoinURL = eventID, joinURL
			bk.Meeting.Status, bk.Meeting.NextTry = meetDeleting, now
			deleteNow = true
		default:
			bk.Meeting.EventID, bk.Meeting.JoinURL = eventID, joinURL
			bk.Meeting.Status, bk.Meeting.LastError = meetCreated, ""
			bk.Meeting.Notified = inTurn
		}
		stored = *bk
		return nil
	})
	if err != nil {
		return stored, fmt.Errorf("record meeting: %w", err)
	}
	if deleteNow {
		c.deleteMeeting(ctx, slotID, d, stored)
	}
	if gerr != nil {
		c.log.WarnContext(ctx, "coaching: cannot create the Teams meeting; will retry", "booking", b.ID, "err", gerr)
	}
	return stored, nil
}

// deleteMeeting tries once to delete a cancelled booking's event and
// records the outcome.
func (c *Coaching) deleteMeeting(ctx context.Context, slotID string, d slotDoc, b booking) {
	cctx, cancel := context.WithTimeout(ctx, graphTimeout)
	gerr := c.meet.DeleteEvent(cctx, b.Coach, b.Meeting.EventID)
	cancel()
	now := c.now()
	_, err := update(ctx, c.st, slotColl(d.Start), slotID, func(sd *slotDoc, exists bool) error {
		i, ok := sd.find(b.ID)
		if !exists || !ok || sd.Bookings[i].Meeting.Status != meetDeleting {
			return errNoChange
		}
		bk := &sd.Bookings[i]
		if gerr != nil {
			bk.Meeting.Attempts++
			bk.Meeting.NextTry = now.Add(meetingRetry(bk.Meeting.Attempts))
			bk.Meeting.LastError = oneLine(gerr.Error(), 300)
			if now.After(sd.End.Add(24 * time.Hour)) {
				bk.Meeting.Status = meetDeleted // long past: stop trying
			}
			return nil
		}
		bk.Meeting.Status, bk.Meeting.LastError = meetDeleted, ""
		return nil
	})
	if err != nil {
		c.log.WarnContext(ctx, "coaching: cannot record the meeting deletion", "booking", b.ID, "err", err)
	}
	if gerr != nil {
		c.log.WarnContext(ctx, "coaching: cannot delete the Teams meeting; will retry", "booking", b.ID, "err", gerr)
	}
}

// retryMeetings works through the bookings whose Graph operation is due:
// creations that failed (the employee then gets the link in Teams) and
// deletions of cancelled bookings. A booking whose session started
// without a meeting gets a message saying to contact the coach. Every
// message has a deterministic outbox id, so a repeated run sends nothing
// twice.
func (c *Coaching) retryMeetings(ctx context.Context, now time.Time) error {
	if c.meet == nil {
		return nil
	}
	docs, err := readSlots(ctx, c.st, now.AddDate(0, 0, -7), c.plan.horizonEnd(now).AddDate(0, 0, 7))
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range sortedKeys(docs) {
		d := docs[id]
		for _, b := range d.Bookings {
			if b.Meeting.Mode != modeGraph {
				continue
			}
			due := !b.Meeting.NextTry.After(now)
			switch {
			case b.Meeting.Status == meetPending && !b.active():
				c.setMeeting(ctx, id, d, b.ID, meetPending, func(m *meeting) { m.Status = meetDropped })
			case b.Meeting.Status == meetPending && !d.Start.After(now):
				if err := c.enqueue(ctx, "coaching.link-failed:"+b.ID, kindLink, b.AAD, c.linkFailedCard(textFor(b.Lang), id, d, b)); err != nil {
					errs = append(errs, err)
					continue
				}
				c.setMeeting(ctx, id, d, b.ID, meetPending, func(m *meeting) { m.Status = meetFailed })
			case b.Meeting.Status == meetPending && due:
				stored, err := c.createMeeting(ctx, id, d, b, false)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if stored.Meeting.Status == meetCreated && stored.active() && !stored.Meeting.Notified {
					errs = append(errs, c.notifyLink(ctx, id, d, stored))
				}
			case b.Meeting.Status == meetCreated && b.active() && !b.Meeting.Notified:
				errs = append(errs, c.notifyLink(ctx, id, d, b))
			case b.Meeting.Status == meetDeleting && due:
				c.deleteMeeting(ctx, id, d, b)
			}
		}
	}
	return errors.Join(errs...)
}

// notifyLink sends the employee the meeting link created after the turn,
// then records that it was sent.
func (c *Coaching) notifyLink(ctx context.Context, slotID string, d slotDoc, b booking) error {
	if err := c.enqueue(ctx, "coaching.link:"+b.ID, kindLink, b.AAD, c.linkCard(textFor(b.Lang), d, b)); err != nil {
		return err
	}
	c.setMeeting(ctx, slotID, d, b.ID, meetCreated, func(m *meeting) { m.Notified = true })
	return nil
}

// setMeeting changes a booking's meeting if it is still in status from.
func (c *Coaching) setMeeting(ctx context.Context, slotID string, d slotDoc, bookingID, from string, change func(m *meeting)) {
	_, err := update(ctx, c.st, slotColl(d.Start), slotID, func(sd *slotDoc, exists bool) error {
		i, ok := sd.find(bookingID)
		if !exists || !ok || sd.Bookings[i].Meeting.Status != from {
			return errNoChange
		}
		change(&sd.Bookings[i].Meeting)
		return nil
	})
	if err != nil {
		c.log.WarnContext(ctx, "coaching: cannot update the meeting record", "booking", bookingID, "err", err)
	}
}
