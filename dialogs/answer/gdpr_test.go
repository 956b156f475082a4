package answer

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/storage"
	embeddedstore "digibot/storage/embedded"
)

const (
	gdprAnna   = "aaaaaaaa-0000-4000-8000-000000000001"
	gdprBertil = "bbbbbbbb-0000-4000-8000-000000000002"
	gdprCoord  = "cccccccc-0000-4000-8000-000000000003"
)

// personalTurn is a typed message or a card submission (value) from aad
// in their 1:1 chat.
func personalTurn(aad, name, id, text string, value map[string]any) *turn.Turn {
	return turn.New(schema.Activity{
		Type: schema.Message, ID: id, Text: text, Value: value, Locale: "sv-SE",
		From:         schema.ChannelAccount{ID: "29:" + aad, Name: name, AadObjectID: aad},
		Conversation: schema.ConversationAccount{ID: "a:" + aad, ConversationType: "personal"},
	})
}

// gdprWorld: Anna and Bertil each ask an answerable and an unanswerable
// question, give feedback and forward the unanswerable one; the
// coordinator answers Anna's in the channel and Anna answers Bertil's.
func gdprWorld(t *testing.T) (*embeddedstore.Store, *Engine) {
	t.Helper()
	st, err := embeddedstore.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newFixtureEngine(t, func(o *Options) {
		o.Store, o.Outbox, o.ForwardChannelRef = st, st, storage.ConversationKey(channelID)
	})
	qid := func(tt *turn.Turn) string {
		t.Helper()
		id, _ := actionsOf(cardOf(t, tt))["Skicka frågan vidare"]["qid"].(string)
		if id == "" {
			t.Fatal("no forward button")
		}
		return id
	}
	ask := func(aad, name, text, lunch, comment string) string {
		route(t, e, personalTurn(aad, name, "q1-"+aad, text, nil))
		route(t, e, personalTurn(aad, name, "fb-"+aad, "", map[string]any{"action": ActionFeedback, "id": "basniva-digital-signering",
			"vote": "down", "q": text, "score": 0.7, inputCommentDown: comment}))
		tt := personalTurn(aad, name, "q2-"+aad, lunch, nil)
		route(t, e, tt)
		id := qid(tt)
		route(t, e, personalTurn(aad, name, "fw-"+aad, "", map[string]any{"action": ActionForward, "qid": id}))
		return id
	}
	annaQ := ask(gdprAnna, "Anna Andersson", "hur signerar jag digitalt?", "vad blir det för lunch hos Anna?", "Annas kommentar")
	bertilQ := ask(gdprBertil, "Bertil Berg", "hur signerar jag digitalt som Bertil?", "vad blir det för lunch hos Bertil?", "Bertils kommentar")
	route(t, e, submitTurn(map[string]any{"action": ActionReply, "qid": annaQ, inputReply: "Svar till Anna"}, gdprCoord, "Cecilia Coord", true))
	route(t, e, submitTurn(map[string]any{"action": ActionReply, "qid": bertilQ, inputReply: "Svar på lunchfrågan"}, gdprAnna, "Anna Andersson", true))
	return st, e
}

func TestGDPRAnswerExportAndDelete(t *testing.T) {
	ctx := context.Background()
	st, _ := gdprWorld(t)

	d, err := ExportUser(ctx, st, strings.ToUpper(gdprAnna))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Questions.Items) != 2 || len(d.Feedback.Items) != 1 || len(d.Forwardable.Items) != 1 ||
		len(d.Answers.Items) != 1 || len(d.Outbox.Items) != 3 {
		t.Fatalf("export counts: %d questions, %d feedback, %d forwardable, %d answers, %d outbox",
			len(d.Questions.Items), len(d.Feedback.Items), len(d.Forwardable.Items), len(d.Answers.Items), len(d.Outbox.Items))
	}
	if d.Feedback.Items[0].Comment != "Annas kommentar" || d.Forwardable.Items[0].Answer != "Svar till Anna" ||
		d.Answers.Items[0].Answer != "Svar på lunchfrågan" || d.Answers.Items[0].AnsweredBy != "Anna Andersson" {
		t.Fatalf("export content: %+v", d)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{gdprBertil, "Bertil", "Bertils"} {
		if strings.Contains(string(js), other) {
			t.Fatalf("Anna's export holds %q:\n%s", other, js)
		}
	}
	bertilBefore, err := ExportUser(ctx, st, gdprBertil)
	if err != nil {
		t.Fatal(err)
	}

	rep, err := DeleteUser(ctx, st, gdprAnna, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if rep.QuestionsDeleted != 2 || rep.FeedbackDeleted != 1 || rep.ForwardableDeleted != 1 || rep.AnswersAnonymised != 1 || len(rep.OutboxLeft) != 3 {
		t.Fatalf("report %+v", rep)
	}
	d, err = ExportUser(ctx, st, gdprAnna)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Questions.Items) + len(d.Feedback.Items) + len(d.Forwardable.Items) + len(d.Answers.Items) + len(d.Outbox.Items); n != 0 {
		t.Fatalf("after delete the export still has %d records: %+v", n, d)
	}
	// Nothing of Anna's is left in the logs or docs of the capability.
	for _, log := range []string{LogQuestions, LogFeedback} {
		es, err := st.ReadLog(ctx, log, time.Time{}, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if strings.Contains(string(e.Data), gdprAnna) || strings.Contains(string(e.Data), "Anna") {
				t.Fatalf("%s still holds Anna: %s", log, e.Data)
			}
		}
	}
	docs, err := st.ListDocs(ctx, CollQuestions)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || strings.Contains(string(docs[0].Value), gdprAnna) || strings.Contains(string(docs[0].Value), "Anna") {
		t.Fatalf("question docs after delete: %d, %s", len(docs), docs[0].Value)
	}
	// Bertil's data is unchanged, except that his answer now names no one.
	bertilAfter, err := ExportUser(ctx, st, gdprBertil)
	if err != nil {
		t.Fatal(err)
	}
	want := bertilBefore.Forwardable.Items[0]
	want.AnsweredBy, want.ResponderAAD = ErasedName, ""
	got := bertilAfter.Forwardable.Items[0]
	if got != want {
		t.Fatalf("Bertil's question:\n got %+v\nwant %+v", got, want)
	}
	bertilAfter.Forwardable, bertilBefore.Forwardable = storage.PersonalData[QuestionDoc]{}, storage.PersonalData[QuestionDoc]{}
	a, _ := json.Marshal(bertilAfter)
	b, _ := json.Marshal(bertilBefore)
	if string(a) != string(b) {
		t.Fatalf("Bertil's data changed:\n%s\n%s", b, a)
	}
	// Again: nothing to do.
	rep, err = DeleteUser(ctx, st, gdprAnna, fixedNow)
	if err != nil || rep.QuestionsDeleted+rep.FeedbackDeleted+rep.ForwardableDeleted+rep.AnswersAnonymised != 0 {
		t.Fatalf("second delete: %+v %v", rep, err)
	}
}

func TestGDPRAnswerStoreFailure(t *testing.T) {
	st, err := embeddedstore.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := ExportUser(context.Background(), st, gdprAnna); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("export: %v", err)
	}
	if _, err := DeleteUser(context.Background(), st, gdprAnna, fixedNow); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("delete: %v", err)
	}
}
