package digest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/cardcheck"
	"digibot/dialogs/digest"
)

// TestSampleCard is the digest of the seeded store. It passes the official
// Adaptive Cards parser; with DIGIBOT_DIGEST_SAMPLE=<file> it also writes
// the card there (go generate uses it for testdata/digest.png).
func TestSampleCard(t *testing.T) {
	clk := newClock(sthlm(2026, 10, 1, 9, 0))
	st := openEmbedded(t, "", clk)
	w := newWorld(t, st, clk, digest.Config{})
	seed(t, w)
	clk.Set(due)
	res, err := w.d.Run(w.ctx, digest.KindWeekly, due)
	if err != nil {
		t.Fatal(err)
	}
	c := digest.Card(res.Figures, "sv")
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(c)
	t.Logf("the card is %d bytes", len(compact))
	if path := os.Getenv("DIGIBOT_DIGEST_SAMPLE"); path != "" {
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
	cardcheck.Validate(t, map[string]any{"digest-weekly-sv": c, "digest-weekly-en": digest.Card(res.Figures, "en")})
}

// bigSources is a register of 200 activities with long texts everywhere,
// 60 departments and 50 knowledge gaps.
type bigSources struct{}

func long(prefix string, n int) string {
	return strings.TrimSpace(strings.Repeat(prefix+" lång text med å, ä, ö och *stjärnor* [hakar] <taggar> ", n))
}

func (bigSources) StatusOverview(_ context.Context, now time.Time) (digest.StatusOverview, error) {
	var ov digest.StatusOverview
	statuses := []string{"done", "on_track", "at_risk", "delayed", "paused", "not_started", ""}
	for i := 1; i <= 200; i++ {
		a := digest.ActivityFig{
			ID: fmt.Sprintf("A%03d", i), Name: long(fmt.Sprintf("Aktivitet %d", i), 6),
			Area: long(fmt.Sprintf("Förflyttning %d", i%15), 3), Status: statuses[i%len(statuses)],
			Owners: []string{long("Ägare", 2), long("Medägare", 2)},
			Due:    now.AddDate(0, 0, i%90-20).Format(time.DateOnly),
			Help:   i%2 == 0, HelpText: long("Hjälp", 15), Done: long("Gjort", 30), Next: long("Nästa", 15),
			Missing: i%3 == 0, UpdatedAt: now.Add(-time.Duration(i) * time.Hour), UpdatedBy: long("Person", 2),
		}
		ov.Activities = append(ov.Activities, a)
		ov.Missing = append(ov.Missing, digest.MissingFig{Name: long("Saknas", 3), Activities: []string{a.ID, "A001", "A002"},
			NudgedAt: now.AddDate(0, 0, -10), RemindedAt: now.AddDate(0, 0, -5)})
		ov.Unreachable = append(ov.Unreachable, digest.Unreachable{Name: long("Onåbar", 3), Activities: []string{a.ID},
			Reason: "no_reference", ReasonText: map[string]string{"sv": long("Orsak", 3), "en": long("Reason", 3)}})
	}
	ov.Round, ov.RoundDue = "2026-11-02", now.AddDate(0, 0, -10)
	return ov, nil
}

func (bigSources) StatusHistory(_ context.Context, from, to time.Time) ([]digest.StatusReport, error) {
	var out []digest.StatusReport
	for i := 1; i <= 200; i++ {
		out = append(out, digest.StatusReport{Activity: fmt.Sprintf("A%03d", i), Status: "at_risk",
			At: to.Add(-time.Duration(i) * time.Minute), By: long("Person", 3), Done: long("Kommentar", 40)})
	}
	return out, nil
}

func (bigSources) CoachingStats(_ context.Context, from, to time.Time) (digest.CoachingFigures, error) {
	f := digest.CoachingFigures{Available: true, Booked: 400, Held: 300, NoShow: 20, Cancelled: 40, Places: 500, Utilization: 0.8}
	for i := 0; i < 60; i++ {
		d := digest.DepartmentFig{Department: long(fmt.Sprintf("Förvaltning %d", i), 3), Bookings: 60 - i}
		for j := 0; j < 5; j++ {
			d.Topics = append(d.Topics, digest.TopicCount{Text: long(fmt.Sprintf("Ämne %d", j), 5), Count: 5 - j})
		}
		f.Departments = append(f.Departments, d)
	}
	return f, nil
}

func (bigSources) QuestionStats(_ context.Context, from, to time.Time) (digest.QuestionFigures, error) {
	q := digest.QuestionFigures{Available: true, Asked: 5000, Answered: 4000, Up: 900, Down: 100}
	for i := 0; i < 50; i++ {
		q.Unanswered = append(q.Unanswered, digest.TopicCount{Text: long(fmt.Sprintf("Fråga %d", i), 8), Count: 50 - i})
	}
	return q, nil
}

func bigDigest(t *testing.T) (*world, digest.Figures) {
	t.Helper()
	clk := newClock(due)
	st := openEmbedded(t, "", clk)
	putChannelRef(t, st)
	var src bigSources
	d, err := digest.New(digest.Options{Config: digest.Config{Channel: channelKey}, Store: st, Status: src, Coaching: src,
		Questions: src, Now: clk.Now, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Run(context.Background(), digest.KindWeekly, due)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Posted {
		t.Fatalf("not posted: %+v", res)
	}
	r := dialogs.NewRouter()
	d.Register(r)
	w := &world{t: t, ctx: context.Background(), st: st, clk: clk, d: d, h: r}
	return w, res.Figures
}

// TestCardFitsTeamsLimit: 200 activities with long texts still make a
// card under Teams' 28 KB, with "och N till" and "Visa allt".
func TestCardFitsTeamsLimit(t *testing.T) {
	w, f := bigDigest(t)
	for _, lang := range []string{"sv", "en"} {
		c := digest.Card(f, lang)
		raw, _ := json.Marshal(c)
		if len(raw) > digest.MaxCardBytes {
			t.Errorf("%s card is %d bytes, more than %d", lang, len(raw), digest.MaxCardBytes)
		}
		text := strs(c)
		// A risk keeps its owners and comment.
		for _, want := range []string{"A001", "Försenad", "👍 900", "Ansvariga: Ägare", "Gjort lång text"} {
			if lang == "sv" && !strings.Contains(text, want) {
				t.Errorf("card lacks %q", want)
			}
		}
		more := map[string]string{"sv": "och ", "en": "and "}[lang]
		if strings.Count(text, more) < 5 || !strings.Contains(text, digest.ActionAll) {
			t.Errorf("%s card does not cut its lists short:\n%s", lang, text)
		}
	}
	e, err := w.st.GetOutbox(w.ctx, digest.OutboxID(digest.KindWeekly, "2026-W48"))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Activity) > 28<<10 {
		t.Errorf("the posted activity is %d bytes, over Teams' 28 KB", len(e.Activity))
	}
	t.Logf("activity with the card: %d bytes", len(e.Activity))
	cardcheck.Validate(t, map[string]any{"digest-200-sv": digest.Card(f, "sv"), "digest-200-en": digest.Card(f, "en")})
}

// TestShowAll: "Visa allt" in the channel answers every list, in messages
// Teams accepts; elsewhere only administrators get it.
func TestShowAll(t *testing.T) {
	w, f := bigDigest(t)
	press := func(u user, id any) *turn.Turn {
		return w.do(u, schema.Activity{Type: schema.Message, Value: map[string]any{"action": digest.ActionAll, "id": id}})
	}
	tn := press(memberInCh, "weekly:2026-W48")
	all := texts(tn)
	for _, r := range tn.Replies() {
		if len(r.Text) > 20<<10 {
			t.Fatalf("a message of %d bytes", len(r.Text))
		}
	}
	for _, a := range f.Status.Activities {
		if !strings.Contains(all, a.ID+" ") {
			t.Fatalf("Visa allt lacks %s", a.ID)
		}
	}
	for _, want := range []string{"Fråga 49", "Förvaltning 59", "Kunde inte nås"} {
		if !strings.Contains(all, want) {
			t.Errorf("Visa allt lacks %q", want)
		}
	}
	if len(tn.Replies()) < 2 {
		t.Errorf("expected several messages, got %d", len(tn.Replies()))
	}
	// A member in a 1:1 chat is refused; an administrator anywhere is not.
	if got := texts(press(user{aad: bertil, name: "Bertil"}, "weekly:2026-W48")); !strings.Contains(got, "administratörer") {
		t.Errorf("member in 1:1: %q", got)
	}
	if got := texts(press(admin, "weekly:2026-W48")); !strings.Contains(got, "A200") {
		t.Errorf("admin in 1:1: %.200q", got)
	}
	for _, bad := range []any{"", "weekly:2099-W99", "../../etc", 42, strings.Repeat("x", 5000), nil} {
		if got := texts(press(memberInCh, bad)); !strings.Contains(got, "finns inte") {
			t.Errorf("id %v: %q", bad, got)
		}
	}
}
