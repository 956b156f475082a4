package digest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"digibot/dialogs"
	"digibot/dialogs/digest"
	"digibot/storage"
)

// digestOnly is a world with only the digest (questions from the logs).
func digestOnly(t *testing.T, cfg digest.Config) *world {
	t.Helper()
	clk := newClock(sthlm(2026, 12, 2, 10, 0))
	st := openEmbedded(t, "", clk)
	putChannelRef(t, st)
	d, err := digest.New(digest.Options{Config: cfg, Store: st, Now: clk.Now, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	r := dialogs.NewRouter()
	d.Register(r)
	return &world{t: t, ctx: context.Background(), st: st, clk: clk, d: d, h: r}
}

func (w *world) channelDoc() string {
	w.t.Helper()
	doc, err := w.st.GetDoc(w.ctx, "digest", "channel")
	if errors.Is(err, storage.ErrNotFound) {
		return ""
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return string(doc.Value)
}

func TestCommandsAreForAdministrators(t *testing.T) {
	w := digestOnly(t, digest.Config{})
	member := user{aad: bertil, name: "Bertil"}
	for _, cmd := range []string{"digest här", "digest here", "digest stopp", "digest nu", "digest now", "digest", "Digest här!"} {
		for _, u := range []user{memberInCh, member} {
			reply := texts(w.say(u, cmd))
			if !strings.Contains(reply, "bara Digibots administratörer") {
				t.Errorf("%q from a member: %q", cmd, reply)
			}
		}
	}
	english := user{aad: bertil, name: "Bertil", channel: true, locale: "en-GB"}
	if reply := texts(w.say(english, "digest here")); !strings.Contains(reply, "Only Digibot's administrators") {
		t.Errorf("English refusal: %q", reply)
	}
	if w.channelDoc() != "" || outboxTotal(t, w.st) != 0 {
		t.Fatalf("a refused command changed something: %q, %d entries", w.channelDoc(), outboxTotal(t, w.st))
	}
}

func TestDigestHereNowStop(t *testing.T) {
	w := digestOnly(t, digest.Config{})
	logQuestion(t, w.st, sthlm(2026, 11, 30, 9, 0), "Vad är A12?", false)

	// In a 1:1 chat "digest här" explains where to write it.
	if reply := texts(w.say(admin, "digest här")); !strings.Contains(reply, "i den kanal") {
		t.Fatalf("1:1: %q", reply)
	}
	// Without a channel, "digest nu" shows the digest to the admin only.
	tn := w.say(admin, "digest nu")
	if len(cards(tn)) != 1 || !strings.Contains(texts(tn), "Ingen kanal") || outboxTotal(t, w.st) != 0 {
		t.Fatalf("preview: %q, %d cards, %d entries", texts(tn), len(cards(tn)), outboxTotal(t, w.st))
	}

	// In the channel (inside a thread): the channel, not the thread, is kept.
	reply := texts(w.say(adminInCh, "digest här"))
	for _, want := range []string{"den här kanalen", "varje måndag kl. 08:00", "första arbetsdagen", "måndag 7 december 2026 kl. 08:00"} {
		if !strings.Contains(reply, want) {
			t.Errorf("digest här: %q lacks %q", reply, want)
		}
	}
	if doc := w.channelDoc(); !strings.Contains(doc, `"refKey":"`+channelKey+`"`) || strings.Contains(doc, "messageid") {
		t.Fatalf("channel doc %s", doc)
	}
	if reply := texts(w.say(admin, "digest")); !strings.Contains(reply, "Koncernledningen › Ledning") {
		t.Errorf("info in 1:1: %q", reply)
	}

	// "digest nu" posts a new thread through the outbox and says so.
	reply = texts(w.say(admin, "digest nu"))
	if !strings.Contains(reply, "på väg till Koncernledningen › Ledning") {
		t.Fatalf("digest nu: %q", reply)
	}
	if outboxTotal(t, w.st) != 1 {
		t.Fatalf("outbox %d", outboxTotal(t, w.st))
	}
	id := digest.OutboxID(digest.KindNow, "2026-12-02T10:00:00")
	e, c := entryCard(t, w.st, id)
	if e.RefKey != channelKey || !strings.Contains(strs(c), "Vad är A12?") {
		t.Fatalf("entry %+v", e)
	}
	// The same second again (a retry) is not posted twice.
	if reply := texts(w.say(admin, "digest nu")); !strings.Contains(reply, "redan postats") || outboxTotal(t, w.st) != 1 {
		t.Fatalf("again: %q", reply)
	}

	// Stopped: scheduled digests are recorded but not posted.
	if reply := texts(w.say(adminInCh, "digest stopp")); !strings.Contains(reply, "postas inte längre") {
		t.Fatalf("stop: %q", reply)
	}
	if reply := texts(w.say(adminInCh, "digest stop")); !strings.Contains(reply, "inte någonstans") {
		t.Fatalf("stop again: %q", reply)
	}
	monday := sthlm(2026, 12, 7, 8, 0)
	w.clk.Set(monday)
	res, err := w.d.Run(w.ctx, digest.KindWeekly, monday)
	if err != nil || res.Posted || res.Channel != "" || res.Figures.Questions.Asked != 1 {
		t.Fatalf("stopped run %+v %v", res, err)
	}
	if outboxTotal(t, w.st) != 1 {
		t.Fatalf("posted while stopped")
	}
	// Started again the same week: the recorded figures are posted.
	w.say(adminInCh, "digest här")
	if res, err := w.d.Run(w.ctx, digest.KindWeekly, monday); err != nil || !res.Posted {
		t.Fatalf("restarted run %+v %v", res, err)
	}
}

func TestStopOverridesConfiguredChannel(t *testing.T) {
	w := digestOnly(t, digest.Config{Channel: channelKey})
	if reply := texts(w.say(admin, "digest")); !strings.Contains(reply, "Koncernledningen › Ledning") {
		t.Fatalf("info: %q", reply)
	}
	w.say(admin, "digest stopp")
	res, err := w.d.Run(w.ctx, digest.KindWeekly, sthlm(2026, 12, 7, 8, 0))
	if err != nil || res.Posted {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestSwitchedOff(t *testing.T) {
	off := false
	w := digestOnly(t, digest.Config{Enabled: &off, Channel: channelKey})
	if len(w.d.Jobs()) != 0 {
		t.Fatal("jobs while switched off")
	}
	if reply := texts(w.say(adminInCh, "digest här")); !strings.Contains(reply, "avstängd") {
		t.Fatalf("%q", reply)
	}
	if res, err := w.d.Run(w.ctx, digest.KindWeekly, sthlm(2026, 12, 7, 8, 0)); err != nil || res.Posted {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestMissingChannelReferenceIsRetried(t *testing.T) {
	clk := newClock(due)
	st := openEmbedded(t, "", clk)
	d := questionsOnly(t, st, clk) // configured channel, but Digibot never saw it
	if _, err := d.Run(context.Background(), digest.KindWeekly, due); err == nil || !strings.Contains(err.Error(), "digest här") {
		t.Fatalf("want an error naming the fix, got %v", err)
	}
	putChannelRef(t, st)
	clk.Set(due.Add(time.Minute))
	if res, err := d.Run(context.Background(), digest.KindWeekly, due); err != nil || !res.Posted {
		t.Fatalf("retry %+v %v", res, err)
	}
}

func TestNewNeedsValidConfig(t *testing.T) {
	if _, err := digest.New(digest.Options{}); err == nil {
		t.Fatal("no store accepted")
	}
	clk := newClock(due)
	if _, err := digest.New(digest.Options{Store: openEmbedded(t, "", clk), Config: digest.Config{Weekly: "mondays"}}); err == nil ||
		!strings.Contains(err.Error(), "digest.weekly") {
		t.Fatalf("bad cron: %v", err)
	}
}
