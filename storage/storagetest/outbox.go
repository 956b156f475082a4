package storagetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"digibot/storage"
)

const activityJSON = `{"type": "message", "text": "Hej! Dags att uppdatera status för aktiviteten.",
  "attachments": [], "value": {"n": 12345678901234567890, "f": 0.1}}`

func newEntry(id string, notBefore time.Time) storage.OutboxEntry {
	return storage.OutboxEntry{
		ID:        id,
		Kind:      "nudge",
		RefKey:    storage.UserKey("u-" + id),
		Activity:  json.RawMessage(activityJSON),
		NotBefore: notBefore,
	}
}

func (e *env) enqueue(entries ...storage.OutboxEntry) {
	e.t.Helper()
	for _, x := range entries {
		created, err := e.s.Enqueue(e.ctx, x)
		e.must(err, "Enqueue "+x.ID)
		if !created {
			e.t.Fatalf("Enqueue %s: created = false for a new ID", x.ID)
		}
	}
}

func (e *env) get(id string) storage.OutboxEntry {
	e.t.Helper()
	x, err := e.s.GetOutbox(e.ctx, id)
	e.must(err, "GetOutbox "+id)
	return x
}

func (e *env) lease(owner string, max int, ttl time.Duration) []storage.OutboxEntry {
	e.t.Helper()
	got, err := e.s.Lease(e.ctx, owner, e.clock.Now(), max, ttl)
	e.must(err, "Lease by "+owner)
	return got
}

