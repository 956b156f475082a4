package status

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

func TestExportCommand(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.clk.Set(sthlm(2026, 12, 2, 10, 0))
	handle(t, f.s, message(anna, "Anna Andersson", "A12 pågår med risk – väntar på upphandling | =HYPERLINK(\"x\")"))
	f.clk.Set(sthlm(2026, 12, 30, 16, 0))
	handle(t, f.s, message(bertil, "Bertil Berg", "A13 försenad till 2027-03-31, behöver hjälp med juridik"))
	f.clk.Set(sthlm(2027, 1, 5, 9, 30))
	handle(t, f.s, message(anna, "Anna Andersson", "A12 klar"))

	var out bytes.Buffer
	if err := ExportCommand(ctx, []string{"--format", "csv"}, &out, f.st); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "activity" || rows[0][7] != "status" {
		t.Fatalf("csv rows %v", rows)
	}
	if r := rows[1]; r[0] != "A12" || !strings.Contains(r[1], "kanalstrategi") || r[4] != "2026-12-02 10:00" || r[6] != "Anna Andersson" || r[7] != "Pågår med risk" || r[8] != "at_risk" || r[14] != "text" {
		t.Fatalf("row 1 %q", r)
	}
	if r := rows[2]; r[0] != "A13" || r[11] != "2027-03-31" || r[12] != "true" || r[13] != "juridik" {
		t.Fatalf("row 2 %q", r)
	}
	if !strings.HasPrefix(rows[1][9], "väntar på upphandling") {
		t.Fatalf("done %q", rows[1][9])
	}

	out.Reset()
	if err := ExportCommand(ctx, []string{"--format=md", "--year", "2026"}, &out, f.st); err != nil {
		t.Fatal(err)
	}
	md := out.String()
	for _, want := range []string{
		"# Handlingsplanens aktiviteter – status 2026",
		"| A12 | Utveckla en koncernövergripande kanalstrategi för invånarkommunikation | Från enskilda aktiviteter till tjänster som möter olika behov | Kommunikationsförvaltningen | Pågår med risk |  | 2026-12-02 |",
		"| A13 |", "| Försenad | 2027-03-31 | 2026-12-30 |",
		"| A01 |", "| Ingen uppgift |",
		"## A13 Utveckla metodik", "- **2026-12-30** Försenad (Bertil Berg), förväntat klart 2027-03-31", "  - Behöver hjälp: ja juridik",
		`väntar på upphandling \| =HYPERLINK("x")`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "Klar") {
		t.Errorf("2027 update in the 2026 export:\n%s", md)
	}
	out.Reset()
	if err := ExportCommand(ctx, []string{"--format", "csv", "--year", "2027"}, &out, f.st); err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(strings.NewReader(out.String())).ReadAll(); len(rows) != 2 || rows[1][8] != "done" {
		t.Fatalf("2027 rows %v", rows)
	}
	for _, args := range [][]string{{}, {"--format", "pdf"}, {"--format", "csv", "--year", "26"}, {"--format", "csv", "extra"}, {"--bogus"}, {"--format", "md", "--register", "/nonexistent.yaml"}} {
		if err := ExportCommand(ctx, args, &out, f.st); err == nil {
			t.Errorf("ExportCommand(%q) accepted", args)
		}
	}
}

func TestSafeCells(t *testing.T) {
	got := safeCells("=1+1", "+x", "-y", "@z", "ok", "", "\tt")
	want := []string{"'=1+1", "'+x", "'-y", "'@z", "ok", "", "'\tt"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d = %q, want %q", i, got[i], want[i])
		}
	}
}
