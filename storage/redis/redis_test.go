package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"digibot/storage"
	"digibot/storage/storagetest"
)

// testURL is the Redis the tests use: DIGIBOT_TEST_REDIS (an address or a
// URL) or 127.0.0.1:6379.
func testURL() string {
	addr := os.Getenv("DIGIBOT_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if !strings.Contains(addr, "://") {
		addr = "redis://" + addr
	}
	return addr
}

// Small purge batches make the conformance suite's purge cross batches.
func init() { purgeBatch = 100 }

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

var (
	adminOnce sync.Once
	admin     *Store
	adminErr  error
)

// requireRedis returns a store on the test Redis for cleaning up. Without
// Redis the test fails in CI, where the Redis suite must run, and is
// skipped elsewhere.
func requireRedis(tb testing.TB) *Store {
	tb.Helper()
	adminOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		admin, adminErr = Open(ctx, testURL())
	})
	if adminErr != nil {
		if inCI() {
			tb.Fatalf("Redis at %s does not answer, and CI requires it: %v", testURL(), adminErr)
		}
		tb.Skipf("Redis at %s does not answer (set DIGIBOT_TEST_REDIS, or start redis-server; CI fails here instead of skipping): %v", testURL(), adminErr)
	}
	return admin
}

// openTest opens a store with a prefix of its own, on tb's suite clock, and
// deletes the prefix's keys when tb ends.
func openTest(tb testing.TB) *Store {
	tb.Helper()
	a := requireRedis(tb)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "digibottest:" + hex.EncodeToString(b) + ":"
	s, err := Open(tb.Context(), testURL(), WithPrefix(prefix), WithClock(storagetest.ClockFor(tb).Now))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := deletePrefix(ctx, a.rdb, prefix); err != nil {
			tb.Errorf("delete test keys: %v", err)
		}
	})
	return s
}

// scanPrefix lists the keys under prefix, on every master of a cluster.
func scanPrefix(ctx context.Context, rdb goredis.UniversalClient, prefix string) ([]string, error) {
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, c *goredis.Client) error {
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	switch c := rdb.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *goredis.Client:
		err = scan(ctx, c)
	default:
		err = fmt.Errorf("cannot scan a %T", rdb)
	}
	return keys, err
}

func deletePrefix(ctx context.Context, rdb goredis.UniversalClient, prefix string) error {
	keys, err := scanPrefix(ctx, rdb, prefix)
	if err != nil {
		return err
	}
	// One key per command: in a cluster the keys live in many slots.
	_, err = rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range keys {
			p.Unlink(ctx, k)
		}
		return nil
	})
	return err
}

func TestConformance(t *testing.T) {
	requireRedis(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return openTest(t) })
}

func BenchmarkStore(b *testing.B) {
	requireRedis(b)
	storagetest.Bench(b, func(b *testing.B) storage.Store { return openTest(b) })
}

func TestKeysStayUnderPrefix(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	now := storagetest.ClockFor(t).Now()
	if _, err := s.PutDoc(ctx, "c", "d", []byte("v"), storage.NoVersion); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, storage.OutboxEntry{ID: "x", Activity: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendLog(ctx, "audit", now, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkProcessed(ctx, "act", time.Minute); err != nil {
		t.Fatal(err)
	}
	prefix := string(s.keys)
	got, err := scanPrefix(ctx, s.rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		prefix + "doc:c": true, prefix + "{outbox}:payload": true, prefix + "{outbox}:state": true,
		prefix + "{outbox}:due": true, prefix + "{log:audit}:z": true, prefix + "{log:audit}:seq": true,
		prefix + "seen:act": true,
	}
	if len(got) != len(want) {
		t.Fatalf("keys = %q, want %d keys", got, len(want))
	}
	for _, k := range got {
		if !want[k] {
			t.Fatalf("unexpected key %q", k)
		}
	}
	// Redis drops the dedupe key a minute after its logical expiry.
	ttl, err := s.rdb.PTTL(ctx, prefix+"seen:act").Result()
	if err != nil || ttl <= time.Minute || ttl > 2*time.Minute {
		t.Fatalf("dedupe key TTL = %s, %v; want a minute after the ttl", ttl, err)
	}
}

// hashTag is the part of a key Redis Cluster hashes.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

func TestMultiKeyScriptsShareAHashSlot(t *testing.T) {
	k := keys(DefaultPrefix)
	out := k.outbox()
	for _, key := range out {
		if hashTag(key) != "outbox" {
			t.Fatalf("outbox key %q hashes on %q", key, hashTag(key))
		}
	}
	for _, name := range []string{"audit", "a}b", "{x}", "q:{y", "}"} {
		z, seq := k.log(name)
		if hashTag(z) == z || hashTag(z) != hashTag(seq) {
			t.Fatalf("log %q: keys %q and %q hash differently", name, z, seq)
		}
	}
}

func TestUnreachableRedisIsUnavailable(t *testing.T) {
	// A port nothing listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = Open(ctx, "redis://"+addr+"/0?dial_timeout=1s")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Open of an unreachable Redis: %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %q does not name the address", err)
	}

	cfg, err := parseURL("redis://" + addr + "/0?dial_timeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := cfg.newClient()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(rdb)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PutDoc(ctx, "c", "d", []byte("v"), storage.AnyVersion)
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("PutDoc on an unreachable Redis: %v, want ErrUnavailable", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("PutDoc error %v lost its cause", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, goredis.ErrClosed) {
		t.Fatalf("Ping after Close: %v, want ErrUnavailable caused by a closed client", err)
	}
}

func TestErrorClassification(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{context.Canceled, false},
		{context.DeadlineExceeded, true},
		{goredis.ErrClosed, true},
		{goredis.ErrPoolTimeout, true},
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{errorReply("LOADING Redis is loading the dataset in memory"), true},
		{errorReply("READONLY You can't write against a read only replica."), true},
		{errorReply("CLUSTERDOWN The cluster is down"), true},
		{errorReply("WRONGPASS invalid username-password pair"), false},
		{errorReply("ERR Error running script"), false},
	}
	for _, c := range cases {
		if got := unavailable(c.err); got != c.want {
			t.Errorf("unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// errorReply is a reply error as go-redis returns it.
type errorReply string

func (e errorReply) Error() string { return string(e) }
func (e errorReply) RedisError()   {}

func TestNewRejectsBadPrefix(t *testing.T) {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, p := range []string{"", "a{b}", "has space", "glob*", strings.Repeat("p", 101)} {
		if _, err := New(rdb, WithPrefix(p)); err == nil {
			t.Errorf("New accepted prefix %q", p)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New accepted a nil client")
	}
}
