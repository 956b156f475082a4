package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"digibot/storage"
)

// PutReference stores r under r.Key (UpdatedAt defaults to now).
func (s *Store) PutReference(ctx context.Context, r storage.Reference) error {
	const op = "put reference"
	if err := checkKey(op, "reference key", r.Key); err != nil {
		return err
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = s.now()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return invalid(op, "encode reference %q: %v", r.Key, err)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRefs).Put([]byte(r.Key), b)
	})
}

// GetReference returns the reference under key.
func (s *Store) GetReference(ctx context.Context, key string) (storage.Reference, error) {
	const op = "get reference"
	var r storage.Reference
	if err := checkKey(op, "reference key", key); err != nil {
		return r, err
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRefs).Get([]byte(key))
		if v == nil {
			return fmt.Errorf("%w: reference %q", storage.ErrNotFound, key)
		}
		return json.Unmarshal(v, &r)
	})
	return r, err
}

// DeleteReference removes the reference under key; an absent one is fine.
func (s *Store) DeleteReference(ctx context.Context, key string) error {
	const op = "delete reference"
	if err := checkKey(op, "reference key", key); err != nil {
		return err
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRefs)
		if b.Get([]byte(key)) == nil {
			return errNoChange
		}
		return b.Delete([]byte(key))
	})
}

// ListReferences returns all references ordered by key.
func (s *Store) ListReferences(ctx context.Context) ([]storage.Reference, error) {
	var out []storage.Reference
	err := s.view(ctx, "list references", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRefs).ForEach(func(k, v []byte) error {
			var r storage.Reference
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode reference %q: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// claim is a time-limited hold on a lock or a job run.
type claim struct {
	Owner  string    `json:"owner,omitempty"`
	Until  time.Time `json:"until"`
	Done   bool      `json:"done,omitempty"`
	DoneBy string    `json:"doneBy,omitempty"`
	DoneAt time.Time `json:"doneAt,omitzero"`
}

// heldByOther reports whether someone other than owner holds c at now.
func (c claim) heldByOther(owner string, now time.Time) bool {
	return c.Owner != "" && c.Owner != owner && c.Until.After(now)
}

func loadClaim(b *bolt.Bucket, key []byte) (claim, error) {
	var c claim
	v := b.Get(key)
	if v == nil {
		return c, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, fmt.Errorf("decode claim %q: %w", key, err)
	}
	return c, nil
}

func saveClaim(b *bolt.Bucket, key []byte, c claim) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// AcquireLock takes or renews name for owner until now+ttl.
func (s *Store) AcquireLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	const op = "acquire lock"
	if err := checkKey(op, "lock name", name); err != nil {
		return false, err
	}
	if err := checkClaim(op, owner, ttl); err != nil {
		return false, err
	}
	held := false
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		now := s.now()
		b := tx.Bucket(bucketLocks)
		c, err := loadClaim(b, []byte(name))
		if err != nil {
			return err
		}
		if c.heldByOther(owner, now) {
			return errNoChange
		}
		held = true
		return saveClaim(b, []byte(name), claim{Owner: owner, Until: now.Add(ttl)})
	})
	if err != nil {
		return false, err
	}
	return held, nil
}

// ReleaseLock frees name if owner holds it.
func (s *Store) ReleaseLock(ctx context.Context, name, owner string) error {
	const op = "release lock"
	if err := checkKey(op, "lock name", name); err != nil {
		return err
	}
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLocks)
		c, err := loadClaim(b, []byte(name))
		if err != nil {
			return err
		}
		if c.Owner != owner {
			return errNoChange
		}
		return b.Delete([]byte(name))
	})
}

func checkClaim(op, owner string, ttl time.Duration) error {
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return checkTTL(op, ttl)
}

// runKey joins job and period; neither may contain NUL, so it is unambiguous.
func runKey(op, job, period string) ([]byte, error) {
	if err := checkKey(op, "job", job); err != nil {
		return nil, err
	}
	if err := checkKey(op, "period", period); err != nil {
		return nil, err
	}
	return []byte(job + "\x00" + period), nil
}

