package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/storage"
)

// TestFinalFailures: 4xx answers and bad entries fail at once with the
// reason recorded; retryable errors fail after MaxAttempts; nothing is
// retried after it failed.
func TestFinalFailures(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				fake.script = func(marker string, attempt int, _ time.Time) answer {
					switch marker {
					case "f403":
						return answer{403, "", `{"error":{"code":"BotNotInConversationRoster","message":"The bot is not part of the conversation roster."}}`}
					case "f404":
						return answer{404, "", `{"error":{"code":"ConversationNotFound","message":"Conversation not found."}}`}
					case "f400":
						return answer{400, "", `{"error":{"code":"BadArgument","message":"Unknown activity type"}}`}
					case "f502then403":
						if attempt == 0 {
							return answer{502, "", ""}
						}
						return answer{403, "", `Forbidden`}
					case "always502":
						return answer{502, "", ""}
					}
					return answer{}
				}
				sv := serveMem(fake, "tok")
				defer sv.close()
				convs := seedRefs(t, ctx, s, 1, []string{tenantA}, svcURL)
				cases := []struct {
					entry    storage.OutboxEntry
					requests int
					reason   []string
				}{
					{storage.OutboxEntry{ID: "f403", RefKey: convs[0].key}, 1, []string{"403", "BotNotInConversationRoster", "roster"}},
					{storage.OutboxEntry{ID: "f404", RefKey: convs[0].key}, 1, []string{"404", "ConversationNotFound"}},
					{storage.OutboxEntry{ID: "f400", RefKey: convs[0].key}, 1, []string{"400", "Unknown activity type"}},
					{storage.OutboxEntry{ID: "f502then403", RefKey: convs[0].key}, 2, []string{"403", "Forbidden"}},
					{storage.OutboxEntry{ID: "always502", RefKey: convs[0].key}, 3, []string{"gave up after 3 attempts", "502"}},
					{storage.OutboxEntry{ID: "noref", RefKey: storage.UserKey("00000000-0000-4000-8000-000000000099")}, 0, []string{"no conversation reference"}},
					{storage.OutboxEntry{ID: "badactivity", RefKey: convs[0].key, Activity: json.RawMessage(`{"text":5}`)}, 0, []string{"invalid activity"}},
					{storage.OutboxEntry{ID: "badupdate", UpdateOf: "nothing-here"}, 0, []string{"unknown entry"}},
					{storage.OutboxEntry{ID: "badcreate", Create: &storage.CreateConversation{UserID: "29:x", TenantID: tenantA}}, 0, []string{"serviceUrl"}},
				}
				for _, tc := range cases {
					enqueue(t, ctx, s, tc.entry)
				}
				obs := &countingObserver{}
				w, err := New(s, sv.client, Config{Owner: "w1", MaxAttempts: 3, Observer: obs, Logger: testLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				stop := startWorker(t, w)
				waitSettled(t, ctx, s, len(cases), time.Hour)
				time.Sleep(30 * time.Minute) // nothing more may happen
				stop()
				reqs, _, _, bad := fake.snapshot()
				for _, b := range bad {
					t.Errorf("protocol: %s", b)
				}
				perMarker := map[string]int{}
				for _, r := range reqs {
					perMarker[r.Marker]++
				}
				for _, tc := range cases {
					e, err := s.GetOutbox(ctx, tc.entry.ID)
					if err != nil {
						t.Fatal(err)
					}
					if e.State != storage.OutboxFailed {
						t.Errorf("%s: state %s, want failed", e.ID, e.State)
					}
					for _, want := range tc.reason {
						if !strings.Contains(e.LastError, want) {
							t.Errorf("%s: LastError %q lacks %q", e.ID, e.LastError, want)
						}
					}
					if perMarker[e.ID] != tc.requests {
						t.Errorf("%s: %d requests, want %d", e.ID, perMarker[e.ID], tc.requests)
					}
				}
				if oc := obs.counts(); oc[3] != len(cases) || oc[0] != 0 {
					t.Errorf("observer delivered/retried/throttled/failed = %v", oc)
				}
			})
		})
	}
}

