package answer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/storage"
)

// Outbox entry kinds, for metrics and logs.
const (
	KindForward       = "answer-forward"
	KindForwardUpdate = "answer-forward-update"
	KindReply         = "answer-reply"
)

// Register routes free text to the knowledge base and the answer card
// actions to their handlers.
func (e *Engine) Register(r *dialogs.Router) {
	r.Fallback(turn.HandlerFunc(e.handleQuestion))
	r.Action(ActionMore, turn.HandlerFunc(e.handleMore))
	r.Action(ActionRelated, turn.HandlerFunc(e.handleRelated))
	r.Action(ActionFeedback, turn.HandlerFunc(e.handleFeedback))
	r.Action(ActionForward, turn.HandlerFunc(e.handleForward))
	r.Action(ActionReply, turn.HandlerFunc(e.handleReply))
	r.Command(turn.HandlerFunc(e.handleGaps), "kunskapsluckor", "obesvarade frågor", "knowledge gaps")
}

var (
	greetings = setOf("hej", "hejsan", "hallå", "tjena", "tja", "hi", "hello", "hey", "god morgon", "good morning")
	thanks    = setOf("tack", "tack så mycket", "tusen tack", "tackar", "thanks", "thank you", "thx")
)

// handleQuestion answers a free-text question with an answer card, or a
// not-found card with suggestions and forwarding.
func (e *Engine) handleQuestion(ctx context.Context, t *turn.Turn) error {
	text := t.Text()
	switch n := normalizePhrase(text); {
	case greetings[n]:
		t.SendText(textsFor(answerLang(t.Lang(), text)).Greeting)
		return nil
	case thanks[n]:
		t.SendText(textsFor(answerLang(t.Lang(), text)).YouAreWelcome)
		return nil
	}
	r := e.ask(ctx, text, t.Lang())
	if r.kind != inputOK {
		t.SendText(r.Text)
		return nil
	}
	qid := e.record(ctx, t, r)
	if r.Answered {
		t.SendCard(e.answerCard(r))
	} else {
		t.SendCard(e.notFoundCard(r, qid))
	}
	return nil
}

// record logs the question and, when it was not answered and forwarding is
// on, keeps it so that it can be forwarded. It returns that question's id,
// or "" when forwarding is not possible. Failures are logged: the answer
// itself does not depend on them.
func (e *Engine) record(ctx context.Context, t *turn.Turn, r Result) string {
	if e.store == nil {
		return ""
	}
	now := e.now().UTC()
	asker := t.UserAADID()
	question := shorten(r.question, maxStoredRunes)
	entry := QuestionLog{Time: now, AskerAAD: asker, Question: question, Lang: r.uiLang(),
		Answered: r.Answered, ArticleID: r.ArticleID, Score: r.Score}
	if !r.Answered && len(r.suggestionIDs) > 0 {
		entry.ArticleID = r.suggestionIDs[0]
	}
	var qid string
	if !r.Answered && e.forwarding() && asker != "" {
		id := questionID(t.Activity.Conversation.ID, t.Activity.ID, asker, question)
		doc := QuestionDoc{ID: id, At: now, AskerAAD: asker, AskerName: plainLine(t.Activity.From.Name),
			Question: question, Lang: r.uiLang(), ArticleID: entry.ArticleID, Score: r.Score}
		err := e.putQuestion(ctx, doc, storage.NoVersion)
		switch {
		case err == nil, errors.Is(err, storage.ErrConflict): // a retry of the same message
			qid = id
			entry.QuestionID = id
		default:
			e.log.WarnContext(ctx, "answer: cannot store question for forwarding", "err", err)
		}
	}
	if err := e.appendLog(ctx, LogQuestions, now, entry); err != nil {
		e.log.WarnContext(ctx, "answer: cannot log question", "err", err)
	}
	return qid
}

// dataString reads a string field of card data, trimmed and bounded.
func dataString(data map[string]any, key string, limit int) string {
	s, _ := data[key].(string)
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit])
	}
	return s
}

func dataLang(data map[string]any, fallback string) string {
	switch l := dataString(data, "lang", 5); l {
	case "sv", "en":
		return l
	}
	return fallback
}

// handleMore shows the whole article.
func (e *Engine) handleMore(ctx context.Context, t *turn.Turn) error {
	_, data := dialogs.ActionData(t)
	lang := dataLang(data, t.Lang())
	a, ok := e.ix.arts[dataString(data, "id", maxIDLen)]
	if !ok {
		t.SendText(textsFor(lang).UnknownArticle)
		return nil
	}
	t.SendCard(e.fullCard(a, lang, ""))
	return nil
}

