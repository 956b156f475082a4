package answer

import (
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm on machines without a zoneinfo database
)

// Card action names (Action.Submit data "action").
const (
	ActionMore     = "answer.more"
	ActionRelated  = "answer.related"
	ActionFeedback = "answer.feedback"
	ActionForward  = "answer.forward"
	ActionReply    = "answer.reply"
	// ActionCoaching starts booking IT coaching (the coaching capability).
	ActionCoaching = "coaching.start"
)

// Card input ids.
const (
	inputCommentUp   = "commentUp"
	inputCommentDown = "commentDown"
	inputReply       = "reply"
)

const (
	maxCommentRunes     = 500
	maxReplyRunes       = 2000
	maxCardQuestionRune = 300 // question text carried in card data
	maxRelatedShown     = 4
)

type card = map[string]any

func newCard(body []any, actions []any) card {
	c := card{
		"type":    "AdaptiveCard",
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": "1.5",
		"body":    body,
	}
	if len(actions) > 0 {
		c["actions"] = actions
	}
	return c
}

func textBlock(text string, opts ...func(card)) card {
	b := card{"type": "TextBlock", "text": text, "wrap": true}
	for _, o := range opts {
		o(b)
	}
	return b
}

func bold(b card)   { b["weight"] = "Bolder" }
func medium(b card) { b["size"] = "Medium" }
func subtle(b card) { b["isSubtle"] = true }
func small(b card)  { b["size"] = "Small" }
func spaced(b card) { b["spacing"] = "Medium" }

func submit(title string, data map[string]any) card {
	return card{"type": "Action.Submit", "title": title, "data": data}
}

// answerCard is the short answer: title, summary, source, related articles,
// "Läs mer", 👍/👎 with an optional comment, and booking on coaching articles.
func (e *Engine) answerCard(r Result) card {
	if r.article == nil { // not an answer: never build a card around nothing
		return e.notFoundCard(r, "")
	}
	return e.articleCard(r.article, r.Lang, textsFor(r.uiLang()), r.question, r.Score, false, r.truncated)
}

// fullCard is the whole article ("Läs mer").
func (e *Engine) fullCard(a *Article, lang string, question string) card {
	return e.articleCard(a, articleLang(a, lang), textsFor(lang), question, 1, true, false)
}

func articleLang(a *Article, lang string) string {
	if lang == "en" && a.HasEnglish() {
		return "en"
	}
	return "sv"
}

func (e *Engine) articleCard(a *Article, lang string, T *texts, question string, score float64, full, truncated bool) card {
	var body []any
	if truncated {
		body = append(body, textBlock(T.Truncated(maxQuestionRunes), subtle, small))
	}
	if T == textEN && lang == "sv" && T.OnlySwedish != "" {
		body = append(body, textBlock(T.OnlySwedish, subtle, small))
	}
	body = append(body, textBlock(a.Title.In(lang), bold, medium))
	if full {
		for _, para := range paragraphs(a.Body.In(lang)) {
			body = append(body, textBlock(para))
		}
	} else {
		body = append(body, textBlock(a.Summary.In(lang)))
	}
	body = append(body, textBlock(T.Source(docName(T, a.Source.Document), a.Source.Section), subtle, small, spaced))

	ui := "sv"
	if T == textEN {
		ui = "en"
	}
	if rel := e.relatedOf(a); len(rel) > 0 {
		body = append(body, textBlock(T.Related, bold, spaced))
		var acts []any
		for _, r := range rel {
			acts = append(acts, submit(r.Title.In(ui), map[string]any{"action": ActionRelated, "id": r.ID, "lang": ui}))
		}
		body = append(body, card{"type": "ActionSet", "actions": acts})
	}

	q := shorten(plainLine(question), maxCardQuestionRune)
	var actions []any
	if !full {
		actions = append(actions, submit(T.ReadMore, map[string]any{"action": ActionMore, "id": a.ID, "lang": ui}))
	}
	feedback := func(title, vote, input string) card {
		return card{
			"type":  "Action.ShowCard",
			"title": title,
			"card": card{
				"type": "AdaptiveCard",
				"body": []any{card{
					"type": "Input.Text", "id": input, "placeholder": T.CommentPlaceholder,
					"isMultiline": true, "maxLength": maxCommentRunes,
				}},
				"actions": []any{submit(T.Send, map[string]any{
					"action": ActionFeedback, "id": a.ID, "vote": vote, "q": q, "score": score, "lang": ui,
				})},
			},
		}
	}
	actions = append(actions, feedback(T.ThumbUp, "up", inputCommentUp), feedback(T.ThumbDown, "down", inputCommentDown))
	if a.Category == "coachning" {
		actions = append(actions, submit(T.BookCoaching, map[string]any{"action": ActionCoaching}))
	}
	c := newCard(body, actions)
	c["speak"] = a.Title.In(lang)
	return c
}