// TestCreateConversationReference: the first entry for an AAD user opens
// the 1:1 chat and stores its reference; the next entries reuse it.
func TestCreateConversationReference(t *testing.T) {
	const aad = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	const teamsUser = "29:1GcS4EyB_oSI8A88XmWBN7NJFyMqe3QGnJdgLfFGkJnVelzRGos0bPbpsfJjcbAD22bmKc4GMbrY2g4JDrrA8vM06X1-cHHle4zOE6U4ttcc"
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				sv := serveMem(fake, "tok")
				defer sv.close()
				create := func(user string) *storage.CreateConversation {
					return &storage.CreateConversation{UserID: user, TenantID: tenantA, ServiceURL: svcURL}
				}
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "aad-1", Create: create(aad)})
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "aad-2", Create: create(aad)})
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "teams-1", Create: create(teamsUser)})
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "teams-2", Create: create(teamsUser)})
				w, err := New(s, sv.client, Config{Owner: "w1", BotID: "28:app-id", BotName: "Digibot", Logger: testLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				stop := startWorker(t, w)
				waitSettled(t, ctx, s, 4, time.Hour)
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "aad-3", RefKey: storage.UserKey(aad)})
				w.Kick()
				waitSettled(t, ctx, s, 5, time.Hour)
				stop()

				reqs, delivered, _, bad := fake.snapshot()
				for _, b := range bad {
					t.Errorf("protocol: %s", b)
				}
				creates := map[string]int{}
				for _, r := range reqs {
					if r.Conv != "" {
						continue
					}
					creates[r.Marker]++
					members, _ := json.Marshal(r.Body["members"])
					user := strings.TrimPrefix(r.Marker, "create:")
					if string(members) != fmt.Sprintf(`[{"id":%q}]`, user) {
						t.Errorf("members %s", members)
					}
					cd, _ := json.Marshal(r.Body["channelData"])
					bot, _ := json.Marshal(r.Body["bot"])
					if r.Body["tenantId"] != tenantA || string(cd) != fmt.Sprintf(`{"tenant":{"id":%q}}`, tenantA) || string(bot) != `{"id":"28:app-id","name":"Digibot"}` || r.Body["isGroup"] != nil && r.Body["isGroup"] != false {
						t.Errorf("create body %v", r.Body)
					}
				}
				if creates["create:"+aad] != 1 || creates["create:"+teamsUser] != 2 {
					t.Errorf("creates %v, want 1 for the AAD user, 2 for the Teams id", creates)
				}
				for _, id := range []string{"aad-1", "aad-2", "aad-3", "teams-1", "teams-2"} {
					e, err := s.GetOutbox(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					want := "a:personal-" + aad
					if strings.HasPrefix(id, "teams") {
						want = "a:personal-" + teamsUser
					}
					if e.State != storage.OutboxDelivered || e.ConversationID != want || delivered[id] != 1 {
						t.Errorf("%s: state %s conv %q delivered %d", id, e.State, e.ConversationID, delivered[id])
					}
				}
				ref, err := s.GetReference(ctx, storage.UserKey(aad))
				if err != nil {
					t.Fatalf("reference not stored: %v", err)
				}
				if ref.ConversationID != "a:personal-"+aad || ref.ServiceURL != svcURL || ref.TenantID != tenantA || ref.ConversationType != storage.ConversationPersonal || ref.UserAADID != aad || ref.BotID != "28:app-id" {
					t.Errorf("reference %+v", ref)
				}
				refs, err := s.ListReferences(ctx)
				if err != nil || len(refs) != 1 {
					t.Errorf("references %v, %v; want only the AAD user's", refs, err)
				}
			})
		})
	}
}

// TestUpdateActivity: an UpdateOf entry PUTs over the delivered message.
func TestUpdateActivity(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				sv := serveMem(fake, "tok")
				defer sv.close()
				convs := seedRefs(t, ctx, s, 1, []string{tenantA}, svcURL)
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "card", RefKey: convs[0].key})
				w, err := New(s, sv.client, Config{Owner: "w1", Logger: testLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				stop := startWorker(t, w)
				waitSettled(t, ctx, s, 1, time.Hour)
				card, _ := s.GetOutbox(ctx, "card")
				// The receipt is enqueued before its card is delivered in
				// real use too; here after, to know the card's id.
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "receipt", UpdateOf: "card", Activity: activityJSON(t, "receipt")})
				w.Kick()
				waitSettled(t, ctx, s, 2, time.Hour)
				stop()
				reqs, _, _, bad := fake.snapshot()
				for _, b := range bad {
					t.Errorf("protocol: %s", b)
				}
				last := reqs[len(reqs)-1]
				if last.Method != "PUT" || last.Conv != convs[0].id || last.ActivityID != card.ActivityID || last.Body["id"] != card.ActivityID || last.Body["text"] != "receipt" {
					t.Errorf("update request %+v, card %+v", last, card)
				}
				rec, _ := s.GetOutbox(ctx, "receipt")
				if rec.State != storage.OutboxDelivered || rec.ActivityID != card.ActivityID || rec.ConversationID != convs[0].id {
					t.Errorf("receipt %+v", rec)
				}
			})
		})
	}
}

