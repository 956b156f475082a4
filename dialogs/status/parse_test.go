package status

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseUpdates(t *testing.T) {
	tests := []struct {
		in      string
		want    []textUpdate
		notUpd  bool   // not a status update at all
		badDate string // a *parseError with this value
	}{
		{in: "A12 klar", want: []textUpdate{{Activity: "A12", Status: Done}}},
		{in: "a12: pågår med risk – väntar på upphandling", want: []textUpdate{{Activity: "A12", Status: AtRisk, Done: "väntar på upphandling"}}},
		{in: "A3 försenad till 2027-03-31", want: []textUpdate{{Activity: "A03", Status: Delayed, Due: "2027-03-31"}}},
		{in: "A03 Försenad till 31 mars 2027", want: []textUpdate{{Activity: "A03", Status: Delayed, Due: "2027-03-31"}}},
		{in: "A1 försenad till mars 2027", want: []textUpdate{{Activity: "A01", Status: Delayed, Due: "2027-03-31"}}},
		{in: "A1 försenad till februari 2028", want: []textUpdate{{Activity: "A01", Status: Delayed, Due: "2028-02-29"}}},
		{in: "A7 pågår enligt plan", want: []textUpdate{{Activity: "A07", Status: OnTrack}}},
		{in: "A7 pågår", want: []textUpdate{{Activity: "A07", Status: OnTrack}}},
		{in: "a7 pagar enligt plan", want: []textUpdate{{Activity: "A07", Status: OnTrack}}},
		{in: "A7 är klar", want: []textUpdate{{Activity: "A07", Status: Done}}},
		{in: "A7 kalr", want: []textUpdate{{Activity: "A07", Status: Done}}},
		{in: "A7 forsenad", want: []textUpdate{{Activity: "A07", Status: Delayed}}},
		{in: "A7 försenadd", want: []textUpdate{{Activity: "A07", Status: Delayed}}},
		{in: "A7 förenad", want: []textUpdate{{Activity: "A07", Status: Delayed}}},
		{in: "A7 ej påbörjad", want: []textUpdate{{Activity: "A07", Status: NotStarted}}},
		{in: "A7 inte påbörjat än", want: []textUpdate{{Activity: "A07", Status: NotStarted, Done: "än"}}},
		{in: "A7 pausad", want: []textUpdate{{Activity: "A07", Status: Paused}}},
		{in: "A7 on hold", want: []textUpdate{{Activity: "A07", Status: Paused}}},
		{in: "A7 at risk", want: []textUpdate{{Activity: "A07", Status: AtRisk}}},
		{in: "A7 pågår med risk", want: []textUpdate{{Activity: "A07", Status: AtRisk}}},
		{in: "A7 klar till största delen", want: []textUpdate{{Activity: "A07", Status: Done, Done: "till största delen"}}},
		{in: "A12 pågår, nästa steg: workshop i maj", want: []textUpdate{{Activity: "A12", Status: OnTrack, Next: "workshop i maj"}}},
		{in: "A12 pågår med risk. Behöver hjälp med juridisk bedömning", want: []textUpdate{{Activity: "A12", Status: AtRisk, Help: true, HelpText: "juridisk bedömning"}}},
		{in: "A12 pågår: enkät skickad; nästa: analys", want: []textUpdate{{Activity: "A12", Status: OnTrack, Done: "enkät skickad", Next: "analys"}}},
		{in: "A12 klar\nA13 försenad till 2027-01-31", want: []textUpdate{{Activity: "A12", Status: Done}, {Activity: "A13", Status: Delayed, Due: "2027-01-31"}}},
		{in: "A12 klar, A13 pågår enligt plan", want: []textUpdate{{Activity: "A12", Status: Done}, {Activity: "A13", Status: OnTrack}}},
		{in: "A12 pågår, se även A13 för detaljer", want: []textUpdate{{Activity: "A12", Status: OnTrack, Done: "se även A13 för detaljer"}}},
		{in: "A12 \"klar\"", want: []textUpdate{{Activity: "A12", Status: Done}}},
		{in: "A12 försenad till igår", badDate: "igår"},
		{in: "A12 försenad till 2026-02-30", badDate: "2026-02-30"},
		{in: "A12 försenad 2026-13-01", badDate: "2026-13-01"},
		{in: "A12 försenad till 30 februari 2027", badDate: "30 februari 2027"},
		{in: "A12 försenad till 31/3", badDate: "31/3"},
		{in: "A12 försenad till", badDate: ""},
		{in: "A12", notUpd: true},
		{in: "A12 vad handlar den om?", notUpd: true},
		{in: "A12 2027-03-31", notUpd: true},
		{in: "ej klar A12", notUpd: true},
		{in: "Vad är A12?", notUpd: true},
		{in: "A0 klar", notUpd: true},
		{in: "AB12 klar", notUpd: true},
		{in: "A1234 klar", notUpd: true},
		{in: "", notUpd: true},
		{in: strings.Repeat("A1 klar ", 1000), notUpd: true},
	}
	for _, tc := range tests {
		t.Run(tc.in[:min(len(tc.in), 40)], func(t *testing.T) {
			got, ok, err := parseUpdates(tc.in)
			var pe *parseError
			switch {
			case tc.badDate != "" || (tc.want == nil && !tc.notUpd):
				if !errors.As(err, &pe) || pe.Value != tc.badDate {
					t.Fatalf("parseUpdates(%q) = %+v, %v, %v; want bad date %q", tc.in, got, ok, err, tc.badDate)
				}
			case tc.notUpd:
				if ok || err != nil {
					t.Fatalf("parseUpdates(%q) = %+v, %v, %v; want not an update", tc.in, got, ok, err)
				}
			default:
				if err != nil || !ok || !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("parseUpdates(%q) =\n %+v, %v, %v\nwant\n %+v", tc.in, got, ok, err, tc.want)
				}
			}
		})
	}
}

