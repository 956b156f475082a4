// Package turn holds one incoming activity and what the handlers answer. It
// is deliberately tiny so that dialogs depend on it without linking the
// HTTP edge, tokens or the outbox.
package turn

import (
	"context"
	"regexp"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"
)

// AdaptiveCardContentType is the attachment content type of an Adaptive Card.
const AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive"

// InvokeResponse is written into the HTTP body of an invoke activity.
type InvokeResponse struct {
	Status int `json:"status"`
	Body   any `json:"body,omitempty"`
}

// Turn is one incoming activity and the replies it produces. Handlers add
// replies; the bot sends them into the same conversation after the handler
// returns.
type Turn struct {
	Activity schema.Activity
	// Admin is true when the sender is a configured administrator.
	Admin bool

	replies []schema.Activity
	invoke  *InvokeResponse
}

// New wraps an activity.
func New(a schema.Activity) *Turn { return &Turn{Activity: a} }

// Send queues a reply activity; type defaults to message.
func (t *Turn) Send(a schema.Activity) {
	if a.Type == "" {
		a.Type = schema.Message
	}
	t.replies = append(t.replies, a)
}

// SendText queues a plain (markdown) text reply.
func (t *Turn) SendText(text string) {
	t.Send(schema.Activity{Type: schema.Message, Text: text, TextFormat: schema.MARKDOWN})
}

// SendCard queues an Adaptive Card reply; card is the card JSON object.
func (t *Turn) SendCard(card any) {
	t.Send(schema.Activity{Type: schema.Message, Attachments: []schema.Attachment{CardAttachment(card)}})
}

// CardAttachment wraps an Adaptive Card as an attachment.
func CardAttachment(card any) schema.Attachment {
	return schema.Attachment{ContentType: AdaptiveCardContentType, Content: card}
}

// Replies returns the queued replies.
func (t *Turn) Replies() []schema.Activity { return t.replies }

// Respond sets the invoke response written into the HTTP body.
func (t *Turn) Respond(status int, body any) { t.invoke = &InvokeResponse{Status: status, Body: body} }

// InvokeResponse returns the invoke response, or nil if none was set.
func (t *Turn) InvokeResponse() *InvokeResponse { return t.invoke }

var mentionTag = regexp.MustCompile(`(?is)<at>.*?</at>`)

// Text is the message text without @mentions of the bot, trimmed.
func (t *Turn) Text() string {
	return strings.TrimSpace(mentionTag.ReplaceAllString(t.Activity.Text, ""))
}

// Lang is "en" when the sender's locale is English and "sv" otherwise:
// Swedish is the default language of Digibot.
func (t *Turn) Lang() string { return LangOf(t.Activity.Locale) }

// LangOf maps a BCP 47 locale to "sv" or "en".
func LangOf(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return "en"
	}
	return "sv"
}

// UserAADID is the sender's Entra object id ("" when the channel did not send one).
func (t *Turn) UserAADID() string { return t.Activity.From.AadObjectID }

// Value is the submitted card data (Action.Submit) or invoke value.
func (t *Turn) Value() map[string]any { return t.Activity.Value }

// IsPersonal reports whether the turn comes from a 1:1 chat.
func (t *Turn) IsPersonal() bool {
	ct := t.Activity.Conversation.ConversationType
	return ct == "" || ct == "personal"
}

// Handler handles one turn of a given kind.
type Handler interface {
	HandleTurn(ctx context.Context, t *Turn) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, t *Turn) error

// HandleTurn calls f.
func (f HandlerFunc) HandleTurn(ctx context.Context, t *Turn) error { return f(ctx, t) }
