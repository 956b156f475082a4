package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"digibot/storage"
)

// purgeBatch bounds one PurgeOutbox transaction, so that purging a large
// history does not hold the single writer for long.
var purgeBatch = 1000 // tests lower it

// outbox is the outbox buckets of one write transaction. Every change to an
// entry goes through save or remove, which keep the indexes and counts in
// step with the entry.
type outbox struct {
	entries, due, settled, counts *bolt.Bucket
}

func outboxOf(tx *bolt.Tx) outbox {
	return outbox{
		entries: tx.Bucket(bucketOutbox),
		due:     tx.Bucket(bucketOutboxDue),
		settled: tx.Bucket(bucketOutboxSettled),
		counts:  tx.Bucket(bucketOutboxCounts),
	}
}

func (o outbox) load(id string) (storage.OutboxEntry, bool, error) {
	var e storage.OutboxEntry
	v := o.entries.Get([]byte(id))
	if v == nil {
		return e, false, nil
	}
	if err := json.Unmarshal(v, &e); err != nil {
		return e, false, fmt.Errorf("decode outbox entry %q: %w", id, err)
	}
	return e, true, nil
}

// settledAt is when a delivered or failed entry was settled.
func settledAt(e *storage.OutboxEntry) time.Time {
	if e.State == storage.OutboxDelivered {
		return e.DeliveredAt
	}
	return e.UpdatedAt
}

// save writes e; old is its previous version (nil for a new entry).
func (o outbox) save(old, e *storage.OutboxEntry) error {
	if old != nil {
		if err := o.unindex(old); err != nil {
			return err
		}
	}
	switch e.State {
	case storage.OutboxPending:
		if err := o.due.Put(timeIDKey(e.NotBefore, e.ID), []byte{}); err != nil {
			return err
		}
	case storage.OutboxLeased:
		if err := o.due.Put(timeIDKey(e.NotBefore, e.ID), timeKey(e.LeaseUntil)); err != nil {
			return err
		}
	case storage.OutboxDelivered, storage.OutboxFailed:
		if err := o.settled.Put(timeIDKey(settledAt(e), e.ID), []byte{}); err != nil {
			return err
		}
	default:
		return fmt.Errorf("outbox entry %q in unknown state %q", e.ID, e.State)
	}
	if err := o.count(e.State, +1); err != nil {
		return err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode outbox entry %q: %w", e.ID, err)
	}
	return o.entries.Put([]byte(e.ID), b)
}

func (o outbox) remove(e *storage.OutboxEntry) error {
	if err := o.unindex(e); err != nil {
		return err
	}
	return o.entries.Delete([]byte(e.ID))
}

func (o outbox) unindex(e *storage.OutboxEntry) error {
	var err error
	switch e.State {
	case storage.OutboxPending, storage.OutboxLeased:
		err = o.due.Delete(timeIDKey(e.NotBefore, e.ID))
	case storage.OutboxDelivered, storage.OutboxFailed:
		err = o.settled.Delete(timeIDKey(settledAt(e), e.ID))
	}
	if err != nil {
		return err
	}
	return o.count(e.State, -1)
}

func (o outbox) count(state storage.OutboxState, delta int64) error {
	n := o.get(state) + delta
	if n < 0 {
		return fmt.Errorf("outbox count of %s would become %d", state, n)
	}
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(n))
	return o.counts.Put([]byte(state), b)
}

