package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"digibot/dialogs/coaching"
	"digibot/storage"
	redisstore "digibot/storage/redis"
	"digibot/storage/redis/redistest"
)

// replicaConfig: one coaching session of one place per slot, JSON logs.
const replicaConfig = `log: {level: info, format: json}
coaching:
  coaches:
    - {upn: anna.coach@regiongavleborg.se, name: Anna Coach}
  sessions:
    - {weekday: tisdag, start: "13:00", end: "16:00", slot_minutes: 30, capacity: 1,
       coaches: [anna.coach@regiongavleborg.se]}
`

// TestTwoReplicas runs two real `digibot serve` processes on one Redis key
// prefix and shows that together they behave as one: each scheduled job
// runs once per period, each outbox entry is delivered once and by one
// replica only, and a one-place slot booked by many people at once on both
// replicas has exactly one winner.
func TestTwoReplicas(t *testing.T) {
	redistest.Require(t) // fails in CI without Redis, skips elsewhere
	t.Parallel()
	ctx := context.Background()
	prefix := redistest.Prefix(t, "replicas")
	conn := newFakeConnector(t)
	env := map[string]string{
		"DIGIBOT_STORE":        redistest.URL(),
		"DIGIBOT_REDIS_PREFIX": prefix,
		"DIGIBOT_CONFIG":       writeConfig(t, replicaConfig),
	}
	procs := startServes(t, []string{"replica-a", "replica-b"}, env)
	for _, p := range procs {
		waitUntil(t, 20*time.Second, p.name+" /readyz 200", func() bool { code, _ := p.get("/readyz"); return code == http.StatusOK })
	}

	t.Run("outbox delivered once by one replica", func(t *testing.T) { replicasOutbox(ctx, t, conn, prefix, procs) })
	t.Run("one winner for a one-place slot", func(t *testing.T) { replicasBooking(t, conn, procs) })
	t.Run("jobs run once per period", func(t *testing.T) { replicasJobs(t, procs) })
}

