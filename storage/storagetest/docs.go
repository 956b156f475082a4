package storagetest

import (
	"bytes"
	"reflect"
	"testing"

	"digibot/storage"
)

func (e *env) put(coll, id, value string, expect int64) int64 {
	e.t.Helper()
	v, err := e.s.PutDoc(e.ctx, coll, id, []byte(value), expect)
	e.must(err, "PutDoc "+coll+"/"+id)
	return v
}

func (e *env) wantDoc(coll, id, value string, version int64) {
	e.t.Helper()
	d, err := e.s.GetDoc(e.ctx, coll, id)
	e.must(err, "GetDoc "+coll+"/"+id)
	if d.ID != id || string(d.Value) != value || d.Version != version {
		e.t.Fatalf("GetDoc(%s, %s) = {%s %q v%d}, want {%s %q v%d}", coll, id, d.ID, d.Value, d.Version, id, value, version)
	}
}

func testDocs(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("PutExpectations", func(t *testing.T) {
		cases := []struct {
			name      string
			existing  int   // versions written before (0: absent)
			expect    int64 // passed to PutDoc
			wantErr   error // nil: success
			wantNewV  int64
			wantValue string
		}{
			{"absent, NoVersion creates", 0, storage.NoVersion, nil, 1, "new"},
			{"absent, AnyVersion creates", 0, storage.AnyVersion, nil, 1, "new"},
			{"absent, a version conflicts", 0, 1, storage.ErrConflict, 0, ""},
			{"present, NoVersion conflicts", 1, storage.NoVersion, storage.ErrConflict, 1, "v1"},
			{"present, AnyVersion overwrites", 2, storage.AnyVersion, nil, 3, "new"},
			{"present, current version writes", 3, 3, nil, 4, "new"},
			{"present, stale version conflicts", 3, 2, storage.ErrConflict, 3, "v3"},
			{"present, future version conflicts", 3, 4, storage.ErrConflict, 3, "v3"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, open)
				for i := 1; i <= c.existing; i++ {
					e.put("bookings", "slot", "v"+string(rune('0'+i)), storage.AnyVersion)
				}
				v, err := e.s.PutDoc(e.ctx, "bookings", "slot", []byte("new"), c.expect)
				wantErr(t, "PutDoc", err, c.wantErr)
				if c.wantErr == nil && v != c.wantNewV {
					t.Fatalf("PutDoc version = %d, want %d", v, c.wantNewV)
				}
				if c.wantValue == "" {
					_, err := e.s.GetDoc(e.ctx, "bookings", "slot")
					wantErr(t, "GetDoc", err, storage.ErrNotFound)
					return
				}
				e.wantDoc("bookings", "slot", c.wantValue, c.wantNewV)
			})
		}
	})
	t.Run("Delete", func(t *testing.T) {
		cases := []struct {
			name    string
			present bool
			expect  int64
			wantErr error
			gone    bool
		}{
			{"current version", true, 2, nil, true},
			{"AnyVersion", true, storage.AnyVersion, nil, true},
			{"stale version", true, 1, storage.ErrConflict, false},
			{"absent, AnyVersion", false, storage.AnyVersion, storage.ErrNotFound, true},
			{"absent, a version", false, 2, storage.ErrNotFound, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, open)
				if c.present {
					e.put("c", "d", "one", storage.NoVersion)
					e.put("c", "d", "two", 1)
				}
				wantErr(t, "DeleteDoc", e.s.DeleteDoc(e.ctx, "c", "d", c.expect), c.wantErr)
				_, err := e.s.GetDoc(e.ctx, "c", "d")
				if c.gone {
					wantErr(t, "GetDoc after delete", err, storage.ErrNotFound)
					// A deleted doc can be created anew.
					if v := e.put("c", "d", "again", storage.NoVersion); v != 1 {
						t.Fatalf("re-created doc version = %d, want 1", v)
					}
				} else {
					e.must(err, "GetDoc after refused delete")
					e.wantDoc("c", "d", "two", 2)
				}
			})
		}
	})
	t.Run("ListOrderedAndIsolated", func(t *testing.T) {
		e := newEnv(t, open)
		list, err := e.s.ListDocs(e.ctx, "empty")
		e.must(err, "ListDocs of an unknown collection")
		if len(list) != 0 {
			t.Fatalf("unknown collection lists %d docs", len(list))
		}
		for _, id := range []string{"b", "a10", "a2", "ö", "A"} {
			e.put("status", id, `{"id":"`+id+`"}`, storage.NoVersion)
		}
		e.put("status", "b", `{"id":"b","v":2}`, 1)
		e.put("questions", "a2", `{"other":true}`, storage.NoVersion)
		e.put("status:x", "z", `{}`, storage.NoVersion) // a name that extends another
		list, err = e.s.ListDocs(e.ctx, "status")
		e.must(err, "ListDocs")
		var got []string
		for _, d := range list {
			got = append(got, d.ID)
		}
		if want := []string{"A", "a10", "a2", "b", "ö"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ListDocs IDs = %q, want %q", got, want)
		}
		if list[3].Version != 2 || string(list[3].Value) != `{"id":"b","v":2}` {
			t.Fatalf("ListDocs[b] = %+v", list[3])
		}
		e.wantDoc("questions", "a2", `{"other":true}`, 1)
		e.wantDoc("status", "a2", `{"id":"a2"}`, 1)
		e.must(e.s.DeleteDoc(e.ctx, "questions", "a2", storage.AnyVersion), "DeleteDoc")
		e.wantDoc("status", "a2", `{"id":"a2"}`, 1)
		list, err = e.s.ListDocs(e.ctx, "questions")
		e.must(err, "ListDocs questions")
		if len(list) != 0 {
			t.Fatalf("questions lists %d docs after delete", len(list))
		}
	})
	t.Run("ValuesRoundTrip", func(t *testing.T) {
		e := newEnv(t, open)
		values := map[string][]byte{
			"empty":  {},
			"binary": {0, 1, 2, 255, ':', '\n', 0},
			"big":    bytes.Repeat([]byte("åäö"), 100_000),
		}
		for id, v := range values {
			_, err := e.s.PutDoc(e.ctx, "c", id, v, storage.NoVersion)
			e.must(err, "PutDoc "+id)
		}
		for id, v := range values {
			d, err := e.s.GetDoc(e.ctx, "c", id)
			e.must(err, "GetDoc "+id)
			if !bytes.Equal(d.Value, v) {
				t.Fatalf("value %s did not round-trip (%d bytes, want %d)", id, len(d.Value), len(v))
			}
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		e := newEnv(t, open)
		for _, c := range []struct {
			name, coll, id string
			expect         int64
		}{
			{"empty collection", "", "x", storage.AnyVersion},
			{"empty id", "c", "", storage.AnyVersion},
			{"NUL in collection", "c\x00", "x", storage.AnyVersion},
			{"negative version", "c", "x", -2},
		} {
			_, err := e.s.PutDoc(e.ctx, c.coll, c.id, []byte("v"), c.expect)
			wantInvalid(t, "PutDoc with "+c.name, err)
		}
		wantInvalid(t, "DeleteDoc with NoVersion", e.s.DeleteDoc(e.ctx, "c", "x", storage.NoVersion))
		wantInvalid(t, "DeleteDoc with empty id", e.s.DeleteDoc(e.ctx, "c", "", storage.AnyVersion))
		_, err := e.s.GetDoc(e.ctx, "", "x")
		wantInvalid(t, "GetDoc with empty collection", err)
		_, err = e.s.ListDocs(e.ctx, "")
		wantInvalid(t, "ListDocs with empty collection", err)
		list, err := e.s.ListDocs(e.ctx, "c")
		e.must(err, "ListDocs")
		if len(list) != 0 {
			t.Fatalf("bad input stored %d docs", len(list))
		}
	})
}
