package storagetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"digibot/storage"
)

func sampleReference(key string, at time.Time) storage.Reference {
	return storage.Reference{
		Key:              key,
		ConversationID:   "a:1" + key,
		ConversationType: storage.ConversationPersonal,
		ServiceURL:       "https://smba.trafficmanager.net/emea/",
		TenantID:         "tenant-1",
		ChannelID:        "msteams",
		BotID:            "28:bot",
		BotName:          "Digibot",
		UserID:           "29:user",
		UserAADID:        "aad-" + key,
		UserName:         "Åsa Öberg",
		TeamID:           "19:team",
		TeamName:         "Digitalisering",
		ChannelName:      "Allmänt",
		Locale:           "sv-SE",
		UpdatedAt:        at,
	}
}

// sameReference compares references, times by instant.
func sameReference(t *testing.T, got, want storage.Reference) {
	t.Helper()
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("reference = %+v, want %+v", got, want)
	}
}

func testReferences(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("PutGetOverwriteDelete", func(t *testing.T) {
		e := newEnv(t, open)
		r := sampleReference(storage.UserKey("u1"), Start.Add(-time.Hour))
		e.must(e.s.PutReference(e.ctx, r), "PutReference")
		got, err := e.s.GetReference(e.ctx, r.Key)
		e.must(err, "GetReference")
		sameReference(t, got, r)

		r.ServiceURL = "https://smba.trafficmanager.net/emea2/"
		r.Locale = "en-US"
		e.must(e.s.PutReference(e.ctx, r), "PutReference overwrite")
		got, err = e.s.GetReference(e.ctx, r.Key)
		e.must(err, "GetReference after overwrite")
		sameReference(t, got, r)

		e.must(e.s.DeleteReference(e.ctx, r.Key), "DeleteReference")
		_, err = e.s.GetReference(e.ctx, r.Key)
		wantErr(t, "GetReference after delete", err, storage.ErrNotFound)
		// Deleting again is not an error: uninstall events are retried.
		e.must(e.s.DeleteReference(e.ctx, r.Key), "DeleteReference again")
	})
	t.Run("UpdatedAtDefaultsToNow", func(t *testing.T) {
		e := newEnv(t, open)
		r := sampleReference(storage.ConversationKey("19:c"), time.Time{})
		e.must(e.s.PutReference(e.ctx, r), "PutReference")
		got, err := e.s.GetReference(e.ctx, r.Key)
		e.must(err, "GetReference")
		sameTime(t, "UpdatedAt", got.UpdatedAt, e.clock.Now())
	})
	t.Run("NotFound", func(t *testing.T) {
		e := newEnv(t, open)
		_, err := e.s.GetReference(e.ctx, storage.UserKey("nobody"))
		wantErr(t, "GetReference", err, storage.ErrNotFound)
	})
	t.Run("ListOrderedByKey", func(t *testing.T) {
		e := newEnv(t, open)
		list, err := e.s.ListReferences(e.ctx)
		e.must(err, "ListReferences on empty store")
		if len(list) != 0 {
			t.Fatalf("empty store lists %d references", len(list))
		}
		keys := []string{"user:b", "conv:19:z", "user:a", "conv:19:a", "user:ä"}
		for _, k := range keys {
			e.must(e.s.PutReference(e.ctx, sampleReference(k, Start)), "PutReference "+k)
		}
		list, err = e.s.ListReferences(e.ctx)
		e.must(err, "ListReferences")
		var got []string
		for _, r := range list {
			got = append(got, r.Key)
		}
		want := []string{"conv:19:a", "conv:19:z", "user:a", "user:b", "user:ä"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ListReferences keys = %q, want %q", got, want)
		}
		sameReference(t, list[2], sampleReference("user:a", Start))
	})
	t.Run("BadInput", func(t *testing.T) {
		e := newEnv(t, open)
		for _, key := range []string{"", strings.Repeat("k", 2000), "user:\x00x"} {
			err := e.s.PutReference(e.ctx, sampleReference(key, Start))
			wantInvalid(t, "PutReference with key "+quoteShort(key), err)
			_, err = e.s.GetReference(e.ctx, key)
			wantInvalid(t, "GetReference with key "+quoteShort(key), err)
		}
		list, err := e.s.ListReferences(e.ctx)
		e.must(err, "ListReferences")
		if len(list) != 0 {
			t.Fatalf("bad input stored %d references", len(list))
		}
	})
}

func quoteShort(s string) string {
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return "\"" + s + "\""
}
