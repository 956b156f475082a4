package status

import (
	"context"
	"strings"
	"testing"

	"digibot/dialogs/cardcheck"
	"digibot/storage"
)

// TestCardsPassTheOfficialParser validates every kind of card the status
// follow-up sends, in both languages, with the official Adaptive Cards
// parser.
func TestCardsPassTheOfficialParser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.s.cfg.CoordinatorChannel = "conv:19:coord@thread.tacv2"
	if err := f.st.PutReference(ctx, storage.Reference{Key: "conv:19:coord@thread.tacv2", ConversationID: "19:coord@thread.tacv2",
		ConversationType: storage.ConversationChannel, ServiceURL: svcURL, TenantID: tenant}); err != nil {
		t.Fatal(err)
	}
	f.nudge(t)
	cards := map[string]any{}
	cards["nudge"] = entryCard(t, f.st, nudgeID(anna))
	deliverAll(t, f.st, f.clk.Now())
	if _, err := f.s.RunFollowUp(ctx, sthlm(2026, 12, 10, 9, 0)); err != nil {
		t.Fatal(err)
	}
	cards["reminder"] = entryCard(t, f.st, "status-reminder:"+period+":"+bertil)
	cards["manager"] = entryCard(t, f.st, "status-escalation:"+period+":"+anna+":manager")
	cards["coordinator"] = entryCard(t, f.st, "status-escalation:"+period+":coordinator:2026-12-10")

	handle(t, f.s, message(cecilia, "Cecilia", "A14 pågår med risk, behöver hjälp med *upphandling* [x](y)"))
	tn := invoke(anna, "Anna", ActionSubmit, submission(t, cards["nudge"], map[string]string{"A12.status": "delayed", "A12.due": "2026-02-30", "A13.status": "on_track"}))
	handle(t, f.s, tn)
	cards["error"] = invokeCard(t, tn)
	tn = invoke(anna, "Anna", ActionSubmit, submission(t, cards["nudge"], map[string]string{"A12.status": "done", "A12.done": "Allt | klart", "A12.help": "true", "A12.help_text": "x", "A13.status": "on_track"}))
	handle(t, f.s, tn)
	cards["receipt"] = invokeCard(t, tn)
	tn = invoke(anna, "Anna", ActionSubmit, submission(t, cards["nudge"], map[string]string{"A12.status": "paused", "A13.status": "paused"}))
	handle(t, f.s, tn)
	cards["stale receipt"] = invokeCard(t, tn)
	if !strings.Contains(cardText(t, cards["stale receipt"]), "Inget sparades") {
		t.Fatalf("stale receipt %s", cardText(t, cards["stale receipt"]))
	}
	tn = message(anna, "Anna", "status A12")
	handle(t, f.s, tn)
	cards["timeline"] = tn.Replies()[0].Attachments[0].Content
	tn = message(erik, "Erik", "status översikt")
	tn.Admin = true
	handle(t, f.s, tn)
	cards["overview"] = tn.Replies()[0].Attachments[0].Content

	// English.
	tn = message(anna, "Anna", "status")
	tn.Activity.Locale = "en-US"
	handle(t, f.s, tn)
	cards["english card"] = tn.Replies()[0].Attachments[0].Content
	cardcheck.Validate(t, cards)
}