// relatedOf returns the related articles that exist, at most four.
func (e *Engine) relatedOf(a *Article) []*Article {
	var out []*Article
	for _, id := range a.Related {
		if r, ok := e.ix.arts[id]; ok {
			out = append(out, r)
			if len(out) == maxRelatedShown {
				break
			}
		}
	}
	return out
}

// paragraphs splits article markdown at blank lines, so that each paragraph
// (or list) is its own TextBlock with the card's spacing.
func paragraphs(md string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// notFoundCard says honestly that the bot does not know, offers up to
// three "Menade du …?" articles and forwarding (or whom to contact).
func (e *Engine) notFoundCard(r Result, qid string) card {
	T := textsFor(r.uiLang())
	var body []any
	if r.truncated {
		body = append(body, textBlock(T.Truncated(maxQuestionRunes), subtle, small))
	}
	body = append(body, textBlock(T.NotSure))
	if len(r.suggestionIDs) > 0 {
		body = append(body, textBlock(T.DidYouMean, bold, spaced))
		var acts []any
		for i, id := range r.suggestionIDs {
			acts = append(acts, submit(r.Suggestions[i], map[string]any{"action": ActionRelated, "id": id, "lang": r.uiLang()}))
		}
		body = append(body, card{"type": "ActionSet", "actions": acts})
	}
	var actions []any
	if e.forwarding() && qid != "" {
		body = append(body, textBlock(T.ForwardOffer, spaced))
		actions = append(actions, submit(T.ForwardButton, map[string]any{"action": ActionForward, "qid": qid}))
	} else {
		body = append(body, textBlock(T.Contact(e.contact), spaced))
	}
	return newCard(body, actions)
}

// channelCard is the forwarded question in the coordinating function's
// channel, with a field to answer it. Every user string is escaped.
func channelCard(q QuestionDoc, nearest string) card {
	T := textSV // the coordinating function works in Swedish
	name := q.AskerName
	if name == "" {
		name = T.Someone
	}
	body := []any{
		textBlock(T.ChannelTitle, bold, medium),
		textBlock(T.ChannelFrom(userText(name, 100))),
		card{"type": "Container", "style": "emphasis", "items": []any{textBlock(userText(q.Question, maxStoredRunes))}},
		textBlock(T.ChannelNoAnswer, subtle, small),
	}
	if nearest != "" {
		body = append(body, textBlock(T.ChannelNearest(nearest), subtle, small))
	}
	if q.AnsweredBy != "" {
		body = append(body,
			textBlock(T.ChannelAnswered(userText(q.AnsweredBy, 100), q.AnsweredAt.In(stockholm)), bold, spaced),
			textBlock(userTextBlock(q.Answer, maxReplyRunes)))
		return newCard(body, nil)
	}
	body = append(body, card{
		"type": "Input.Text", "id": inputReply, "placeholder": T.ChannelReplyHint,
		"isMultiline": true, "maxLength": maxReplyRunes,
	})
	return newCard(body, []any{submit(T.ChannelReply, map[string]any{"action": ActionReply, "qid": q.ID})})
}

// humanAnswerCard brings a human's answer to the asker's 1:1 chat.
func humanAnswerCard(q QuestionDoc) card {
	T := textsFor(q.Lang)
	by := q.AnsweredBy
	if by == "" {
		by = T.Someone
	}
	return newCard([]any{
		textBlock(T.AnswerFrom(userText(by, 100)), bold, medium),
		textBlock(T.YourQuestion(userText(q.Question, maxCardQuestionRune)), subtle, small),
		textBlock(userTextBlock(q.Answer, maxReplyRunes)),
	}, nil)
}

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()
