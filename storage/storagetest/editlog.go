package storagetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"digibot/storage"
)

func testEditLog(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("ReplaceAndDeleteKeepOrder", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		var ids []string
		for i := range 5 {
			ids = append(ids, e.appendLog("q", t0.Add(time.Duration(i%3)*time.Second), fmt.Sprint(i)))
		}
		e.appendLog("other", t0, "untouched")
		before, err := e.s.ReadLog(e.ctx, "q", time.Time{}, time.Time{}, 0)
		e.must(err, "ReadLog")
		n, err := e.s.EditLog(e.ctx, "q", []storage.LogEdit{
			{ID: ids[1], Data: []byte("one, anonymised")},
			{ID: ids[3], Delete: true},
			{ID: "0000000000000000001-00000000000000000001"}, // well formed, absent
		})
		e.must(err, "EditLog")
		if n != 2 {
			t.Fatalf("EditLog = %d, want 2", n)
		}
		after, err := e.s.ReadLog(e.ctx, "q", time.Time{}, time.Time{}, 0)
		e.must(err, "ReadLog")
		var want []storage.LogEntry
		for _, x := range before {
			switch x.ID {
			case ids[1]:
				x.Data = []byte("one, anonymised")
			case ids[3]:
				continue
			}
			want = append(want, x)
		}
		if len(after) != len(want) {
			t.Fatalf("after EditLog: %d entries, want %d", len(after), len(want))
		}
		for i := range want {
			if after[i].ID != want[i].ID || string(after[i].Data) != string(want[i].Data) || !after[i].At.Equal(want[i].At) {
				t.Fatalf("entry %d = {%s %v %q}, want {%s %v %q}", i, after[i].ID, after[i].At, after[i].Data, want[i].ID, want[i].At, want[i].Data)
			}
		}
		// Again: the deleted entry is gone, the replaced one is found.
		n, err = e.s.EditLog(e.ctx, "q", []storage.LogEdit{{ID: ids[3], Delete: true}, {ID: ids[1], Data: []byte("one, anonymised")}})
		e.must(err, "EditLog again")
		if n != 1 {
			t.Fatalf("EditLog again = %d, want 1", n)
		}
		if got := e.readLog("other", time.Time{}, time.Time{}, 0); !reflect.DeepEqual(got, []string{"untouched"}) {
			t.Fatalf("EditLog touched another log: %q", got)
		}
		// Empty data is data; an entry can be replaced by it and found again.
		n, err = e.s.EditLog(e.ctx, "q", []storage.LogEdit{{ID: ids[0]}})
		e.must(err, "EditLog to empty data")
		n2, err := e.s.EditLog(e.ctx, "q", []storage.LogEdit{{ID: ids[0], Delete: true}})
		e.must(err, "EditLog delete empty entry")
		if n != 1 || n2 != 1 {
			t.Fatalf("empty data: replace %d, delete %d, want 1 and 1", n, n2)
		}
		n, err = e.s.EditLog(e.ctx, "unknown", []storage.LogEdit{{ID: ids[2], Delete: true}})
		e.must(err, "EditLog of an unknown log")
		if n != 0 {
			t.Fatalf("EditLog of an unknown log = %d", n)
		}
		n, err = e.s.EditLog(e.ctx, "q", nil)
		e.must(err, "EditLog with no edits")
		if n != 0 {
			t.Fatalf("EditLog with no edits = %d", n)
		}
		// Appends after edits still get fresh, ordered ids.
		if id := e.appendLog("q", t0.Add(time.Minute), "x"); id <= ids[4] {
			t.Fatalf("id after edits %q not after %q", id, ids[4])
		}
	})
	t.Run("BadInputChangesNothing", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		id := e.appendLog("q", t0, "a")
		e.appendLog("q", t0, "b")
		tooMany := make([]storage.LogEdit, storage.MaxLogEdits+1)
		for i := range tooMany {
			tooMany[i] = storage.LogEdit{ID: fmt.Sprintf("%019d-%020d", i, i), Delete: true}
		}
		tooMany[0].ID = id
		for _, c := range []struct {
			name  string
			log   string
			edits []storage.LogEdit
		}{
			{"empty log name", "", []storage.LogEdit{{ID: id, Delete: true}}},
			{"malformed id", "q", []storage.LogEdit{{ID: id, Delete: true}, {ID: "x", Delete: true}}},
			{"empty id", "q", []storage.LogEdit{{ID: id, Delete: true}, {ID: "", Delete: true}}},
			{"id with data appended", "q", []storage.LogEdit{{ID: id + "a", Delete: true}}},
			{"id twice", "q", []storage.LogEdit{{ID: id, Delete: true}, {ID: id, Data: []byte("z")}}},
			{"too many", "q", tooMany},
		} {
			_, err := e.s.EditLog(e.ctx, c.log, c.edits)
			wantInvalid(t, "EditLog with "+c.name, err)
			if got := e.readLog("q", time.Time{}, time.Time{}, 0); !reflect.DeepEqual(got, []string{"a", "b"}) {
				t.Fatalf("EditLog with %s changed the log: %q", c.name, got)
			}
		}
	})
	t.Run("ConcurrentAppendsSurvive", func(t *testing.T) {
		// An erasure runs while a busy bot keeps logging: nothing appended
		// meanwhile may be lost, and exactly the edited entries change.
		e := newEnv(t, open)
		t0 := e.clock.Now()
		var mine []storage.LogEdit
		for i := range 200 {
			id := e.appendLog("q", t0.Add(time.Duration(i)*time.Millisecond), "mine")
			mine = append(mine, storage.LogEdit{ID: id, Delete: true})
		}
		const writers, each = 4, 50
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					if _, err := e.s.AppendLog(e.ctx, "q", t0.Add(time.Duration(i)*time.Millisecond), []byte(fmt.Sprintf("w%d-%d", w, i))); err != nil {
						t.Errorf("AppendLog: %v", err)
						return
					}
				}
			})
		}
		var deleted int
		for start := 0; start < len(mine); start += 50 {
			n, err := e.s.EditLog(e.ctx, "q", mine[start:start+50])
			e.must(err, "EditLog")
			deleted += n
		}
		wg.Wait()
		if deleted != len(mine) {
			t.Fatalf("EditLog deleted %d, want %d", deleted, len(mine))
		}
		got := e.readLog("q", time.Time{}, time.Time{}, 0)
		if len(got) != writers*each {
			t.Fatalf("%d entries left, want the %d appended concurrently", len(got), writers*each)
		}
		for _, d := range got {
			if d == "mine" {
				t.Fatal("an edited entry survived")
			}
		}
	})
}
