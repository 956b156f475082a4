package bot

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
)

func TestGDPRExportAndDelete(t *testing.T) {
	const anna, bertil = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
	h := newHarness(t, Handlers{
		Message: turn.HandlerFunc(echo),
		Welcome: turn.HandlerFunc(func(_ context.Context, t *turn.Turn) error { t.SendText("välkommen"); return nil }),
	})
	ctx := context.Background()
	install := func(id, aad, name, conv string) {
		t.Helper()
		a := h.activity(schema.InstallationUpdate, id, "")
		a.Action = "add"
		a.From = schema.ChannelAccount{ID: "29:" + name, Name: name, AadObjectID: aad}
		a.Conversation.ID = conv
		if got := h.post(a).StatusCode; got != 200 {
			t.Fatalf("install %s: status %d", name, got)
		}
	}
	install("i-1", anna, "Anna Andersson", "a:conv-anna")
	install("i-2", bertil, "Bertil Berg", "a:conv-bertil")
	group := h.activity(schema.InstallationUpdate, "i-3", "")
	group.Action = "add"
	group.Conversation = schema.ConversationAccount{ID: "19:group@thread.v2", ConversationType: "groupChat", TenantID: "tenant-1"}
	group.From = schema.ChannelAccount{ID: "29:Anna Andersson", Name: "Anna Andersson", AadObjectID: anna}
	if got := h.post(group).StatusCode; got != 200 {
		t.Fatalf("group install: %d", got)
	}

	d, err := ExportUser(ctx, h.store, strings.ToUpper(anna)) // ids compare without case
	if err != nil {
		t.Fatal(err)
	}
	if len(d.References.Items) != 1 || d.References.Items[0].Key != storage.UserKey(anna) ||
		d.References.Items[0].UserName != "Anna Andersson" || d.References.Items[0].ConversationID != "a:conv-anna" {
		t.Fatalf("references: %+v", d.References.Items)
	}
	if len(d.Welcomed.Items) != 1 || d.Welcomed.Items[0].Key != storage.UserKey(anna) {
		t.Fatalf("welcomed: %+v", d.Welcomed.Items)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{bertil, "Bertil", "19:group@thread.v2"} {
		if strings.Contains(string(js), other) {
			t.Fatalf("export holds %q, which is not Anna's: %s", other, js)
		}
	}
	for _, want := range []string{`"what":`, `"why":`, `"kept":`, `"onDelete":`, `"conversationReferences"`} {
		if !strings.Contains(string(js), want) {
			t.Fatalf("export lacks %s: %s", want, js)
		}
	}

	rep, err := DeleteUser(ctx, h.store, anna, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.ReferencesDeleted != 1 || rep.WelcomedDeleted != 1 {
		t.Fatalf("report %+v", rep)
	}
	d, err = ExportUser(ctx, h.store, anna)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.References.Items) != 0 || len(d.Welcomed.Items) != 0 {
		t.Fatalf("after delete: %+v", d)
	}
	// Bertil and the group chat are untouched.
	if _, err := h.store.GetReference(ctx, storage.UserKey(bertil)); err != nil {
		t.Fatalf("bertil's reference: %v", err)
	}
	if _, err := h.store.GetReference(ctx, storage.ConversationKey("19:group@thread.v2")); err != nil {
		t.Fatalf("group reference: %v", err)
	}
	if _, err := h.store.GetDoc(ctx, welcomedColl, storage.UserKey(bertil)); err != nil {
		t.Fatalf("bertil's welcome: %v", err)
	}
	// Deleting again finds nothing and fails nothing.
	rep, err = DeleteUser(ctx, h.store, anna, time.Now())
	if err != nil || rep != (DeleteReport{}) {
		t.Fatalf("second delete: %+v %v", rep, err)
	}
	// Reinstalled afterwards: a new user, welcomed again.
	install("i-4", anna, "Anna Andersson", "a:conv-anna")
	if _, err := h.store.GetDoc(ctx, welcomedColl, storage.UserKey(anna)); err != nil {
		t.Fatalf("welcome after reinstall: %v", err)
	}
}

func TestGDPRStoreFailure(t *testing.T) {
	h := newHarness(t, Handlers{})
	h.store.Close()
	if _, err := ExportUser(context.Background(), h.store, "x"); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("export on a closed store: %v", err)
	}
	if _, err := DeleteUser(context.Background(), h.store, "x", time.Now()); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("delete on a closed store: %v", err)
	}
}
