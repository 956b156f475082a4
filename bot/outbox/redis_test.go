package outbox

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

// redisURL is the Redis the tests use: DIGIBOT_TEST_REDIS (an address or a
// URL) or 127.0.0.1:6379.
func redisURL() string {
	addr := os.Getenv("DIGIBOT_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if !strings.Contains(addr, "://") {
		addr = "redis://" + addr
	}
	return addr
}

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// openRedis opens a store under a fresh key prefix and deletes its keys
// when tb ends. Without Redis it fails in CI and skips elsewhere.
func openRedis(tb testing.TB) (*sredis.Store, string) {
	tb.Helper()
	prefix := newRedisPrefix()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := sredis.Open(ctx, redisURL(), sredis.WithPrefix(prefix))
	if err != nil {
		if inCI() {
			tb.Fatalf("Redis at %s does not answer, and CI requires it: %v", redisURL(), err)
		}
		tb.Skipf("Redis at %s does not answer (CI fails here instead of skipping): %v", redisURL(), err)
	}
	tb.Cleanup(func() {
		_ = s.Close()
		deleteRedisPrefix(tb, prefix)
	})
	return s, prefix
}

func newRedisPrefix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "digibottest:outbox:" + hex.EncodeToString(b) + ":"
}

func deleteRedisPrefix(tb testing.TB, prefix string) {
	opt, err := goredis.ParseURL(redisURL())
	if err != nil {
		tb.Errorf("redis url: %v", err)
		return
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("scan test keys: %v", err)
		return
	}
	if len(keys) > 0 {
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			tb.Errorf("delete test keys: %v", err)
		}
	}
}

func redisBackends() []backend {
	return []backend{{"redis", func(t testing.TB) Store {
		s, _ := openRedis(t)
		return s
	}}}
}
