package answer

import (
	"fmt"
	"time"
)

// texts are the user-facing strings of the answer capability, one value per
// language (text_sv.go, text_en.go).
type texts struct {
	Empty, NoWords                       string
	Truncated                            func(n int) string
	NotSure, DidYouMean                  string
	DidYouMeanText                       func(titles []string) string
	ForwardOffer, ForwardButton          string
	Contact                              func(contact string) string
	ReadMore                             string
	Source                               func(doc, section string) string
	DocNames                             map[string]string
	Related, Helpful, ThumbUp, ThumbDown string
	CommentPlaceholder, Send             string
	ThanksUp, ThanksDown                 string
	BookCoaching                         string
	OnlySwedish                          string
	Forwarded, AlreadyForwarded          string
	ForwardOff                           func(contact string) string
	QuestionGone, NotYourQuestion        string
	UnknownArticle, BadFeedback, Error   string
	ChannelTitle                         string
	ChannelFrom                          func(name string) string
	ChannelNoAnswer                      string
	ChannelNearest                       func(title string) string
	ChannelReplyHint, ChannelReply       string
	ChannelAnswered                      func(by string, at time.Time) string
	ReplyEmpty                           string
	ReplyTooLong                         func(n int) string
	ReplyNotHere                         string
	AlreadyAnswered                      func(by string) string
	AnswerFrom                           func(name string) string
	YourQuestion                         func(q string) string
	Someone, Greeting, GapsNone          string
	GapsHeader                           func(from, to time.Time, asked, unanswered int) string
	GapsQuestions, GapsArticles          string
	GapsAdminOnly                        string
	YouAreWelcome                        string
}

func textsFor(lang string) *texts {
	if lang == "en" {
		return textEN
	}
	return textSV
}

// English user texts, for an English locale or an English question.
var textEN = &texts{
	Empty:   "Ask a question about Region Gävleborg's strategy or action plan for digital transformation, for example “What is the digital baseline?”.",
	NoWords: "I could not find a question in what you wrote. Please use words, for example “Who is responsible for the system owner council?”.",
	Truncated: func(n int) string {
		return fmt.Sprintf("Your question was long, so I only searched the first %d characters.", n)
	},
	NotSure:    "I don't know the answer to that for sure. I only answer questions about Region Gävleborg's strategy and action plan for digital transformation.",
	DidYouMean: "Did you mean …?",
	DidYouMeanText: func(titles []string) string {
		return "Did you mean: " + joinOr(titles, "or") + "?"
	},
	ForwardOffer:  "I can forward the question to the coordinating function for digital transformation, and a person will answer you here in the chat.",
	ForwardButton: "Forward the question",
	Contact: func(c string) string {
		return "You can ask the coordinating function for digital transformation: " + c + "."
	},
	ReadMore: "Read more",
	Source: func(doc, section string) string {
		if section == "" {
			return "Source: " + doc
		}
		return "Source: " + doc + ", " + section
	},
	DocNames: map[string]string{
		"strategi":      "Strategy for digital transformation 2024–2027",
		"handlingsplan": "Action plan for digital transformation 2024–2027",
	},
	Related:            "Related",
	Helpful:            "Was this helpful?",
	ThumbUp:            "👍",
	ThumbDown:          "👎",
	CommentPlaceholder: "Comment (optional)",
	Send:               "Send",
	ThanksUp:           "Thank you for your feedback! 👍",
	ThanksDown:         "Thank you! We use your feedback to improve the answers.",
	BookCoaching:       "Book IT coaching",
	OnlySwedish:        "This article is only available in Swedish.",
	Forwarded:          "Thank you! I have forwarded your question to the coordinating function for digital transformation. You will get the answer here in the chat.",
	AlreadyForwarded:   "That question has already been forwarded. You will get the answer here in the chat.",
	ForwardOff: func(c string) string {
		return "I cannot forward questions right now. Please ask the coordinating function for digital transformation: " + c + "."
	},
	QuestionGone:     "I can no longer find that question. Please ask it again.",
	NotYourQuestion:  "Only the person who asked can forward the question.",
	UnknownArticle:   "I can no longer find that article. Please ask your question again.",
	BadFeedback:      "I did not understand the feedback. Please use the 👍 or 👎 buttons below the answer.",
	Error:            "Something went wrong on my side. Please try again in a moment.",
	ChannelTitle:     "Question for the coordinating function",
	ChannelFrom:      func(name string) string { return "**From:** " + name },
	ChannelNoAnswer:  "Digibot found no reliable answer in the knowledge base.",
	ChannelNearest:   func(title string) string { return "Closest article: " + title },
	ChannelReplyHint: "Write your answer to the person who asked …",
	ChannelReply:     "Reply",
	ChannelAnswered: func(by string, at time.Time) string {
		return fmt.Sprintf("✅ Answered by %s %s", by, at.Format("2006-01-02 15:04"))
	},
	ReplyEmpty:      "Write an answer in the field before you press Reply.",
	ReplyTooLong:    func(n int) string { return fmt.Sprintf("The answer is too long (at most %d characters).", n) },
	ReplyNotHere:    "Questions are answered from the card in the coordinating function's channel.",
	AlreadyAnswered: func(by string) string { return "The question has already been answered by " + by + "." },
	AnswerFrom:      func(name string) string { return "Answer from " + name },
	YourQuestion:    func(q string) string { return "You asked: “" + q + "”" },
	Someone:         "a colleague",
	Greeting:        "Hi! I am Digibot. Ask me about Region Gävleborg's strategy and action plan for digital transformation, for example “What does principle 4 mean?” or “Who is responsible for the system owner council?”.",
	GapsNone:        "No unanswered questions or 👎 in the period.",
	GapsHeader: func(from, to time.Time, asked, unanswered int) string {
		return fmt.Sprintf("Knowledge gaps %s – %s: %d questions, %d unanswered.",
			from.Format("2006-01-02"), to.Format("2006-01-02"), asked, unanswered)
	},
	GapsQuestions: "Most common unanswered questions:",
	GapsArticles:  "Articles with 👎:",
	GapsAdminOnly: "Only Digibot's administrators can see the knowledge gaps.",
	YouAreWelcome: "You're welcome! Ask again whenever you like.",
}
