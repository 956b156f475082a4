package storagetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"digibot/storage"
)

// slot is a booking with capacity one.
type slot struct {
	TakenBy string `json:"takenBy,omitempty"`
}

// takeSlot is the read-modify-write a capability does: read the doc, take
// the slot if free, write with the version read, re-read on conflict.
// It reports whether who got the slot.
func takeSlot(e *env, coll, id, who string) (bool, error) {
	// Each conflict means someone else wrote; far fewer than this many
	// writers exist, so more attempts mean the store is broken.
	for range 1000 {
		d, err := e.s.GetDoc(e.ctx, coll, id)
		if err != nil {
			return false, err
		}
		var s slot
		if err := json.Unmarshal(d.Value, &s); err != nil {
			return false, err
		}
		if s.TakenBy != "" {
			return false, nil
		}
		s.TakenBy = who
		b, _ := json.Marshal(s)
		_, err = e.s.PutDoc(e.ctx, coll, id, b, d.Version)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, storage.ErrConflict):
			continue
		default:
			return false, err
		}
	}
	return false, errors.New("no decision after 1000 attempts")
}

func testConcurrency(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("OneWinnerForOneSlot", func(t *testing.T) {
		e := newEnv(t, open)
		e.put("coaching", "2027-01-05T09:00", `{}`, storage.NoVersion)
		const n = 200
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			winners []string
			errs    []error
		)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				who := fmt.Sprintf("user-%03d", i)
				won, err := takeSlot(e, "coaching", "2027-01-05T09:00", who)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				}
				if won {
					winners = append(winners, who)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d goroutines failed, first: %v", len(errs), errs[0])
		}
		if len(winners) != 1 {
			t.Fatalf("%d winners for one slot: %q", len(winners), winners)
		}
		d, err := e.s.GetDoc(e.ctx, "coaching", "2027-01-05T09:00")
		e.must(err, "GetDoc")
		var s slot
		e.must(json.Unmarshal(d.Value, &s), "decode slot")
		if s.TakenBy != winners[0] || d.Version != 2 {
			t.Fatalf("slot = %+v v%d, want taken by %s at v2", s, d.Version, winners[0])
		}
	})

	t.Run("EveryEntryLeasedOnce", func(t *testing.T) {
		e := newEnv(t, open)
		const entries, workers = 100, 200
		owners := []string{"replica-a", "replica-b", "replica-c", "replica-d"}
		now := e.clock.Now()
		for i := range entries {
			e.enqueue(newEntry(fmt.Sprintf("n%03d", i), now.Add(-time.Duration(i)*time.Millisecond)))
		}
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			leasedBy = map[string][]string{}
			errs     []error
		)
		start := make(chan struct{})
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				owner := owners[i%len(owners)]
				// A worker cannot rightly get more non-empty leases than
				// there are entries; the bound keeps a broken store from
				// looping forever.
				for range entries + 1 {
					got, err := e.s.Lease(e.ctx, owner, now, 3, time.Hour)
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					for _, x := range got {
						leasedBy[x.ID] = append(leasedBy[x.ID], owner)
						if x.LeaseOwner != owner || x.Attempts != 1 {
							errs = append(errs, fmt.Errorf("%s leased to %s with owner %q attempts %d", x.ID, owner, x.LeaseOwner, x.Attempts))
						}
					}
					mu.Unlock()
					if err != nil || len(got) == 0 {
						return
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d errors, first: %v", len(errs), errs[0])
		}
		if len(leasedBy) != entries {
			t.Fatalf("%d distinct entries leased, want %d", len(leasedBy), entries)
		}
		for id, by := range leasedBy {
			if len(by) != 1 {
				t.Fatalf("%s leased %d times: %q", id, len(by), by)
			}
			if x := e.get(id); x.LeaseOwner != by[0] || x.State != storage.OutboxLeased {
				t.Fatalf("%s stored as %s by %q, leased by %q", id, x.State, x.LeaseOwner, by[0])
			}
		}
		wantCounts(t, e, storage.OutboxCounts{Leased: entries})
	})

	t.Run("OneLockHolderOneRunner", func(t *testing.T) {
		e := newEnv(t, open)
		const n = 50
		var wg sync.WaitGroup
		locked := make([]bool, n)
		claimed := make([]bool, n)
		errs := make([]error, 2*n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprint("replica-", i)
				locked[i], errs[2*i] = e.s.AcquireLock(e.ctx, "leader", owner, time.Minute)
				claimed[i], errs[2*i+1] = e.s.StartRun(e.ctx, "digest", "2027-W01", owner, time.Minute)
			}()
		}
		wg.Wait()
		holders, runners := 0, 0
		for i := range n {
			e.must(errs[2*i], "AcquireLock")
			e.must(errs[2*i+1], "StartRun")
			if locked[i] {
				holders++
			}
			if claimed[i] {
				runners++
			}
		}
		if holders != 1 || runners != 1 {
			t.Fatalf("%d lock holders and %d runners, want 1 and 1", holders, runners)
		}
	})

	t.Run("DedupeOnceUnderRace", func(t *testing.T) {
		e := newEnv(t, open)
		const n = 50
		var wg sync.WaitGroup
		firsts := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				firsts[i], errs[i] = e.s.MarkProcessed(e.ctx, "activity-1", time.Hour)
			}()
		}
		wg.Wait()
		count := 0
		for i := range n {
			e.must(errs[i], "MarkProcessed")
			if firsts[i] {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("%d goroutines saw activity-1 first", count)
		}
	})
}
