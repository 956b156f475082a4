package storagetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"digibot/storage"
)

func (e *env) appendLog(log string, at time.Time, data string) string {
	e.t.Helper()
	id, err := e.s.AppendLog(e.ctx, log, at, []byte(data))
	e.must(err, "AppendLog "+log)
	if id == "" {
		e.t.Fatal("AppendLog returned an empty id")
	}
	return id
}

func (e *env) readLog(log string, from, to time.Time, limit int) []string {
	e.t.Helper()
	entries, err := e.s.ReadLog(e.ctx, log, from, to, limit)
	e.must(err, "ReadLog "+log)
	out := []string{}
	prev := ""
	for _, x := range entries {
		if x.ID <= prev {
			e.t.Fatalf("ReadLog ids not increasing: %q after %q", x.ID, prev)
		}
		prev = x.ID
		out = append(out, string(x.Data))
	}
	return out
}

func testLogs(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("AppendOrderAndIDs", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		var ids []string
		for i := range 50 { // many entries at one instant
			ids = append(ids, e.appendLog("audit", t0, fmt.Sprint(i)))
		}
		seen := map[string]bool{}
		for i, id := range ids {
			if seen[id] {
				t.Fatalf("duplicate id %q", id)
			}
			seen[id] = true
			if i > 0 && id <= ids[i-1] {
				t.Fatalf("id %q not after %q for an equal timestamp", id, ids[i-1])
			}
		}
		entries, err := e.s.ReadLog(e.ctx, "audit", time.Time{}, time.Time{}, 0)
		e.must(err, "ReadLog")
		if len(entries) != 50 {
			t.Fatalf("ReadLog returned %d entries, want 50", len(entries))
		}
		for i, x := range entries {
			if x.ID != ids[i] || string(x.Data) != fmt.Sprint(i) {
				t.Fatalf("entry %d = {%s %q}, want {%s %q}", i, x.ID, x.Data, ids[i], fmt.Sprint(i))
			}
			sameTime(t, "At", x.At, t0)
		}
	})
	t.Run("TimeOrderedAndIsolated", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		// Appended out of order (a late writer): read in time order.
		e.appendLog("history", t0.Add(2*time.Second), "c")
		e.appendLog("history", t0.Add(time.Nanosecond), "b")
		e.appendLog("history", t0, "a")
		e.appendLog("history:x", t0, "other log")
		e.appendLog("h", t0, "yet another")
		if got, want := e.readLog("history", time.Time{}, time.Time{}, 0), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ReadLog = %q, want %q", got, want)
		}
		if got := e.readLog("nothing", time.Time{}, time.Time{}, 0); len(got) != 0 {
			t.Fatalf("unknown log has %d entries", len(got))
		}
	})
	t.Run("ZeroAtIsNow", func(t *testing.T) {
		e := newEnv(t, open)
		e.appendLog("l", time.Time{}, "x")
		entries, err := e.s.ReadLog(e.ctx, "l", time.Time{}, time.Time{}, 0)
		e.must(err, "ReadLog")
		if len(entries) != 1 {
			t.Fatalf("ReadLog returned %d entries", len(entries))
		}
		sameTime(t, "At", entries[0].At, e.clock.Now())
	})
	t.Run("ReadRanges", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
		for s := range 5 {
			e.appendLog("q", at(s), fmt.Sprint(s))
			e.appendLog("q", at(s), fmt.Sprint(s)+"b")
		}
		cases := []struct {
			name     string
			from, to time.Time
			limit    int
			want     []string
		}{
			{"all", time.Time{}, time.Time{}, 0, []string{"0", "0b", "1", "1b", "2", "2b", "3", "3b", "4", "4b"}},
			{"from inclusive", at(3), time.Time{}, 0, []string{"3", "3b", "4", "4b"}},
			{"to exclusive", time.Time{}, at(1), 0, []string{"0", "0b"}},
			{"window", at(1), at(3), 0, []string{"1", "1b", "2", "2b"}},
			{"nanosecond window", at(2), at(2).Add(time.Nanosecond), 0, []string{"2", "2b"}},
			{"limit", at(1), time.Time{}, 3, []string{"1", "1b", "2"}},
			{"limit above size", time.Time{}, at(1), 10, []string{"0", "0b"}},
			{"empty window", at(2), at(2), 0, []string{}},
			{"to before from", at(3), at(1), 0, []string{}},
			{"after the end", at(9), time.Time{}, 0, []string{}},
			{"before 1970", time.Unix(-100, 0), at(1), 0, []string{"0", "0b"}},
		}
		for _, c := range cases {
			if got := e.readLog("q", c.from, c.to, c.limit); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: ReadLog = %q, want %q", c.name, got, c.want)
			}
		}
	})
	t.Run("Trim", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		for s := range 6 {
			e.appendLog("q", t0.Add(time.Duration(s)*time.Hour), fmt.Sprint(s))
		}
		e.appendLog("keep", t0, "k")
		for _, c := range []struct {
			before time.Time
			want   int
			left   []string
		}{
			{t0, 0, []string{"0", "1", "2", "3", "4", "5"}},
			{t0.Add(2 * time.Hour), 2, []string{"2", "3", "4", "5"}},
			{t0.Add(2 * time.Hour), 0, []string{"2", "3", "4", "5"}},
			{t0.Add(5*time.Hour + 1), 4, []string{}},
		} {
			n, err := e.s.TrimLog(e.ctx, "q", c.before)
			e.must(err, "TrimLog")
			if n != c.want {
				t.Fatalf("TrimLog(%s) = %d, want %d", c.before.Sub(t0), n, c.want)
			}
			if got := e.readLog("q", time.Time{}, time.Time{}, 0); !reflect.DeepEqual(got, c.left) {
				t.Fatalf("after TrimLog(%s): %q, want %q", c.before.Sub(t0), got, c.left)
			}
		}
		if got := e.readLog("keep", time.Time{}, time.Time{}, 0); !reflect.DeepEqual(got, []string{"k"}) {
			t.Fatalf("TrimLog touched another log: %q", got)
		}
		n, err := e.s.TrimLog(e.ctx, "unknown", t0)
		e.must(err, "TrimLog of an unknown log")
		if n != 0 {
			t.Fatalf("TrimLog of an unknown log = %d", n)
		}
		// IDs stay unique and ordered after a trim emptied the log.
		a := e.appendLog("q", t0, "x")
		b := e.appendLog("q", t0, "y")
		if b <= a {
			t.Fatalf("ids after trim: %q then %q", a, b)
		}
	})
	t.Run("BadInput", func(t *testing.T) {
		e := newEnv(t, open)
		t0 := e.clock.Now()
		_, err := e.s.AppendLog(e.ctx, "", t0, []byte("x"))
		wantInvalid(t, "AppendLog with empty log", err)
		_, err = e.s.AppendLog(e.ctx, "l", time.Unix(-1, 0), []byte("x"))
		wantInvalid(t, "AppendLog before 1970", err)
		_, err = e.s.AppendLog(e.ctx, "l", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), []byte("x"))
		wantInvalid(t, "AppendLog after 2262", err)
		_, err = e.s.ReadLog(e.ctx, "l", time.Time{}, time.Time{}, -1)
		wantInvalid(t, "ReadLog with negative limit", err)
		_, err = e.s.ReadLog(e.ctx, "", time.Time{}, time.Time{}, 0)
		wantInvalid(t, "ReadLog with empty log", err)
		_, err = e.s.TrimLog(e.ctx, "", t0)
		wantInvalid(t, "TrimLog with empty log", err)
		if got := e.readLog("l", time.Time{}, time.Time{}, 0); len(got) != 0 {
			t.Fatalf("bad input stored %d entries", len(got))
		}
	})
}
