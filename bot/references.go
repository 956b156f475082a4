package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/storage"
)

func channelData(a *schema.Activity) map[string]any {
	if a.ChannelData == nil {
		return map[string]any{}
	}
	return a.ChannelData
}

func nested(m map[string]any, keys ...string) string {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}

func isPersonal(a *schema.Activity) bool {
	ct := a.Conversation.ConversationType
	return ct == "" || ct == storage.ConversationPersonal
}

// baseConversationID drops the ";messageid=…" suffix Teams adds to channel
// conversation ids inside a thread, so a reference points at the channel.
func baseConversationID(id string) string {
	if i := strings.Index(id, ";messageid="); i >= 0 {
		return id[:i]
	}
	return id
}

// ReferenceFrom builds the conversation reference an activity implies.
func ReferenceFrom(a *schema.Activity) storage.Reference {
	cd := channelData(a)
	tenant := a.Conversation.TenantID
	if tenant == "" {
		tenant = nested(cd, "tenant", "id")
	}
	r := storage.Reference{
		ConversationID:   baseConversationID(a.Conversation.ID),
		ConversationType: a.Conversation.ConversationType,
		ServiceURL:       a.ServiceURL,
		TenantID:         tenant,
		ChannelID:        a.ChannelID,
		BotID:            a.Recipient.ID,
		BotName:          a.Recipient.Name,
		Locale:           a.Locale,
		TeamID:           nested(cd, "team", "id"),
		TeamName:         nested(cd, "team", "name"),
		ChannelName:      nested(cd, "channel", "name"),
	}
	if r.ConversationType == "" {
		r.ConversationType = storage.ConversationPersonal
	}
	if r.ConversationType == storage.ConversationPersonal {
		r.UserID = a.From.ID
		r.UserAADID = a.From.AadObjectID
		r.UserName = a.From.Name
		if r.UserAADID != "" {
			r.Key = storage.UserKey(r.UserAADID)
			return r
		}
	}
	r.Key = storage.ConversationKey(r.ConversationID)
	return r
}

// rememberReference stores the reference on first contact or when it
// changed (a new serviceUrl), without a store write on every turn.
func (s *Server) rememberReference(ctx context.Context, a *schema.Activity) error {
	r := ReferenceFrom(a)
	sig := r.ConversationID + "|" + r.ServiceURL + "|" + r.Locale
	s.refMu.Lock()
	same := s.refSeen[r.Key] == sig
	s.refMu.Unlock()
	if same {
		return nil
	}
	if old, err := s.store.GetReference(ctx, r.Key); err == nil &&
		old.ConversationID == r.ConversationID && old.ServiceURL == r.ServiceURL && old.Locale == r.Locale {
		s.markSeen(r.Key, sig)
		return nil
	}
	return s.storeReference(ctx, a)
}

func (s *Server) markSeen(key, sig string) {
	s.refMu.Lock()
	defer s.refMu.Unlock()
	if len(s.refSeen) > 100_000 { // bound memory; a miss only costs a read
		clear(s.refSeen)
	}
	s.refSeen[key] = sig
}

func (s *Server) storeReference(ctx context.Context, a *schema.Activity) error {
	r := ReferenceFrom(a)
	r.UpdatedAt = s.now()
	if err := s.store.PutReference(ctx, r); err != nil {
		return fmt.Errorf("store conversation reference: %w", err)
	}
	s.markSeen(r.Key, r.ConversationID+"|"+r.ServiceURL+"|"+r.Locale)
	s.log.Info("conversation reference stored", "key", r.Key, "conversation_type", r.ConversationType)
	return nil
}

// removeReference forgets a conversation Digibot was removed from: the
// personal chat, the group chat, or every channel of an uninstalled team.
func (s *Server) removeReference(ctx context.Context, a *schema.Activity) error {
	r := ReferenceFrom(a)
	keys := []string{r.Key}
	if r.TeamID != "" {
		all, err := s.store.ListReferences(ctx)
		if err != nil {
			return fmt.Errorf("list references: %w", err)
		}
		for _, x := range all {
			if x.TeamID == r.TeamID && x.Key != r.Key {
				keys = append(keys, x.Key)
			}
		}
	}
	for _, k := range keys {
		if err := s.store.DeleteReference(ctx, k); err != nil && !isNotFound(err) {
			return fmt.Errorf("delete reference %s: %w", k, err)
		}
		if err := s.store.DeleteDoc(ctx, welcomedColl, k, storage.AnyVersion); err != nil && !isNotFound(err) {
			return fmt.Errorf("forget welcome %s: %w", k, err)
		}
		s.refMu.Lock()
		delete(s.refSeen, k)
		s.refMu.Unlock()
	}
	s.log.Info("conversation references removed", "count", len(keys))
	return nil
}
