package help

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs"
)

func cardText(t *testing.T, tr *turn.Turn) string {
	t.Helper()
	if len(tr.Replies()) != 1 || len(tr.Replies()[0].Attachments) != 1 {
		t.Fatalf("want one card, got %+v", tr.Replies())
	}
	b, _ := json.Marshal(tr.Replies()[0].Attachments[0].Content)
	return string(b)
}

func TestHelpListsOnlyEnabledFeatures(t *testing.T) {
	r := dialogs.NewRouter()
	New(Answers).Register(r)
	tr := turn.New(schema.Activity{Type: "message", Text: "hjälp", Locale: "sv-SE"})
	if err := r.HandleTurn(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	s := cardText(t, tr)
	if !strings.Contains(s, "Frågor") || strings.Contains(s, "boka IT-coachning") || strings.Contains(s, "digest här") {
		t.Fatalf("help must list answers only: %s", s)
	}
	r2 := dialogs.NewRouter()
	New(Answers, Coaching, Status, Digest).Register(r2)
	tr = turn.New(schema.Activity{Type: "message", Text: "help", Locale: "en-GB"})
	if err := r2.HandleTurn(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	if s := cardText(t, tr); !strings.Contains(s, "IT coaching") || !strings.Contains(s, "digest here") {
		t.Fatalf("English help with every feature: %s", s)
	}
}

func TestWelcomePersonalAndChannel(t *testing.T) {
	h := New(Answers)
	tr := turn.New(schema.Activity{Type: "installationUpdate", Locale: "sv-SE", Conversation: schema.ConversationAccount{ConversationType: "personal"}})
	_ = h.Welcome(context.Background(), tr)
	if s := cardText(t, tr); !strings.Contains(s, "Hej! Jag är Digibot") || !strings.Contains(s, "Ställ en fråga") {
		t.Fatalf("personal welcome: %s", s)
	}
	tr = turn.New(schema.Activity{Type: "conversationUpdate", Locale: "en-US", Conversation: schema.ConversationAccount{ConversationType: "channel"}})
	_ = h.Welcome(context.Background(), tr)
	if s := cardText(t, tr); !strings.Contains(s, "@Digibot") || !strings.Contains(s, "I'm Digibot") {
		t.Fatalf("channel welcome: %s", s)
	}
}

func TestHelpFollowsTheTypedWord(t *testing.T) {
	r := dialogs.NewRouter()
	New(Answers).Register(r)
	tr := turn.New(schema.Activity{Type: "message", Text: "hjälp", Locale: "en-US"})
	_ = r.HandleTurn(context.Background(), tr)
	if s := cardText(t, tr); !strings.Contains(s, "Det här kan Digibot") {
		t.Fatalf("\"hjälp\" with an English locale must answer in Swedish: %s", s)
	}
}
