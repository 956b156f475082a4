package bot

// Personal data at the Teams edge, for `digibot gdpr` (issue 7).
//
// What the edge stores about one person, and what DeleteUser does:
//
//   - The conversation reference "user:<aad>": Teams user id, Entra object
//     id, display name, the 1:1 chat id, service URL, tenant and locale.
//     Why: to answer and to send proactive messages (reminders, nudges,
//     answers from people). DeleteUser deletes it. Outbox entries still
//     addressed to it then fail with "no conversation reference" instead
//     of being sent. Should the person write to Digibot again, a new
//     reference is stored, as for any new user.
//   - The "welcomed" marker under the same key: that they got the welcome.
//     DeleteUser deletes it.
//
// Not exported or deleted: processed activity ids (dedupe) are kept for 24
// hours with nothing that links them to a person; references of group
// chats and channels name no user.
//
// A running Digibot remembers, in memory, which references it stored, so
// that it need not write one on every turn. After a deletion with a serve
// running (Redis), a person who keeps writing is not stored again until
// that serve restarts; answers in the chat are unaffected.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"digibot/storage"
)

// GDPRStore is what ExportUser and DeleteUser need.
type GDPRStore interface {
	ListReferences(ctx context.Context) ([]storage.Reference, error)
	DeleteReference(ctx context.Context, key string) error
	GetDoc(ctx context.Context, coll, id string) (storage.Doc, error)
	DeleteDoc(ctx context.Context, coll, id string, expect int64) error
}

// UserData is everything the edge stores about one person.
type UserData struct {
	References storage.PersonalData[storage.Reference] `json:"conversationReferences"`
	Welcomed   storage.PersonalData[WelcomedRecord]    `json:"welcomed"`
}

// WelcomedRecord says that the person got the welcome message.
type WelcomedRecord struct {
	Key string `json:"key"`
}

// DeleteReport says what DeleteUser did.
type DeleteReport struct {
	ReferencesDeleted int `json:"referencesDeleted"`
	WelcomedDeleted   int `json:"welcomedDeleted"`
}

// ExportUser returns what the edge stores about the person with Entra
// object id aadID.
func ExportUser(ctx context.Context, st GDPRStore, aadID string) (UserData, error) {
	d := UserData{
		References: storage.PersonalData[storage.Reference]{
			What: "Your Teams conversation with Digibot: Teams user id, Entra object id, display name, chat id, service address, tenant and language.",
			Why:  "To answer you and to send you messages you asked for or that the action plan follow-up needs (reminders, status requests, answers from colleagues).",
			Kept: "Until Digibot is removed from your Teams.",
			OnDelete: "Deleted. Digibot can no longer send you messages; messages already queued for you are not delivered. " +
				"If you write to Digibot again, the conversation is stored anew.",
			Items: []storage.Reference{},
		},
		Welcomed: storage.PersonalData[WelcomedRecord]{
			What:     "That you got Digibot's welcome message.",
			Why:      "So that you are welcomed once, although Teams announces an installation twice.",
			Kept:     "Until Digibot is removed from your Teams.",
			OnDelete: "Deleted.",
			Items:    []WelcomedRecord{},
		},
	}
	refs, err := userReferences(ctx, st, aadID)
	if err != nil {
		return d, err
	}
	d.References.Items = append(d.References.Items, refs...)
	for _, k := range welcomeKeys(aadID, refs) {
		_, err := st.GetDoc(ctx, welcomedColl, k)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return d, fmt.Errorf("bot: read welcome %s: %w", k, err)
		default:
			d.Welcomed.Items = append(d.Welcomed.Items, WelcomedRecord{Key: k})
		}
	}
	return d, nil
}

// DeleteUser deletes the person's conversation references and welcome
// markers. now is not used: nothing here depends on time; it keeps the
// signature of the other capabilities.
func DeleteUser(ctx context.Context, st GDPRStore, aadID string, _ time.Time) (DeleteReport, error) {
	var rep DeleteReport
	refs, err := userReferences(ctx, st, aadID)
	if err != nil {
		return rep, err
	}
	for _, r := range refs {
		// DeleteReference of an absent key succeeds (storage contract).
		if err := st.DeleteReference(ctx, r.Key); err != nil {
			return rep, fmt.Errorf("bot: delete reference %s: %w", r.Key, err)
		}
		rep.ReferencesDeleted++
	}
	for _, k := range welcomeKeys(aadID, refs) {
		err := st.DeleteDoc(ctx, welcomedColl, k, storage.AnyVersion)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return rep, fmt.Errorf("bot: delete welcome %s: %w", k, err)
		default:
			rep.WelcomedDeleted++
		}
	}
	return rep, nil
}

// userReferences are the personal references of aadID: under its key, or
// naming it (Entra ids are compared without regard to case).
func userReferences(ctx context.Context, st GDPRStore, aadID string) ([]storage.Reference, error) {
	all, err := st.ListReferences(ctx)
	if err != nil {
		return nil, fmt.Errorf("bot: list references: %w", err)
	}
	var out []storage.Reference
	for _, r := range all {
		if strings.EqualFold(r.Key, storage.UserKey(aadID)) || (r.UserAADID != "" && strings.EqualFold(r.UserAADID, aadID)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// welcomeKeys are the keys a welcome marker of the person may have: the
// welcome is stored under the reference key of the conversation.
func welcomeKeys(aadID string, refs []storage.Reference) []string {
	keys := []string{storage.UserKey(aadID)}
	for _, r := range refs {
		if !slices.Contains(keys, r.Key) {
			keys = append(keys, r.Key)
		}
	}
	return keys
}
