package embedded

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"digibot/storage"
)

// TestLeaseIndexHoldsOnlyUnsettled shows why Lease stays cheap as history
// grows: the due index it walks holds pending and leased entries only, and
// the settled index (for PurgeOutbox) only delivered and failed ones.
func TestLeaseIndexHoldsOnlyUnsettled(t *testing.T) {
	now := time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC)
	s, err := Open(t.Context(), t.TempDir(), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	for i := range 20 {
		if _, err := s.Enqueue(ctx, storage.OutboxEntry{ID: fmt.Sprintf("e%02d", i), Activity: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	leased, err := s.Lease(ctx, "w", now, 17, time.Minute)
	if err != nil || len(leased) != 17 {
		t.Fatalf("Lease = %d entries, %v", len(leased), err)
	}
	for i, e := range leased {
		switch {
		case i < 12:
			err = s.MarkDelivered(ctx, e.ID, "w", storage.Delivery{At: now})
		case i < 15:
			err = s.MarkFailed(ctx, e.ID, "w", now, "x")
		case i < 16:
			err = s.MarkRetry(ctx, e.ID, "w", now.Add(time.Hour), "x")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// 3 never leased + 1 retried are pending, 1 is leased: 5 due; 15 settled.
	count := func(bucket []byte) int {
		n := 0
		_ = s.db.View(func(tx *bolt.Tx) error {
			n = tx.Bucket(bucket).Stats().KeyN
			return nil
		})
		return n
	}
	if due, settled := count(bucketOutboxDue), count(bucketOutboxSettled); due != 5 || settled != 15 {
		t.Fatalf("due index %d keys, settled index %d keys; want 5 and 15", due, settled)
	}
	c, err := s.CountOutbox(ctx)
	if err != nil || c != (storage.OutboxCounts{Pending: 4, Leased: 1, Delivered: 12, Failed: 3}) {
		t.Fatalf("CountOutbox = %+v, %v", c, err)
	}
}
