package storagetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"digibot/storage"
)

// Bench measures a back end. open must return a new, empty store; the
// benchmarks close it. Figures: PutDocContention is one successful
// read-modify-write by 16 goroutines on one doc (conflicts/op is the retry
// rate); Enqueue is one entry enqueued by 16 goroutines, EnqueueSerial by
// one (a producer's loop: latency); LeaseDeliver is one entry leased in
// batches of 10 by 4 owners and marked delivered.
func Bench(b *testing.B, open func(b *testing.B) storage.Store) {
	b.Run("PutDocContention", func(b *testing.B) {
		s := openBench(b, open)
		ctx := b.Context()
		if _, err := s.PutDoc(ctx, "bench", "counter", []byte("0"), storage.NoVersion); err != nil {
			b.Fatal(err)
		}
		var conflicts atomic.Int64
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for {
					d, err := s.GetDoc(ctx, "bench", "counter")
					if err != nil {
						b.Error(err)
						return
					}
					n, _ := strconv.Atoi(string(d.Value))
					_, err = s.PutDoc(ctx, "bench", "counter", []byte(strconv.Itoa(n+1)), d.Version)
					if errors.Is(err, storage.ErrConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						b.Error(err)
						return
					}
					break
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
		d, err := s.GetDoc(ctx, "bench", "counter")
		if err != nil {
			b.Fatal(err)
		}
		if string(d.Value) != strconv.Itoa(b.N) {
			b.Fatalf("counter = %s after %d increments: lost updates", d.Value, b.N)
		}
	})

	b.Run("Enqueue", func(b *testing.B) {
		s := openBench(b, open)
		ctx := b.Context()
		var seq atomic.Int64
		activity := json.RawMessage(activityJSON)
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := fmt.Sprintf("bench:%d", seq.Add(1))
				if _, err := s.Enqueue(ctx, storage.OutboxEntry{ID: id, Kind: "bench", RefKey: "user:x", Activity: activity}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})

	b.Run("EnqueueSerial", func(b *testing.B) {
		s := openBench(b, open)
		ctx := b.Context()
		activity := json.RawMessage(activityJSON)
		b.ResetTimer()
		for i := range b.N {
			if _, err := s.Enqueue(ctx, storage.OutboxEntry{ID: fmt.Sprint("bench:", i), Kind: "bench", RefKey: "user:x", Activity: activity}); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("LeaseDeliver", func(b *testing.B) {
		s := openBench(b, open)
		ctx := b.Context()
		now := ClockFor(b).Now()
		activity := json.RawMessage(activityJSON)
		for i := range b.N {
			x := storage.OutboxEntry{ID: fmt.Sprintf("bench:%07d", i), Kind: "bench", RefKey: "user:x",
				Activity: activity, NotBefore: now.Add(-time.Duration(i) * time.Millisecond)}
			if _, err := s.Enqueue(ctx, x); err != nil {
				b.Fatal(err)
			}
		}
		var delivered atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprint("worker-", w)
				for {
					got, err := s.Lease(ctx, owner, now, 10, time.Minute)
					if err != nil {
						b.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, x := range got {
						if err := s.MarkDelivered(ctx, x.ID, owner, storage.Delivery{At: now, ActivityID: "a"}); err != nil {
							b.Error(err)
							return
						}
						delivered.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		if n := delivered.Load(); n != int64(b.N) {
			b.Fatalf("delivered %d of %d entries", n, b.N)
		}
	})
}

func openBench(b *testing.B, open func(b *testing.B) storage.Store) storage.Store {
	b.Helper()
	s := open(b)
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Errorf("Close: %v", err)
		}
	})
	return s
}
