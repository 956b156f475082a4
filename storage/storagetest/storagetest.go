// Package storagetest is the conformance suite every storage back end must
// pass, and shared benchmarks.
//
// Back ends are tested with a controlled clock instead of sleeps: the suite
// registers a Clock per test, and the open function passes ClockFor(t).Now to
// the store it builds, so that every time-based rule (lease expiry, lock and
// run ttl, dedupe ttl, defaults) follows the suite's clock:
//
//	storagetest.Run(t, func(t *testing.T) storage.Store {
//		s, err := embedded.Open(t.Context(), t.TempDir(), embedded.WithClock(storagetest.ClockFor(t).Now))
//		...
//	})
//
// Each subtest opens its own store and closes it when it ends.
//
// Where storage.go leaves a detail open, the suite fixes it, so that both
// back ends behave alike:
//   - Bad input (empty or NUL-containing keys, keys over 1024 bytes, ttl <= 0
//     or over 10 years, times outside 1970–2250, max < 1, a negative limit,
//     activity that is not JSON) gets an error that is none of ErrNotFound,
//     ErrConflict, ErrUnavailable, and changes nothing.
//   - DeleteReference and ForgetProcessed of an absent key succeed (retried
//     uninstall events); DeleteDoc of an absent doc is ErrNotFound, and
//     DeleteDoc with NoVersion is bad input.
//   - An entry whose lease expired but that nobody re-leased is still held by
//     its owner: recording the delivery beats sending twice. Leases, locks,
//     run claims and dedupe records expire the moment the clock reaches
//     their end.
//   - Zero times default to now: Reference.UpdatedAt, Delivery.At, MarkFailed's
//     at, AppendLog's at. MarkRetry needs a notBefore.
//   - An outbox ID is free again once PurgeOutbox removed it.
//   - A closed store reports ErrUnavailable; Close twice is fine.
package storagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"digibot/storage"
)

// Start is where every suite clock begins: a Monday morning, Stockholm winter
// time, in UTC so that tests read plainly.
var Start = time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC)

// Clock is a manual clock that tests advance explicitly.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var clocks sync.Map // testing.TB → *Clock

// ClockFor returns the clock of tb, creating it at Start on first use. The
// suite and the open function thus share one clock per (sub)test.
func ClockFor(tb testing.TB) *Clock {
	if c, ok := clocks.Load(tb); ok {
		return c.(*Clock)
	}
	c, loaded := clocks.LoadOrStore(tb, &Clock{now: Start})
	if !loaded {
		tb.Cleanup(func() { clocks.Delete(tb) })
	}
	return c.(*Clock)
}

// Run runs the conformance suite. open must return a new, empty store whose
// clock is ClockFor(t).Now; the suite closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Helper()
	groups := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) storage.Store)
	}{
		{"References", testReferences},
		{"Outbox", testOutbox},
		{"Locks", testLocks},
		{"Runs", testRuns},
		{"Dedupe", testDedupe},
		{"Docs", testDocs},
		{"Logs", testLogs},
		{"EditLog", testEditLog},
		{"Lifecycle", testLifecycle},
		{"Concurrency", testConcurrency},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, open) })
	}
}

// env is what a single test case works with.
type env struct {
	t     *testing.T
	s     storage.Store
	clock *Clock
	ctx   context.Context
}

// newEnv opens a fresh store for t with t's clock.
func newEnv(t *testing.T, open func(t *testing.T) storage.Store) *env {
	t.Helper()
	clock := ClockFor(t)
	s := open(t)
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, s: s, clock: clock, ctx: t.Context()}
}

// must fails the test on err.
func (e *env) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// wantErr checks errors.Is(err, want); want nil means no error.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// wantInvalid checks that bad input was refused with an error that is not
// one of the store's outcome errors (so callers do not mistake it).
func wantInvalid(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted bad input", what)
	}
	for _, e := range []error{storage.ErrNotFound, storage.ErrConflict, storage.ErrUnavailable} {
		if errors.Is(err, e) {
			t.Fatalf("%s: bad input reported as %v (%v)", what, e, err)
		}
	}
	if err.Error() == "" {
		t.Fatalf("%s: empty error message", what)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// jsonEqual compares JSON documents ignoring insignificant white space.
func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func testLifecycle(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("PingThenClose", func(t *testing.T) {
		e := newEnv(t, open)
		e.must(e.s.Ping(e.ctx), "Ping")
		e.must(e.s.Close(), "Close")
		// Close is idempotent (the suite closes again at cleanup), and a
		// closed store reports itself unavailable rather than panicking.
		e.must(e.s.Close(), "second Close")
		wantErr(t, "Ping after Close", e.s.Ping(e.ctx), storage.ErrUnavailable)
		_, err := e.s.GetDoc(e.ctx, "c", "x")
		wantErr(t, "GetDoc after Close", err, storage.ErrUnavailable)
	})
	t.Run("CanceledContextChangesNothing", func(t *testing.T) {
		e := newEnv(t, open)
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		if _, err := e.s.PutDoc(ctx, "c", "x", []byte(`{}`), storage.AnyVersion); err == nil {
			t.Fatal("PutDoc with a canceled context succeeded")
		} else if !errors.Is(err, context.Canceled) {
			t.Fatalf("PutDoc with a canceled context: %v, want context.Canceled", err)
		}
		if _, err := e.s.Enqueue(ctx, storage.OutboxEntry{ID: "x", Activity: json.RawMessage(`{}`)}); err == nil {
			t.Fatal("Enqueue with a canceled context succeeded")
		}
		_, err := e.s.GetDoc(e.ctx, "c", "x")
		wantErr(t, "GetDoc", err, storage.ErrNotFound)
		_, err = e.s.GetOutbox(e.ctx, "x")
		wantErr(t, "GetOutbox", err, storage.ErrNotFound)
	})
}
