package coaching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"digibot/storage"
)

// Store is the part of the store coaching uses.
type Store interface {
	GetDoc(ctx context.Context, coll, id string) (storage.Doc, error)
	PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error)
	DeleteDoc(ctx context.Context, coll, id string, expect int64) error
	ListDocs(ctx context.Context, coll string) ([]storage.Doc, error)
	AppendLog(ctx context.Context, log string, at time.Time, data []byte) (string, error)
	Enqueue(ctx context.Context, e storage.OutboxEntry) (created bool, err error)
}

// Where coaching keeps its records. A slot's bookings live in one doc, the
// truth about who holds a place; slot docs are grouped by ISO week so that
// listing the horizon or a digest period reads a few small collections.
const (
	collSlotsPrefix = "coaching.slots." // + "2026-W49"; id: slot id
	collPeople      = "coaching.people" // id: AAD object id; the person's holds
	collWaitlist    = "coaching.waitlist"
	collCoaches     = "coaching.coaches" // id: lower-case UPN; learned AAD ids
	waitlistID      = "queue"
	auditLog        = "coaching"
)

func slotColl(start time.Time) string { return collSlotsPrefix + isoWeek(start) }

// Booking states.
const (
	stateBooked    = "booked"
	stateCancelled = "cancelled"
	stateHeld      = "held"
	stateNoShow    = "noshow"
)

// Meeting modes and statuses.
const (
	modeGraph    = "graph"    // a Teams meeting in the coach's calendar via Graph
	modeStanding = "standing" // the session's standing link (or none)

	meetPending  = "pending"  // to be created (retried by the meetings job)
	meetCreated  = "created"  // created; EventID and JoinURL set
	meetFailed   = "failed"   // gave up: the session started without one
	meetDeleting = "deleting" // booking cancelled; the event is to be deleted
	meetDeleted  = "deleted"
	meetDropped  = "dropped" // cancelled before the event existed
)

// slotDoc is one slot's bookings, current and cancelled.
type slotDoc struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Bookings []booking `json:"bookings"`
}

// booking is one person's place in a slot.
type booking struct {
	ID          string    `json:"id"`
	AAD         string    `json:"aad"`
	Name        string    `json:"name,omitempty"`
	Lang        string    `json:"lang,omitempty"`
	Topic       string    `json:"topic"`
	Department  string    `json:"department"`
	Coach       string    `json:"coach"` // UPN
	CoachName   string    `json:"coachName,omitempty"`
	State       string    `json:"state"`
	BookedAt    time.Time `json:"bookedAt"`
	CancelledAt time.Time `json:"cancelledAt,omitzero"`
	Note        string    `json:"note,omitempty"`
	MarkedBy    string    `json:"markedBy,omitempty"`
	MarkedAt    time.Time `json:"markedAt,omitzero"`
	Meeting     meeting   `json:"meeting"`
}

// meeting is the booking's Teams meeting; for Graph meetings it is also
// the retry queue entry the meetings job works through.
type meeting struct {
	Mode      string    `json:"mode"`
	Status    string    `json:"status,omitempty"`
	EventID   string    `json:"eventId,omitempty"`
	JoinURL   string    `json:"joinUrl,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	NextTry   time.Time `json:"nextTry,omitzero"`
	LastError string    `json:"lastError,omitempty"`
	Notified  bool      `json:"notified,omitempty"` // link sent after a retry
}

func (b booking) active() bool { return b.State != stateCancelled }

// activeCount is how many places are taken.
func (d *slotDoc) activeCount() int {
	n := 0
	for _, b := range d.Bookings {
		if b.active() {
			n++
		}
	}
	return n
}

func (d *slotDoc) find(id string) (int, bool) {
	for i, b := range d.Bookings {
		if b.ID == id {
			return i, true
		}
	}
	return -1, false
}

func (d *slotDoc) activeFor(aad string) bool {
	for _, b := range d.Bookings {
		if b.AAD == aad && b.active() {
			return true
		}
	}
	return false
}

// maxSlotEntries bounds a slot doc: cancelled entries beyond it are
// dropped oldest first (the audit log keeps them).
const maxSlotEntries = 64

func (d *slotDoc) prune() {
	for len(d.Bookings) > maxSlotEntries {
		i := -1
		for j, b := range d.Bookings {
			if !b.active() {
				i = j
				break
			}
		}
		if i < 0 {
			return
		}
		d.Bookings = append(d.Bookings[:i], d.Bookings[i+1:]...)
	}
}

// personDoc holds a person's claims on future places. A hold is written
// before the slot is taken and removed if the slot is lost, so the number
// of holds is never below the number of bookings: the per-person limit
// cannot be exceeded by concurrent bookings. A hold left by a crash is
// dropped once its slot doc shows no such booking.
type personDoc struct {
	Holds []hold `json:"holds"`
}

type hold struct {
	Booking string    `json:"booking"`
	Slot    string    `json:"slot"`
	Start   time.Time `json:"start"`
	At      time.Time `json:"at"`
}

// future drops holds whose slot has started.
func (p *personDoc) future(now time.Time) {
	out := p.Holds[:0]
	for _, h := range p.Holds {
		if h.Start.After(now) {
			out = append(out, h)
		}
	}
	p.Holds = out
}

func (p *personDoc) remove(bookingID string) bool {
	for i, h := range p.Holds {
		if h.Booking == bookingID {
			p.Holds = append(p.Holds[:i], p.Holds[i+1:]...)
			return true
		}
	}
	return false
}

// waitlistDoc is the queue of people waiting for a place, oldest first.
type waitlistDoc struct {
	Entries []waiter `json:"entries"`
}

type waiter struct {
	AAD        string    `json:"aad"`
	Name       string    `json:"name,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	Topic      string    `json:"topic"`
	Department string    `json:"department"`
	At         time.Time `json:"at"`
}

