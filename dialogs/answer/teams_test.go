package answer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/storage"
)

func TestAnswerCard(t *testing.T) {
	s := newFakeStore()
	e := newFixtureEngine(t, func(o *Options) { o.Store = s })
	tt := message("hur signerar jag digitalt?")
	route(t, e, tt)
	c := cardOf(t, tt)
	texts := strings.Join(textsOf(c), "\n")
	for _, want := range []string{"Digital signering", "skriver under dokument elektroniskt", "Källa: Handlingsplan för digital omställning 2024–2027, Digital basnivå av tjänster", "Relaterat"} {
		if !strings.Contains(texts, want) {
			t.Errorf("card lacks %q:\n%s", want, texts)
		}
	}
	acts := actionsOf(c)
	if d := acts["Läs mer"]; d["action"] != ActionMore || d["id"] != "basniva-digital-signering" {
		t.Errorf("Läs mer: %v", d)
	}
	if d := acts["Digital basnivå"]; d["action"] != ActionRelated || d["id"] != "basniva-oversikt" {
		t.Errorf("related button: %v", d)
	}
	if _, ok := acts["👍"]; !ok {
		t.Error("no 👍")
	}
	if _, ok := acts["👎"]; !ok {
		t.Error("no 👎")
	}
	if _, ok := acts["Boka IT-coachning"]; ok {
		t.Error("coaching button on a non-coaching article")
	}
	// 👍/👎 are ShowCards with a comment field and a submit.
	var feedback int
	walk(c, func(m map[string]any) {
		if m["type"] == "Action.ShowCard" {
			inner, _ := m["card"].(map[string]any)
			var input, sub bool
			walk(inner, func(x map[string]any) {
				input = input || x["type"] == "Input.Text"
				if d, ok := x["data"].(map[string]any); ok && d["action"] == ActionFeedback {
					sub = true
				}
			})
			if input && sub {
				feedback++
			}
		}
	})
	if feedback != 2 {
		t.Errorf("want 2 feedback ShowCards with comment and submit, got %d", feedback)
	}
	// The question was logged.
	var q QuestionLog
	if n := s.logEntries(t, LogQuestions, &q); n != 1 || !q.Answered || q.ArticleID != "basniva-digital-signering" ||
		q.AskerAAD != askerAAD || q.Question != "hur signerar jag digitalt?" || q.Lang != "sv" || !q.Time.Equal(fixedNow) || q.Score <= 0 {
		t.Errorf("questions log: %d entries, last %+v", n, q)
	}
}

func TestCoachingArticleOffersBooking(t *testing.T) {
	e := newFixtureEngine(t, nil)
	tt := message("jag vill boka en it-coach")
	route(t, e, tt)
	if d := actionsOf(cardOf(t, tt))["Boka IT-coachning"]; d["action"] != ActionCoaching {
		t.Fatalf("no booking button: %v", actionsOf(cardOf(t, tt)))
	}
}

func TestEnglishAnswerCard(t *testing.T) {
	e := newFixtureEngine(t, nil)
	tt := message("what is the digital baseline")
	route(t, e, tt)
	c := cardOf(t, tt)
	texts := strings.Join(textsOf(c), "\n")
	if !strings.Contains(texts, "Digital baseline") || !strings.Contains(texts, "Source: Action plan") {
		t.Errorf("not English: %s", texts)
	}
	if _, ok := actionsOf(c)["Read more"]; !ok {
		t.Errorf("actions %v", actionsOf(c))
	}
}