func (o outbox) get(state storage.OutboxState) int64 {
	v := o.counts.Get([]byte(state))
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// Enqueue stores e as pending unless its ID exists.
func (s *Store) Enqueue(ctx context.Context, e storage.OutboxEntry) (bool, error) {
	const op = "enqueue"
	now := s.now()
	if err := checkKey(op, "outbox ID", e.ID); err != nil {
		return false, err
	}
	if len(e.Activity) == 0 || !json.Valid(e.Activity) {
		return false, invalid(op, "entry %q: activity is not valid JSON", e.ID)
	}
	for _, t := range []*time.Time{&e.NotBefore, &e.CreatedAt, &e.UpdatedAt} {
		if t.IsZero() {
			*t = now
		}
	}
	if err := checkTime(op, "NotBefore", e.NotBefore); err != nil {
		return false, err
	}
	e.State, e.Attempts, e.LeaseOwner, e.LeaseUntil, e.LastError = storage.OutboxPending, 0, "", time.Time{}, ""
	e.DeliveredAt, e.ConversationID, e.ActivityID = time.Time{}, "", ""
	created := false
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		o := outboxOf(tx)
		if o.entries.Get([]byte(e.ID)) != nil {
			return errNoChange
		}
		created = true
		return o.save(nil, &e)
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// Lease hands out due entries, oldest NotBefore first. It walks the due
// index only up to now, skipping the few entries other owners hold.
func (s *Store) Lease(ctx context.Context, owner string, now time.Time, max int, ttl time.Duration) ([]storage.OutboxEntry, error) {
	const op = "lease"
	if err := checkLease(op, owner, now, max, ttl); err != nil {
		return nil, err
	}
	until := now.Add(ttl)
	var leased []storage.OutboxEntry
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		o := outboxOf(tx)
		limit := timeKey(now)
		var picked []string
		c := o.due.Cursor()
		for k, v := c.First(); k != nil && len(picked) < max; k, v = c.Next() {
			if bytes.Compare(k[:8], limit) > 0 {
				break
			}
			if len(v) == 8 && decodeTime(v).After(now) {
				continue // held by someone
			}
			picked = append(picked, string(k[8:]))
		}
		if len(picked) == 0 {
			return errNoChange
		}
		for _, id := range picked {
			old, ok, err := o.load(id)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("due index names missing entry %q", id)
			}
			e := old
			e.State, e.LeaseOwner, e.LeaseUntil, e.UpdatedAt = storage.OutboxLeased, owner, until, now
			e.Attempts++
			if err := o.save(&old, &e); err != nil {
				return err
			}
			leased = append(leased, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return leased, nil
}

func checkLease(op, owner string, now time.Time, max int, ttl time.Duration) error {
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	if max < 1 {
		return invalid(op, "max %d is less than 1", max)
	}
	if err := checkTTL(op, ttl); err != nil {
		return err
	}
	if err := checkTime(op, "now", now); err != nil {
		return err
	}
	return checkTime(op, "lease end", now.Add(ttl))
}

// settle applies change to a leased entry that owner holds.
func (s *Store) settle(ctx context.Context, op, id, owner string, change func(e *storage.OutboxEntry)) error {
	if err := checkKey(op, "outbox ID", id); err != nil {
		return err
	}
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		o := outboxOf(tx)
		old, ok, err := o.load(id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: outbox entry %q", storage.ErrNotFound, id)
		}
		if old.State != storage.OutboxLeased || old.LeaseOwner != owner {
			return fmt.Errorf("%w: outbox entry %q is %s by %q, not leased by %q", storage.ErrConflict, id, old.State, old.LeaseOwner, owner)
		}
		e := old
		change(&e)
		return o.save(&old, &e)
	})
}

// MarkDelivered records that owner's leased entry went out.
func (s *Store) MarkDelivered(ctx context.Context, id, owner string, d storage.Delivery) error {
	const op = "mark delivered"
	if d.At.IsZero() {
		d.At = s.now()
	}
	if err := checkTime(op, "delivery time", d.At); err != nil {
		return err
	}
	return s.settle(ctx, op, id, owner, func(e *storage.OutboxEntry) {
		e.State, e.DeliveredAt, e.UpdatedAt, e.LeaseUntil = storage.OutboxDelivered, d.At, d.At, time.Time{}
		e.ConversationID, e.ActivityID = d.ConversationID, d.ActivityID
	})
}

// MarkRetry puts owner's leased entry back as pending from notBefore.
func (s *Store) MarkRetry(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error {
	const op = "mark retry"
	if err := checkTime(op, "notBefore", notBefore); err != nil {
		return err
	}
	now := s.now()
	return s.settle(ctx, op, id, owner, func(e *storage.OutboxEntry) {
		e.State, e.NotBefore, e.LastError, e.UpdatedAt = storage.OutboxPending, notBefore, lastErr, now
		e.LeaseOwner, e.LeaseUntil = "", time.Time{}
	})
}

// MarkFailed gives up on owner's leased entry.
func (s *Store) MarkFailed(ctx context.Context, id, owner string, at time.Time, lastErr string) error {
	const op = "mark failed"
	if at.IsZero() {
		at = s.now()
	}
	if err := checkTime(op, "failure time", at); err != nil {
		return err
	}
	return s.settle(ctx, op, id, owner, func(e *storage.OutboxEntry) {
		e.State, e.UpdatedAt, e.LastError, e.LeaseUntil = storage.OutboxFailed, at, lastErr, time.Time{}
	})
}

// GetOutbox returns one entry.
func (s *Store) GetOutbox(ctx context.Context, id string) (storage.OutboxEntry, error) {
	const op = "get outbox entry"
	var e storage.OutboxEntry
	if err := checkKey(op, "outbox ID", id); err != nil {
		return e, err
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var ok bool
		var err error
		e, ok, err = outboxOf(tx).load(id)
		if err == nil && !ok {
			err = fmt.Errorf("%w: outbox entry %q", storage.ErrNotFound, id)
		}
		return err
	})
	return e, err
}

// CountOutbox reads the counts kept beside the entries.
func (s *Store) CountOutbox(ctx context.Context) (storage.OutboxCounts, error) {
	var c storage.OutboxCounts
	err := s.view(ctx, "count outbox", func(tx *bolt.Tx) error {
		o := outboxOf(tx)
		c = storage.OutboxCounts{
			Pending:   int(o.get(storage.OutboxPending)),
			Leased:    int(o.get(storage.OutboxLeased)),
			Delivered: int(o.get(storage.OutboxDelivered)),
			Failed:    int(o.get(storage.OutboxFailed)),
		}
		return nil
	})
	return c, err
}

// PurgeOutbox deletes entries settled before t, in batches.
func (s *Store) PurgeOutbox(ctx context.Context, before time.Time) (int, error) {
	const op = "purge outbox"
	limit := make([]byte, 8)
	binary.BigEndian.PutUint64(limit, uint64(clampNano(before)))
	total := 0
	for {
		n := 0
		err := s.update(ctx, op, func(tx *bolt.Tx) error {
			o := outboxOf(tx)
			var ids []string
			c := o.settled.Cursor()
			for k, _ := c.First(); k != nil && len(ids) < purgeBatch && bytes.Compare(k[:8], limit) < 0; k, _ = c.Next() {
				ids = append(ids, string(k[8:]))
			}
			if len(ids) == 0 {
				return errNoChange
			}
			for _, id := range ids {
				e, ok, err := o.load(id)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("settled index names missing entry %q", id)
				}
				if err := o.remove(&e); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		total += n
		if err != nil {
			return total, err
		}
		if n < purgeBatch {
			return total, nil
		}
	}
}
