package outbox

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"digibot/bot/connector"
	"digibot/storage"
)

// BenchmarkDrain: entries per second through the fake connector (loopback
// HTTP) with rate limits off; the store's write latency is the bound.
func BenchmarkDrain(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			ctx := context.Background()
			fake := newFakeConnector(time.Now)
			srv := httptest.NewServer(fake)
			defer srv.Close()
			client := connector.New(srv.Client(), staticToken("tok"), connector.WithServiceURLCheck(connector.LoopbackOnly))
			convs := seedRefs(b, ctx, s, 200, []string{tenantA}, srv.URL+"/amer/")
			for i := range b.N {
				enqueue(b, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("d%07d", i), RefKey: convs[i%len(convs)].key})
			}
			w, err := New(s, client, Config{Owner: "bench", Limits: &Limits{}, Logger: testLogger(b)})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			stop := startWorker(b, w)
			waitSettledFast(b, ctx, s, b.N)
			elapsed := time.Since(start)
			b.StopTimer()
			stop()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
		})
	}
}

// waitSettledFast polls often, for benchmarks on the real clock.
func waitSettledFast(tb testing.TB, ctx context.Context, s Store, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		c, err := s.CountOutbox(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if c.Delivered+c.Failed >= n {
			if c.Failed > 0 {
				tb.Fatalf("%d entries failed", c.Failed)
			}
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not drained: %+v", c)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// scaledClock runs factor times faster than real time, so that the
// benchmark below covers 33 s of Teams' limits in under 2 s.
type scaledClock struct {
	start  time.Time
	factor float64
}

func (c scaledClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.start)) * c.factor))
}

func (c scaledClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) / c.factor))
}

const (
	pacingEntries = 1000
	pacingLimit   = 30 // per second per tenant
)

// pacingMinimum is the least time the tenant limit allows between the first
// and the last of n sends: n/limit full windows after the first burst.
func pacingMinimum(n, limit int) time.Duration {
	return time.Duration((n-1)/limit) * time.Second
}

// BenchmarkTenantPacing: 1,000 entries to 1,000 conversations of one
// tenant under Teams' limits; reports the time from the first to the last
// send as a multiple of the minimum the 30/s tenant limit allows (target:
// within 1.15). The clock runs 20 times faster than real time, so HTTP and
// store latency weigh 20 times more than in production: the figure is a
// pessimistic bound. TestTenantPacing measures the same on a fake clock.
func BenchmarkTenantPacing(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			var ratio float64
			for range b.N {
				b.StopTimer()
				s := be.open(b)
				clock := scaledClock{start: time.Now(), factor: 20}
				ctx := context.Background()
				fake := newFakeConnector(clock.Now)
				srv := httptest.NewServer(fake)
				client := connector.New(srv.Client(), staticToken("tok"), connector.WithServiceURLCheck(connector.LoopbackOnly))
				convs := seedRefs(b, ctx, s, pacingEntries, []string{tenantA}, srv.URL+"/amer/")
				for i := range pacingEntries {
					enqueue(b, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("p%04d", i), RefKey: convs[i].key})
				}
				w, err := New(s, client, Config{Owner: "bench", Clock: clock, Logger: testLogger(b)})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				stop := startWorker(b, w)
				waitSettledFast(b, ctx, s, pacingEntries)
				b.StopTimer()
				stop()
				srv.Close()
				reqs, _, _, _ := fake.snapshot()
				span := reqs[len(reqs)-1].At.Sub(reqs[0].At)
				ratio = max(ratio, float64(span)/float64(pacingMinimum(pacingEntries, pacingLimit)))
			}
			b.ReportMetric(ratio, "x-minimum")
		})
	}
}

// TestTenantPacing is BenchmarkTenantPacing (with fewer entries, to stay
// fast) on the bubble's fake clock, where HTTP and store calls take no
// time: the worker alone decides the pace, deterministically, so the 15 %
// target can be asserted.
func TestTenantPacing(t *testing.T) {
	const entries = 400
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			s := be.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				sv := serveMem(fake, "tok")
				defer sv.close()
				convs := seedRefs(t, ctx, s, entries, []string{tenantA}, svcURL)
				for i := range entries {
					enqueue(t, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("p%04d", i), RefKey: convs[i].key})
				}
				w, err := New(s, sv.client, Config{Owner: "w1", Logger: testLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				stop := startWorker(t, w)
				waitSettled(t, ctx, s, entries, time.Hour)
				stop()
				reqs, delivered, _, _ := fake.snapshot()
				if len(reqs) != entries || len(delivered) != entries {
					t.Fatalf("%d requests for %d entries", len(reqs), len(delivered))
				}
				times := map[string][]time.Time{}
				for _, r := range reqs {
					times[tenantA] = append(times[tenantA], r.At)
				}
				checkWindows(t, "tenant", times, TeamsLimits().Tenant)
				span := reqs[len(reqs)-1].At.Sub(reqs[0].At)
				ratio := float64(span) / float64(pacingMinimum(entries, pacingLimit))
				t.Logf("first to last send %s, %.3f× the minimum %s", span, ratio, pacingMinimum(entries, pacingLimit))
				if ratio > 1.15 {
					t.Errorf("pace %.3f× the minimum, want within 1.15", ratio)
				}
			})
		})
	}
}