func TestNotFoundCard(t *testing.T) {
	t.Run("forwarding on", func(t *testing.T) {
		s := newFakeStore()
		e := newFixtureEngine(t, withForwarding(s))
		tt := message("vad blir det för lunch idag?")
		route(t, e, tt)
		c := cardOf(t, tt)
		texts := strings.Join(textsOf(c), "\n")
		if !strings.Contains(texts, "Jag vet inte säkert") {
			t.Errorf("not honest: %s", texts)
		}
		d := actionsOf(c)["Skicka frågan vidare"]
		if d["action"] != ActionForward || !questionIDPattern.MatchString(d["qid"].(string)) {
			t.Fatalf("forward button: %v", d)
		}
		var doc QuestionDoc
		stored, _, err := e.getQuestion(context.Background(), d["qid"].(string))
		if err != nil || stored.Question != "vad blir det för lunch idag?" || stored.AskerAAD != askerAAD || stored.AskerName != askerName {
			t.Fatalf("question doc %+v, %v", stored, err)
		}
		_ = doc
		var q QuestionLog
		if s.logEntries(t, LogQuestions, &q); q.Answered || q.QuestionID != d["qid"] {
			t.Errorf("questions log %+v", q)
		}
	})
	t.Run("forwarding off", func(t *testing.T) {
		e := newFixtureEngine(t, nil)
		tt := message("vad blir det för lunch idag?")
		route(t, e, tt)
		c := cardOf(t, tt)
		if _, ok := actionsOf(c)["Skicka frågan vidare"]; ok {
			t.Error("forward button without forwarding")
		}
		if !strings.Contains(strings.Join(textsOf(c), "\n"), DefaultContact) {
			t.Errorf("does not say whom to contact: %v", textsOf(c))
		}
	})
	t.Run("suggestions", func(t *testing.T) {
		e := newFixtureEngine(t, func(o *Options) { o.Threshold = 0.999 })
		tt := message("signering")
		route(t, e, tt)
		c := cardOf(t, tt)
		d := actionsOf(c)["Digital signering"]
		if d["action"] != ActionRelated || d["id"] != "basniva-digital-signering" {
			t.Fatalf("no Menade du button: %v", actionsOf(c))
		}
		if !strings.Contains(strings.Join(textsOf(c), "\n"), "Menade du") {
			t.Error("no Menade du")
		}
	})
}

func TestBadInputReplies(t *testing.T) {
	e := newFixtureEngine(t, nil)
	for _, in := range []string{"", "   ", "🙂🙂🙂", "<b></b>"} {
		tt := message(in)
		route(t, e, tt)
		if txt := textOf(t, tt); !strings.Contains(txt, "fråga") {
			t.Errorf("%q: reply %q", in, txt)
		}
	}
	tt := message("hej")
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "Digibot") {
		t.Error("no greeting")
	}
	tt = message("Tack!")
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "Varsågod") {
		t.Error("no you're welcome")
	}
}

func TestMoreRelatedAndFeedback(t *testing.T) {
	s := newFakeStore()
	e := newFixtureEngine(t, func(o *Options) { o.Store = s })

	tt := submitTurn(map[string]any{"action": ActionMore, "id": "basniva-oversikt"}, askerAAD, askerName, false)
	route(t, e, tt)
	texts := strings.Join(textsOf(cardOf(t, tt)), "\n")
	if !strings.Contains(texts, "**Vad ingår?**") || !strings.Contains(texts, "- digital post") {
		t.Errorf("full article missing: %s", texts)
	}

	tt = submitTurn(map[string]any{"action": ActionRelated, "id": "basniva-digital-signering", "lang": "en"}, askerAAD, askerName, false)
	route(t, e, tt)
	if texts := strings.Join(textsOf(cardOf(t, tt)), "\n"); !strings.Contains(texts, "Digital signing") {
		t.Errorf("related in English: %s", texts)
	}

	for _, bad := range []map[string]any{
		{"action": ActionMore, "id": "finns-inte"},
		{"action": ActionRelated, "id": 42},
	} {
		tt = submitTurn(bad, askerAAD, askerName, false)
		route(t, e, tt)
		if !strings.Contains(textOf(t, tt), "hittar inte") {
			t.Errorf("%v: %q", bad, textOf(t, tt))
		}
	}

	tt = submitTurn(map[string]any{"action": ActionFeedback, "id": "basniva-oversikt", "vote": "down", "q": "vad är basnivå",
		"score": 0.7, inputCommentDown: "Saknar exempel\n[länk](x)"}, askerAAD, askerName, false)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "Tack") {
		t.Error("no thanks")
	}
	var f FeedbackLog
	if n := s.logEntries(t, LogFeedback, &f); n != 1 || f.Helpful || f.ArticleID != "basniva-oversikt" || f.Comment != "Saknar exempel [länk](x)" ||
		f.Question != "vad är basnivå" || f.AskerAAD != askerAAD || f.Score != 0.7 {
		t.Errorf("feedback %d %+v", n, f)
	}

	tt = submitTurn(map[string]any{"action": ActionFeedback, "id": "basniva-oversikt", "vote": "maybe"}, askerAAD, askerName, false)
	route(t, e, tt)
	if n := s.logEntries(t, LogFeedback, nil); n != 1 || !strings.Contains(textOf(t, tt), "förstod inte") {
		t.Errorf("bad vote stored or not explained: %d, %q", n, textOf(t, tt))
	}

	s.failLog = errors.New("disk full")
	tt = submitTurn(map[string]any{"action": ActionFeedback, "id": "basniva-oversikt", "vote": "up"}, askerAAD, askerName, false)
	route(t, e, tt)
	if strings.Contains(textOf(t, tt), "Tack") {
		t.Error("thanked for feedback that was not stored")
	}
}

