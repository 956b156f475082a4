package status

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// ExportStore is what the export reads.
type ExportStore interface {
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
}

// ExportCommand is `digibot status export --format csv|md [--year YYYY]
// [--register FILE]`: the history of every update (CSV, one row per
// update) or a report per activity (Markdown: the status at the end of
// the period and its timeline), for the annual report. args are the words
// after "export".
func ExportCommand(ctx context.Context, args []string, stdout io.Writer, store ExportStore) error {
	fs := flag.NewFlagSet("status export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "", "csv or md")
	year := fs.Int("year", 0, "only updates made this year (Europe/Stockholm)")
	regFile := fs.String("register", "", "activity register file (default: the embedded one)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("status export: %w (usage: digibot status export --format csv|md [--year YYYY] [--register FILE])", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("status export: unexpected %q (usage: digibot status export --format csv|md [--year YYYY])", fs.Arg(0))
	}
	if *format != "csv" && *format != "md" {
		return fmt.Errorf("status export: --format must be csv or md, not %q", *format)
	}
	if *year != 0 && (*year < 2000 || *year > 2100) {
		return fmt.Errorf("status export: --year %d is not a year like 2026", *year)
	}
	reg, err := LoadRegister(*regFile)
	if err != nil {
		return fmt.Errorf("status export: %w", err)
	}
	var from, to time.Time
	if *year != 0 {
		from = time.Date(*year, 1, 1, 0, 0, 0, 0, schedule.Stockholm)
		to = from.AddDate(1, 0, 0)
	}
	hist, err := readHistory(ctx, store, from, to)
	if err != nil {
		return fmt.Errorf("status export: %w", err)
	}
	if *format == "csv" {
		return exportCSV(stdout, reg, hist)
	}
	return exportMarkdown(stdout, reg, hist, *year)
}

func exportCSV(w io.Writer, reg *Register, hist []Update) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"activity", "name", "area", "department", "at", "author", "author_name", "status", "status_code",
		"done", "next", "due", "help", "help_text", "via"})
	for _, u := range hist {
		a, _ := reg.Get(u.Activity)
		_ = cw.Write(safeCells(u.Activity, a.Name, a.Area, a.Department,
			u.At.In(schedule.Stockholm).Format("2006-01-02 15:04"), u.Author, u.AuthorName,
			u.Status.Label("sv"), string(u.Status), u.Done, u.Next, u.Due, strconv.FormatBool(u.Help), u.HelpText, u.Via))
	}
	cw.Flush()
	return cw.Error()
}

// safeCells defuses spreadsheet formulas in user text (CSV injection):
// a cell starting with = + - @ or a tab gets a leading apostrophe.
func safeCells(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

func exportMarkdown(w io.Writer, reg *Register, hist []Update, year int) error {
	tx := textFor("sv")
	byAct := map[string][]Update{}
	for _, u := range hist {
		byAct[u.Activity] = append(byAct[u.Activity], u)
	}
	var b strings.Builder
	title := "Handlingsplanens aktiviteter – status"
	if year != 0 {
		title += " " + strconv.Itoa(year)
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	b.WriteString("| Aktivitet | Namn | Förflyttning/område | Ansvarig förvaltning | Status | Förväntat klart | Senast uppdaterad |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, a := range reg.list {
		us := byAct[a.ID]
		st, due, at := tx.noStatus, "", ""
		if len(us) > 0 {
			last := us[len(us)-1]
			st, due, at = last.Status.Label("sv"), last.Due, last.At.In(schedule.Stockholm).Format(time.DateOnly)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", a.ID, mdCell(a.Name), mdCell(a.Area), mdCell(a.Department), st, due, at)
	}
	for _, a := range reg.list {
		us := byAct[a.ID]
		if len(us) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s %s\n\n", a.ID, mdText(a.Name))
		for _, u := range us {
			fmt.Fprintf(&b, "- **%s** %s (%s)", u.At.In(schedule.Stockholm).Format("2006-01-02"), u.Status.Label("sv"), mdText(u.AuthorName))
			if u.Due != "" {
				fmt.Fprintf(&b, ", förväntat klart %s", u.Due)
			}
			b.WriteString("\n")
			if u.Done != "" {
				fmt.Fprintf(&b, "  - Gjort: %s\n", mdText(u.Done))
			}
			if u.Next != "" {
				fmt.Fprintf(&b, "  - Nästa steg: %s\n", mdText(u.Next))
			}
			if u.Help {
				fmt.Fprintf(&b, "  - Behöver hjälp: %s\n", mdText(strings.TrimSpace("ja "+u.HelpText)))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`, "|", `\|`)

// mdText is user text on one Markdown line.
func mdText(s string) string {
	return mdEscaper.Replace(strings.Join(strings.Fields(s), " "))
}

func mdCell(s string) string { return mdText(s) }
