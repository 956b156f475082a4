package answer

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAsk: any text through Ask and every card built from it never panics,
// the cards are valid JSON, and user text shown in a card has its
// markdown escaped.
func FuzzAsk(f *testing.F) {
	for _, s := range []string{
		"vad är digital basnivå", "", "🙂", "A04", "a99", "<script>alert(1)</script>",
		"[x](javascript:alert(1))", "**bold** _it_ `code`", "{\"type\":\"Action.OpenUrl\",\"url\":\"https://x\"}",
		"\x00\xff\xfe", strings.Repeat("basnivå ", 2000), "what is the digital baseline", "signring", "- lista\n1. två",
	} {
		f.Add(s, "sv")
	}
	f.Add("who is responsible", "en")
	e := newFixtureEngine(f, func(o *Options) {
		s := newFakeStore()
		o.Store, o.Outbox, o.ForwardChannelRef = s, s, "conv:19:x"
	})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q, lang string) {
		r := e.Ask(ctx, q, lang)
		if r.Score < 0 || r.Score > 1 || (r.Answered && r.ArticleID == "") || len(r.Suggestions) > 3 {
			t.Fatalf("bad result %+v", r)
		}
		if r.Lang != "sv" && r.Lang != "en" {
			t.Fatalf("lang %q", r.Lang)
		}
		var c card
		if r.Answered {
			c = e.answerCard(r)
		} else {
			c = e.notFoundCard(r, "q"+strings.Repeat("0", 24))
		}
		mustValidCard(t, c)
		doc := QuestionDoc{ID: "q" + strings.Repeat("1", 24), Question: shorten(plainLine(q), maxStoredRunes), AskerName: q, Lang: r.Lang,
			Answer: q, AnsweredBy: q}
		for _, c := range []card{channelCard(doc, ""), humanAnswerCard(doc)} {
			mustValidCard(t, c)
			for _, text := range textsOf(decodeCard(t, c)) {
				if unescaped(text) {
					t.Fatalf("unescaped markdown from user text: %q", text)
				}
			}
		}
	})
}

func mustValidCard(t *testing.T, c card) {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil || !json.Valid(b) || !utf8.Valid(b) {
		t.Fatalf("card JSON invalid: %v", err)
	}
}

// unescaped reports a markdown link or emphasis character not preceded by
// a backslash, outside Digibot's own "**Från:**" label.
func unescaped(s string) bool {
	s = strings.TrimPrefix(s, "**Från:** ")
	s = strings.TrimPrefix(s, "✅ ")
	prev := rune(0)
	escaped := false
	for _, r := range s {
		if escaped {
			escaped = false
			prev = r
			continue
		}
		if r == '\\' {
			escaped = true
			continue
		}
		if strings.ContainsRune("*_[]()`<>#~|", r) {
			return true
		}
		prev = r
	}
	_ = prev
	return false
}