// replicasOutbox: the parent enqueues entries on the shared prefix; every
// one reaches the connector exactly once, and only the outbox leader sends.
func replicasOutbox(ctx context.Context, t *testing.T, conn *fakeConnector, prefix string, procs []*serveProc) {
	const entries, convs, tenants = 200, 50, 4
	st, err := redisstore.Open(ctx, redistest.URL(), redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Four tenants keep the drain short under Teams' 30/s per-tenant limit;
	// the limits themselves are tested in bot/outbox.
	for i := range convs {
		u := newTeamsUser(1000+i, "outbox")
		if err := st.PutReference(ctx, storage.Reference{
			Key: storage.UserKey(u.aad), ConversationID: u.conv, ConversationType: storage.ConversationPersonal,
			ServiceURL: conn.URL(), TenantID: fmt.Sprintf("tenant-%d", i%tenants), ChannelID: "msteams",
			UserAADID: u.aad, UserName: u.name, UpdatedAt: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]string, entries)
	for i := range entries {
		ids[i] = fmt.Sprintf("replicas-%03d", i)
		act, _ := json.Marshal(map[string]any{"type": "message", "text": ids[i]})
		created, err := st.Enqueue(ctx, storage.OutboxEntry{
			ID: ids[i], Kind: "replicatest", RefKey: storage.UserKey(newTeamsUser(1000+i%convs, "outbox").aad), Activity: act,
		})
		if err != nil || !created {
			t.Fatalf("enqueue %s: %v %v", ids[i], created, err)
		}
	}
	// No kick reaches another process: the leader finds them on its poll.
	start := time.Now()
	waitUntil(t, 60*time.Second, "every entry delivered in the store", func() bool {
		c, err := st.CountOutbox(ctx)
		return err == nil && c.Delivered >= entries && c.Pending == 0 && c.Leased == 0
	})
	drained := time.Since(start)
	sent := map[string]int{}
	for _, r := range conn.where(func(r connRequest) bool { return r.ok() && r.PathID == "" }) {
		if s, _ := r.Activity["text"].(string); strings.HasPrefix(s, "replicas-") {
			sent[s]++
		}
	}
	for _, id := range ids {
		if sent[id] != 1 {
			t.Errorf("%s reached the connector %d times, want 1", id, sent[id])
		}
		e, err := st.GetOutbox(ctx, id)
		if err != nil || e.State != storage.OutboxDelivered || e.Attempts != 1 {
			t.Errorf("%s: state %s after %d attempts (%v), want delivered after 1", id, e.State, e.Attempts, err)
		}
	}
	var senders []string
	total := 0.0
	for _, p := range procs {
		n := p.metric(t, "digibot_outbox_delivered_total", map[string]string{"kind": "replicatest"})
		total += n
		if n > 0 {
			senders = append(senders, p.name)
		}
	}
	if len(senders) != 1 || total != entries {
		t.Errorf("entries sent by %v, %v in all; want one replica sending all %d", senders, total, entries)
	}
	leaders := 0
	for _, p := range procs {
		if len(p.logsWith("outbox leader")) > 0 {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d replicas logged \"outbox leader\", want 1", leaders)
	}
	t.Logf("%d entries drained in %s by %v", entries, drained.Round(time.Millisecond), senders)
}

// replicasBooking: users each ask "boka" and then press the booking
// button for the same one-place slot at the same moment, half of them on
// each replica.
func replicasBooking(t *testing.T, conn *fakeConnector, procs []*serveProc) {
	const users = 16
	us := make([]teamsUser, users)
	for i := range us {
		us[i] = newTeamsUser(i, "booking")
	}
	var wg sync.WaitGroup
	codes := make([]int, users)
	for i, u := range us {
		wg.Go(func() { codes[i] = procs[i%2].post(t, u.message(conn.URL(), "boka-1", "boka")) })
	}
	wg.Wait()
	type form struct{ slots, depts []string }
	forms := make([]form, users)
	for i, u := range us {
		if codes[i] != http.StatusOK {
			t.Fatalf("%s: \"boka\" answered %d", u.conv, codes[i])
		}
		var a map[string]any
		if err := json.Unmarshal([]byte(conn.deliveredText(t, u.conv, "boka-1")), &a); err != nil {
			t.Fatal(err)
		}
		slot, dept := cardInput(a, "slot"), cardInput(a, "department")
		if slot == nil || dept == nil {
			t.Fatalf("%s: the booking card has no slot or department input: %.600v", u.conv, a)
		}
		forms[i] = form{slots: choiceValues(slot), depts: choiceValues(dept)}
	}
	if len(forms[0].slots) == 0 {
		t.Fatal("the booking card offers no slot")
	}
	// The last slot offered: far enough ahead that it stays bookable while
	// the test runs, whatever the time of day.
	target := forms[0].slots[len(forms[0].slots)-1]
	for i, f := range forms {
		if !slices.Contains(f.slots, target) {
			t.Fatalf("%s is not offered %s: %v", us[i].conv, target, f.slots)
		}
	}

	gate := make(chan struct{})
	for i, u := range us {
		wg.Go(func() {
			<-gate
			codes[i] = procs[i%2].post(t, u.submit(conn.URL(), "boka-2", map[string]any{
				"action": coaching.ActionBook, "slot": target, "topic": "Dela skärm i Teams", "department": forms[i].depts[0],
			}))
		})
	}
	close(gate)
	wg.Wait()
	var winners, told []string
	for i, u := range us {
		if codes[i] != http.StatusOK {
			t.Errorf("%s: booking answered %d", u.conv, codes[i])
			continue
		}
		reply := conn.deliveredText(t, u.conv, "boka-2")
		switch {
		case strings.Contains(reply, "Du är bokad!"):
			winners = append(winners, fmt.Sprintf("%s via %s", u.conv, procs[i%2].name))
		case strings.Contains(reply, "Någon hann före dig"):
			told = append(told, u.conv)
		default:
			t.Errorf("%s got neither a confirmation nor \"someone was faster\": %.600s", u.conv, reply)
		}
	}
	if len(winners) != 1 || len(told) != users-1 {
		t.Fatalf("winners %v, %d told the slot was taken; want 1 winner and %d told", winners, len(told), users-1)
	}
	booked := 0.0
	for _, p := range procs {
		booked += p.metric(t, "digibot_coaching_events_total", map[string]string{"event": "booked"})
	}
	if booked != 1 {
		t.Errorf("%v bookings recorded across the replicas, want 1", booked)
	}
	t.Logf("slot %s: winner %s, %d told", target, winners[0], len(told))
}

// replicasJobs: each (job, period) started and finished once across both
// replicas, and the metrics agree. coaching.reminder.soon is due in every
// five-minute period, so at least that job ran while the replicas lived.
func replicasJobs(t *testing.T, procs []*serveProc) {
	const every5 = coaching.JobReminderSoon
	type run struct{ job, period string }
	// runs counts log lines by (job, period) across both replicas, and the
	// periods run per job.
	runs := func(msg string) (map[run]int, map[string]int) {
		byRun, perJob := map[run]int{}, map[string]int{}
		for _, p := range procs {
			for _, r := range p.logsWith(msg) {
				k := run{fmt.Sprint(r["job"]), fmt.Sprint(r["period"])}
				if byRun[k] == 0 {
					perJob[k.job]++
				}
				byRun[k]++
			}
		}
		return byRun, perJob
	}
	waitUntil(t, 30*time.Second, every5+" to run", func() bool {
		_, perJob := runs("job done")
		return perJob[every5] > 0
	})
	_, before := runs("job done")
	scraped := map[string]float64{}
	for job := range before {
		for _, p := range procs {
			scraped[job] += p.metric(t, "digibot_job_runs_total", map[string]string{"job": job, "outcome": "ok"})
		}
	}
	started, _ := runs("job starting")
	done, after := runs("job done")
	for k, n := range started {
		if n != 1 {
			t.Errorf("job %s period %s started %d times across the replicas, want 1", k.job, k.period, n)
		}
	}
	for k, n := range done {
		if n != 1 {
			t.Errorf("job %s period %s done %d times across the replicas, want 1", k.job, k.period, n)
		}
	}
	// A job may finish between reading the logs and scraping: the ok runs
	// both replicas count lie between the periods logged before and after.
	for job, sum := range scraped {
		if sum < float64(before[job]) || sum > float64(after[job]) {
			t.Errorf("digibot_job_runs_total{job=%q,outcome=\"ok\"} is %v across the replicas; the logs say %d–%d periods ran",
				job, sum, before[job], after[job])
		}
	}
	t.Logf("periods run, each exactly once across both replicas: %v", after)
}
