// Package embedded is Digibot's single-machine store: one bbolt file,
// digibot.db, in a data directory. Every operation is one bbolt
// transaction, so a crash never leaves half an operation behind; values are
// JSON. bbolt locks the file, so only one process can use it at a time.
package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"digibot/storage"
)

// FileName is the database file inside the data directory.
const FileName = "digibot.db"

// Limits on what callers pass in, so that bad input gets a clear error
// instead of a bbolt failure deep inside a transaction.
const (
	maxKeyLen = 1024
	maxTTL    = 10 * 365 * 24 * time.Hour
	// dedupeSweep is how many expired dedupe ids a MarkProcessed removes,
	// so that ids never seen again do not pile up.
	dedupeSweep        = 64
	defaultLockTimeout = time.Second
)

// Times stored in keys are nanoseconds since 1970; maxTime keeps well inside
// int64 (and matches the Redis back end, whose scores are microseconds).
var (
	minTime = time.Unix(0, 0)
	maxTime = time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Bucket names. The outbox has two indexes beside the entries so that Lease
// and PurgeOutbox never scan settled history: due holds pending and leased
// entries by NotBefore, settled holds delivered and failed entries by when
// they were settled.
var (
	bucketRefs          = []byte("references")
	bucketOutbox        = []byte("outbox")         // id → JSON OutboxEntry
	bucketOutboxDue     = []byte("outbox.due")     // NotBefore|id → LeaseUntil (empty when pending)
	bucketOutboxSettled = []byte("outbox.settled") // settledAt|id → empty
	bucketOutboxCounts  = []byte("outbox.counts")  // state → int64
	bucketLocks         = []byte("locks")          // name → JSON claim
	bucketRuns          = []byte("runs")           // job NUL period → JSON claim
	bucketDedupe        = []byte("dedupe")         // id → expiry
	bucketDedupeExpiry  = []byte("dedupe.expiry")  // expiry|id → empty
	bucketDocs          = []byte("docs")           // collection → bucket(id → version|value)
	bucketLogs          = []byte("logs")           // log → bucket(id → data)
	allBuckets          = [][]byte{bucketRefs, bucketOutbox, bucketOutboxDue, bucketOutboxSettled, bucketOutboxCounts, bucketLocks, bucketRuns, bucketDedupe, bucketDedupeExpiry, bucketDocs, bucketLogs}
)

// errNoChange ends a write transaction that found nothing to do: it is
// rolled back instead of committing (and syncing) an empty transaction.
var errNoChange = errors.New("no change")

var _ storage.Store = (*Store)(nil)

// Option configures Open.
type Option func(*config)

type config struct {
	now         func() time.Time
	lockTimeout time.Duration
}

// WithClock sets the clock used for ttl and default times (tests).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithLockTimeout sets how long Open waits for another process to release
// the file (default 1 s).
func WithLockTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lockTimeout = d
		}
	}
}

// Store is the bbolt back end. It is safe for concurrent use.
type Store struct {
	db        *bolt.DB
	path      string
	now       func() time.Time
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) dir/digibot.db. dir is created with mode
// 0700 if missing. If another process holds the file, Open fails after the
// lock timeout with an error that names the file.
func Open(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	cfg := config{now: time.Now, lockTimeout: defaultLockTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("storage/embedded: no data directory given")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("storage/embedded: open: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage/embedded: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: cfg.lockTimeout,
		// The map freelist stays fast when the file has grown and shrunk
		// (purged outbox history).
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("storage/embedded: another digibot is using %s (still locked after %s): %w", path, cfg.lockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("storage/embedded: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("storage/embedded: prepare %s: %w", path, err)
	}
	return &Store{db: db, path: path, now: cfg.now}, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Ping reports whether the database is open.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(*bolt.Tx) error { return nil })
}

// Close closes the database; closing again is a no-op.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("storage/embedded: close: %w", err)
		}
	})
	return s.closeErr
}

func (s *Store) view(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("storage/embedded: %s: %w", op, err)
	}
	return wrap(op, s.db.View(fn))
}

// update runs fn in a write transaction. Any error from fn rolls the whole
// transaction back, so an operation that is refused changes nothing;
// errNoChange does the same without being an error. (db.Batch was
// measured: it only helps many parallel writers and adds its delay to
// every lone write, which is the common case: a turn, the sender.)
func (s *Store) update(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("storage/embedded: %s: %w", op, err)
	}
	err := s.db.Update(fn)
	if errors.Is(err, errNoChange) {
		return nil
	}
	return wrap(op, err)
}

func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bolterrors.ErrDatabaseNotOpen):
		return fmt.Errorf("storage/embedded: %s: %w: %w", op, storage.ErrUnavailable, err)
	default:
		return fmt.Errorf("storage/embedded: %s: %w", op, err)
	}
}

// invalid reports bad input; it is never one of the storage errors.
func invalid(op, format string, args ...any) error {
	return fmt.Errorf("storage/embedded: %s: "+format, append([]any{op}, args...)...)
}

// checkKey validates a caller-supplied key or name.
func checkKey(op, what, k string) error {
	switch {
	case k == "":
		return invalid(op, "%s is empty", what)
	case len(k) > maxKeyLen:
		return invalid(op, "%s is %d bytes, more than %d", what, len(k), maxKeyLen)
	case strings.IndexByte(k, 0) >= 0:
		return invalid(op, "%s contains a NUL byte", what)
	}
	return nil
}

func checkTime(op, what string, t time.Time) error {
	if t.Before(minTime) || !t.Before(maxTime) {
		return invalid(op, "%s %s is outside 1970–2250", what, t.Format(time.RFC3339))
	}
	return nil
}

func checkTTL(op string, ttl time.Duration) error {
	if ttl <= 0 || ttl > maxTTL {
		return invalid(op, "ttl %s is not between 0 and 10 years", ttl)
	}
	return nil
}

// timeKey encodes t so that byte order is time order (t within minTime..maxTime).
func timeKey(t time.Time) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(t.UnixNano()))
	return b
}

func decodeTime(b []byte) time.Time {
	if len(b) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b))).UTC()
}

// timeIDKey is timeKey(t) followed by id, for time-ordered indexes.
func timeIDKey(t time.Time, id string) []byte {
	return append(timeKey(t), id...)
}

// clampNano bounds a query time to the stored range.
func clampNano(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return 0
	case !t.Before(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// clone copies a bbolt value, which is only valid inside its transaction.
func clone(b []byte) []byte {
	return append([]byte{}, b...)
}
