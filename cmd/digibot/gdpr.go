package main

// `digibot gdpr export|delete --user <aad-id>`: everything Digibot stores
// about one person, and its erasure (issue 7). Each capability says what
// it stores and what deletion does in its own gdpr.go; this is wiring:
// config → store → capabilities, without Graph and without a running
// serve (with the embedded store, serve must be stopped: bbolt locks the
// file).

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolterrors "go.etcd.io/bbolt/errors"

	"digibot/bot"
	"digibot/dialogs/answer"
	"digibot/dialogs/coaching"
	"digibot/dialogs/status"
	"digibot/storage"
	"digibot/storage/embedded"
)

const gdprUsage = `usage:
  digibot gdpr export --user <entra-object-id> [--out FILE]
  digibot gdpr delete --user <entra-object-id> [--yes]`

// gdprNotes are facts about personal data that no capability stores.
var gdprNotes = []string{
	"Processed Teams activity ids are kept 24 hours with nothing that links them to a person.",
	"Digibot's own logs carry activity and conversation ids, never message text; the hosting platform keeps them.",
	"Teams keeps the chat with Digibot itself; Digibot cannot delete messages in Teams.",
	"Status receipts that replaced a card, and the coordinating function's escalation lists, are outbox entries that cannot be found by person; they are purged with the outbox (retention.outbox_days).",
}

// gdprExport is the export document, grouped by capability.
type gdprExport struct {
	User       string            `json:"user"`
	ExportedAt time.Time         `json:"exportedAt"`
	Store      string            `json:"store"`
	Teams      bot.UserData      `json:"teams"`
	Answer     answer.UserData   `json:"answer"`
	Coaching   coaching.UserData `json:"coaching"`
	Status     status.UserData   `json:"status"`
	Notes      []string          `json:"notes"`
}

// gdprDeletion is what delete did, by capability.
type gdprDeletion struct {
	User      string                 `json:"user"`
	DeletedAt time.Time              `json:"deletedAt"`
	Store     string                 `json:"store"`
	Coaching  *coaching.DeleteReport `json:"coaching"`
	Answer    *answer.DeleteReport   `json:"answer"`
	Status    *status.DeleteReport   `json:"status"`
	Teams     *bot.DeleteReport      `json:"teams"`
	Notes     []string               `json:"notes"`
}

func gdprCommand(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	return runGDPR(ctx, args, stdout, getenv, time.Now)
}

func runGDPR(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string, now func() time.Time) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "delete") {
		return usageError{"gdpr: want export or delete\n" + gdprUsage}
	}
	sub := args[0]
	fs := flag.NewFlagSet("gdpr "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	user := fs.String("user", "", "the person's Entra object id (GUID)")
	out, yes := new(string), new(bool)
	if sub == "export" {
		out = fs.String("out", "", "write the export to this new file (mode 0600) instead of stdout")
	} else {
		yes = fs.Bool("yes", false, "really delete")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{fmt.Sprintf("gdpr %s: %v\n%s", sub, err, gdprUsage)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("gdpr %s: unexpected %q\n%s", sub, fs.Arg(0), gdprUsage)}
	}
	id := strings.TrimSpace(*user)
	if id == "" {
		return usageError{fmt.Sprintf("gdpr %s: --user is required\n%s", sub, gdprUsage)}
	}
	if !guidRE.MatchString(id) {
		return usageError{fmt.Sprintf("gdpr %s: --user %q is not an Entra object id; want a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e "+
			"(the person's \"Object ID\" in Entra ID, also in Teams activities as aadObjectId)", sub, id)}
	}
	id = strings.ToLower(id) // Teams sends object ids in lower case

	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	st, err := openGDPRStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	if sub == "export" {
		doc, err := exportAll(ctx, st, cfg, id, now())
		if err != nil {
			return fmt.Errorf("gdpr export: %w", err)
		}
		return writeExport(stdout, *out, doc)
	}
	if !*yes {
		doc, err := exportAll(ctx, st, cfg, id, now())
		if err != nil {
			return fmt.Errorf("gdpr delete: %w", err)
		}
		n, err := printPlan(stdout, doc)
		if err != nil {
			return err
		}
		if n == 0 {
			_, err := fmt.Fprintf(stdout, "Digibot stores nothing about %s.\n", id)
			return err
		}
		return usageError{"gdpr delete: nothing was changed; run again with --yes to delete"}
	}
	rep, err := deleteAll(ctx, st, cfg, id, now())
	if perr := gdprJSON(stdout, rep); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("gdpr delete: %w (what was done is printed above; deleting is safe to run again)", err)
	}
	return nil
}

// openGDPRStore opens the configured store, refusing to create an empty
// embedded one (a wrong DIGIBOT_DATA_DIR would export "nothing"), and
// explaining a lock held by a running Digibot.
func openGDPRStore(ctx context.Context, cfg *Config) (storage.Store, error) {
	if cfg.StoreURL == "" {
		path := filepath.Join(cfg.DataDir, embedded.FileName)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("DIGIBOT_DATA_DIR %s: no Digibot store there (%w); point DIGIBOT_DATA_DIR at the data directory of the Digibot to act on", cfg.DataDir, err)
		}
	}
	st, err := openStore(ctx, cfg)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w\nA running Digibot holds the embedded store: stop it (serve or chat) and run gdpr again, "+
			"or run Digibot on the shared Redis store (DIGIBOT_STORE), where gdpr can run beside it", err)
	}
	return st, err
}

