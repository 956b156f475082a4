package status

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
	sredis "digibot/storage/redis"
	"digibot/storage/redis/redistest"
)

// openRedis opens a store under prefix (a fresh one when "", deleted when
// tb ends; a given one is a parent's, shared with this child process).
// Without Redis it fails in CI and skips elsewhere.
func openRedis(tb testing.TB, prefix string) (*sredis.Store, string) {
	tb.Helper()
	if prefix == "" {
		return redistest.Open(tb, "status")
	}
	return redistest.OpenPrefix(tb, prefix), prefix
}

// Child process environment.
const (
	envChild  = "DIGIBOT_STATUS_CHILD"
	envPrefix = "DIGIBOT_STATUS_CHILD_PREFIX"
	envStart  = "DIGIBOT_STATUS_CHILD_START" // unix nanoseconds to start at
	envOwner  = "DIGIBOT_STATUS_CHILD_OWNER"
)

const twoProcOwners = 300

// twoProcConfig is the config both processes use: twoProcOwners owners
// spread over the activities.
func twoProcConfig() (Config, []string) {
	cfg := Config{Owners: map[string][]string{}}
	var ids []string
	for i := range twoProcOwners {
		id := fmt.Sprintf("%08x-1111-4000-8000-%012x", i+1, i+1)
		ids = append(ids, id)
		act := fmt.Sprintf("A%02d", i%39+1)
		cfg.Owners[act] = append(cfg.Owners[act], "aad:"+id)
	}
	return cfg, ids
}

type childReport struct {
	Owner    string `json:"owner"`
	Enqueued int    `json:"enqueued"` // direct nudge run, December
	Ran      int    `json:"ran"`      // scheduler tick, January
}

// TestNudgeChildProcess is the process TestNudgeTwoProcesses starts twice.
func TestNudgeChildProcess(t *testing.T) {
	if os.Getenv(envChild) != "1" {
		return // only meaningful as a child of TestNudgeTwoProcesses, which runs it
	}
	st, _ := openRedis(t, os.Getenv(envPrefix))
	cfg, _ := twoProcConfig()
	owner := os.Getenv(envOwner)
	clk := newClock(sthlm(2026, 12, 1, 9, 0))
	s, err := New(Options{Config: cfg, Store: st, Calendar: calendar(t), TenantID: tenant, ServiceURL: svcURL, Now: clk.Now, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ns, _ := strconv.ParseInt(os.Getenv(envStart), 10, 64)
	time.Sleep(time.Until(time.Unix(0, ns)))
	ctx := context.Background()
	// Both processes run December's nudge at the same moment, as two
	// replicas would after a lost claim.
	stats, err := s.RunNudge(ctx, "2026-12-01", sthlm(2026, 12, 1, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Then both schedulers tick at January's nudge time.
	clk.Set(sthlm(2027, 1, 4, 9, 0))
	sc, err := schedule.New(st, owner, clk.Now, quietLogger(t), nil, s.NudgeJob())
	if err != nil {
		t.Fatal(err)
	}
	ran, err := sc.Tick(ctx, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(childReport{Owner: owner, Enqueued: stats.Enqueued, Ran: ran})
	fmt.Printf("STATUS-CHILD %s\n", raw)
}

// TestNudgeTwoProcesses re-executes the test binary twice against one
// Redis prefix; both run the nudge job at the same time. Each owner's
// nudge must be enqueued exactly once, and the scheduled January run must
// happen in one process only.
func TestNudgeTwoProcesses(t *testing.T) {
	st, prefix := openRedis(t, "")
	ctx := context.Background()
	_, ids := twoProcConfig()
	for _, id := range ids {
		putRef(t, st, id, "", "sv-SE")
	}
	start := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	reports := make([]childReport, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestNudgeChildProcess$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), envChild+"=1", envPrefix+"="+prefix,
				envStart+"="+strconv.FormatInt(start.UnixNano(), 10), fmt.Sprintf("%s=replica-%d", envOwner, i))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("child %d: %v\n%s", i, err, out.String())
				return
			}
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				if rest, ok := strings.CutPrefix(sc.Text(), "STATUS-CHILD "); ok {
					errs[i] = json.Unmarshal([]byte(rest), &reports[i])
					return
				}
			}
			errs[i] = fmt.Errorf("child %d printed no report:\n%s", i, out.String())
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := reports[0].Enqueued + reports[1].Enqueued; got != twoProcOwners {
		t.Fatalf("December: processes enqueued %d + %d nudges, want %d in all", reports[0].Enqueued, reports[1].Enqueued, twoProcOwners)
	}
	if got := reports[0].Ran + reports[1].Ran; got != 1 {
		t.Fatalf("January: the scheduled nudge ran %d times across the processes, want 1 (%+v)", got, reports)
	}
	counts, err := st.CountOutbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Pending != 2*twoProcOwners {
		t.Fatalf("outbox %+v, want %d pending", counts, 2*twoProcOwners)
	}
	for _, id := range ids {
		for _, p := range []string{"2026-12-01", "2027-01-04"} {
			e, err := st.GetOutbox(ctx, "status-nudge:"+p+":"+id)
			if err != nil || e.RefKey != storage.UserKey(id) {
				t.Fatalf("nudge %s for %s: %+v %v", p, id, e, err)
			}
		}
	}
	t.Logf("December: %d + %d enqueued; January run in one process (%+v)", reports[0].Enqueued, reports[1].Enqueued, reports)
}

// TestRedisStore runs the card flow on Redis: stale cards and
// authorisation behave the same on both back ends.
func TestRedisStore(t *testing.T) {
	st, _ := openRedis(t, "")
	clk := newClock(sthlm(2026, 12, 1, 9, 0))
	for _, p := range [][2]string{{anna, "Anna"}, {bertil, "Bertil"}, {cecilia, "Cecilia"}} {
		putRef(t, st, p[0], p[1], "sv-SE")
	}
	s := newService(t, st, clk, testConfig(), testDirectory())
	if _, err := s.RunNudge(context.Background(), period, clk.Now()); err != nil {
		t.Fatal(err)
	}
	c := entryCard(t, st, nudgeID(anna))
	tn := invoke(anna, "Anna", ActionSubmit, submission(t, c, map[string]string{"A12.status": "done", "A13.status": "on_track"}))
	handle(t, s, tn)
	if r := cardText(t, invokeCard(t, tn)); !strings.Contains(r, "Tack!") {
		t.Fatalf("receipt %s", r)
	}
	tn = invoke(anna, "Anna", ActionSubmit, submission(t, c, map[string]string{"A12.status": "paused", "A13.status": "on_track"}))
	handle(t, s, tn)
	if r := cardText(t, invokeCard(t, tn)); !strings.Contains(r, "Någon har uppdaterat A12") {
		t.Fatalf("stale card accepted on Redis: %s", r)
	}
	tn = message(erik, "Erik", "A12 pausad")
	handle(t, s, tn)
	if u, v, _ := s.current(context.Background(), "A12"); u.Status != Done || v != 1 {
		t.Fatalf("A12 %+v v%d", u, v)
	}
}
