package answer

import (
	"context"
	"strings"
	"testing"

	"digibot/dialogs/cardcheck"
)

// TestCardsValidate runs every card this package sends through the
// official Adaptive Cards parser.
func TestCardsValidate(t *testing.T) {
	s := newFakeStore()
	e := newFixtureEngine(t, withForwarding(s))
	ctx := context.Background()
	cards := map[string]any{}
	answered := e.Ask(ctx, "hur signerar jag digitalt?", "sv")
	cards["answer-sv"] = e.answerCard(answered)
	cards["answer-en"] = e.answerCard(e.Ask(ctx, "what is the digital baseline", "en"))
	cards["answer-coaching"] = e.answerCard(e.Ask(ctx, "jag vill boka en it-coach", "sv"))
	cards["answer-only-swedish"] = e.answerCard(e.Ask(ctx, "A04", "en"))
	a, _ := e.Article("basniva-oversikt")
	cards["full"] = e.fullCard(a, "sv", "")
	long := e.Ask(ctx, strings.Repeat("vad är digital basnivå ", 30), "sv")
	if !long.Answered || !long.truncated {
		t.Fatalf("long question: %+v", long)
	}
	cards["answer-truncated"] = e.answerCard(long)
	nf := e.Ask(ctx, "vad blir det för lunch?", "sv")
	cards["not-found-forward"] = e.notFoundCard(nf, "q"+strings.Repeat("0", 24))
	e2 := newFixtureEngine(t, func(o *Options) { o.Threshold = 0.999 })
	cards["not-found-suggestions"] = e2.notFoundCard(e2.Ask(ctx, "signering", "sv"), "")
	q := QuestionDoc{ID: "q" + strings.Repeat("1", 24), AskerName: "Anna *A*", Question: "var finns [x](y)?", Lang: "sv"}
	cards["channel"] = channelCard(q, "Digital basnivå")
	q.AnsweredBy, q.AnsweredAt, q.Answer = "Cecilia", fixedNow, "Rad 1\n- rad 2"
	cards["channel-answered"] = channelCard(q, "")
	cards["human-answer"] = humanAnswerCard(q)
	cardcheck.Validate(t, cards)
}
