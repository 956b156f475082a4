package embedded

import (
	"bytes"
	"context"
	"regexp"

	bolt "go.etcd.io/bbolt"

	"digibot/storage"
)

// logIDRE is the shape of every ID logID makes.
var logIDRE = regexp.MustCompile(`^[0-9]{19}-[0-9]{20}$`)

// checkLogEdits validates edits before any transaction starts.
func checkLogEdits(op string, edits []storage.LogEdit) error {
	if len(edits) > storage.MaxLogEdits {
		return invalid(op, "%d edits, more than %d", len(edits), storage.MaxLogEdits)
	}
	seen := make(map[string]bool, len(edits))
	for _, e := range edits {
		if !logIDRE.MatchString(e.ID) {
			return invalid(op, "entry id %q is malformed", e.ID)
		}
		if seen[e.ID] {
			return invalid(op, "entry id %q is edited twice", e.ID)
		}
		seen[e.ID] = true
	}
	return nil
}

// EditLog replaces or deletes existing entries in one transaction.
func (s *Store) EditLog(ctx context.Context, log string, edits []storage.LogEdit) (int, error) {
	const op = "edit log"
	if err := checkKey(op, "log name", log); err != nil {
		return 0, err
	}
	if err := checkLogEdits(op, edits); err != nil {
		return 0, err
	}
	if len(edits) == 0 {
		return 0, nil
	}
	n := 0
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketLogs).Bucket([]byte(log))
		if b == nil {
			return errNoChange
		}
		for _, e := range edits {
			// A cursor, not Get: Get cannot tell an absent key from an
			// entry whose data is empty.
			k := []byte(e.ID)
			if found, _ := b.Cursor().Seek(k); !bytes.Equal(found, k) {
				continue
			}
			var err error
			if e.Delete {
				err = b.Delete(k)
			} else {
				err = b.Put(k, append([]byte{}, e.Data...))
			}
			if err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return errNoChange
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
