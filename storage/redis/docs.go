package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"digibot/storage"
)

func checkDoc(op, coll, id string) error {
	if err := checkKey(op, "collection", coll); err != nil {
		return err
	}
	return checkKey(op, "doc ID", id)
}

// decodeDoc splits a stored "<version>:<bytes>".
func decodeDoc(id, v string) (storage.Doc, error) {
	i := strings.IndexByte(v, ':')
	if i < 1 {
		return storage.Doc{}, fmt.Errorf("doc %q: stored value has no version", id)
	}
	version, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil {
		return storage.Doc{}, fmt.Errorf("doc %q: stored version: %w", id, err)
	}
	return storage.Doc{ID: id, Version: version, Value: []byte(v[i+1:])}, nil
}

func conflict(op, coll, id string, expect, current int64) error {
	describe := func(v int64) string {
		if v == storage.NoVersion {
			return "absent"
		}
		return "at version " + strconv.FormatInt(v, 10)
	}
	return fmt.Errorf("storage/redis: %s: %w: doc %s/%s expected %s, is %s", op, storage.ErrConflict, coll, id, describe(expect), describe(current))
}

// GetDoc returns coll/id.
func (s *Store) GetDoc(ctx context.Context, coll, id string) (storage.Doc, error) {
	const op = "get doc"
	if err := checkDoc(op, coll, id); err != nil {
		return storage.Doc{}, err
	}
	v, err := s.rdb.HGet(ctx, s.keys.doc(coll), id).Result()
	if errors.Is(err, goredis.Nil) {
		return storage.Doc{}, fmt.Errorf("storage/redis: %s: %w: doc %s/%s", op, storage.ErrNotFound, coll, id)
	}
	if err != nil {
		return storage.Doc{}, wrap(op, err)
	}
	d, err := decodeDoc(id, v)
	if err != nil {
		return d, fmt.Errorf("storage/redis: %s: %w", op, err)
	}
	return d, nil
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
	res, err := putDocScript.Run(ctx, s.rdb, []string{s.keys.doc(coll)}, id, expect, value).Int64Slice()
	if err != nil {
		return 0, wrap(op, err)
	}
	if res[0] != 1 {
		return 0, conflict(op, coll, id, expect, res[1])
	}
	return res[1], nil
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
	res, err := deleteDocScript.Run(ctx, s.rdb, []string{s.keys.doc(coll)}, id, expect).Int64Slice()
	if err != nil {
		return wrap(op, err)
	}
	switch res[0] {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("storage/redis: %s: %w: doc %s/%s", op, storage.ErrNotFound, coll, id)
	default:
		return conflict(op, coll, id, expect, res[1])
	}
}

// ListDocs returns every doc in coll ordered by ID.
func (s *Store) ListDocs(ctx context.Context, coll string) ([]storage.Doc, error) {
	const op = "list docs"
	if err := checkKey(op, "collection", coll); err != nil {
		return nil, err
	}
	all, err := s.rdb.HGetAll(ctx, s.keys.doc(coll)).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]storage.Doc, 0, len(all))
	for id, v := range all {
		d, err := decodeDoc(id, v)
		if err != nil {
			return nil, fmt.Errorf("storage/redis: %s: %w", op, err)
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b storage.Doc) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// logIDLen is the length of an entry id: 19-digit nanoseconds, '-',
// 20-digit sequence. A member is the id followed by the data.
const logIDLen = 19 + 1 + 20

// logBound is the member prefix of time t, clamped to the stored range.
func logBound(t time.Time) string {
	switch {
	case t.Before(minTime):
		return "0000000000000000000"
	case !t.Before(maxTime):
		t = maxTime
	}
	return fmt.Sprintf("%019d", t.UnixNano())
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
	entries, seq := s.keys.log(log)
	id, err := appendLogScript.Run(ctx, s.rdb, []string{entries, seq}, logBound(at), data).Text()
	if err != nil {
		return "", wrap(op, err)
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
	stop := "+"
	if !to.IsZero() {
		stop = "(" + logBound(to)
	}
	entries, _ := s.keys.log(log)
	members, err := s.rdb.ZRangeArgs(ctx, goredis.ZRangeArgs{
		Key: entries, Start: "[" + logBound(from), Stop: stop, ByLex: true, Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]storage.LogEntry, 0, len(members))
	for _, m := range members {
		if len(m) < logIDLen {
			return nil, fmt.Errorf("storage/redis: %s: malformed entry in log %q", op, log)
		}
		ns, err := strconv.ParseInt(m[:19], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("storage/redis: %s: malformed entry in log %q", op, log)
		}
		out = append(out, storage.LogEntry{ID: m[:logIDLen], At: time.Unix(0, ns).UTC(), Data: []byte(m[logIDLen:])})
	}
	return out, nil
}

// TrimLog deletes entries with At < before.
func (s *Store) TrimLog(ctx context.Context, log string, before time.Time) (int, error) {
	const op = "trim log"
	if err := checkKey(op, "log name", log); err != nil {
		return 0, err
	}
	entries, _ := s.keys.log(log)
	n, err := s.rdb.ZRemRangeByLex(ctx, entries, "-", "("+logBound(before)).Result()
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(n), nil
}
