// Package redistest gives tests a real Redis store under a key prefix of
// their own, deleted when the test ends. Without Redis a test fails when
// CI is set (the Redis suites must never silently skip there) and is
// skipped elsewhere, with the reason.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sredis "digibot/storage/redis"
)

// URL is the Redis the tests use: DIGIBOT_TEST_REDIS (an address or a
// URL), default 127.0.0.1:6379.
func URL() string {
	addr := os.Getenv("DIGIBOT_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if !strings.Contains(addr, "://") {
		addr = "redis://" + addr
	}
	return addr
}

// InCI reports whether the tests run in CI.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// Require fails (CI) or skips (elsewhere) tb when Redis does not answer.
func Require(tb testing.TB) {
	tb.Helper()
	opt, err := goredis.ParseURL(URL())
	if err == nil {
		rdb := goredis.NewClient(opt)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err = rdb.Ping(ctx).Err()
	}
	if err != nil {
		if InCI() {
			tb.Fatalf("Redis at %s does not answer, and CI requires it: %v", URL(), err)
		}
		tb.Skipf("Redis at %s does not answer (CI fails here instead of skipping): %v", URL(), err)
	}
}

// Prefix returns a fresh key prefix ("digibottest:<name>:<random>:") whose
// keys are deleted when tb ends.
func Prefix(tb testing.TB, name string) string {
	tb.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "digibottest:" + name + ":" + hex.EncodeToString(b) + ":"
	tb.Cleanup(func() { deletePrefix(tb, prefix) })
	return prefix
}

// Open requires Redis and opens a store under a fresh prefix; it is closed
// and its keys deleted when tb ends.
func Open(tb testing.TB, name string, opts ...sredis.Option) (*sredis.Store, string) {
	tb.Helper()
	Require(tb)
	prefix := Prefix(tb, name)
	return open(tb, prefix, opts), prefix
}

// OpenPrefix requires Redis and opens a store under a prefix the caller
// already has (one a parent process shares with its children, or one from
// Prefix that several stores use). The store is closed when tb ends; the
// keys are left to whoever made the prefix.
func OpenPrefix(tb testing.TB, prefix string, opts ...sredis.Option) *sredis.Store {
	tb.Helper()
	Require(tb)
	return open(tb, prefix, opts)
}

func open(tb testing.TB, prefix string, opts []sredis.Option) *sredis.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := sredis.Open(ctx, URL(), append([]sredis.Option{sredis.WithPrefix(prefix)}, opts...)...)
	if err != nil {
		tb.Fatalf("open Redis store: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func deletePrefix(tb testing.TB, prefix string) {
	opt, err := goredis.ParseURL(URL())
	if err != nil {
		tb.Errorf("redis url: %v", err)
		return
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return // Redis went away (a fault test); nothing left to clean
	}
	if len(keys) > 0 {
		_ = rdb.Unlink(ctx, keys...).Err()
	}
}
