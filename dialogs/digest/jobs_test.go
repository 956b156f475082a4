package digest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"digibot/bot/schedule"
	"digibot/dialogs/answer"
	"digibot/dialogs/digest"
	"digibot/storage"
	"digibot/storage/embedded"
)

// questionsOnly is a digest with only the question logs as a source, on
// st, posting to koncernledningen's channel from the config.
func questionsOnly(tb testing.TB, st storage.Store, clk *clock) *digest.Digest {
	tb.Helper()
	d, err := digest.New(digest.Options{Config: digest.Config{Channel: channelKey}, Store: st, Now: clk.Now, Log: quietLog()})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func logQuestion(tb testing.TB, st storage.Store, at time.Time, text string, answered bool) {
	tb.Helper()
	raw, _ := json.Marshal(answer.QuestionLog{Time: at.UTC(), Question: text, Lang: "sv", Answered: answered})
	if _, err := st.AppendLog(context.Background(), answer.LogQuestions, at, raw); err != nil {
		tb.Fatal(err)
	}
}

func TestRunTwicePostsOnce(t *testing.T) {
	clk := newClock(due)
	st := openEmbedded(t, "", clk)
	putChannelRef(t, st)
	logQuestion(t, st, sthlm(2026, 11, 24, 9, 0), "Vad är A12?", true)
	d := questionsOnly(t, st, clk)
	first, err := d.Run(context.Background(), digest.KindWeekly, due)
	if err != nil || !first.Posted {
		t.Fatalf("first run %+v %v", first, err)
	}
	// A question logged afterwards does not change the week's digest.
	logQuestion(t, st, sthlm(2026, 11, 25, 9, 0), "Vad är A13?", false)
	clk.Set(due.Add(time.Hour))
	second, err := d.Run(context.Background(), digest.KindWeekly, due.Add(time.Hour))
	if err != nil || second.Posted {
		t.Fatalf("second run %+v %v", second, err)
	}
	if n := outboxTotal(t, st); n != 1 {
		t.Fatalf("outbox has %d entries", n)
	}
	e, c := entryCard(t, st, digest.OutboxID(digest.KindWeekly, "2026-W48"))
	if e.RefKey != channelKey || e.Create != nil || !strings.Contains(strs(c), "vecka 48") {
		t.Fatalf("entry %+v", e)
	}
	if _, err := d.Run(context.Background(), "yearly", due); err == nil {
		t.Fatal("unknown kind accepted")
	}
}

// TestTwoSchedulersPostOnce: two replicas, each with its scheduler and
// digest, tick at the same moments; each period is posted once. On 1
// February 2027 (a Monday) the weekly digest and the monthly summary are
// both due at 08:00.
func TestTwoSchedulersPostOnce(t *testing.T) {
	start := sthlm(2027, 1, 31, 12, 0)
	clk := newClock(start)
	st := openEmbedded(t, "", clk)
	putChannelRef(t, st)
	var scheds []*schedule.Scheduler
	for i := range 2 {
		d := questionsOnly(t, st, clk)
		if len(d.Jobs()) != 2 {
			t.Fatalf("jobs %v", d.Jobs())
		}
		s, err := schedule.New(st, fmt.Sprintf("replica-%d", i), clk.Now, quietLog(), nil, d.Jobs()...)
		if err != nil {
			t.Fatal(err)
		}
		scheds = append(scheds, s)
	}
	// Both replicas tick concurrently every ten minutes across the due
	// time; each may become leader after the other's lease lapses.
	for now := start; now.Before(sthlm(2027, 2, 1, 12, 0)); now = now.Add(10 * time.Minute) {
		clk.Set(now)
		var wg sync.WaitGroup
		for _, s := range scheds {
			wg.Go(func() {
				if _, err := s.Tick(context.Background(), now); err != nil {
					t.Errorf("tick: %v", err)
				}
			})
		}
		wg.Wait()
	}
	if n := outboxTotal(t, st); n != 2 {
		t.Fatalf("outbox has %d entries, want the week's and the month's", n)
	}
	entryCard(t, st, digest.OutboxID(digest.KindWeekly, "2027-W04"))
	entryCard(t, st, digest.OutboxID(digest.KindMonthly, "2027-01"))
}

// TestRestartPostsOnce: the store survives a restart, and so does "done".
func TestRestartPostsOnce(t *testing.T) {
	dir := t.TempDir()
	clk := newClock(due)
	ctx := context.Background()
	st, err := openStoreAt(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	putChannelRef(t, st)
	if res, err := questionsOnly(t, st, clk).Run(ctx, digest.KindWeekly, due); err != nil || !res.Posted {
		t.Fatalf("%+v %v", res, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2 := openEmbedded(t, dir, clk)
	d := questionsOnly(t, st2, clk)
	if res, err := d.Run(ctx, digest.KindWeekly, due.Add(2*time.Hour)); err != nil || res.Posted {
		t.Fatalf("after restart %+v %v", res, err)
	}
	s, err := schedule.New(st2, "after-restart", clk.Now, quietLog(), nil, d.Jobs()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tick(ctx, due.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := outboxTotal(t, st2); n != 1 {
		t.Fatalf("outbox has %d entries", n)
	}
}

// childEnv names the Redis prefix a re-executed test process works on.
const childEnv = "DIGIBOT_DIGEST_CHILD_PREFIX"

// TestChildProcess is the body of a re-executed test binary: a whole
// Digibot replica's digest (scheduler ticks and direct runs, concurrently)
// on a shared Redis prefix. It does nothing in a normal test run.
func TestChildProcess(t *testing.T) {
	prefix := os.Getenv(childEnv)
	if prefix == "" {
		return
	}
	clk := newClock(due)
	st := openRedis(t, prefix, clk)
	d := questionsOnly(t, st, clk)
	s, err := schedule.New(st, "child-"+fmt.Sprint(os.Getpid()), clk.Now, quietLog(), nil, d.Jobs()...)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if i%2 == 0 {
				if _, err := s.Tick(context.Background(), due.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Errorf("tick: %v", err)
				}
				return
			}
			if _, err := d.Run(context.Background(), digest.KindWeekly, due); err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	wg.Wait()
}

// TestTwoProcessesPostOnce: two re-executed processes on one Redis prefix
// run the same week's digest at once, then a third after "a restart":
// one outbox entry, one snapshot, one trend point.
func TestTwoProcessesPostOnce(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in a child process")
	}
	prefix := newPrefix(t)
	clk := newClock(due)
	st := openRedis(t, prefix, clk)
	putChannelRef(t, st)
	logQuestion(t, st, sthlm(2026, 11, 24, 9, 0), "Vad är A12?", true)
	run := func(n int) {
		t.Helper()
		cmds := make([]*exec.Cmd, n)
		outs := make([]*strings.Builder, n)
		for i := range cmds {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
			cmds[i].Env = append(os.Environ(), childEnv+"="+prefix)
			outs[i] = &strings.Builder{}
			cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("child %d: %v\n%s", i, err, outs[i])
			}
		}
	}
	run(2)
	run(1)
	if n := outboxTotal(t, st); n != 1 {
		t.Fatalf("outbox has %d entries, want 1", n)
	}
	e, c := entryCard(t, st, digest.OutboxID(digest.KindWeekly, "2026-W48"))
	if e.RefKey != channelKey || !strings.Contains(strs(c), "Ställda") {
		t.Fatalf("entry %+v", e)
	}
	docs, err := st.ListDocs(context.Background(), "digest.snapshots")
	if err != nil || len(docs) != 1 || docs[0].Version != 1 {
		t.Fatalf("snapshots %d (%v): want one, written once", len(docs), err)
	}
	d := questionsOnly(t, st, clk)
	tr, err := d.Trend(context.Background(), digest.KindWeekly)
	if err != nil || len(tr) != 1 || tr[0].Asked != 1 {
		t.Fatalf("trend %+v %v", tr, err)
	}
	if done, err := st.RunDone(context.Background(), digest.JobWeekly, "2026-W48"); err != nil || !done {
		t.Fatalf("scheduler run for 2026-W48 not done: %v %v", done, err)
	}
}

func openStoreAt(dir string, clk *clock) (storage.Store, error) {
	return embedded.Open(context.Background(), dir, embedded.WithClock(clk.Now))
}

func TestForgetQuestions(t *testing.T) {
	clk := newClock(due)
	st := openEmbedded(t, "", clk)
	putChannelRef(t, st)
	logQuestion(t, st, sthlm(2026, 11, 24, 9, 0), "Anna Andersson undrar om sin lön", false)
	d := questionsOnly(t, st, clk)
	if _, err := d.Run(context.Background(), digest.KindWeekly, due); err != nil {
		t.Fatal(err)
	}
	if n, err := d.ForgetQuestions(context.Background(), due); err != nil || n != 0 {
		t.Fatalf("forgot %d (%v) of a digest not older than the limit", n, err)
	}
	n, err := d.ForgetQuestions(context.Background(), due.AddDate(0, 0, 90))
	if err != nil || n != 1 {
		t.Fatalf("forgot %d: %v", n, err)
	}
	doc, err := st.GetDoc(context.Background(), "digest.snapshots", "weekly:2026-W48")
	if err != nil || strings.Contains(string(doc.Value), "Anna") || !strings.Contains(string(doc.Value), `"asked":1`) {
		t.Fatalf("snapshot %s %v", doc.Value, err)
	}
}
