package answer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// AskCommand is `digibot ask [--lang sv|en] [--json] <question>`: one
// question through the same pipeline as Teams.
func AskCommand(ctx context.Context, args []string, stdout io.Writer, e *Engine) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print one JSON object: answered, text, article_id, title, score, suggestions")
	lang := fs.String("lang", "sv", "the asker's language: sv or en")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("ask: %w (usage: digibot ask [--json] [--lang sv|en] <question>)", err)
	}
	if *lang != "sv" && *lang != "en" {
		return fmt.Errorf("ask: --lang must be sv or en, not %q", *lang)
	}
	question := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(question) == "" {
		return errors.New("ask: no question (usage: digibot ask [--json] [--lang sv|en] <question>)")
	}
	r := e.Ask(ctx, question, *lang)
	if *asJSON {
		out := struct {
			Answered    bool     `json:"answered"`
			Text        string   `json:"text"`
			ArticleID   string   `json:"article_id"`
			Title       string   `json:"title"`
			Score       float64  `json:"score"`
			Suggestions []string `json:"suggestions"`
		}{r.Answered, r.Text, r.ArticleID, r.Title, r.Score, r.Suggestions}
		if out.Suggestions == nil {
			out.Suggestions = []string{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	_, err := fmt.Fprintln(stdout, r.Text)
	return err
}

// GapsCommand is `digibot kb gaps [--days N | --from DATE --to DATE]
// [--top N] [--json]`: the most common unanswered questions and the
// articles with most 👎 in a period (dates are Europe/Stockholm days).
func GapsCommand(ctx context.Context, args []string, stdout io.Writer, store LogReader) error {
	fs := flag.NewFlagSet("kb gaps", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	days := fs.Int("days", 30, "the last N days")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD")
	toS := fs.String("to", "", "last day, YYYY-MM-DD (inclusive)")
	top := fs.Int("top", 10, "how many questions and articles to show")
	asJSON := fs.Bool("json", false, "print JSON")
	lang := fs.String("lang", "sv", "language of the report: sv or en")
	usage := "usage: digibot kb gaps [--days N | --from YYYY-MM-DD --to YYYY-MM-DD] [--top N] [--json]"
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("kb gaps: %w (%s)", err, usage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("kb gaps: unexpected %q (%s)", fs.Arg(0), usage)
	}
	if *days < 1 || *days > 3660 || *top < 1 || *top > 1000 {
		return fmt.Errorf("kb gaps: --days must be 1–3660 and --top 1–1000 (%s)", usage)
	}
	if store == nil {
		return errors.New("kb gaps: no store configured")
	}
	now := time.Now().In(stockholm) // the command line is the edge: the real clock
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, stockholm)
	from := to.AddDate(0, 0, -*days)
	parse := func(name, s string) (time.Time, error) {
		d, err := time.ParseInLocation("2006-01-02", s, stockholm)
		if err != nil {
			return d, fmt.Errorf("kb gaps: --%s %q is not a date YYYY-MM-DD", name, s)
		}
		return d, nil
	}
	var err error
	if *fromS != "" {
		if from, err = parse("from", *fromS); err != nil {
			return err
		}
		if *toS == "" {
			to = from.AddDate(0, 0, *days)
		}
	}
	if *toS != "" {
		if to, err = parse("to", *toS); err != nil {
			return err
		}
		to = to.AddDate(0, 0, 1)
		if *fromS == "" {
			from = to.AddDate(0, 0, -*days)
		}
	}
	if !from.Before(to) {
		return fmt.Errorf("kb gaps: --from must be before --to")
	}
	g, err := collectGaps(ctx, store, from, to, *top)
	if err != nil {
		return fmt.Errorf("kb gaps: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(g)
	}
	g.To = to.AddDate(0, 0, -1) // show the last day inclusive
	_, err = io.WriteString(stdout, g.render(textsFor(*lang), false))
	return err
}

// LintCommand is `digibot kb lint [dir]`: every problem in the knowledge
// base (the embedded one, or dir), errors and warnings. It returns an
// error when there are errors.
func LintCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kb lint", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("kb lint: %w (usage: digibot kb lint [dir])", err)
	}
	fsys := EmbeddedFS()
	where := "embedded knowledge base"
	if fs.NArg() > 0 {
		st, err := os.Stat(fs.Arg(0))
		if err != nil || !st.IsDir() {
			return fmt.Errorf("kb lint: %s is not a directory", fs.Arg(0))
		}
		fsys, where = os.DirFS(fs.Arg(0)), fs.Arg(0)
	}
	ps := Lint(fsys)
	var errs, warns int
	for _, p := range ps {
		if p.Warning {
			warns++
		} else {
			errs++
		}
		fmt.Fprintln(stdout, p.String())
	}
	fmt.Fprintf(stdout, "%s: %d errors, %d warnings\n", where, errs, warns)
	if errs > 0 {
		return fmt.Errorf("kb lint: %d errors", errs)
	}
	return nil
}