// handleRelated shows the short answer of a related or suggested article.
func (e *Engine) handleRelated(ctx context.Context, t *turn.Turn) error {
	_, data := dialogs.ActionData(t)
	lang := dataLang(data, t.Lang())
	a, ok := e.ix.arts[dataString(data, "id", maxIDLen)]
	if !ok {
		t.SendText(textsFor(lang).UnknownArticle)
		return nil
	}
	r := e.answered(Result{Lang: lang, ui: lang}, a, 1)
	t.SendCard(e.answerCard(r))
	return nil
}

// handleFeedback stores a 👍/👎 with its optional comment and thanks.
func (e *Engine) handleFeedback(ctx context.Context, t *turn.Turn) error {
	_, data := dialogs.ActionData(t)
	lang := dataLang(data, t.Lang())
	T := textsFor(lang)
	id := dataString(data, "id", maxIDLen)
	vote := dataString(data, "vote", 8)
	if _, ok := e.ix.arts[id]; !ok || (vote != "up" && vote != "down") {
		t.SendText(T.BadFeedback)
		return nil
	}
	comment := dataString(data, inputCommentUp, maxCommentRunes)
	if vote == "down" {
		comment = dataString(data, inputCommentDown, maxCommentRunes)
	}
	score, _ := data["score"].(float64)
	if score < 0 || score > 1 {
		score = 0
	}
	if e.store != nil {
		entry := FeedbackLog{
			Time: e.now().UTC(), AskerAAD: t.UserAADID(), Question: dataString(data, "q", maxCardQuestionRune),
			Lang: lang, ArticleID: id, Helpful: vote == "up", Comment: plainLine(comment), Score: score,
		}
		if err := e.appendLog(ctx, LogFeedback, entry.Time, entry); err != nil {
			e.log.WarnContext(ctx, "answer: cannot store feedback", "err", err)
			t.SendText(T.Error)
			return nil
		}
	}
	if vote == "up" {
		t.SendText(T.ThanksUp)
	} else {
		t.SendText(T.ThanksDown)
	}
	return nil
}

// handleForward posts the asker's question to the coordinating function's
// channel through the outbox.
func (e *Engine) handleForward(ctx context.Context, t *turn.Turn) error {
	_, data := dialogs.ActionData(t)
	T := textsFor(t.Lang())
	if !e.forwarding() {
		t.SendText(T.ForwardOff(e.contact))
		return nil
	}
	qid := dataString(data, "qid", 64)
	if !questionIDPattern.MatchString(qid) {
		t.SendText(T.QuestionGone)
		return nil
	}
	q, _, err := e.getQuestion(ctx, qid)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		t.SendText(T.QuestionGone)
		return nil
	case err != nil:
		return e.fail(ctx, t, T, "load question", err)
	}
	T = textsFor(q.Lang)
	if q.AskerAAD != t.UserAADID() {
		t.SendText(T.NotYourQuestion)
		return nil
	}
	if !q.Forwarded.IsZero() {
		t.SendText(T.AlreadyForwarded)
		return nil
	}
	nearest := ""
	if a, ok := e.ix.arts[q.ArticleID]; ok {
		nearest = a.Title.SV
	}
	act, err := cardActivity(channelCard(q, nearest))
	if err != nil {
		return e.fail(ctx, t, T, "build channel card", err)
	}
	now := e.now().UTC()
	if _, err := e.outbox.Enqueue(ctx, storage.OutboxEntry{
		ID: forwardEntryID(qid), Kind: KindForward, RefKey: e.forward, Activity: act, CreatedAt: now, NotBefore: now,
	}); err != nil {
		return e.fail(ctx, t, T, "enqueue forwarded question", err)
	}
	if _, err := e.updateQuestion(ctx, qid, func(d *QuestionDoc) bool {
		if !d.Forwarded.IsZero() {
			return false
		}
		d.Forwarded = now
		return true
	}); err != nil {
		// The question is in the outbox (idempotent id): it will be sent.
		e.log.WarnContext(ctx, "answer: cannot mark question forwarded", "err", err)
	}
	t.SendText(T.Forwarded)
	return nil
}

func forwardEntryID(qid string) string { return "answer.forward:" + qid }

