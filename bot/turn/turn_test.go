package turn

import (
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

func TestLangOf(t *testing.T) {
	for in, want := range map[string]string{"": "sv", "sv-SE": "sv", "en-US": "en", "EN-gb": "en", "en": "en", "fi-FI": "sv", "english": "sv"} {
		if got := LangOf(in); got != want {
			t.Errorf("LangOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTurnRepliesAndText(t *testing.T) {
	tr := New(schema.Activity{Text: "<at>Digibot</at>  hjälp  ", Conversation: schema.ConversationAccount{ConversationType: "channel"}})
	if tr.Text() != "hjälp" || tr.IsPersonal() {
		t.Fatalf("text %q personal %v", tr.Text(), tr.IsPersonal())
	}
	tr.SendText("a")
	tr.SendCard(map[string]any{"type": "AdaptiveCard"})
	r := tr.Replies()
	if len(r) != 2 || r[0].Type != schema.Message || r[1].Attachments[0].ContentType != AdaptiveCardContentType {
		t.Fatalf("replies %+v", r)
	}
	if tr.InvokeResponse() != nil {
		t.Fatal("no invoke response set")
	}
	tr.Respond(200, "x")
	if ir := tr.InvokeResponse(); ir == nil || ir.Status != 200 {
		t.Fatal("invoke response")
	}
}
