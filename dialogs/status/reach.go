package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/storage"
)

// route is how a message gets to a person: a stored reference, or a
// createConversation by the outbox. unreachable is a Reason* code.
type route struct {
	refKey      string
	create      *storage.CreateConversation
	locale      string
	name        string // from the stored reference
	unreachable string
	detail      string
}

// reach finds a route to the user aad, installing Digibot for them through
// the Directory when there is no conversation yet. err is temporary.
func (s *Service) reach(ctx context.Context, aad string) (route, error) {
	ref, err := s.store.GetReference(ctx, storage.UserKey(aad))
	if err == nil && ref.ConversationID != "" && ref.ServiceURL != "" {
		return route{refKey: ref.Key, locale: ref.Locale, name: ref.UserName}, nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return route{}, fmt.Errorf("status: read reference: %w", err)
	}
	svc, err := s.serviceURL(ctx)
	if err != nil {
		return route{}, err
	}
	if svc == "" {
		return route{unreachable: ReasonNoReference, detail: "no serviceUrl configured or learnt"}, nil
	}
	create := &storage.CreateConversation{UserID: aad, TenantID: s.tenantID(), ServiceURL: svc}
	if s.dir == nil {
		// The outbox tries createConversation; it works when the app is
		// installed for the user (e.g. by a setup policy). A failure is
		// recorded by the follow-up (ReasonDeliveryFailed).
		return route{create: create}, nil
	}
	if err := s.dir.InstallForUser(ctx, aad); err != nil {
		switch {
		case errors.Is(err, ErrForbidden):
			return route{unreachable: ReasonInstallDenied, detail: err.Error()}, nil
		case errors.Is(err, ErrNotFound):
			return route{unreachable: ReasonNotInDirectory, detail: err.Error()}, nil
		}
		return route{}, fmt.Errorf("status: install for %s: %w", aad, err)
	}
	chat, err := s.dir.PersonalChatID(ctx, aad)
	if err != nil || chat == "" {
		// Installed but the chat is not visible yet: the outbox opens it
		// (Teams returns the same 1:1 chat).
		s.log.Info("status: personal chat id not available; outbox will create the conversation", "err", err)
		return route{create: create}, nil
	}
	r := storage.Reference{
		Key: storage.UserKey(aad), ConversationID: chat, ConversationType: storage.ConversationPersonal,
		ServiceURL: svc, TenantID: s.tenantID(), ChannelID: "msteams", UserAADID: aad, UpdatedAt: s.now(),
	}
	if err := s.store.PutReference(ctx, r); err != nil {
		return route{}, fmt.Errorf("status: store reference: %w", err)
	}
	return route{refKey: r.Key}, nil
}

// serviceURL is the configured one, or one learnt from a stored reference.
func (s *Service) serviceURL(ctx context.Context) (string, error) {
	if s.svcURL != "" {
		return s.svcURL, nil
	}
	s.mu.Lock()
	learnt := s.refSvcURL
	s.mu.Unlock()
	if learnt != "" {
		return learnt, nil
	}
	refs, err := s.store.ListReferences(ctx)
	if err != nil {
		return "", fmt.Errorf("status: list references: %w", err)
	}
	for _, r := range refs {
		if r.ServiceURL != "" && r.ConversationType == storage.ConversationPersonal {
			s.mu.Lock()
			s.refSvcURL = r.ServiceURL
			if s.tenant == "" {
				s.tenant = r.TenantID
			}
			s.mu.Unlock()
			return r.ServiceURL, nil
		}
	}
	return "", nil
}

func (s *Service) tenantID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenant
}

// entry builds an outbox entry for rt carrying a card (or text if card is
// nil). The activity is written as a small JSON object (the outbox reads
// it as a schema.Activity) to keep thousands of entries compact.
func entry(id, kind string, rt route, text string, card any) (storage.OutboxEntry, error) {
	a := map[string]any{"type": string(schema.Message)}
	if card != nil {
		a["attachments"] = []schema.Attachment{turn.CardAttachment(card)}
		a["summary"] = text
	} else {
		a["text"] = text
		a["textFormat"] = string(schema.MARKDOWN)
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return storage.OutboxEntry{}, fmt.Errorf("status: encode message: %w", err)
	}
	return storage.OutboxEntry{ID: id, Kind: kind, RefKey: rt.refKey, Create: rt.create, Activity: raw}, nil
}