// TestSingleLeader: of two workers on one store only the lock holder
// sends; when it stops, the other takes over.
func TestSingleLeader(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				sv1, sv2 := serveMem(fake, "tok-1"), serveMem(fake, "tok-2")
				defer sv1.close()
				defer sv2.close()
				convs := seedRefs(t, ctx, s, 10, []string{tenantA}, svcURL)
				for i := range 50 {
					enqueue(t, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("a%02d", i), RefKey: convs[i%10].key})
				}
				w1, _ := New(s, sv1.client, Config{Owner: "w1", Logger: testLogger(t)})
				w2, _ := New(s, sv2.client, Config{Owner: "w2", Logger: testLogger(t)})
				stop1, stop2 := startWorker(t, w1), startWorker(t, w2)
				waitSettled(t, ctx, s, 50, time.Hour)
				reqs, _, _, _ := fake.snapshot()
				leader := reqs[0].Auth
				for _, r := range reqs {
					if r.Auth != leader {
						t.Fatalf("requests from both workers: %q and %q", leader, r.Auth)
					}
				}
				// Stop the leader gracefully: it releases the lock and the
				// other worker drains what comes next.
				if leader == "Bearer tok-1" {
					stop1()
				} else {
					stop2()
				}
				for i := range 20 {
					enqueue(t, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("b%02d", i), RefKey: convs[i%10].key})
				}
				waitSettled(t, ctx, s, 70, time.Hour)
				if leader == "Bearer tok-1" {
					stop2()
				} else {
					stop1()
				}
				reqs, delivered, _, _ := fake.snapshot()
				for _, r := range reqs[50:] {
					if r.Auth == leader {
						t.Errorf("stopped leader sent %s", r.Marker)
					}
				}
				for m, n := range delivered {
					if n != 1 {
						t.Errorf("%s delivered %d times", m, n)
					}
				}
			})
		})
	}
}