func ids(entries []storage.OutboxEntry) []string {
	out := []string{}
	for _, x := range entries {
		out = append(out, x.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, entries []storage.OutboxEntry, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := ids(entries); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func wantCounts(t *testing.T, e *env, want storage.OutboxCounts) {
	t.Helper()
	got, err := e.s.CountOutbox(e.ctx)
	e.must(err, "CountOutbox")
	if got != want {
		t.Fatalf("CountOutbox = %+v, want %+v", got, want)
	}
}

func testOutbox(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("EnqueueDefaultsAndRoundTrip", func(t *testing.T) {
		e := newEnv(t, open)
		now := e.clock.Now()
		x := storage.OutboxEntry{
			ID:       "answer:1",
			Kind:     "answer",
			Create:   &storage.CreateConversation{UserID: "aad-1", TenantID: "t", ServiceURL: "https://s/"},
			Activity: json.RawMessage(activityJSON),
			UpdateOf: "answer:0",
			// Whatever a producer puts here, a new entry starts pending.
			State: storage.OutboxDelivered, Attempts: 7, LeaseOwner: "x", LeaseUntil: now.Add(time.Hour),
			LastError: "old", ActivityID: "a", ConversationID: "c", DeliveredAt: now,
		}
		e.enqueue(x)
		got := e.get(x.ID)
		if got.ID != x.ID || got.Kind != x.Kind || got.RefKey != "" || got.UpdateOf != x.UpdateOf ||
			!reflect.DeepEqual(got.Create, x.Create) {
			t.Fatalf("GetOutbox = %+v, want the fields of %+v", got, x)
		}
		if !jsonEqual(got.Activity, x.Activity) {
			t.Fatalf("Activity = %s, want %s", got.Activity, x.Activity)
		}
		if got.State != storage.OutboxPending || got.Attempts != 0 || got.LeaseOwner != "" ||
			!got.LeaseUntil.IsZero() || got.LastError != "" || got.ActivityID != "" ||
			got.ConversationID != "" || !got.DeliveredAt.IsZero() {
			t.Fatalf("new entry not reset to pending: %+v", got)
		}
		sameTime(t, "NotBefore", got.NotBefore, now)
		sameTime(t, "CreatedAt", got.CreatedAt, now)
		sameTime(t, "UpdatedAt", got.UpdatedAt, now)

		// Explicit times are kept.
		y := newEntry("reminder:1", now.Add(time.Hour))
		y.CreatedAt = now.Add(-time.Minute)
		y.UpdatedAt = now.Add(-time.Second)
		e.enqueue(y)
		got = e.get(y.ID)
		sameTime(t, "NotBefore", got.NotBefore, y.NotBefore)
		sameTime(t, "CreatedAt", got.CreatedAt, y.CreatedAt)
		sameTime(t, "UpdatedAt", got.UpdatedAt, y.UpdatedAt)
		if got.RefKey != y.RefKey || got.Create != nil {
			t.Fatalf("RefKey/Create = %q/%v, want %q/nil", got.RefKey, got.Create, y.RefKey)
		}
		_, err := e.s.GetOutbox(e.ctx, "nope")
		wantErr(t, "GetOutbox unknown", err, storage.ErrNotFound)
	})

	t.Run("EnqueueIsIdempotentInEveryState", func(t *testing.T) {
		settle := map[storage.OutboxState]func(e *env, id string){
			storage.OutboxPending: func(*env, string) {},
			storage.OutboxLeased: func(e *env, id string) {
				wantIDs(e.t, "Lease", e.lease("w", 1, time.Minute), id)
			},
			storage.OutboxDelivered: func(e *env, id string) {
				e.lease("w", 1, time.Minute)
				e.must(e.s.MarkDelivered(e.ctx, id, "w", storage.Delivery{At: e.clock.Now()}), "MarkDelivered")
			},
			storage.OutboxFailed: func(e *env, id string) {
				e.lease("w", 1, time.Minute)
				e.must(e.s.MarkFailed(e.ctx, id, "w", e.clock.Now(), "403"), "MarkFailed")
			},
		}
		for state, prepare := range settle {
			t.Run(string(state), func(t *testing.T) {
				e := newEnv(t, open)
				x := newEntry("nudge:2027-01:aad", e.clock.Now())
				e.enqueue(x)
				prepare(e, x.ID)
				before := e.get(x.ID)
				if before.State != state {
					t.Fatalf("state = %s, want %s", before.State, state)
				}
				e.clock.Advance(time.Minute)
				again := newEntry(x.ID, e.clock.Now().Add(time.Hour))
				again.Kind = "other"
				again.Activity = json.RawMessage(`{"type":"message","text":"changed"}`)
				created, err := e.s.Enqueue(e.ctx, again)
				e.must(err, "Enqueue existing ID")
				if created {
					t.Fatal("Enqueue of an existing ID: created = true")
				}
				after := e.get(x.ID)
				if !reflect.DeepEqual(normalize(after), normalize(before)) {
					t.Fatalf("Enqueue of an existing ID changed the entry:\n got %+v\nwant %+v", after, before)
				}
			})
		}
	})

	t.Run("EnqueueBadInput", func(t *testing.T) {
		e := newEnv(t, open)
		cases := []struct {
			name string
			x    storage.OutboxEntry
		}{
			{"empty ID", storage.OutboxEntry{Activity: json.RawMessage(`{}`)}},
			{"NUL in ID", storage.OutboxEntry{ID: "a\x00b", Activity: json.RawMessage(`{}`)}},
			{"no activity", storage.OutboxEntry{ID: "noact"}},
			{"activity not JSON", storage.OutboxEntry{ID: "badjson", Activity: json.RawMessage(`{"type":`)}},
			{"NotBefore out of range", storage.OutboxEntry{ID: "far", Activity: json.RawMessage(`{}`),
				NotBefore: time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC)}},
		}
		for _, c := range cases {
			_, err := e.s.Enqueue(e.ctx, c.x)
			wantInvalid(t, "Enqueue "+c.name, err)
			if c.x.ID != "" && c.x.ID != "a\x00b" {
				_, err := e.s.GetOutbox(e.ctx, c.x.ID)
				wantErr(t, "GetOutbox after bad Enqueue "+c.name, err, storage.ErrNotFound)
			}
		}
		wantCounts(t, e, storage.OutboxCounts{})
	})

	t.Run("LeaseOldestDueFirst", func(t *testing.T) {
		e := newEnv(t, open)
		now := e.clock.Now()
		e.enqueue(
			newEntry("b", now.Add(-2*time.Minute)),
			newEntry("future", now.Add(time.Second)),
			newEntry("a", now.Add(-3*time.Minute)),
			newEntry("d", now), // due exactly now
			newEntry("c", now.Add(-1*time.Minute)),
		)
		got := e.lease("w1", 3, 30*time.Second)
		wantIDs(t, "first Lease", got, "a", "b", "c")
		for _, x := range got {
			if x.State != storage.OutboxLeased || x.LeaseOwner != "w1" || x.Attempts != 1 {
				t.Fatalf("leased entry %s: state %s owner %q attempts %d", x.ID, x.State, x.LeaseOwner, x.Attempts)
			}
			sameTime(t, x.ID+" LeaseUntil", x.LeaseUntil, now.Add(30*time.Second))
			sameTime(t, x.ID+" UpdatedAt", x.UpdatedAt, now)
			if !jsonEqual(x.Activity, json.RawMessage(activityJSON)) || x.RefKey != storage.UserKey("u-"+x.ID) {
				t.Fatalf("leased entry %s lost its payload: %+v", x.ID, x)
			}
			stored := e.get(x.ID)
			if !reflect.DeepEqual(normalize(stored), normalize(x)) {
				t.Fatalf("Lease returned %+v but stored %+v", x, stored)
			}
		}
		wantIDs(t, "second Lease", e.lease("w2", 10, 30*time.Second), "d")
		wantIDs(t, "third Lease", e.lease("w2", 10, 30*time.Second))
		e.clock.Advance(time.Second)
		wantIDs(t, "Lease after NotBefore", e.lease("w2", 10, 30*time.Second), "future")
	})

	t.Run("LeaseExpiryAndTakeover", func(t *testing.T) {
		e := newEnv(t, open)
		now := e.clock.Now()
		e.enqueue(newEntry("x", now), newEntry("y", now.Add(time.Second)))
		wantIDs(t, "A leases", e.lease("A", 1, time.Minute), "x")
		e.clock.Advance(time.Second)
		wantIDs(t, "B gets only the unleased one", e.lease("B", 10, time.Minute), "y")
		e.clock.Advance(58 * time.Second) // x's lease ends at +60 s; now is +59 s
		wantIDs(t, "lease not yet expired", e.lease("B", 10, time.Minute))
		e.clock.Advance(time.Second) // exactly LeaseUntil: expired
		got := e.lease("B", 10, time.Minute)
		wantIDs(t, "B takes over the expired lease", got, "x")
		if got[0].Attempts != 2 || got[0].LeaseOwner != "B" {
			t.Fatalf("taken over: attempts %d owner %q, want 2 and B", got[0].Attempts, got[0].LeaseOwner)
		}
		sameTime(t, "LeaseUntil", got[0].LeaseUntil, e.clock.Now().Add(time.Minute))
		err := e.s.MarkDelivered(e.ctx, "x", "A", storage.Delivery{At: e.clock.Now()})
		wantErr(t, "MarkDelivered by the previous owner", err, storage.ErrConflict)
		err = e.s.MarkRetry(e.ctx, "x", "A", e.clock.Now(), "late")
		wantErr(t, "MarkRetry by the previous owner", err, storage.ErrConflict)
		err = e.s.MarkFailed(e.ctx, "x", "A", e.clock.Now(), "late")
		wantErr(t, "MarkFailed by the previous owner", err, storage.ErrConflict)
		if x := e.get("x"); x.State != storage.OutboxLeased || x.LeaseOwner != "B" {
			t.Fatalf("refused settlements changed the entry: %+v", x)
		}
		e.must(e.s.MarkDelivered(e.ctx, "x", "B", storage.Delivery{At: e.clock.Now()}), "MarkDelivered by B")
	})

	t.Run("ExpiredButNotRetakenLeaseCanStillSettle", func(t *testing.T) {
		// The sender may finish just after its lease ran out; as long as no
		// one else took the entry, recording the delivery beats sending twice.
		e := newEnv(t, open)
		e.enqueue(newEntry("x", e.clock.Now()))
		e.lease("A", 1, time.Minute)
		e.clock.Advance(2 * time.Minute)
		e.must(e.s.MarkDelivered(e.ctx, "x", "A", storage.Delivery{At: e.clock.Now()}), "MarkDelivered after expiry")
		wantIDs(t, "Lease after delivery", e.lease("B", 10, time.Minute))
	})

	t.Run("Settle", func(t *testing.T) {
		cases := []struct {
			name   string
			settle func(e *env, id, owner string) error
			check  func(t *testing.T, e *env, x storage.OutboxEntry)
		}{
			{
				name: "Delivered",
				settle: func(e *env, id, owner string) error {
					return e.s.MarkDelivered(e.ctx, id, owner, storage.Delivery{
						At: e.clock.Now().Add(time.Second), ConversationID: "a:conv", ActivityID: "1:act"})
				},
				check: func(t *testing.T, e *env, x storage.OutboxEntry) {
					if x.State != storage.OutboxDelivered || x.ConversationID != "a:conv" || x.ActivityID != "1:act" {
						t.Fatalf("delivered entry: %+v", x)
					}
					sameTime(t, "DeliveredAt", x.DeliveredAt, e.clock.Now().Add(time.Second))
					sameTime(t, "UpdatedAt", x.UpdatedAt, e.clock.Now().Add(time.Second))
				},
			},
			{
				name: "DeliveredAtDefaultsToNow",
				settle: func(e *env, id, owner string) error {
					return e.s.MarkDelivered(e.ctx, id, owner, storage.Delivery{ActivityID: "1:act"})
				},
				check: func(t *testing.T, e *env, x storage.OutboxEntry) {
					sameTime(t, "DeliveredAt", x.DeliveredAt, e.clock.Now())
				},
			},
			{
				name: "Failed",
				settle: func(e *env, id, owner string) error {
					return e.s.MarkFailed(e.ctx, id, owner, e.clock.Now().Add(2*time.Second), "403 Forbidden")
				},
				check: func(t *testing.T, e *env, x storage.OutboxEntry) {
					if x.State != storage.OutboxFailed || x.LastError != "403 Forbidden" || !x.DeliveredAt.IsZero() {
						t.Fatalf("failed entry: %+v", x)
					}
					sameTime(t, "UpdatedAt", x.UpdatedAt, e.clock.Now().Add(2*time.Second))
				},
			},
			{
				name: "Retry",
				settle: func(e *env, id, owner string) error {
					return e.s.MarkRetry(e.ctx, id, owner, e.clock.Now().Add(10*time.Second), "429 Too Many Requests")
				},
				check: func(t *testing.T, e *env, x storage.OutboxEntry) {
					if x.State != storage.OutboxPending || x.LastError != "429 Too Many Requests" ||
						x.LeaseOwner != "" || !x.LeaseUntil.IsZero() || x.Attempts != 1 {
						t.Fatalf("retried entry: %+v", x)
					}
					sameTime(t, "NotBefore", x.NotBefore, e.clock.Now().Add(10*time.Second))
					sameTime(t, "UpdatedAt", x.UpdatedAt, e.clock.Now())
					wantIDs(t, "Lease before NotBefore", e.lease("w", 10, time.Minute))
					e.clock.Advance(10 * time.Second)
					got := e.lease("w2", 10, time.Minute)
					wantIDs(t, "Lease at NotBefore", got, x.ID)
					if got[0].Attempts != 2 || got[0].LastError != x.LastError {
						t.Fatalf("re-leased entry: attempts %d lastError %q", got[0].Attempts, got[0].LastError)
					}
				},
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, open)
				e.enqueue(newEntry("x", e.clock.Now()))
				// Not leased yet: nobody holds it.
				wantErr(t, "settle a pending entry", c.settle(e, "x", "w"), storage.ErrConflict)
				wantIDs(t, "Lease", e.lease("w", 1, time.Minute), "x")
				wantErr(t, "settle by a non-owner", c.settle(e, "x", "intruder"), storage.ErrConflict)
				wantErr(t, "settle an unknown entry", c.settle(e, "unknown", "w"), storage.ErrNotFound)
				e.must(c.settle(e, "x", "w"), "settle by the owner")
				x := e.get("x")
				c.check(t, e, x)
				if x.State != storage.OutboxPending {
					// Settled for good: no second settlement, no lease.
					wantErr(t, "settle twice", c.settle(e, "x", "w"), storage.ErrConflict)
					e.clock.Advance(time.Hour)
					wantIDs(t, "Lease after settlement", e.lease("w", 10, time.Minute))
				}
			})
		}
	})

	t.Run("LeaseNeverReturnsSettledEntries", func(t *testing.T) {
		e := newEnv(t, open)
		now := e.clock.Now()
		for i := range 20 {
			e.enqueue(newEntry(fmt.Sprintf("old%02d", i), now.Add(-time.Hour+time.Duration(i)*time.Second)))
		}
		for _, x := range e.lease("w", 20, time.Minute) {
			if x.ID < "old10" {
				e.must(e.s.MarkDelivered(e.ctx, x.ID, "w", storage.Delivery{At: now}), "MarkDelivered")
			} else {
				e.must(e.s.MarkFailed(e.ctx, x.ID, "w", now, "gone"), "MarkFailed")
			}
		}
		e.enqueue(newEntry("new", now))
		e.clock.Advance(time.Hour)
		wantIDs(t, "Lease", e.lease("w", 100, time.Minute), "new")
	})

	t.Run("LeaseBadInput", func(t *testing.T) {
		e := newEnv(t, open)
		e.enqueue(newEntry("x", e.clock.Now()))
		now := e.clock.Now()
		for _, c := range []struct {
			name  string
			owner string
			max   int
			ttl   time.Duration
		}{
			{"empty owner", "", 1, time.Minute},
			{"max 0", "w", 0, time.Minute},
			{"negative max", "w", -1, time.Minute},
			{"ttl 0", "w", 1, 0},
			{"negative ttl", "w", 1, -time.Second},
		} {
			_, err := e.s.Lease(e.ctx, c.owner, now, c.max, c.ttl)
			wantInvalid(t, "Lease with "+c.name, err)
		}
		if x := e.get("x"); x.State != storage.OutboxPending || x.Attempts != 0 {
			t.Fatalf("bad Lease changed the entry: %+v", x)
		}
		e.lease("w", 1, time.Minute)
		err := e.s.MarkRetry(e.ctx, "x", "w", time.Time{}, "zero notBefore")
		wantInvalid(t, "MarkRetry with zero notBefore", err)
		if x := e.get("x"); x.State != storage.OutboxLeased {
			t.Fatalf("bad MarkRetry changed the entry: %+v", x)
		}
	})

	t.Run("CountAndPurge", func(t *testing.T) {
		e := newEnv(t, open)
		wantCounts(t, e, storage.OutboxCounts{})
		t0 := e.clock.Now()
		for i := range 7 {
			e.enqueue(newEntry(fmt.Sprintf("e%d", i), t0.Add(time.Duration(i)*time.Millisecond)))
		}
		wantCounts(t, e, storage.OutboxCounts{Pending: 7})
		e.clock.Advance(time.Second)
		wantIDs(t, "Lease", e.lease("w", 5, time.Minute), "e0", "e1", "e2", "e3", "e4")
		wantCounts(t, e, storage.OutboxCounts{Pending: 2, Leased: 5})
		e.must(e.s.MarkDelivered(e.ctx, "e0", "w", storage.Delivery{At: t0.Add(1 * time.Hour)}), "deliver e0")
		e.must(e.s.MarkDelivered(e.ctx, "e1", "w", storage.Delivery{At: t0.Add(3 * time.Hour)}), "deliver e1")
		e.must(e.s.MarkFailed(e.ctx, "e2", "w", t0.Add(1*time.Hour), "x"), "fail e2")
		e.must(e.s.MarkFailed(e.ctx, "e3", "w", t0.Add(3*time.Hour), "x"), "fail e3")
		e.must(e.s.MarkRetry(e.ctx, "e4", "w", t0.Add(time.Hour), "x"), "retry e4")
		wantCounts(t, e, storage.OutboxCounts{Pending: 3, Delivered: 2, Failed: 2})

		n, err := e.s.PurgeOutbox(e.ctx, t0.Add(1*time.Hour)) // strictly before: nothing
		e.must(err, "PurgeOutbox")
		if n != 0 {
			t.Fatalf("PurgeOutbox(before the earliest settlement) = %d, want 0", n)
		}
		n, err = e.s.PurgeOutbox(e.ctx, t0.Add(2*time.Hour))
		e.must(err, "PurgeOutbox")
		if n != 2 {
			t.Fatalf("PurgeOutbox = %d, want 2", n)
		}
		for _, id := range []string{"e0", "e2"} {
			_, err := e.s.GetOutbox(e.ctx, id)
			wantErr(t, "GetOutbox purged "+id, err, storage.ErrNotFound)
		}
		for _, id := range []string{"e1", "e3", "e4", "e5", "e6"} {
			e.get(id)
		}
		wantCounts(t, e, storage.OutboxCounts{Pending: 3, Delivered: 1, Failed: 1})
		// A purged ID is free again: the idempotency window ends at purge.
		created, err := e.s.Enqueue(e.ctx, newEntry("e0", e.clock.Now()))
		e.must(err, "Enqueue purged ID")
		if !created {
			t.Fatal("Enqueue of a purged ID: created = false")
		}
		n, err = e.s.PurgeOutbox(e.ctx, t0.Add(100*time.Hour))
		e.must(err, "PurgeOutbox all settled")
		if n != 2 {
			t.Fatalf("PurgeOutbox = %d, want 2", n)
		}
		wantCounts(t, e, storage.OutboxCounts{Pending: 4})
	})

	t.Run("PurgeMany", func(t *testing.T) {
		// Back ends that purge in batches should make their batch smaller
		// than this in their tests, so that the purge crosses batches.
		e := newEnv(t, open)
		const n = 250
		now := e.clock.Now()
		for i := range n {
			e.enqueue(newEntry(fmt.Sprintf("m%04d", i), now))
		}
		leased := 0
		for range 10 {
			leased += len(e.lease("w", 500, time.Minute))
		}
		if leased != n {
			t.Fatalf("leased %d entries, want %d", leased, n)
		}
		for i := range n {
			e.must(e.s.MarkDelivered(e.ctx, fmt.Sprintf("m%04d", i), "w", storage.Delivery{At: now}), "MarkDelivered")
		}
		got, err := e.s.PurgeOutbox(e.ctx, now.Add(time.Second))
		e.must(err, "PurgeOutbox")
		if got != n {
			t.Fatalf("PurgeOutbox = %d, want %d", got, n)
		}
		wantCounts(t, e, storage.OutboxCounts{})
	})
}

// normalize makes entries comparable with reflect.DeepEqual: times by
// instant in UTC, Activity compacted.
func normalize(x storage.OutboxEntry) storage.OutboxEntry {
	for _, p := range []*time.Time{&x.NotBefore, &x.LeaseUntil, &x.CreatedAt, &x.UpdatedAt, &x.DeliveredAt} {
		*p = p.UTC()
	}
	var b []byte
	if c, err := json.Marshal(x.Activity); err == nil {
		b = c
	}
	x.Activity = b
	return x
}