func exportAll(ctx context.Context, st storage.Store, cfg *Config, id string, now time.Time) (gdprExport, error) {
	doc := gdprExport{User: id, ExportedAt: now.UTC(), Store: storeKind(cfg), Notes: gdprNotes}
	var err error
	if doc.Teams, err = bot.ExportUser(ctx, st, id); err != nil {
		return doc, err
	}
	if doc.Answer, err = answer.ExportUser(ctx, st, id); err != nil {
		return doc, err
	}
	if doc.Coaching, err = coaching.ExportUser(ctx, st, cfg.File.Coaching, id, now); err != nil {
		return doc, err
	}
	if doc.Status, err = status.ExportUser(ctx, st, cfg.File.Status, id, now); err != nil {
		return doc, err
	}
	return doc, nil
}

// deleteAll runs every capability's deletion. Coaching goes first (its
// cancellations may message the waitlist), the conversation reference
// last, so that nothing still needs it; a failure stops the run with the
// reports so far.
func deleteAll(ctx context.Context, st storage.Store, cfg *Config, id string, now time.Time) (gdprDeletion, error) {
	rep := gdprDeletion{User: id, DeletedAt: now.UTC(), Store: storeKind(cfg), Notes: []string{}}
	c, err := coaching.DeleteUser(ctx, st, cfg.File.Coaching, id, now)
	rep.Coaching = &c
	if err != nil {
		return rep, err
	}
	a, err := answer.DeleteUser(ctx, st, id, now)
	rep.Answer = &a
	if err != nil {
		return rep, err
	}
	s, err := status.DeleteUser(ctx, st, cfg.File.Status, id, now)
	rep.Status = &s
	if err != nil {
		return rep, err
	}
	b, err := bot.DeleteUser(ctx, st, id, now)
	rep.Teams = &b
	if err != nil {
		return rep, err
	}
	if left := len(c.OutboxLeft) + len(a.OutboxLeft) + len(s.OutboxLeft); left > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d outbox message(s) to or about the person remain until retention purges them, %d days after they were sent or given up (retention.outbox_days).",
			left, cfg.File.Retention.OutboxDays))
	}
	if c.ConfiguredCoach || len(c.FutureAsCoach) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("The configuration names the person as an IT coach (coaching.coaches); %d upcoming booking(s) still have them as coach. Change the configuration.",
			len(c.FutureAsCoach)))
	}
	if len(s.Configured) > 0 {
		rep.Notes = append(rep.Notes, "The configuration still names the person ("+strings.Join(s.Configured, ", ")+
			"); until it is changed, the next status round asks them again.")
	}
	return rep, nil
}

// writeExport prints the export, or writes it to a new file: the export
// is personal data, so the file is created readable by its owner only and
// never overwrites one.
func writeExport(stdout io.Writer, out string, doc gdprExport) error {
	if out == "" {
		return gdprJSON(stdout, doc)
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("gdpr export: --out: %w", err)
	}
	if err := gdprJSON(f, doc); err != nil {
		f.Close()
		return fmt.Errorf("gdpr export: write %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("gdpr export: write %s: %w", out, err)
	}
	_, err = fmt.Fprintf(stdout, "gdpr export: %s written\n", out)
	return err
}

func gdprJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// planSection is the part of every capability's Records a plan needs.
type planSection struct {
	What     string            `json:"what"`
	OnDelete string            `json:"onDelete"`
	Items    []json.RawMessage `json:"items"`
}

// printPlan lists, per capability and kind of data, how many records
// there are and what deleting does to them. It returns how many records
// there are in all.
func printPlan(w io.Writer, doc gdprExport) (int, error) {
	total := 0
	var b strings.Builder
	fmt.Fprintf(&b, "Digibot stores this about %s (%s). With --yes:\n", doc.User, doc.Store)
	for _, c := range []struct {
		name string
		data any
	}{{"teams", doc.Teams}, {"answer", doc.Answer}, {"coaching", doc.Coaching}, {"status", doc.Status}} {
		sections, err := planSections(c.data)
		if err != nil {
			return 0, fmt.Errorf("gdpr delete: %s: %w", c.name, err)
		}
		for _, s := range sections {
			if len(s.sec.Items) == 0 {
				continue
			}
			total += len(s.sec.Items)
			fmt.Fprintf(&b, "  %s.%s: %d – %s\n      %s\n", c.name, s.key, len(s.sec.Items), s.sec.What, s.sec.OnDelete)
		}
	}
	if total == 0 {
		return 0, nil
	}
	_, err := io.WriteString(w, b.String())
	return total, err
}

type keyedSection struct {
	key string
	sec planSection
}

// planSections decodes a capability's UserData (an object whose fields
// are all Records) in field order.
func planSections(data any) ([]keyedSection, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out []keyedSection
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		var s planSection
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out = append(out, keyedSection{key, s})
	}
	return out, nil
}
