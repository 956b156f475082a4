package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"digibot/storage"
)

// Docs live in one bucket per collection; a value is the version (8 bytes,
// big-endian) followed by the document.

func checkDoc(op, coll, id string) error {
	if err := checkKey(op, "collection", coll); err != nil {
		return err
	}
	return checkKey(op, "doc ID", id)
}

func decodeDoc(id string, v []byte) (storage.Doc, error) {
	if len(v) < 8 {
		return storage.Doc{}, fmt.Errorf("doc %q: stored value is %d bytes, too short", id, len(v))
	}
	return storage.Doc{ID: id, Version: int64(binary.BigEndian.Uint64(v[:8])), Value: clone(v[8:])}, nil
}

// GetDoc returns coll/id.
func (s *Store) GetDoc(ctx context.Context, coll, id string) (storage.Doc, error) {
	const op = "get doc"
	var d storage.Doc
	if err := checkDoc(op, coll, id); err != nil {
		return d, err
	}
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketDocs).Bucket([]byte(coll)); b != nil {
			v = b.Get([]byte(id))
		}
		if v == nil {
			return fmt.Errorf("%w: doc %s/%s", storage.ErrNotFound, coll, id)
		}
		var err error
		d, err = decodeDoc(id, v)
		return err
	})
	return d, err
}

// PutDoc writes coll/id if its version matches expect.
func (s *Store) PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error) {
	const op = "put doc"
	if err := checkDoc(op, coll, id); err != nil {
		return 0, err
	}
	if expect < storage.AnyVersion {
		return 0, invalid(op, "expected version %d is not AnyVersion, NoVersion or a version", expect)
	}
	var version int64
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketDocs).CreateBucketIfNotExists([]byte(coll))
		if err != nil {
			return err
		}
		var current int64 // 0: absent
		if v := b.Get([]byte(id)); v != nil {
			d, err := decodeDoc(id, v)
			if err != nil {
				return err
			}
			current = d.Version
		}
		if expect != storage.AnyVersion && expect != current {
			return conflict(coll, id, expect, current)
		}
		version = current + 1
		v := make([]byte, 8+len(value))
		binary.BigEndian.PutUint64(v, uint64(version))
		copy(v[8:], value)
		return b.Put([]byte(id), v)
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

func conflict(coll, id string, expect, current int64) error {
	describe := func(v int64) string {
		if v == storage.NoVersion {
			return "absent"
		}
		return "at version " + strconv.FormatInt(v, 10)
	}
	return fmt.Errorf("%w: doc %s/%s expected %s, is %s", storage.ErrConflict, coll, id, describe(expect), describe(current))
}

// DeleteDoc removes coll/id if its version matches expect.
func (s *Store) DeleteDoc(ctx context.Context, coll, id string, expect int64) error {
	const op = "delete doc"
	if err := checkDoc(op, coll, id); err != nil {
		return err
	}
	if expect == storage.NoVersion || expect < storage.AnyVersion {
		return invalid(op, "expected version %d: give AnyVersion or the version to delete", expect)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		var v []byte
		b := tx.Bucket(bucketDocs).Bucket([]byte(coll))
		if b != nil {
			v = b.Get([]byte(id))
		}
		if v == nil {
			return fmt.Errorf("%w: doc %s/%s", storage.ErrNotFound, coll, id)
		}
		d, err := decodeDoc(id, v)
		if err != nil {
			return err
		}
		if expect != storage.AnyVersion && expect != d.Version {
			return conflict(coll, id, expect, d.Version)
		}
		return b.Delete([]byte(id))
	})
}

// ListDocs returns every doc in coll ordered by ID.
func (s *Store) ListDocs(ctx context.Context, coll string) ([]storage.Doc, error) {
	const op = "list docs"
	if err := checkKey(op, "collection", coll); err != nil {
		return nil, err
	}
	var out []storage.Doc
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDocs).Bucket([]byte(coll))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			d, err := decodeDoc(string(k), v)
			out = append(out, d)
			return err
		})
	})
	return out, err
}

// Log entries live in one bucket per log, keyed by their ID, which is the
// time in nanoseconds and a per-log sequence number, both zero-padded, so
// that byte order is (time, append) order.

func logID(at time.Time, seq uint64) string {
	return fmt.Sprintf("%019d-%020d", at.UnixNano(), seq)
}

// logBound is the ID prefix of time t, clamped to the stored range.
func logBound(t time.Time) []byte {
	return []byte(fmt.Sprintf("%019d", clampNano(t)))
}

func logTime(id []byte) (time.Time, error) {
	if len(id) < 19 {
		return time.Time{}, fmt.Errorf("log entry id %q is malformed", id)
	}
	ns, err := strconv.ParseInt(string(id[:19]), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("log entry id %q is malformed", id)
	}
	return time.Unix(0, ns).UTC(), nil
}

// AppendLog adds an entry at at (zero: now) and returns its ID.
func (s *Store) AppendLog(ctx context.Context, log string, at time.Time, data []byte) (string, error) {
	const op = "append log"
	if err := checkKey(op, "log name", log); err != nil {
		return "", err
	}
	if at.IsZero() {
		at = s.now()
	}
	if err := checkTime(op, "time", at); err != nil {
		return "", err
	}
	var id string
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketLogs).CreateBucketIfNotExists([]byte(log))
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		id = logID(at, seq)
		return b.Put([]byte(id), data)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// ReadLog returns entries with from <= At < to, oldest first.
func (s *Store) ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error) {
	const op = "read log"
	if err := checkKey(op, "log name", log); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, invalid(op, "limit %d is negative", limit)
	}
	lo, hi := logBound(from), []byte(nil)
	if !to.IsZero() {
		hi = logBound(to)
	}
	var out []storage.LogEntry
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs).Bucket([]byte(log))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(lo); k != nil && (limit == 0 || len(out) < limit); k, v = c.Next() {
			if hi != nil && bytes.Compare(k, hi) >= 0 {
				break
			}
			at, err := logTime(k)
			if err != nil {
				return err
			}
			out = append(out, storage.LogEntry{ID: string(k), At: at, Data: clone(v)})
		}
		return nil
	})
	return out, err
}

// TrimLog deletes entries with At < before.
func (s *Store) TrimLog(ctx context.Context, log string, before time.Time) (int, error) {
	const op = "trim log"
	if err := checkKey(op, "log name", log); err != nil {
		return 0, err
	}
	hi := logBound(before)
	n := 0
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogs).Bucket([]byte(log))
		if b == nil {
			return errNoChange
		}
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, hi) < 0; k, _ = c.Next() {
			keys = append(keys, clone(k))
		}
		if len(keys) == 0 {
			return errNoChange
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
