package status

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"digibot/storage"
)

// gdprFixture: after the December round Anna reports A12 and A13,
// delegates A12 to Erik; Bertil reports A13 after her and names Anna his
// deputy; David (admin) adds Anna as owner of A14; Cecilia reports A14.
func gdprFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.nudge(t)
	say := func(aad, name, text string, admin bool) {
		t.Helper()
		tn := message(aad, name, text)
		tn.Admin = admin
		handle(t, f.s, tn)
		if len(tn.Replies()) == 0 && tn.InvokeResponse() == nil {
			t.Fatalf("%q: no answer", text)
		}
	}
	f.clk.Set(sthlm(2026, 12, 2, 10, 0))
	say(anna, "Anna Andersson", "A12 pågår med risk – väntar på upphandling", false)
	say(anna, "Anna Andersson", "A13 pågår enligt plan", false)
	say(anna, "Anna Andersson", "delegera A12 till erik@regiongavleborg.se", false)
	f.clk.Set(sthlm(2026, 12, 3, 10, 0))
	say(bertil, "Bertil Berg", "A13 försenad till 2027-03-31", false)
	say(bertil, "Bertil Berg", "ersättare aad:"+anna+" till 2026-12-24", false)
	say(david, "David Dahl", "ägare A14 aad:"+anna, true)
	say(cecilia, "Cecilia Cedergren", "A14 klar", false)
	return f
}

