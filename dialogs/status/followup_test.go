package status

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"digibot/storage"
)

// deliverAll marks every due outbox entry delivered, like the worker.
func deliverAll(t *testing.T, st storage.Outbox, now time.Time) int {
	t.Helper()
	ctx := context.Background()
	es, err := st.Lease(ctx, "test-worker", now, 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := st.MarkDelivered(ctx, e.ID, "test-worker", storage.Delivery{At: now, ConversationID: "c", ActivityID: "1:" + e.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return len(es)
}

func TestRemindersAndEscalation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.s.cfg.CoordinatorChannel = "conv:19:coord@thread.tacv2"
	if err := f.st.PutReference(ctx, storage.Reference{Key: "conv:19:coord@thread.tacv2", ConversationID: "19:coord@thread.tacv2",
		ConversationType: storage.ConversationChannel, ServiceURL: svcURL, TenantID: tenant}); err != nil {
		t.Fatal(err)
	}
	f.nudge(t) // Tuesday 1 December 2026
	deliverAll(t, f.st, f.clk.Now())
	follow := func(now time.Time) FollowUpStats {
		t.Helper()
		f.clk.Set(now)
		st, err := f.s.RunFollowUp(ctx, now)
		if err != nil {
			t.Fatalf("RunFollowUp(%s): %v", now, err)
		}
		return st
	}
	// Cecilia answers on Wednesday; Anna answers A13 only; Bertil never.
	f.clk.Set(sthlm(2026, 12, 2, 11, 0))
	handle(t, f.s, message(cecilia, "Cecilia", "A14 pågår"))
	// Thursday: 2 working days, nothing yet.
	if st := follow(sthlm(2026, 12, 3, 9, 0)); st.Reminded != 0 || st.Escalated != 0 {
		t.Fatalf("thursday %+v", st)
	}
	// Friday 4 Dec = 3 working days: reminders to Anna (A12, A13) and
	// Bertil (A13), not Cecilia.
	if st := follow(sthlm(2026, 12, 4, 9, 0)); st.Reminded != 2 || st.Escalated != 0 {
		t.Fatalf("friday %+v", st)
	}
	rem := cardText(t, entryCard(t, f.st, "status-reminder:"+period+":"+anna))
	if !strings.Contains(rem, "Påminnelse") || !strings.Contains(rem, "A12 ·") || !strings.Contains(rem, "tisdag 1 december 2026") {
		t.Fatalf("reminder card: %s", rem)
	}
	if _, err := f.st.GetOutbox(ctx, "status-reminder:"+period+":"+cecilia); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("cecilia reminded although she answered: %v", err)
	}
	// Again the same day, or on Monday: no second reminder.
	if st := follow(sthlm(2026, 12, 7, 9, 0)); st.Reminded != 0 {
		t.Fatalf("monday %+v", st)
	}
	// Anna answers A13 (bertil's co-owned activity): Bertil is done too;
	// Anna still owes A12.
	handle(t, f.s, message(anna, "Anna", "A13 pågår enligt plan"))
	// Wednesday 9 Dec = 6 working days: no escalation yet.
	if st := follow(sthlm(2026, 12, 9, 9, 0)); st.Escalated != 0 {
		t.Fatalf("wednesday %+v", st)
	}
	// Thursday 10 Dec = 7 working days: Anna's manager David and the
	// coordinating function are told.
	if st := follow(sthlm(2026, 12, 10, 9, 0)); st.Escalated != 1 {
		t.Fatalf("thursday 10 %+v", st)
	}
	if got := f.dir.callList(); !slices.Contains(got, "manager "+anna) || slices.Contains(got, "manager "+bertil) {
		t.Fatalf("directory calls %v", got)
	}
	mgr := cardText(t, entryCard(t, f.st, "status-escalation:"+period+":"+anna+":manager"))
	if !strings.Contains(mgr, "Hej David Dahl!") || !strings.Contains(mgr, "Anna Andersson har inte lämnat") || !strings.Contains(mgr, "A12 ") || strings.Contains(mgr, "A13 ") {
		t.Fatalf("manager message: %s", mgr)
	}
	e, err := f.st.GetOutbox(ctx, "status-escalation:"+period+":coordinator:2026-12-10")
	if err != nil || e.RefKey != "conv:19:coord@thread.tacv2" {
		t.Fatalf("coordinator message %+v %v", e, err)
	}
	if c := cardText(t, entryCard(t, f.st, e.ID)); !strings.Contains(c, "Anna Andersson – A12") {
		t.Fatalf("coordinator card: %s", c)
	}
	// Not twice.
	if st := follow(sthlm(2026, 12, 11, 9, 0)); st.Escalated != 0 || st.Reminded != 0 {
		t.Fatalf("friday 11 %+v", st)
	}
	// The digest lists Anna as missing, escalated.
	ov, err := f.s.Overview(ctx, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Missing) != 1 || ov.Missing[0].AADID != anna || strings.Join(ov.Missing[0].Activities, ",") != "A12" ||
		ov.Missing[0].RemindedAt.IsZero() || ov.Missing[0].EscalatedAt.IsZero() || strings.Join(ov.Missing[0].EscalatedTo, ",") != "manager,coordinator" {
		t.Fatalf("overview missing %+v", ov.Missing)
	}
	if ov.Round != period || ov.Counts[OnTrack] != 2 || ov.Counts[""] != 37 {
		t.Fatalf("overview %+v", ov.Counts)
	}
	for _, a := range ov.Activities {
		if a.Activity.ID == "A12" && (!a.Missing || len(a.Owners) != 1 || a.Owners[0].AADID != anna) {
			t.Fatalf("A12 overview %+v", a)
		}
		if a.Activity.ID == "A14" && (a.Missing || a.Status != OnTrack || a.Owners[0].Name != "Cecilia Cedergren") {
			t.Fatalf("A14 overview %+v", a)
		}
	}
	// Changes since a time, for the digest.
	ch, err := f.s.Changes(ctx, sthlm(2026, 12, 3, 0, 0), time.Time{})
	if err != nil || len(ch) != 1 || ch[0].Activity != "A13" {
		t.Fatalf("changes %+v %v", ch, err)
	}
}

func TestEscalationWithoutManagerGoesToCoordinator(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.s.cfg.EscalateTo = EscalateManager
	f.s.cfg.Coordinators = []string{"aad:" + david}
	f.nudge(t)
	deliverAll(t, f.st, f.clk.Now())
	f.clk.Set(sthlm(2026, 12, 10, 9, 0))
	st, err := f.s.RunFollowUp(ctx, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Anna has a manager; Bertil and Cecilia do not: the coordinator
	// (david, 1:1) is told about them.
	if st.Escalated != 3 {
		t.Fatalf("%+v", st)
	}
	c := cardText(t, entryCard(t, f.st, "status-escalation:"+period+":coordinator:2026-12-10:"+david))
	if !strings.Contains(c, "Bertil Berg – A13") || !strings.Contains(c, "Cecilia Cedergren – A14") || strings.Contains(c, "Anna") {
		t.Fatalf("coordinator card: %s", c)
	}
	// Escalation is off with "none".
	f2 := newFixture(t)
	f2.s.cfg.EscalateTo = EscalateNone
	f2.nudge(t)
	deliverAll(t, f2.st, f2.clk.Now())
	if st, err := f2.s.RunFollowUp(ctx, sthlm(2026, 12, 10, 9, 0)); err != nil || st.Escalated != 0 || st.Reminded != 3 {
		t.Fatalf("escalate_to none: %+v %v", st, err)
	}
}

func TestUnreachableOwnersAreRecorded(t *testing.T) {
	clk := newClock(sthlm(2026, 12, 1, 9, 0))
	ctx := context.Background()
	const (
		unknownUPN = "okand@regiongavleborg.se"
		deniedUPN  = "nekad@regiongavleborg.se"
		newUPN     = "ny@regiongavleborg.se"
		slowUPN    = "trog@regiongavleborg.se"
		denied     = "ffffffff-0000-4000-8000-000000000006"
		newcomer   = "99999999-0000-4000-8000-000000000007"
		slow       = "88888888-0000-4000-8000-000000000008"
	)
	cfg := Config{Owners: map[string][]string{
		"A01": {unknownUPN}, "A02": {deniedUPN}, "A03": {newUPN}, "A04": {slowUPN}, "A05": {"aad:" + anna},
	}}
	t.Run("with graph", func(t *testing.T) {
		st := openStore(t, "", clk)
		dir := newFakeDirectory()
		dir.users[deniedUPN] = [3]string{denied, "Nekad", ""}
		dir.users[newUPN] = [3]string{newcomer, "Ny Nilsson", ""}
		dir.users[slowUPN] = [3]string{slow, "Trög", ""}
		dir.forbidden[denied] = true
		dir.noChat[slow] = true
		s := newService(t, st, clk, cfg, dir)
		stats, err := s.RunNudge(ctx, period, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if stats.Recipients != 4 || stats.Enqueued != 3 || stats.Unreachable != 2 {
			t.Fatalf("stats %+v", stats)
		}
		// The newcomer: installed, chat id looked up, reference stored,
		// card sent to it.
		if dir.installed[newcomer] != 1 || dir.chatLookup[newcomer] != 1 {
			t.Fatalf("graph calls %v", dir.callList())
		}
		ref, err := st.GetReference(ctx, storage.UserKey(newcomer))
		if err != nil || ref.ConversationID != "19:"+newcomer+"_bot@unq.gbl.spaces" || ref.ServiceURL != svcURL || ref.TenantID != tenant {
			t.Fatalf("reference %+v %v", ref, err)
		}
		if e, err := st.GetOutbox(ctx, nudgeID(newcomer)); err != nil || e.RefKey != storage.UserKey(newcomer) {
			t.Fatalf("newcomer entry %+v %v", e, err)
		}
		// Installed but no chat visible yet: the outbox creates it.
		if e, err := st.GetOutbox(ctx, nudgeID(slow)); err != nil || e.Create == nil || e.Create.UserID != slow || e.Create.TenantID != tenant || e.Create.ServiceURL != svcURL {
			t.Fatalf("slow entry %+v %v", e, err)
		}
		// Anna (aad:, no reference) is installed for too.
		if dir.installed[anna] != 1 {
			t.Fatalf("anna not installed: %v", dir.callList())
		}
		ov, err := s.Overview(ctx, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, u := range ov.Unreachable {
			got[u.Principal+u.AADID] = u.Reason
		}
		want := map[string]string{unknownUPN: ReasonNotInDirectory, denied: ReasonInstallDenied}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("unreachable %v, want %v", got, want)
		}
		if txt := (Unreachable{Reason: ReasonInstallDenied}).Text("sv"); !strings.Contains(txt, "installeras") {
			t.Fatalf("reason text %q", txt)
		}
		// A refused delivery makes the person unreachable too.
		es, _ := st.Lease(ctx, "w", clk.Now(), 10, time.Minute)
		for _, e := range es {
			if e.ID == nudgeID(slow) {
				_ = st.MarkFailed(ctx, e.ID, "w", clk.Now(), "403 Forbidden: bot not installed")
			} else {
				_ = st.MarkDelivered(ctx, e.ID, "w", storage.Delivery{At: clk.Now()})
			}
		}
		fs, err := s.RunFollowUp(ctx, sthlm(2026, 12, 2, 9, 0))
		if err != nil || fs.Undelivered != 1 {
			t.Fatalf("follow-up %+v %v", fs, err)
		}
		ov, _ = s.Overview(ctx, clk.Now())
		found := false
		for _, u := range ov.Unreachable {
			if u.AADID == slow && u.Reason == ReasonDeliveryFailed && strings.Contains(u.Detail, "403") {
				found = true
			}
		}
		if !found {
			t.Fatalf("delivery failure not recorded: %+v", ov.Unreachable)
		}
	})
	t.Run("without graph", func(t *testing.T) {
		st := openStore(t, "", clk)
		s := newService(t, st, clk, cfg, nil)
		stats, err := s.RunNudge(ctx, period, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		// UPNs cannot be resolved; anna (aad:) gets a createConversation.
		if stats.Recipients != 1 || stats.Unreachable != 4 {
			t.Fatalf("stats %+v", stats)
		}
		if e, err := st.GetOutbox(ctx, nudgeID(anna)); err != nil || e.Create == nil || e.Create.UserID != anna {
			t.Fatalf("anna entry %+v %v", e, err)
		}
		ov, _ := s.Overview(ctx, clk.Now())
		for _, u := range ov.Unreachable {
			if u.Reason != ReasonNoDirectory {
				t.Fatalf("unreachable %+v", u)
			}
		}
	})
	t.Run("temporary graph failure is retried", func(t *testing.T) {
		st := openStore(t, "", clk)
		dir := newFakeDirectory()
		dir.users[newUPN] = [3]string{newcomer, "Ny", ""}
		dir.failUPN[newUPN] = errors.New("graph: 503 service unavailable")
		s := newService(t, st, clk, Config{Owners: map[string][]string{"A03": {newUPN}, "A05": {"aad:" + anna}}}, dir)
		if _, err := s.RunNudge(ctx, period, clk.Now()); err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("want the temporary error, got %v", err)
		}
		if _, err := st.GetOutbox(ctx, nudgeID(anna)); err != nil {
			t.Fatalf("anna not nudged despite someone else's failure: %v", err)
		}
		delete(dir.failUPN, newUPN)
		stats, err := s.RunNudge(ctx, period, clk.Now())
		if err != nil || stats.Enqueued != 1 || stats.AlreadyDone != 1 {
			t.Fatalf("re-run %+v %v", stats, err)
		}
	})
}

func TestDirectoryLookupsAreCached(t *testing.T) {
	f := newFixture(t)
	f.s.owners["A15"] = []string{"saknas@regiongavleborg.se"}
	for range 3 {
		handle(t, f.s, message(erik, "Erik", "status"))
	}
	n := map[string]int{}
	for _, c := range f.dir.callList() {
		n[c]++
	}
	if n["user cecilia@regiongavleborg.se"] != 1 || n["user saknas@regiongavleborg.se"] != 1 {
		t.Fatalf("directory calls %v", n)
	}
	// After an hour "not found" is asked again; a found person is
	// trusted by turns, and re-checked by a nudge run after a week.
	f.clk.Set(f.clk.Now().Add(2 * time.Hour))
	handle(t, f.s, message(erik, "Erik", "status"))
	f.clk.Set(f.clk.Now().Add(8 * 24 * time.Hour))
	if _, err := f.s.RunNudge(context.Background(), "2026-12-09", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	n = map[string]int{}
	for _, c := range f.dir.callList() {
		n[c]++
	}
	if n["user saknas@regiongavleborg.se"] != 3 || n["user cecilia@regiongavleborg.se"] != 2 {
		t.Fatalf("directory calls %v", n)
	}
}
