package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"digibot/bot/schedule"
	"digibot/dialogs/status"
	"digibot/storage"
	"digibot/storage/embedded"
	redisstore "digibot/storage/redis"
)

// faultConfig is the YAML of the fault tests that need nothing else.
const faultConfig = "log: {level: info, format: json}\n"

// unavailableSV is the edge's Swedish "try again soon" (bot/text_sv.go).
var unavailableSV = []string{"tillfälliga problem", "försök igen"}

func hasAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func readyzStatus(p *serveProc) int { code, _ := p.get("/readyz"); return code }

// TestFaultRedisDownAtStart: serve is started while its Redis does not
// answer. It must come up not ready (/readyz 503), answer turns with the
// "try again soon" reply and 503 (so Teams retries), and become ready and
// answer normally once Redis is there, without a restart.
func TestFaultRedisDownAtStart(t *testing.T) {
	requireRedisServer(t)
	t.Parallel()
	port := freePort(t)
	// A Redis that was there and is gone: started, then stopped before serve.
	r := startPrivateRedis(t, port, t.TempDir(), false)
	r.kill()
	conn := newFakeConnector(t)
	p := launchServe(t, "serve", map[string]string{
		"DIGIBOT_STORE":        "redis://" + r.addr() + "/0",
		"DIGIBOT_REDIS_PREFIX": "digibotfault:",
		"DIGIBOT_CONFIG":       writeConfig(t, faultConfig),
	})
	if err := p.waitHealthy(60 * time.Second); err != nil {
		t.Fatalf("serve must start while Redis is down (not ready, \"try again soon\" to turns, ready once Redis answers); it did not: %v", err)
	}
	pid := p.cmd.Process.Pid
	if code := readyzStatus(p); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with Redis down: %d, want 503", code)
	}
	u := newTeamsUser(0, "downatstart")
	began := time.Now()
	if code := p.post(t, u.message(conn.URL(), "start-1", "hjälp")); code != http.StatusServiceUnavailable {
		t.Errorf("a turn with Redis down answered %d, want 503 so that Teams retries", code)
	}
	t.Logf("a turn with Redis down was answered in %s", time.Since(began).Round(time.Millisecond))
	if reply := conn.deliveredText(t, u.conv, "start-1"); !hasAll(reply, unavailableSV) {
		t.Errorf("the user was not told to try again soon: %.400s", reply)
	}

	r.start(t) // Redis comes back on the same port
	back := time.Now()
	waitUntil(t, 30*time.Second, "/readyz 200 after Redis came back", func() bool { return readyzStatus(p) == http.StatusOK })
	t.Logf("ready %s after Redis came back", time.Since(back).Round(time.Millisecond))
	// Teams retries the activity: it is handled now, not dropped as a duplicate.
	if code := p.post(t, u.message(conn.URL(), "start-1", "hjälp")); code != http.StatusOK {
		t.Errorf("the retried turn answered %d, want 200", code)
	}
	if code := p.post(t, u.message(conn.URL(), "start-2", "vad är digital basnivå?")); code != http.StatusOK {
		t.Errorf("a new turn answered %d, want 200", code)
	}
	replies := conn.delivered(u.conv, "start-1")
	if len(replies) != 2 || hasAll(replies[1].Raw, unavailableSV) {
		t.Errorf("the retried turn got no real answer: %d replies", len(replies))
	}
	if reply := conn.deliveredText(t, u.conv, "start-2"); !strings.Contains(strings.ToLower(reply), "basnivå") {
		t.Errorf("the question was not answered: %.400s", reply)
	}
	if !p.running() || p.cmd.Process.Pid != pid {
		t.Error("serve was restarted or stopped")
	}
}