// TestForwardAndReply: a question the bot cannot answer goes to the
// coordinating function's channel; an answer there reaches the asker, the
// question is marked answered and the channel card says by whom.
func TestForwardAndReply(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	e := newFixtureEngine(t, withForwarding(s))

	// 1. The asker's question with a markdown link in it.
	tt := message("var hittar jag [policyn](https://evil.example) för **lunch**?")
	route(t, e, tt)
	qid, _ := actionsOf(cardOf(t, tt))["Skicka frågan vidare"]["qid"].(string)
	if qid == "" {
		t.Fatal("no forward button")
	}

	// 2. Someone else cannot forward it.
	tt = submitTurn(map[string]any{"action": ActionForward, "qid": qid}, "aad-other", "Otto", false)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "Bara den som ställde frågan") || len(s.entries()) != 0 {
		t.Fatalf("forwarded by someone else: %q %v", textOf(t, tt), s.entries())
	}

	// 3. The asker forwards it.
	tt = submitTurn(map[string]any{"action": ActionForward, "qid": qid}, askerAAD, askerName, false)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "skickat din fråga") {
		t.Fatalf("reply %q", textOf(t, tt))
	}
	es := s.entries()
	if len(es) != 1 {
		t.Fatalf("outbox %+v", es)
	}
	fwd := es[0]
	if fwd.ID != "answer.forward:"+qid || fwd.RefKey != storage.ConversationKey(channelID) || fwd.Kind != KindForward {
		t.Errorf("forward entry %+v", fwd)
	}
	card := outboxCard(t, fwd)
	texts := strings.Join(textsOf(card), "\n")
	// Links are dropped from questions, and markdown is escaped.
	if !strings.Contains(texts, askerName) || !strings.Contains(texts, `var hittar jag policyn för \*\*lunch\*\*?`) || strings.Contains(texts, "evil.example") {
		t.Errorf("channel card does not show the question cleaned and escaped: %s", texts)
	}
	if d := actionsOf(card)["Svara"]; d["action"] != ActionReply || d["qid"] != qid {
		t.Errorf("Svara action %v", actionsOf(card))
	}
	var hasInput bool
	walk(card, func(m map[string]any) { hasInput = hasInput || (m["type"] == "Input.Text" && m["id"] == inputReply) })
	if !hasInput {
		t.Error("channel card has no answer field")
	}

	// 4. Forwarding twice changes nothing.
	tt = submitTurn(map[string]any{"action": ActionForward, "qid": qid}, askerAAD, askerName, false)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "redan skickats") || len(s.entries()) != 1 {
		t.Fatalf("second forward: %q, %d entries", textOf(t, tt), len(s.entries()))
	}

	// 5. A reply from a personal chat or without text is refused.
	tt = submitTurn(map[string]any{"action": ActionReply, "qid": qid, inputReply: "svar"}, "aad-coord", "Cecilia", false)
	route(t, e, tt)
	if len(s.entries()) != 1 {
		t.Fatal("reply from a personal chat was accepted")
	}
	tt = submitTurn(map[string]any{"action": ActionReply, "qid": qid, inputReply: "  "}, "aad-coord", "Cecilia", true)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "Skriv ett svar") || len(s.entries()) != 1 {
		t.Fatal("empty reply accepted")
	}

	// 6. Cecilia answers in the channel.
	answer := "Policyn finns på intranätet.\nFråga din chef om *lunch*."
	tt = submitTurn(map[string]any{"action": ActionReply, "qid": qid, inputReply: answer}, "aad-coord", "Cecilia Coord", true)
	route(t, e, tt)
	es = s.entries()
	if len(es) != 3 {
		t.Fatalf("want forward, reply and update, got %+v", es)
	}
	reply, update := es[1], es[2]
	if reply.ID != "answer.reply:"+qid || reply.RefKey != storage.UserKey(askerAAD) || reply.Kind != KindReply {
		t.Errorf("reply entry %+v", reply)
	}
	rtexts := strings.Join(textsOf(outboxCard(t, reply)), "\n")
	if !strings.Contains(rtexts, "Svar från Cecilia Coord") || !strings.Contains(rtexts, `Fråga din chef om \*lunch\*.`) {
		t.Errorf("answer card: %s", rtexts)
	}
	if update.UpdateOf != fwd.ID || update.RefKey != fwd.RefKey || update.ID != "answer.reply-update:"+qid {
		t.Errorf("update entry %+v", update)
	}
	utexts := strings.Join(textsOf(outboxCard(t, update)), "\n")
	if !strings.Contains(utexts, "Besvarad av Cecilia Coord 2026-11-24 10:30") {
		t.Errorf("updated channel card: %s", utexts)
	}
	if _, ok := actionsOf(outboxCard(t, update))["Svara"]; ok {
		t.Error("answered card still has Svara")
	}
	doc, _, err := e.getQuestion(ctx, qid)
	if err != nil || doc.AnsweredBy != "Cecilia Coord" || doc.ResponderAAD != "aad-coord" || !doc.AnsweredAt.Equal(fixedNow) || doc.Answer != answer || doc.Forwarded.IsZero() {
		t.Errorf("question doc %+v, %v", doc, err)
	}

	// 7. A second answer is refused and says who answered.
	tt = submitTurn(map[string]any{"action": ActionReply, "qid": qid, inputReply: "annat svar"}, "aad-x", "Xerxes", true)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "redan besvarad av Cecilia Coord") || len(s.entries()) != 3 {
		t.Errorf("second answer: %q, %d entries", textOf(t, tt), len(s.entries()))
	}

	// 8. Unknown or malformed question ids.
	for _, q := range []any{"q" + strings.Repeat("0", 24), "../../etc", 7} {
		tt = submitTurn(map[string]any{"action": ActionForward, "qid": q}, askerAAD, askerName, false)
		route(t, e, tt)
		if !strings.Contains(textOf(t, tt), "hittar inte") {
			t.Errorf("qid %v: %q", q, textOf(t, tt))
		}
	}
}

