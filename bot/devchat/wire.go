package devchat

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Identities of the development user and bot, as Teams would send them in
// a 1:1 chat. The AAD object id is fixed so that the bot's store keeps one
// user across runs (and can be named as an administrator in dev config).
const (
	DevUserID    = "29:dev-user"
	DevUserAADID = "d1ceb07d-0000-4000-8000-000000000001"
	DevTenantID  = "dev-tenant"
	BotID        = "28:digibot"
	BotName      = "Digibot"
	ChannelID    = "msteams"
	// DevConversationID is the personal chat between the dev user and the
	// bot; like Teams, it is the same every time.
	DevConversationID = "a:dev-personal-chat-29-dev-user"
	// DefaultEndpoint is where `digibot serve` listens by default.
	DefaultEndpoint = "http://127.0.0.1:3978/api/messages"
)

type account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

type conversation struct {
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	ID               string `json:"id"`
}

// outActivity is an activity as Teams POSTs it to a bot.
type outActivity struct {
	Type           string           `json:"type"`
	ID             string           `json:"id"`
	Name           string           `json:"name,omitempty"`
	Action         string           `json:"action,omitempty"`
	Timestamp      time.Time        `json:"timestamp"`
	LocalTimestamp time.Time        `json:"localTimestamp"`
	LocalTimezone  string           `json:"localTimezone"`
	ServiceURL     string           `json:"serviceUrl"`
	ChannelID      string           `json:"channelId"`
	From           account          `json:"from"`
	Conversation   conversation     `json:"conversation"`
	Recipient      account          `json:"recipient"`
	Text           string           `json:"text,omitempty"`
	TextFormat     string           `json:"textFormat,omitempty"`
	Locale         string           `json:"locale"`
	ReplyToID      string           `json:"replyToId,omitempty"`
	Value          map[string]any   `json:"value,omitempty"`
	Entities       []map[string]any `json:"entities,omitempty"`
	ChannelData    map[string]any   `json:"channelData,omitempty"`
}

// inActivity is what the bot sends to the connector; only what is shown.
type inActivity struct {
	Type             string         `json:"type"`
	ID               string         `json:"id"`
	Text             string         `json:"text"`
	TextFormat       string         `json:"textFormat"`
	Summary          string         `json:"summary"`
	ReplyToID        string         `json:"replyToId"`
	Attachments      []inAttachment `json:"attachments"`
	SuggestedActions struct {
		Actions []struct {
			Title string `json:"title"`
			Value any    `json:"value"`
		} `json:"actions"`
	} `json:"suggestedActions"`
}

type inAttachment struct {
	ContentType string          `json:"contentType"`
	ContentURL  string          `json:"contentUrl"`
	Name        string          `json:"name"`
	Content     json.RawMessage `json:"content"`
}

// card returns the attachment's Adaptive Card, or nil. Bots send the card
// as an object; some send it as a JSON string.
func (a inAttachment) card() map[string]any {
	if a.ContentType != adaptiveCardType || len(a.Content) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(a.Content, &v); err != nil {
		return nil
	}
	if s, ok := v.(string); ok {
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil
		}
	}
	m, _ := v.(map[string]any)
	return m
}

const (
	adaptiveCardType = "application/vnd.microsoft.card.adaptive"
	heroCardType     = "application/vnd.microsoft.card.hero"
	thumbCardType    = "application/vnd.microsoft.card.thumbnail"
	messageType      = "application/vnd.microsoft.activity.message"
	errorType        = "application/vnd.microsoft.error"
)

// conversationParams is the part of a createConversation body the
// connector uses.
type conversationParams struct {
	Members  []account   `json:"members"`
	Activity *inActivity `json:"activity"`
}

// newID returns a random hex string of n bytes.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