func (w *waitlistDoc) index(aad string) int {
	for i, e := range w.Entries {
		if e.AAD == aad {
			return i
		}
	}
	return -1
}

// coachDoc remembers a coach's AAD id learned from the directory.
type coachDoc struct {
	AADID string `json:"aadId"`
}

// errNoChange ends an update that found nothing to write.
var errNoChange = errors.New("no change")

// maxCASAttempts bounds an optimistic update; every conflict means another
// writer succeeded, so this is only reached under absurd contention.
const maxCASAttempts = 2000

// update reads coll/id into a T, lets fn change it and writes it back if
// the version is unchanged, retrying on conflict. fn returning errNoChange
// ends without writing (the value read is returned); any other error
// aborts. fn may run several times.
func update[T any](ctx context.Context, st Store, coll, id string, fn func(v *T, exists bool) error) (T, error) {
	var zero T
	for attempt := 0; attempt < maxCASAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		var v T
		version := storage.NoVersion
		d, err := st.GetDoc(ctx, coll, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return zero, fmt.Errorf("read %s/%s: %w", coll, id, err)
		default:
			if err := json.Unmarshal(d.Value, &v); err != nil {
				return zero, fmt.Errorf("decode %s/%s: %w", coll, id, err)
			}
			version = d.Version
		}
		if err := fn(&v, version != storage.NoVersion); err != nil {
			if errors.Is(err, errNoChange) {
				return v, nil
			}
			return v, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return zero, fmt.Errorf("encode %s/%s: %w", coll, id, err)
		}
		_, err = st.PutDoc(ctx, coll, id, b, version)
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, storage.ErrConflict):
			// Someone else wrote in between: read again. After a few
			// rounds, back off a little so a crowd spreads out.
			if attempt >= 3 {
				pause := time.Duration(rand.IntN(200*min(attempt, 20))) * time.Microsecond
				select {
				case <-ctx.Done():
					return zero, ctx.Err()
				case <-time.After(pause):
				}
			}
		default:
			return zero, fmt.Errorf("write %s/%s: %w", coll, id, err)
		}
	}
	return zero, fmt.Errorf("write %s/%s: %w: gave up after %d attempts", coll, id, storage.ErrConflict, maxCASAttempts)
}

// read loads coll/id; exists is false when absent.
func read[T any](ctx context.Context, st Store, coll, id string) (T, bool, error) {
	var v T
	d, err := st.GetDoc(ctx, coll, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return v, false, nil
	case err != nil:
		return v, false, fmt.Errorf("read %s/%s: %w", coll, id, err)
	}
	if err := json.Unmarshal(d.Value, &v); err != nil {
		return v, false, fmt.Errorf("decode %s/%s: %w", coll, id, err)
	}
	return v, true, nil
}

// readSlots returns the slot docs of the weeks [from, to) touches, by id.
func readSlots(ctx context.Context, st Store, from, to time.Time) (map[string]slotDoc, error) {
	out := map[string]slotDoc{}
	for _, w := range weeksBetween(from, to) {
		docs, err := st.ListDocs(ctx, collSlotsPrefix+w)
		if err != nil {
			return nil, fmt.Errorf("list slots of %s: %w", w, err)
		}
		for _, d := range docs {
			var s slotDoc
			if err := json.Unmarshal(d.Value, &s); err != nil {
				return nil, fmt.Errorf("decode slot %s: %w", d.ID, err)
			}
			out[d.ID] = s
		}
	}
	return out, nil
}