func (f *fixture) gdprExport(t *testing.T, aad string) UserData {
	t.Helper()
	d, err := ExportUser(context.Background(), f.st, testConfig(), aad, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// storeText is every status doc and log entry, for "nothing left" checks.
func (f *fixture) storeText(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	colls := []string{collStatus, collOwners, collDeputies, collPeople, collRounds, collRoundPrefx + period}
	for _, c := range colls {
		docs, err := f.st.ListDocs(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			b.WriteString(c + "/" + d.ID + " " + string(d.Value) + "\n")
		}
	}
	for _, l := range []string{logHistory, logAudit} {
		es, err := f.st.ReadLog(ctx, l, time.Time{}, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			b.WriteString(l + " " + string(e.Data) + "\n")
		}
	}
	return b.String()
}

func TestGDPRStatusExport(t *testing.T) {
	f := gdprFixture(t)
	d := f.gdprExport(t, strings.ToUpper(anna))
	if len(d.Statuses.Items) != 1 || d.Statuses.Items[0].Activity != "A12" || d.Statuses.Items[0].Status != AtRisk {
		t.Fatalf("statuses %+v", d.Statuses.Items)
	}
	if len(d.History.Items) != 2 || len(d.Directory.Items) != 0 || len(d.Deputies.Items) != 1 || d.Deputies.Items[0].Role != "deputy" ||
		len(d.Requests.Items) != 1 || len(d.Outbox.Items) != 1 || d.Outbox.Items[0].ID != nudgeID(anna) {
		t.Fatalf("history %d, directory %d, deputies %+v, requests %+v, outbox %d",
			len(d.History.Items), len(d.Directory.Items), d.Deputies.Items, d.Requests.Items, len(d.Outbox.Items))
	}
	var roles []string
	for _, o := range d.Ownership.Items {
		roles = append(roles, o.Activity+":"+o.Role)
	}
	if !slices.Equal(roles, []string{"A12:delegated_by", "A12:changed_by", "A14:added_owner"}) {
		t.Fatalf("ownership %v", roles)
	}
	var audit []string
	for _, a := range d.Audit.Items {
		audit = append(audit, a.Action+":"+a.Role)
	}
	if !slices.Equal(audit, []string{"delegate:by", "deputy:named", "owner_add:named"}) {
		t.Fatalf("audit %v", audit)
	}
	if len(d.Configured.Items) != 2 || d.Configured.Items[0].Activity != "A12" || d.Configured.Items[1].Activity != "A13" {
		t.Fatalf("configured %+v", d.Configured.Items)
	}
	js, _ := json.Marshal(d)
	for _, other := range []string{bertil, "Bertil", cecilia, "Cecilia", david, "David", "erik@"} {
		if strings.Contains(string(js), other) {
			t.Fatalf("Anna's export holds %q:\n%s", other, js)
		}
	}

	// Cecilia is configured by UPN: her directory look-up is hers.
	c := f.gdprExport(t, cecilia)
	if len(c.Directory.Items) != 1 || c.Directory.Items[0].Principal != "cecilia@regiongavleborg.se" || c.Directory.Items[0].Email == "" ||
		len(c.Configured.Items) != 1 || c.Configured.Items[0].Activity != "A14" || len(c.Statuses.Items) != 1 || len(c.Requests.Items) != 1 {
		t.Fatalf("cecilia's export %+v", c)
	}
}

func TestGDPRStatusDelete(t *testing.T) {
	f := gdprFixture(t)
	ctx := context.Background()
	ovBefore, err := f.s.Overview(ctx, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	recsBefore, _, err := f.s.records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bertilBefore := f.gdprExport(t, bertil)

	rep, err := DeleteUser(ctx, f.st, testConfig(), anna, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := DeleteReport{StatusesAnonymised: 1, HistoryAnonymised: 2, OwnershipChanged: 2, DeputiesDeleted: 1, AuditAnonymised: 3,
		RequestsDeleted: 1, Configured: []string{"owner of A12", "owner of A13"}, OutboxLeft: []string{nudgeID(anna)}}
	if a, b := mustJSON(t, rep), mustJSON(t, want); a != b {
		t.Fatalf("report\n got %s\nwant %s", a, b)
	}

	// Only the configuration still names Anna.
	d := f.gdprExport(t, anna)
	d.Configured = storage.PersonalData[ConfiguredRole]{}
	for name, n := range map[string]int{"statuses": len(d.Statuses.Items), "history": len(d.History.Items), "directory": len(d.Directory.Items),
		"ownership": len(d.Ownership.Items), "deputies": len(d.Deputies.Items), "audit": len(d.Audit.Items), "requests": len(d.Requests.Items),
		"outbox": len(d.Outbox.Items)} {
		if n != 0 {
			t.Errorf("after delete, %s has %d records", name, n)
		}
	}
	if text := f.storeText(t); strings.Contains(text, anna) || strings.Contains(text, "Anna") {
		t.Fatalf("the store still names Anna:\n%s", text)
	}

	// The organisation's record: every status as it was, by no one.
	recs, _, err := f.s.records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, was := range recsBefore {
		now := recs[id]
		if was.Author == anna {
			was.Author, was.AuthorName = "", ErasedName
		}
		if mustJSON(t, now) != mustJSON(t, was) {
			t.Errorf("record %s\n got %s\nwant %s", id, mustJSON(t, now), mustJSON(t, was))
		}
	}
	ovAfter, err := f.s.Overview(ctx, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, ovAfter.Counts) != mustJSON(t, ovBefore.Counts) {
		t.Fatalf("digest counts changed: %v → %v", ovBefore.Counts, ovAfter.Counts)
	}
	for _, m := range ovAfter.Missing {
		if m.AADID == anna {
			t.Fatalf("Anna still listed as missing: %+v", m)
		}
	}
	h := f.history(t, "A12")
	if len(h) != 1 || h[0].AuthorName != ErasedName || h[0].Author != "" || h[0].Status != AtRisk || h[0].Done != "väntar på upphandling" {
		t.Fatalf("A12 history %+v", h)
	}
	// The delegation to Erik stands; who made it is gone. Anna no longer
	// owns A14; Bertil's deputy arrangement naming her is gone.
	o, _, err := f.s.ownership(ctx, "A12")
	if err != nil || o.Delegate != "erik@regiongavleborg.se" || o.DelegatedBy != "" || o.By != "" {
		t.Fatalf("A12 ownership %+v %v", o, err)
	}
	if o, _, _ := f.s.ownership(ctx, "A14"); len(o.Added) != 0 {
		t.Fatalf("A14 ownership %+v", o)
	}
	if _, err := f.st.GetDoc(ctx, collDeputies, bertil); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("bertil's deputy doc: %v", err)
	}
	// Bertil keeps his reports and his own request; his deputy (Anna) is
	// the one thing of his that went.
	bertilAfter := f.gdprExport(t, bertil)
	bertilBefore.Deputies, bertilAfter.Deputies = storage.PersonalData[DeputyRecord]{}, storage.PersonalData[DeputyRecord]{}
	bertilBefore.Audit, bertilAfter.Audit = storage.PersonalData[AuditRecord]{}, storage.PersonalData[AuditRecord]{}
	if mustJSON(t, bertilAfter) != mustJSON(t, bertilBefore) {
		t.Fatalf("Bertil's data changed:\n%s\n%s", mustJSON(t, bertilBefore), mustJSON(t, bertilAfter))
	}
	// Again: nothing to do.
	rep, err = DeleteUser(ctx, f.st, testConfig(), anna, f.clk.Now())
	if err != nil || rep.StatusesAnonymised+rep.HistoryAnonymised+rep.OwnershipChanged+rep.DeputiesDeleted+rep.AuditAnonymised+rep.RequestsDeleted != 0 {
		t.Fatalf("second delete %+v %v", rep, err)
	}
}

func TestGDPRStatusDeleteUPNOwner(t *testing.T) {
	f := gdprFixture(t)
	ctx := context.Background()
	cfg := testConfig()
	cfg.Coordinators = []string{"Cecilia@regiongavleborg.se"}
	rep, err := DeleteUser(ctx, f.st, cfg, cecilia, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.DirectoryDeleted != 1 || rep.StatusesAnonymised != 1 || rep.RequestsDeleted != 1 || !slices.Equal(rep.Configured, []string{"owner of A14", "coordinator"}) {
		t.Fatalf("report %+v", rep)
	}
	if text := f.storeText(t); strings.Contains(text, cecilia) || strings.Contains(text, "Cecilia") || strings.Contains(text, "cecilia@") {
		t.Fatalf("the store still names Cecilia:\n%s", text)
	}
}

func TestGDPRStatusStoreFailure(t *testing.T) {
	f := newFixture(t)
	f.st.Close()
	if _, err := ExportUser(context.Background(), f.st, testConfig(), anna, f.clk.Now()); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("export: %v", err)
	}
	if _, err := DeleteUser(context.Background(), f.st, testConfig(), anna, f.clk.Now()); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("delete: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