func TestCanonicalID(t *testing.T) {
	for in, want := range map[string]string{"A1": "A01", "a01": "A01", "A001": "A01", "A39": "A39", "a100": "A100", " A12 ": "A12"} {
		if got, ok := CanonicalID(in); !ok || got != want {
			t.Errorf("CanonicalID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "A", "A0", "B12", "A-1", "A1000", "12", "A1x"} {
		if got, ok := CanonicalID(in); ok {
			t.Errorf("CanonicalID(%q) = %q, want rejected", in, got)
		}
	}
}

func TestNormPrincipal(t *testing.T) {
	ok := map[string]string{
		"Anna.Andersson@RegionGavleborg.se":        "anna.andersson@regiongavleborg.se",
		"[anna@x.se](mailto:anna@x.se)":            "anna@x.se",
		"<mailto:anna@x.se>":                       "anna@x.se",
		"aad:6B3D4C2E-0000-4000-8000-00000000000A": "aad:6b3d4c2e-0000-4000-8000-00000000000a",
		"  bertil.berg@regiongavleborg.se  ":       "bertil.berg@regiongavleborg.se",
		"aad:00000000-0000-0000-0000-000000000001": "aad:00000000-0000-0000-0000-000000000001",
		"ceasar+status@sub.regiongavleborg.se":     "ceasar+status@sub.regiongavleborg.se",
		"[Anna@X.se](mailto:Anna@X.se)":            "anna@x.se",
		"mailto:anna@x.se":                         "anna@x.se",
		"DAVID@EXAMPLE.ORG":                        "david@example.org",
		"aad:abcdef01-2345-6789-abcd-ef0123456789": "aad:abcdef01-2345-6789-abcd-ef0123456789",
		"e.f@g.h":                          "e.f@g.h",
		"x@y.z":                            "x@y.z",
		"first-last@region-gavleborg.se":   "first-last@region-gavleborg.se",
		"o'neil@x.se":                      "",
		"anna":                             "",
		"anna@":                            "",
		"@x.se":                            "",
		"aad:123":                          "",
		"aad:":                             "",
		"a b@x.se":                         "",
		"":                                 "",
		strings.Repeat("a", 300) + "@x.se": "",
		"anna@x":                           "",
		"anna@@x.se":                       "",
		"anna@x.se, bertil@x.se":           "",
		"aad:6b3d4c2e-0000-4000-8000-00000000000a-ext": "",
	}
	for in, want := range ok {
		got, err := normPrincipal(in)
		if want == "" {
			if err == nil {
				t.Errorf("normPrincipal(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("normPrincipal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// FuzzParseUpdates: the parser never panics, and what it returns is
// well-formed: known ids and statuses, valid dates, text from the input.
func FuzzParseUpdates(f *testing.F) {
	for _, s := range []string{
		"A12 klar", "a12: pågår med risk – väntar på upphandling", "A3 försenad till 2027-03-31",
		"A3 försenad till 31 mars 2027", "A12 klar\nA13 försenad till 2027-01-31", "A12 klar, A13 pågår",
		"A12 försenad till igår", "A12 försenad till 2026-02-30", "A12 pågår, nästa steg: x; behöver hjälp med y",
		"A1 försenad till mars", "A1 \"klar", "A1 klar 31 feb 2027", "A99 ej påbörjad", "A1 behöver hjälp",
		"A1 pågår nästa steg:", "A1 ÄR KLAR", "A1 klar ä", "A1 klar \xff", "A1 till till till 2027-01-01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ups, ok, err := parseUpdates(s)
		if err == nil && ok != (len(ups) > 0) {
			t.Fatalf("ok %v with %d updates", ok, len(ups))
		}
		var pe *parseError
		if err != nil && (!errors.As(err, &pe) || len(ups) > 0) {
			t.Fatalf("error %v with %d updates", err, len(ups))
		}
		for _, u := range ups {
			if _, ok := CanonicalID(u.Activity); !ok || !u.Status.Valid() {
				t.Fatalf("bad update %+v", u)
			}
			if u.Due != "" {
				if _, ok := dateOnly(u.Due); !ok {
					t.Fatalf("bad date %q", u.Due)
				}
			}
			for _, txt := range []string{u.Done, u.Next, u.HelpText} {
				if !utf8.ValidString(txt) || len(txt) > len(s) {
					t.Fatalf("note %q not from input %q", txt, s)
				}
			}
		}
	})
}
