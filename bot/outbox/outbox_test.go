package outbox

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"digibot/storage"
	"digibot/storage/embedded"
)

// backend opens a fresh, empty store for one (sub)test.
type backend struct {
	name string
	open func(t testing.TB) Store
}

func backends(testing.TB) []backend {
	bs := []backend{{"embedded", func(t testing.TB) Store {
		s, err := embedded.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("open embedded: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}}}
	return append(bs, redisBackends()...)
}

const (
	svcURL  = "http://connector.test/emea/" // the in-memory network answers any host
	tenantA = "6b3d4c2e-0000-4000-8000-00000000000a"
	tenantB = "6b3d4c2e-0000-4000-8000-00000000000b"
)

// deliveryScript answers each entry's first attempts with 429s, 412s and
// 502/504s picked by a hash of its marker, adds a 502 storm between 4 s
// and 6 s, and otherwise accepts.
func deliveryScript(start time.Time) func(marker string, attempt int, at time.Time) answer {
	throttled := `{"error":{"code":"ThrottledRequest","message":"Too many requests"}}`
	tenantWide := `{"error":{"code":"TenantThrottled","message":"Too many requests for this tenant"}}`
	scripts := [][]answer{
		{}, {}, {}, {},
		{{429, "1", throttled}},
		{{502, "", ""}, {504, "", ""}},
		{{429, "2", throttled}, {502, "", ""}},
		{{504, "", ""}},
		{{412, "", `{"error":{"code":"PreconditionFailed","message":"try again"}}`}},
		{{429, start.Add(3 * time.Second).Format(http.TimeFormat), throttled}},
		{{429, "1", tenantWide}},
		{},
	}
	return func(marker string, attempt int, at time.Time) answer {
		if d := at.Sub(start); d >= 4*time.Second && d < 6*time.Second {
			return answer{status: 502, body: "storm"}
		}
		s := scripts[hash(marker)%uint32(len(scripts))]
		if attempt < len(s) {
			a := s[attempt]
			if strings.Contains(a.retryAfter, "GMT") {
				// An HTTP date 3 s after this request.
				a.retryAfter = at.Add(3 * time.Second).Truncate(time.Second).Add(time.Second).Format(http.TimeFormat)
			}
			return a
		}
		return answer{}
	}
}

// TestDeliveryExactlyOnceWithinLimits drains 300 entries over 40
// conversations in two tenants through a connector that throttles and
// fails at random, on the bubble's fake clock, and checks every entry went
// out once and every window kept Teams' limits.
func TestDeliveryExactlyOnceWithinLimits(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t)
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				start := time.Now()
				fake := newFakeConnector(time.Now)
				fake.script = deliveryScript(start)
				sv := serveMem(fake, "tok-1")
				defer sv.close()

				convs := seedRefs(t, ctx, s, 40, []string{tenantA, tenantB}, svcURL)
				tenantOf := map[string]string{}
				for _, c := range convs {
					tenantOf[c.id] = c.tenant
				}
				// conversation 0 gets 70 entries (past the 60/30 s window),
				// the others share 230, interleaved.
				const n = 300
				var ids []string
				heavy, other := 0, 0
				for i := range n {
					ci := 1 + other%39
					if i%4 == 0 && heavy < 70 {
						ci = 0
						heavy++
					} else {
						other++
					}
					id := fmt.Sprintf("c%d-%03d", ci, i)
					ids = append(ids, id)
					enqueue(t, ctx, s, storage.OutboxEntry{ID: id, RefKey: convs[ci].key})
				}
				obs := &countingObserver{}
				// Teams' limits, spelled out so that the assertion does not
				// just repeat TeamsLimits().
				limits := Limits{
					Conversation: []Window{{7, time.Second}, {8, 2 * time.Second}, {60, 30 * time.Second}, {1800, time.Hour}},
					Tenant:       []Window{{30, time.Second}},
				}
				if got := TeamsLimits(); fmt.Sprint(got) != fmt.Sprint(limits) {
					t.Errorf("TeamsLimits() = %v, want %v", got, limits)
				}
				cfg := Config{Owner: "w1", Observer: obs, Logger: testLogger(t), Limits: &limits}
				w, err := New(s, sv.client, cfg)
				if err != nil {
					t.Fatal(err)
				}
				stop := startWorker(t, w)
				counts := waitSettled(t, ctx, s, n, time.Hour)
				elapsed := time.Since(start)
				stop()

				reqs, delivered, actIDs, bad := fake.snapshot()
				for _, b := range bad {
					t.Errorf("protocol: %s", b)
				}
				if counts.Delivered != n || counts.Failed != 0 || counts.Pending != 0 || counts.Leased != 0 {
					t.Errorf("counts %+v, want %d delivered", counts, n)
				}
				for _, id := range ids {
					if delivered[id] != 1 {
						t.Errorf("entry %s delivered %d times", id, delivered[id])
					}
					e, err := s.GetOutbox(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					var ci int
					if _, err := fmt.Sscanf(id, "c%d-", &ci); err != nil {
						t.Fatal(err)
					}
					if e.State != storage.OutboxDelivered || e.ConversationID != convs[ci].id || e.ActivityID != actIDs[id] || e.ActivityID == "" || e.DeliveredAt.IsZero() {
						t.Errorf("entry %s: state %s conv %q act %q (want %q) at %v, attempts %d, last error %q", id, e.State, e.ConversationID, e.ActivityID, actIDs[id], e.DeliveredAt, e.Attempts, e.LastError)
					}
				}
				perConv := map[string][]time.Time{}
				perTenant := map[string][]time.Time{}
				statuses := map[int]int{}
				for _, r := range reqs {
					if r.Auth != "Bearer tok-1" {
						t.Fatalf("Authorization %q", r.Auth)
					}
					perConv[r.Conv] = append(perConv[r.Conv], r.At)
					perTenant[tenantOf[r.Conv]] = append(perTenant[tenantOf[r.Conv]], r.At)
					statuses[r.Status]++
				}
				checkWindows(t, "conversation", perConv, limits.Conversation)
				checkWindows(t, "tenant", perTenant, limits.Tenant)
				checkPauses(t, reqs, tenantOf)
				oc := obs.counts()
				if oc[0] != n || oc[3] != 0 || oc[2] != statuses[429] || oc[1] != len(reqs)-n {
					t.Errorf("observer delivered/retried/throttled/failed = %v; answers %v", oc, statuses)
				}
				t.Logf("%d entries, %d requests %v, fake time %s", n, len(reqs), statuses, elapsed)
			})
		})
	}
}

