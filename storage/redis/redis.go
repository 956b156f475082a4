// Package redis is Digibot's shared store: several replicas use one Redis
// (single server, Sentinel or Cluster, see Open for the URL forms).
//
// Every read-modify-write is one Lua script, so it is atomic across
// replicas. Keys that one script touches together share a hash tag
// ({outbox}, {log:<name>}), so the scripts also run on Redis Cluster.
//
// Time: expiry decisions (leases, locks, run claims, dedupe) compare
// timestamps the caller's clock computed, passed into the scripts, not
// Redis' own clock. That keeps the rules identical to the embedded store and
// testable with a controlled clock; replicas are expected to run NTP (a
// skew of s shortens or lengthens a lease by s). Redis TTLs are set only
// as garbage collection, a minute after the logical expiry, so they never
// decide anything. Times compare at microsecond precision (sorted-set
// scores are float64).
package redis

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"digibot/storage"
)

// DefaultPrefix begins every key.
const DefaultPrefix = "digibot:"

const (
	maxKeyLen = 1024
	maxTTL    = 10 * 365 * 24 * time.Hour
	// gcGrace is how long after its logical expiry Redis drops a key.
	gcGrace = time.Minute
)

var (
	minTime     = time.Unix(0, 0)
	maxTime     = time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC) // scores in µs stay exact in float64
	validPrefix = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,100}$`)
)

var _ storage.Store = (*Store)(nil)

// Option configures Open and New.
type Option func(*config)

type config struct {
	prefix      string
	now         func() time.Time
	unreachable bool
}

// WithPrefix sets the key prefix (default "digibot:"): letters, digits and
// _ . : - only, at most 100 bytes.
func WithPrefix(p string) Option { return func(c *config) { c.prefix = p } }

// AllowUnreachable makes Open return the store even when Redis does not
// answer yet: every call then fails with storage.ErrUnavailable until it
// does, and go-redis connects by itself once it answers. A server uses it
// to start not ready rather than not at all.
func AllowUnreachable() Option { return func(c *config) { c.unreachable = true } }

// WithClock sets the clock used for ttl and default times (tests).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// Store is the Redis back end. It is safe for concurrent use.
type Store struct {
	rdb         goredis.UniversalClient
	now         func() time.Time
	keys        keys
	unreachable bool // Open may return before Redis answers
	closed      sync.Once
	err         error
}

// Open connects to the Redis that rawURL names and checks it answers. A
// Redis that does not answer gives an error wrapping storage.ErrUnavailable
// (with AllowUnreachable, the store instead).
//
// rawURL has one of these forms (query parameters are go-redis' own, e.g.
// dial_timeout=3s, pool_size=20, skip_verify=true, client_name=digibot):
//
//	redis://[user:password@]host[:6379][/db]          one server
//	rediss://…                                         the same over TLS
//	unix://[user:password@]/path/redis.sock[?db=N]     a local socket
//	redis+sentinel://[user:pw@]h1[:26379],h2[:26379][/db]?master_name=mymaster[&password=pw]
//	rediss+sentinel://…                                Sentinel, TLS
//	redis+cluster://[user:password@]h1[:6379],h2[:6379]   Redis Cluster
//	rediss+cluster://…                                 Cluster, TLS
//
// Sentinel: the user info authenticates to the Sentinels (go-redis'
// convention); username= and password= parameters authenticate to the
// master; master= is accepted as a short form of master_name=. Hosts may
// also be given as addr=host:port parameters; IPv6 hosts in brackets.
//
// Digibot turns go-redis' automatic command retries off unless the URL sets
// max_retries: a retried write can be applied twice (a replayed
// MarkProcessed would report a first delivery as a duplicate), so a failed
// command surfaces as storage.ErrUnavailable and the caller's own retry,
// which knows what it did, applies. Context deadlines are always honoured.
// Numeric options must lie in 0..100000 (-1 where go-redis reads it as
// "off"): go-redis panics on some out-of-range values.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	cfg, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	rdb, err := cfg.newClient()
	if err != nil {
		return nil, err
	}
	s, err := New(rdb, opts...)
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		err = wrap("connect to "+strings.Join(cfg.addrs(), ","), err)
		if s.unreachable && errors.Is(err, storage.ErrUnavailable) {
			return s, nil
		}
		_ = rdb.Close()
		return nil, err
	}
	return s, nil
}

// New makes a store on a client the caller built (own TLS settings, hooks);
// the store takes it over, and Close closes it.
func New(rdb goredis.UniversalClient, opts ...Option) (*Store, error) {
	cfg := config{prefix: DefaultPrefix, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if !validPrefix.MatchString(cfg.prefix) {
		return nil, fmt.Errorf("storage/redis: key prefix %q: use 1–100 letters, digits, _ . : or -", cfg.prefix)
	}
	if rdb == nil {
		return nil, errors.New("storage/redis: no client")
	}
	return &Store{rdb: rdb, now: cfg.now, keys: keys(cfg.prefix), unreachable: cfg.unreachable}, nil
}

// Ping sends PING.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.rdb.Ping(ctx).Err())
}

// Close closes the client; closing again is a no-op.
func (s *Store) Close() error {
	s.closed.Do(func() {
		if err := s.rdb.Close(); err != nil {
			s.err = fmt.Errorf("storage/redis: close: %w", err)
		}
	})
	return s.err
}

// wrap adds the operation to a client error and marks the errors that mean
// "Redis cannot be reached or cannot serve now" as storage.ErrUnavailable,
// keeping the cause.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case unavailable(err):
		return fmt.Errorf("storage/redis: %s: %w: %w", op, storage.ErrUnavailable, err)
	default:
		return fmt.Errorf("storage/redis: %s: %w", op, err)
	}
}

func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; Redis may be fine
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var reply goredis.Error
	if errors.As(err, &reply) {
		// Redis answered; only these answers mean "not now" (a failover, a
		// restart, a full server), the rest are real errors.
		for _, p := range notNowReplies {
			if goredis.HasErrorPrefix(err, p) {
				return true
			}
		}
		return false
	}
	// Network errors, pool timeouts, a closed client.
	return true
}

var notNowReplies = []string{"LOADING ", "READONLY ", "CLUSTERDOWN ", "TRYAGAIN ", "MASTERDOWN ", "NOREPLICAS ", "max number of clients"}

// keys builds every key from the prefix. Names from callers are checked
// (non-empty, no NUL, bounded) before they get here.
type keys string

func (k keys) refs() string            { return string(k) + "refs" }
func (k keys) lock(name string) string { return string(k) + "lock:" + name }
func (k keys) seen(id string) string   { return string(k) + "seen:" + id }
func (k keys) doc(coll string) string  { return string(k) + "doc:" + coll }

// run keys carry the job's length, so ("a:b","c") and ("a","b:c") differ.
func (k keys) run(job, period string) string {
	return string(k) + "run:" + strconv.Itoa(len(job)) + ":" + job + ":" + period
}

// The outbox keys share the {outbox} hash tag.
func (k keys) outbox() []string {
	p := string(k) + "{outbox}:"
	return []string{p + "payload", p + "state", p + "due", p + "leased", p + "delivered", p + "failed"}
}

// Log keys share the hash tag {log:<name>}. The tag starts with "log:" so
// that it is never empty (a name starting with "}" would otherwise make
// Redis hash the whole key, splitting the two keys across slots).
func (k keys) log(name string) (entries, seq string) {
	p := string(k) + "{log:" + name + "}:"
	return p + "z", p + "seq"
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("storage/redis: %s: "+format, append([]any{op}, args...)...)
}

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

// score is t in microseconds, as a sorted-set score or a Lua number.
func score(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// clampScore bounds a query time to the stored range.
func clampScore(t time.Time) string {
	switch {
	case t.Before(minTime):
		return "0"
	case !t.Before(maxTime):
		return score(maxTime)
	}
	return score(t)
}

// gcMillis is the Redis TTL for a key that logically expires after ttl.
func gcMillis(ttl time.Duration) string {
	return strconv.FormatInt((ttl + gcGrace).Milliseconds(), 10)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