// TestReplyFromAnotherChannel: answer.reply from a different conversation
// than the configured channel is refused.
func TestReplyFromAnotherChannel(t *testing.T) {
	s := newFakeStore()
	e := newFixtureEngine(t, withForwarding(s))
	tt := turn.New(schema.Activity{
		Type: schema.Message, Value: map[string]any{"action": ActionReply, "qid": "q" + strings.Repeat("a", 24), inputReply: "x"},
		From:         schema.ChannelAccount{Name: "Mallory", AadObjectID: "aad-m"},
		Conversation: schema.ConversationAccount{ID: "19:other@thread.tacv2", ConversationType: "channel"},
	})
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "samordningsfunktionens kanal") || len(s.entries()) != 0 {
		t.Fatalf("reply from another channel: %q", textOf(t, tt))
	}
}

func TestForwardWhenOff(t *testing.T) {
	e := newFixtureEngine(t, nil)
	tt := submitTurn(map[string]any{"action": ActionForward, "qid": "q" + strings.Repeat("a", 24)}, askerAAD, askerName, false)
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), DefaultContact) {
		t.Fatalf("%q", textOf(t, tt))
	}
}

func outboxCard(t *testing.T, e storage.OutboxEntry) map[string]any {
	t.Helper()
	var a schema.Activity
	if err := json.Unmarshal(e.Activity, &a); err != nil {
		t.Fatal(err)
	}
	if a.Type != schema.Message || len(a.Attachments) != 1 || a.Attachments[0].ContentType != turn.AdaptiveCardContentType {
		t.Fatalf("activity %+v", a)
	}
	return decodeCard(t, a.Attachments[0].Content)
}