// checkPauses asserts that after a 429 with Retry-After no request went to
// that conversation (or, when the answer named the tenant, that tenant)
// before the time it gave.
func checkPauses(t *testing.T, reqs []fakeReq, tenantOf map[string]string) {
	t.Helper()
	for i, r := range reqs {
		if r.Status != 429 || r.RetryAfter == "" {
			continue
		}
		until := r.At.Add(retryAfterOf(r.RetryAfter, r.At))
		tenantWide := strings.Contains(r.Answer, "Tenant")
		for _, later := range reqs[i+1:] {
			// Requests to other conversations at the very instant of the
			// 429 were already on the wire.
			same := later.Conv == r.Conv || tenantWide && tenantOf[later.Conv] == tenantOf[r.Conv] && later.At.After(r.At)
			if same && later.At.Before(until) {
				t.Errorf("request to %s at %s, during the pause of %s until %s (tenant-wide %v)", later.Conv, later.At.Format("15:04:05.000"), r.Conv, until.Format("15:04:05.000"), tenantWide)
				break
			}
		}
	}
}

func retryAfterOf(v string, at time.Time) time.Duration {
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil {
		return time.Duration(secs) * time.Second
	}
	if tm, err := http.ParseTime(v); err == nil {
		return tm.Sub(at)
	}
	return 0
}