// StartRun claims (job, period) for owner unless it is done or claimed by
// another owner whose claim has not expired.
func (s *Store) StartRun(ctx context.Context, job, period, owner string, ttl time.Duration) (bool, error) {
	const op = "start run"
	key, err := runKey(op, job, period)
	if err != nil {
		return false, err
	}
	if err := checkClaim(op, owner, ttl); err != nil {
		return false, err
	}
	started := false
	err = s.update(ctx, op, func(tx *bolt.Tx) error {
		now := s.now()
		b := tx.Bucket(bucketRuns)
		c, err := loadClaim(b, key)
		if err != nil {
			return err
		}
		if c.Done || c.heldByOther(owner, now) {
			return errNoChange
		}
		started = true
		return saveClaim(b, key, claim{Owner: owner, Until: now.Add(ttl)})
	})
	if err != nil {
		return false, err
	}
	return started, nil
}

// FinishRun marks (job, period) done for good.
func (s *Store) FinishRun(ctx context.Context, job, period, owner string) error {
	const op = "finish run"
	key, err := runKey(op, job, period)
	if err != nil {
		return err
	}
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		c, err := loadClaim(b, key)
		if err != nil {
			return err
		}
		if c.Done {
			return errNoChange
		}
		c.Done, c.DoneBy, c.DoneAt = true, owner, s.now()
		return saveClaim(b, key, c)
	})
}

// RunDone reports whether (job, period) is done.
func (s *Store) RunDone(ctx context.Context, job, period string) (bool, error) {
	const op = "run done"
	key, err := runKey(op, job, period)
	if err != nil {
		return false, err
	}
	var done bool
	err = s.view(ctx, op, func(tx *bolt.Tx) error {
		c, err := loadClaim(tx.Bucket(bucketRuns), key)
		done = c.Done
		return err
	})
	return done, err
}

// MarkProcessed records id until now+ttl; first is false when it was
// recorded and not expired. Each new record also sweeps a few expired ids.
func (s *Store) MarkProcessed(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	const op = "mark processed"
	if err := checkKey(op, "activity id", id); err != nil {
		return false, err
	}
	if err := checkTTL(op, ttl); err != nil {
		return false, err
	}
	first := false
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		now := s.now()
		ids, expiry := tx.Bucket(bucketDedupe), tx.Bucket(bucketDedupeExpiry)
		if v := ids.Get([]byte(id)); v != nil {
			old := decodeTime(v)
			if old.After(now) {
				return errNoChange
			}
			if err := expiry.Delete(timeIDKey(old, id)); err != nil {
				return err
			}
		}
		first = true
		until := now.Add(ttl)
		if err := ids.Put([]byte(id), timeKey(until)); err != nil {
			return err
		}
		if err := expiry.Put(timeIDKey(until, id), []byte{}); err != nil {
			return err
		}
		return sweepDedupe(ids, expiry, now)
	})
	if err != nil {
		return false, err
	}
	return first, nil
}

// sweepDedupe deletes up to dedupeSweep ids that expired at or before now.
func sweepDedupe(ids, expiry *bolt.Bucket, now time.Time) error {
	limit := timeKey(now)
	var keys [][]byte
	c := expiry.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < dedupeSweep && bytes.Compare(k[:8], limit) <= 0; k, _ = c.Next() {
		keys = append(keys, clone(k))
	}
	for _, k := range keys {
		if err := expiry.Delete(k); err != nil {
			return err
		}
		if err := ids.Delete(k[8:]); err != nil {
			return err
		}
	}
	return nil
}

// ForgetProcessed removes id so that its turn can be processed again.
func (s *Store) ForgetProcessed(ctx context.Context, id string) error {
	const op = "forget processed"
	if err := checkKey(op, "activity id", id); err != nil {
		return err
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		ids, expiry := tx.Bucket(bucketDedupe), tx.Bucket(bucketDedupeExpiry)
		v := ids.Get([]byte(id))
		if v == nil {
			return errNoChange
		}
		if err := expiry.Delete(timeIDKey(decodeTime(v), id)); err != nil {
			return err
		}
		return ids.Delete([]byte(id))
	})
}
