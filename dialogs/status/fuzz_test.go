package status

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzCardSubmission: any card data Teams (or anyone) sends is answered
// with an invoke response and never panics; an activity changes only
// with a valid status, and only for its owner.
func FuzzCardSubmission(f *testing.F) {
	for _, s := range []string{
		`{"versions":{"A12":"0"},"A12.status":"done"}`,
		`{"versions":{"A12":0,"A13":"0"},"A12.status":"delayed","A12.due":"2026-02-30","A13.status":"on_track"}`,
		`{"versions":{"A12":"-1"},"A12.status":"done"}`,
		`{"versions":{"A99":"0"},"A99.status":"done"}`,
		`{"versions":{"A12":"x"}}`,
		`{"versions":[]}`,
		`{"versions":{"A12":"0"},"A12.status":"klar","A12.help":true,"A12.help_text":"x"}`,
		`{"versions":{"A12":"0"},"A12.status":"done","A12.due":"2027-01-01","entry":"status-nudge:x"}`,
		`{}`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	clk := newClock(sthlm(2026, 12, 1, 9, 0))
	st := openStore(f, "", clk)
	s := newService(f, st, clk, testConfig(), nil)
	f.Fuzz(func(t *testing.T, raw string, owner bool) {
		var data map[string]any
		if json.Unmarshal([]byte(raw), &data) != nil || data == nil {
			return
		}
		who := erik
		if owner {
			who = anna
		}
		before, vBefore, err := s.current(context.Background(), "A12")
		if err != nil {
			t.Fatal(err)
		}
		tn := invoke(who, "X", ActionSubmit, data)
		if err := s.handleSubmit(context.Background(), tn); err != nil {
			t.Fatalf("handleSubmit: %v", err)
		}
		if tn.InvokeResponse() == nil {
			t.Fatal("no invoke response")
		}
		after, vAfter, _ := s.current(context.Background(), "A12")
		if vAfter != vBefore {
			if !owner {
				t.Fatalf("non-owner changed A12: %+v -> %+v", before, after)
			}
			if !after.Status.Valid() {
				t.Fatalf("invalid status saved: %+v", after)
			}
			if after.Due != "" {
				if _, ok := dateOnly(after.Due); !ok {
					t.Fatalf("invalid date saved: %+v", after)
				}
			}
		}
	})
}

// FuzzParseRegister: a register file never panics the parser, and what it
// accepts has canonical, unique ids and names.
func FuzzParseRegister(f *testing.F) {
	f.Add(string(EmbeddedRegister))
	f.Add("activities:\n  - id: A1\n    name: x\n")
	f.Add("activities:\n  - id: A1\n    name: x\n  - id: a01\n    name: y\n")
	f.Add("activities: [{id: B1, name: x}]")
	f.Add("activities:\n  - id: A1\n    name: x\n    extra: 1\n")
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRegister([]byte(s))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range r.Activities() {
			if c, ok := CanonicalID(a.ID); !ok || c != a.ID || seen[a.ID] || a.Name == "" {
				t.Fatalf("accepted %+v", a)
			}
			seen[a.ID] = true
			if got, ok := r.Get(a.ID); !ok || got.ID != a.ID {
				t.Fatalf("Get(%s) = %+v", a.ID, got)
			}
		}
	})
}