// TestFaultRedisDownMidRun: Redis is killed while serve runs and started
// again on the same port with its data (append-only file). Meanwhile serve
// is not ready, a turn gets the Swedish "try again soon" reply and 503,
// and afterwards it is ready and answers again without a restart; nothing
// accepted before the outage is lost.
func TestFaultRedisDownMidRun(t *testing.T) {
	requireRedisServer(t)
	t.Parallel()
	ctx := context.Background()
	r := startPrivateRedis(t, freePort(t), t.TempDir(), true)
	url := "redis://" + r.addr() + "/0"
	const prefix = "digibotfault:"
	conn := newFakeConnector(t)
	p := startServe(t, "serve", map[string]string{
		"DIGIBOT_STORE": url, "DIGIBOT_REDIS_PREFIX": prefix, "DIGIBOT_CONFIG": writeConfig(t, faultConfig),
	})
	pid := p.cmd.Process.Pid
	waitUntil(t, 20*time.Second, "/readyz 200", func() bool { return readyzStatus(p) == http.StatusOK })

	// Accepted before the outage: a turn (it stores the user's reference)
	// and an outbox entry that is due only once Redis is already gone.
	u := newTeamsUser(0, "midrun")
	if code := p.post(t, u.message(conn.URL(), "mid-1", "hjälp")); code != http.StatusOK {
		t.Fatalf("turn before the outage: %d", code)
	}
	st, err := redisstore.Open(ctx, url, redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	act, _ := json.Marshal(map[string]any{"type": "message", "text": "before-outage"})
	if _, err := st.Enqueue(ctx, storage.OutboxEntry{ID: "before-outage", Kind: "faulttest", RefKey: storage.UserKey(u.aad),
		Activity: act, NotBefore: time.Now().Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}

	r.kill()
	waitUntil(t, 10*time.Second, "/readyz 503 with Redis down", func() bool { return readyzStatus(p) == http.StatusServiceUnavailable })
	began := time.Now()
	if code := p.post(t, u.message(conn.URL(), "mid-2", "vad är digital basnivå?")); code != http.StatusServiceUnavailable {
		t.Errorf("a turn with Redis down answered %d, want 503 so that Teams retries", code)
	}
	t.Logf("a turn with Redis down was answered in %s", time.Since(began).Round(time.Millisecond))
	if reply := conn.deliveredText(t, u.conv, "mid-2"); !hasAll(reply, unavailableSV) {
		t.Errorf("the user was not told to try again soon: %.400s", reply)
	}

	r.start(t) // same port, same append-only file
	back := time.Now()
	waitUntil(t, 30*time.Second, "/readyz 200 after Redis came back", func() bool { return readyzStatus(p) == http.StatusOK })
	t.Logf("ready %s after Redis came back", time.Since(back).Round(time.Millisecond))
	if code := p.post(t, u.message(conn.URL(), "mid-2", "vad är digital basnivå?")); code != http.StatusOK {
		t.Errorf("Teams' retry of the turn answered %d, want 200", code)
	}
	if replies := conn.delivered(u.conv, "mid-2"); len(replies) != 2 || !strings.Contains(strings.ToLower(replies[1].Raw), "basnivå") {
		t.Errorf("the retried question was not answered (%d replies)", len(replies))
	}
	if code := p.post(t, u.message(conn.URL(), "mid-3", "hjälp")); code != http.StatusOK {
		t.Errorf("a new turn answered %d, want 200", code)
	}
	waitUntil(t, 30*time.Second, "the entry enqueued before the outage to be delivered", func() bool {
		e, err := st.GetOutbox(ctx, "before-outage")
		return err == nil && e.State == storage.OutboxDelivered
	})
	sent := conn.where(func(r connRequest) bool { return r.ok() && r.Activity["text"] == "before-outage" })
	if len(sent) != 1 || sent[0].At.Before(back) {
		t.Fatalf("the entry enqueued before the outage reached the connector %d times; want once, after Redis came back", len(sent))
	}
	t.Logf("the entry enqueued before the outage was delivered %s after Redis came back", sent[0].At.Sub(back).Round(time.Millisecond))
	if _, err := st.GetReference(ctx, storage.UserKey(u.aad)); err != nil {
		t.Errorf("the reference stored before the outage is gone: %v", err)
	}
	if !p.running() || p.cmd.Process.Pid != pid {
		t.Error("serve was restarted or stopped")
	}
}

// TestFaultConnectorStorm: the Bot Connector answers 502 for a while.
// Turns still answer 200; their replies go to the outbox and are
// delivered once the storm is over, each exactly once.
func TestFaultConnectorStorm(t *testing.T) {
	t.Parallel()
	conn := newFakeConnector(t)
	storm := func(connRequest, int) (int, bool) { return http.StatusBadGateway, false }
	conn.setPolicy(storm)
	p := startServe(t, "serve", map[string]string{
		"DIGIBOT_DATA_DIR": t.TempDir(), "DIGIBOT_CONFIG": writeConfig(t, faultConfig),
	})
	type sent struct {
		u  teamsUser
		id string
	}
	var turns []sent
	for i, text := range []string{"hjälp", "vad är digital basnivå?"} {
		for j := range 2 {
			u := newTeamsUser(j, "storm")
			id := fmt.Sprintf("storm-%d", i)
			if code := p.post(t, u.message(conn.URL(), id, text)); code != http.StatusOK {
				t.Errorf("%s %s during the storm: %d, want 200", u.conv, id, code)
			}
			turns = append(turns, sent{u, id})
		}
	}
	// direct are the replies a turn tried to post in place (all refused);
	// queued the outbox's attempts at them.
	direct := func(s sent) []connRequest {
		return conn.where(func(r connRequest) bool { return r.Conv == s.u.conv && r.PathID == s.id && r.Method == http.MethodPost })
	}
	queued := func(s sent) []connRequest {
		return conn.where(func(r connRequest) bool { return r.Conv == s.u.conv && r.PathID == "" && r.replyToID() == s.id })
	}
	waitUntil(t, 30*time.Second, "the outbox to try every queued reply during the storm", func() bool {
		for _, s := range turns {
			if len(queued(s)) == 0 {
				return false
			}
		}
		return true
	})
	conn.setPolicy(nil) // the storm is over
	calm := time.Now()
	waitUntil(t, 30*time.Second, "every queued reply to be delivered", func() bool {
		return p.metric(t, "digibot_outbox_delivered_total", map[string]string{"kind": "reply"}) >= float64(len(turns))
	})
	t.Logf("%d queued replies delivered %s after the storm", len(turns), time.Since(calm).Round(time.Millisecond))
	for _, s := range turns {
		d := direct(s)
		if len(d) == 0 || slices.ContainsFunc(d, connRequest.ok) {
			t.Errorf("%s %s: %d direct replies, some accepted during the storm", s.u.conv, s.id, len(d))
		}
		ok := 0
		for _, q := range queued(s) {
			if q.ok() {
				ok++
			}
		}
		if ok != len(d) {
			t.Errorf("%s %s: %d replies queued, %d delivered, want each exactly once", s.u.conv, s.id, len(d), ok)
		}
	}
	if got := p.metric(t, "digibot_outbox_delivered_total", map[string]string{"kind": "reply"}); got != float64(len(turns)) {
		t.Errorf("%v replies delivered through the outbox, want %d", got, len(turns))
	}
	if got := p.metric(t, "digibot_outbox_retries_total", map[string]string{"kind": "reply", "status": "502"}); got < float64(len(turns)) {
		t.Errorf("%v retries after a 502 counted, want at least %d", got, len(turns))
	}
}

// nextFunc adapts status.Service.NextNudge to a schedule.Spec.
type nextFunc func(time.Time) time.Time

func (f nextFunc) Next(t time.Time) time.Time { return f(t) }

// TestFaultKillDuringNudge: a status nudge round is being delivered when
// the process is killed (kill -9) — the connector has taken K nudges and
// holds the next ones. A new process on the same store delivers the rest:
// every owner gets exactly one nudge in all.
func TestFaultKillDuringNudge(t *testing.T) {
	t.Parallel()
	const owners, k = 12, 4
	ctx := context.Background()
	dir := t.TempDir()
	conn := newFakeConnector(t)

	// Owners who opened Digibot before (so a reference exists), one
	// activity each.
	st, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var us []teamsUser
	var ownersYAML strings.Builder
	for i := range owners {
		u := newTeamsUser(i, "owner")
		us = append(us, u)
		fmt.Fprintf(&ownersYAML, "    A%02d: [\"aad:%s\"]\n", i+1, u.aad)
		if err := st.PutReference(ctx, storage.Reference{
			Key: storage.UserKey(u.aad), ConversationID: u.conv, ConversationType: storage.ConversationPersonal,
			ServiceURL: conn.URL(), TenantID: "tenant-test", ChannelID: "msteams", UserAADID: u.aad, UserName: u.name,
			Locale: "sv-SE", UpdatedAt: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A weekly cadence whose latest nudge is due already (the scheduler
	// catches up a missed nudge within six days): the most recent one.
	cal, err := schedule.NewCalendar()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	weekday, due := "", time.Time{}
	for _, wd := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		cfg := status.Config{Cadence: status.Cadence{Kind: "weeks", EveryWeeks: 1, Weekday: wd, Time: "00:00"}}
		svc, err := status.New(status.Options{Config: cfg, Store: st, Calendar: cal})
		if err != nil {
			t.Fatal(err)
		}
		if d := schedule.Previous(nextFunc(svc.NextNudge), now.Add(-5*24*time.Hour), now); !d.IsZero() && d.After(due) {
			weekday, due = wd, d
		}
	}
	if weekday == "" {
		t.Fatalf("no weekly nudge was due in the five days before %s", now)
	}
	if err := st.Close(); err != nil { // the child holds the file from now on
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`log: {level: info, format: json}
outbox: {lease_ttl: 12s}
digest: {enabled: false}
status:
  owners:
%s  cadence: {kind: weeks, every_weeks: 1, weekday: %s, time: "00:00"}
  reminder_after_workdays: 30
  escalate_after_workdays: 60
  escalate_to: none
`, ownersYAML.String(), weekday)
	if _, err := ParseFileConfig(strings.NewReader(yaml)); err != nil {
		// A crashed process's entries wait out their lease (2 min by
		// default) before another sends them; the test needs it short.
		t.Fatalf("this test needs the outbox lease to be configurable (outbox.lease_ttl): %v", err)
	}
	env := map[string]string{"DIGIBOT_DATA_DIR": dir, "DIGIBOT_CONFIG": writeConfig(t, yaml)}

	// The connector takes K nudges, then holds every request open.
	conn.setPolicy(func(_ connRequest, okSoFar int) (int, bool) { return 0, okSoFar >= k })
	first := startServe(t, "serve-1", env)
	period := ""
	waitUntil(t, 30*time.Second, fmt.Sprintf("the nudge due %s to run", due), func() bool {
		for _, r := range first.logsWith("job done") {
			if r["job"] == status.JobNudge {
				period = fmt.Sprint(r["period"])
			}
		}
		return period != ""
	})
	// Killed only once the K deliveries are recorded (the rest are leased,
	// none pending): a delivery the process dies before recording is the
	// outbox's documented at-least-once window, not what this test is about.
	waitUntil(t, 30*time.Second, fmt.Sprintf("%d nudges delivered and recorded, the next held", k), func() bool {
		if len(conn.where(connRequest.ok)) != k || conn.held() == 0 {
			return false
		}
		leased := first.metric(t, "digibot_outbox_entries", map[string]string{"state": "leased"})
		pending := first.metric(t, "digibot_outbox_entries", map[string]string{"state": "pending"})
		return leased == owners-k && pending == 0
	})
	first.kill()
	killed := time.Now()
	waitUntil(t, 10*time.Second, "the held requests to end with the process", func() bool { return conn.held() == 0 })
	if got := len(conn.where(connRequest.ok)); got != k {
		t.Fatalf("%d nudges delivered before the kill, want %d", got, k)
	}
	conn.setPolicy(nil)

	second := startServe(t, "serve-2", env)
	perOwner := func() map[string]int {
		m := map[string]int{}
		for _, r := range conn.where(func(r connRequest) bool { return r.ok() && r.Method == http.MethodPost }) {
			m[r.Conv]++
		}
		return m
	}
	waitUntil(t, 60*time.Second, "every owner to be nudged", func() bool { return len(perOwner()) == owners })
	recovered := time.Since(killed)
	second.stop(15 * time.Second) // frees the store for the checks below

	got := perOwner()
	for _, u := range us {
		if got[u.conv] != 1 {
			t.Errorf("owner %s got %d nudges, want exactly 1", u.conv, got[u.conv])
		}
	}
	if n := len(conn.where(connRequest.ok)); n != owners {
		t.Errorf("%d messages delivered in all, want %d", n, owners)
	}
	for _, r := range second.logsWith("job done") {
		if r["job"] == status.JobNudge && fmt.Sprint(r["period"]) == period {
			t.Errorf("the nudge for %s ran again after the restart", period)
		}
	}
	st, err = embedded.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.CountOutbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Delivered != owners || c.Pending+c.Leased+c.Failed != 0 {
		t.Errorf("outbox after the restart: %+v, want %d delivered", c, owners)
	}
	t.Logf("nudge %s (due %s): %d of %d delivered before kill -9, the rest by the new process %s after the kill",
		period, due.In(schedule.Stockholm).Format(time.RFC3339), k, owners, recovered.Round(time.Millisecond))
}