// TestGracefulStop: Run returns only after the calls in flight finished;
// entries not started are handed back pending and the lock is free.
func TestGracefulStop(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				fake.holdAfter = 0 // hold every request
				sv := serveMem(fake, "tok")
				defer sv.close()
				convs := seedRefs(t, ctx, s, 10, []string{tenantA}, svcURL)
				for i := range 10 {
					enqueue(t, ctx, s, storage.OutboxEntry{ID: fmt.Sprintf("g%d", i), RefKey: convs[i].key})
				}
				w, _ := New(s, sv.client, Config{Owner: "w1", Concurrency: 2, Logger: testLogger(t)})
				runCtx, cancel := context.WithCancel(ctx)
				var returned atomic.Bool
				done := make(chan struct{})
				go func() {
					_ = w.Run(runCtx)
					returned.Store(true)
					close(done)
				}()
				for fake.heldCount() < 2 {
					time.Sleep(10 * time.Millisecond)
				}
				cancel()
				time.Sleep(time.Second)
				synctest.Wait()
				if returned.Load() {
					t.Fatal("Run returned with calls in flight")
				}
				fake.releaseHeld()
				<-done
				c, err := s.CountOutbox(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if c.Delivered != 2 || c.Pending != 8 || c.Leased != 0 {
					t.Errorf("after stop: %+v, want 2 delivered, 8 pending", c)
				}
				ok, err := s.AcquireLock(ctx, LockName, "someone-else", time.Minute)
				if err != nil || !ok {
					t.Errorf("lock not released: %v %v", ok, err)
				}
			})
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	s := backends(t)[0].open(t)
	cases := []struct {
		name string
		cfg  Config
	}{
		{"lease too short", Config{LeaseTTL: time.Second}},
		{"negative batch", Config{Batch: -1}},
		{"cap below base", Config{BaseBackoff: time.Minute, MaxBackoff: time.Second}},
		{"negative attempts", Config{MaxAttempts: -2}},
	}
	for _, tc := range cases {
		if _, err := New(s, NopConnector{}, tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := New(nil, NopConnector{}, Config{}); err == nil {
		t.Error("nil store accepted")
	}
	w, err := New(s, NopConnector{}, Config{})
	if err != nil || w.Owner() == "" {
		t.Fatalf("defaults: %v", err)
	}
	if c, err := w.Depth(t.Context()); err != nil || c != (storage.OutboxCounts{}) {
		t.Errorf("Depth = %+v, %v", c, err)
	}
	if err := w.Run(canceled()); err != nil {
		t.Errorf("Run on a done context: %v", err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// slowRetryStore lands the first MarkRetry of one entry late, as a write
// stuck in a stalled connection would (the caller's deadline does not
// stop a command already on its way).
type slowRetryStore struct {
	Store
	id    string
	delay time.Duration
	once  atomic.Bool
}

func (s *slowRetryStore) MarkRetry(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error {
	if id == s.id && s.once.CompareAndSwap(false, true) {
		time.Sleep(s.delay)
		ctx = context.Background()
	}
	return s.Store.MarkRetry(ctx, id, owner, notBefore, lastErr)
}

// TestStaleSettleCannotUndoNewLease: a retry recorded so late that the
// entry was leased again meanwhile must not put it back to pending (which
// would send it twice).
func TestStaleSettleCannotUndoNewLease(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				fake := newFakeConnector(time.Now)
				fake.script = func(marker string, attempt int, _ time.Time) answer {
					if attempt == 0 {
						// The late retry would hide the entry for 30 min,
						// long after the next lease delivered it.
						return answer{status: 502, retryAfter: "1800"}
					}
					return answer{}
				}
				sv := serveMem(fake, "tok")
				defer sv.close()
				convs := seedRefs(t, ctx, s, 1, []string{tenantA}, svcURL)
				enqueue(t, ctx, s, storage.OutboxEntry{ID: "slow", RefKey: convs[0].key})
				slow := &slowRetryStore{Store: s, id: "slow", delay: 5 * time.Minute}
				w, err := New(slow, sv.client, Config{Owner: "w1", Logger: testLogger(t)})
				if err != nil {
					t.Fatal(err)
				}
				stop := startWorker(t, w)
				waitSettled(t, ctx, s, 1, time.Hour)
				time.Sleep(40 * time.Minute)
				stop()
				e, err := s.GetOutbox(ctx, "slow")
				if err != nil {
					t.Fatal(err)
				}
				_, delivered, _, _ := fake.snapshot()
				if e.State != storage.OutboxDelivered || delivered["slow"] != 1 {
					t.Errorf("state %s, delivered %d times; want delivered once", e.State, delivered["slow"])
				}
			})
		})
	}
}

// panickyConnector panics on every send.
type panickyConnector struct{ NopConnector }

func (panickyConnector) SendToConversation(context.Context, string, string, schema.Activity) (string, error) {
	panic("boom")
}

// TestPanicFailsEntry: a panic while handling an entry fails that entry
// and the worker goes on.
func TestPanicFailsEntry(t *testing.T) {
	s := backends(t)[0].open(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		convs := seedRefs(t, ctx, s, 2, []string{tenantA}, svcURL)
		enqueue(t, ctx, s, storage.OutboxEntry{ID: "p1", RefKey: convs[0].key})
		enqueue(t, ctx, s, storage.OutboxEntry{ID: "p2", RefKey: convs[1].key})
		w, err := New(s, panickyConnector{}, Config{Owner: "w1", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		stop := startWorker(t, w)
		waitSettled(t, ctx, s, 2, time.Hour)
		stop()
		for _, id := range []string{"p1", "p2"} {
			e, _ := s.GetOutbox(ctx, id)
			if e.State != storage.OutboxFailed || !strings.Contains(e.LastError, "internal error: boom") {
				t.Errorf("%s: %s %q", id, e.State, e.LastError)
			}
		}
	})
}