// handleReply takes a human's answer from the channel card: it goes to the
// asker's 1:1 chat, the question is marked answered, and the channel card
// is updated to say who answered.
func (e *Engine) handleReply(ctx context.Context, t *turn.Turn) error {
	_, data := dialogs.ActionData(t)
	T := textSV
	if !e.forwarding() || t.IsPersonal() || !e.inForwardChannel(t) {
		t.SendText(T.ReplyNotHere)
		return nil
	}
	qid := dataString(data, "qid", 64)
	if !questionIDPattern.MatchString(qid) {
		t.SendText(T.QuestionGone)
		return nil
	}
	raw, _ := data[inputReply].(string)
	answer := strings.TrimSpace(strings.ToValidUTF8(raw, ""))
	switch {
	case answer == "":
		t.SendText(T.ReplyEmpty)
		return nil
	case utf8.RuneCountInString(answer) > maxReplyRunes:
		t.SendText(T.ReplyTooLong(maxReplyRunes))
		return nil
	}
	q, _, err := e.getQuestion(ctx, qid)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		t.SendText(T.QuestionGone)
		return nil
	case err != nil:
		return e.fail(ctx, t, T, "load question", err)
	}
	if q.AnsweredBy != "" {
		t.SendText(T.AlreadyAnswered(userText(q.AnsweredBy, 100)))
		return nil
	}
	now := e.now().UTC()
	q.AnsweredBy = plainLine(t.Activity.From.Name)
	if q.AnsweredBy == "" {
		q.AnsweredBy = T.Someone
	}
	q.ResponderAAD = t.UserAADID()
	q.AnsweredAt = now
	q.Answer = answer

	act, err := cardActivity(humanAnswerCard(q))
	if err != nil {
		return e.fail(ctx, t, T, "build answer card", err)
	}
	created, err := e.outbox.Enqueue(ctx, storage.OutboxEntry{
		ID: "answer.reply:" + qid, Kind: KindReply, RefKey: storage.UserKey(q.AskerAAD), Activity: act,
		CreatedAt: now, NotBefore: now,
	})
	if err != nil {
		return e.fail(ctx, t, T, "enqueue answer", err)
	}
	if !created { // someone answered first
		by := T.Someone
		if cur, _, err := e.getQuestion(ctx, qid); err == nil && cur.AnsweredBy != "" {
			by = cur.AnsweredBy
		}
		t.SendText(T.AlreadyAnswered(userText(by, 100)))
		return nil
	}
	answered, err := e.updateQuestion(ctx, qid, func(d *QuestionDoc) bool {
		if d.AnsweredBy != "" {
			return false
		}
		d.AnsweredBy, d.ResponderAAD, d.AnsweredAt, d.Answer = q.AnsweredBy, q.ResponderAAD, q.AnsweredAt, q.Answer
		return true
	})
	if err != nil {
		// The answer is on its way (outbox); the record and the channel card
		// catch up when the responder presses Svara again.
		e.log.WarnContext(ctx, "answer: cannot mark question answered", "err", err)
		answered = q
	}
	nearest := ""
	if a, ok := e.ix.arts[answered.ArticleID]; ok {
		nearest = a.Title.SV
	}
	upd, err := cardActivity(channelCard(answered, nearest))
	if err != nil {
		return e.fail(ctx, t, T, "build channel card", err)
	}
	if _, err := e.outbox.Enqueue(ctx, storage.OutboxEntry{
		ID: "answer.reply-update:" + qid, Kind: KindForwardUpdate, RefKey: e.forward, UpdateOf: forwardEntryID(qid),
		Activity: upd, CreatedAt: now, NotBefore: now,
	}); err != nil {
		e.log.WarnContext(ctx, "answer: cannot enqueue channel card update", "err", err)
	}
	return nil
}

// inForwardChannel reports whether the turn comes from the configured
// channel (a reply in a channel thread carries ";messageid=…").
func (e *Engine) inForwardChannel(t *turn.Turn) bool {
	want, ok := strings.CutPrefix(e.forward, "conv:")
	if !ok {
		return true // a reference key we cannot compare: trust the card
	}
	base := func(id string) string {
		id, _, _ = strings.Cut(id, ";")
		return id
	}
	return base(t.Activity.Conversation.ID) == base(want)
}

func (e *Engine) fail(ctx context.Context, t *turn.Turn, T *texts, what string, err error) error {
	e.log.ErrorContext(ctx, "answer: "+what, "err", err)
	t.SendText(T.Error)
	return nil
}

// cardActivity is a message activity with one Adaptive Card, as JSON for
// the outbox.
func cardActivity(c card) (json.RawMessage, error) {
	a := schema.Activity{Type: schema.Message, Attachments: []schema.Attachment{turn.CardAttachment(c)}}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode activity: %w", err)
	}
	return b, nil
}

// handleGaps shows administrators the top unanswered questions and 👎
// articles of the last 30 days.
func (e *Engine) handleGaps(ctx context.Context, t *turn.Turn) error {
	T := textsFor(t.Lang())
	if !t.Admin || e.store == nil {
		t.SendText(T.GapsAdminOnly)
		return nil
	}
	to := e.now()
	g, err := collectGaps(ctx, e.store, to.AddDate(0, 0, -30), to, 10)
	if err != nil {
		return e.fail(ctx, t, T, "read gaps", err)
	}
	t.SendText(g.render(T, true))
	return nil
}