func TestGaps(t *testing.T) {
	ctx := context.Background()
	s := newFakeStore()
	add := func(log string, at time.Time, v any) {
		b, _ := json.Marshal(v)
		if _, err := s.AppendLog(ctx, log, at, b); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	add(LogQuestions, day(2), QuestionLog{Question: "Var parkerar jag?", ArticleID: "x"})
	add(LogQuestions, day(3), QuestionLog{Question: "var parkerar jag"})
	add(LogQuestions, day(4), QuestionLog{Question: "vad är [AI](x)"})
	add(LogQuestions, day(4), QuestionLog{Question: "vad är basnivå", Answered: true})
	add(LogQuestions, day(25), QuestionLog{Question: "utanför perioden"})
	add(LogFeedback, day(5), FeedbackLog{ArticleID: "basniva-oversikt", Helpful: false, Comment: "för kort"})
	add(LogFeedback, day(6), FeedbackLog{ArticleID: "basniva-oversikt", Helpful: true})
	add(LogFeedback, day(6), FeedbackLog{ArticleID: "princip-01-utmana", Helpful: true})
	if _, err := s.AppendLog(ctx, LogQuestions, day(4), []byte("not json")); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := GapsCommand(ctx, []string{"--from", "2026-11-01", "--to", "2026-11-20"}, &out, s); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"2026-11-01 – 2026-11-20: 4 frågor, 3 obesvarade", "1. Var parkerar jag? (2×) → x", "2. vad är [AI](x) (1×)", "basniva-oversikt: 1 👎, 1 👍", "för kort"} {
		if !strings.Contains(got, want) {
			t.Errorf("gaps output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "utanför") || strings.Contains(got, "princip-01") {
		t.Errorf("gaps output has entries it should not:\n%s", got)
	}

	out.Reset()
	if err := GapsCommand(ctx, []string{"--json", "--from", "2026-11-01", "--to", "2026-11-20", "--top", "1"}, &out, s); err != nil {
		t.Fatal(err)
	}
	var g Gaps
	if err := json.Unmarshal(out.Bytes(), &g); err != nil || len(g.Questions) != 1 || g.Questions[0].Count != 2 || g.Unanswered != 3 {
		t.Errorf("json gaps %+v %v", g, err)
	}

	for _, bad := range [][]string{{"--from", "igår"}, {"--days", "0"}, {"--from", "2026-11-20", "--to", "2026-11-01"}, {"extra"}} {
		if err := GapsCommand(ctx, bad, &out, s); err == nil {
			t.Errorf("GapsCommand(%q) did not fail", bad)
		}
	}

	// In Teams, for administrators only, with user text escaped.
	e := newFixtureEngine(t, func(o *Options) {
		o.Store = s
		o.Now = func() time.Time { return day(20) }
	})
	tt := message("kunskapsluckor")
	route(t, e, tt)
	if !strings.Contains(textOf(t, tt), "administratörer") {
		t.Errorf("non-admin saw gaps: %q", textOf(t, tt))
	}
	tt = message("kunskapsluckor")
	tt.Admin = true
	route(t, e, tt)
	if txt := textOf(t, tt); !strings.Contains(txt, `vad är \[AI\]\(x\)`) || !strings.Contains(txt, "Var parkerar jag?") {
		t.Errorf("admin gaps: %q", txt)
	}
}
