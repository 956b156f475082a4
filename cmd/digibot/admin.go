package main

import (
	"context"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/graph"
	"digibot/storage"
)

// auditLogs are the store logs that together form the audit trail: admin
// actions over HTTP, status changes and owner changes, coaching bookings.
var auditLogs = []string{"admin-audit", "status-audit", "status-history", "coaching"}

// admins decides who may run admin commands: configured Entra object ids,
// or members of configured groups (via Graph, cached).
type admins struct {
	users  map[string]bool
	groups []string
	g      *graph.Client
	log    *slog.Logger
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedAdmin
}

type cachedAdmin struct {
	admin bool
	until time.Time
}

func newAdmins(cfg *Config, g *graph.Client, log *slog.Logger) *admins {
	a := &admins{users: map[string]bool{}, groups: cfg.File.Admins.Groups, g: g, log: log,
		ttl: 10 * time.Minute, now: time.Now, cache: map[string]cachedAdmin{}}
	for _, id := range cfg.File.Admins.Users {
		a.users[strings.ToLower(id)] = true
	}
	if len(a.groups) > 0 && !g.Enabled() {
		log.Warn("admins.groups is set but Microsoft Graph is not configured: only admins.users are administrators")
	}
	return a
}

// IsAdmin implements bot.IsAdmin. A Graph failure denies (and is not
// cached), so an outage never grants rights.
func (a *admins) IsAdmin(ctx context.Context, aadID string) bool {
	id := strings.ToLower(aadID)
	if a.users[id] {
		return true
	}
	if len(a.groups) == 0 || !a.g.Enabled() {
		return false
	}
	a.mu.Lock()
	c, ok := a.cache[id]
	a.mu.Unlock()
	if ok && a.now().Before(c.until) {
		return c.admin
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	is, err := a.g.IsMemberOfAny(ctx, aadID, a.groups)
	if err != nil {
		a.log.Warn("admin group check failed; treated as not admin", "err", err)
		return false
	}
	a.mu.Lock()
	if len(a.cache) > 10_000 {
		clear(a.cache)
	}
	a.cache[id] = cachedAdmin{admin: is, until: a.now().Add(a.ttl)}
	a.mu.Unlock()
	return is
}

// adminAPI is the operators' HTTP surface on a separate loopback address,
// behind a bearer token: job triggers, outbox depth, audit export.
type adminAPI struct {
	token string
	store storage.Store
	sched *schedule.Scheduler
	log   *slog.Logger
	now   func() time.Time
}

func (h *adminAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/jobs", h.jobs)
	mux.HandleFunc("POST /admin/jobs/{name}/run", h.runJob)
	mux.HandleFunc("GET /admin/outbox", h.outbox)
	mux.HandleFunc("GET /admin/audit", h.audit)
	return h.authorize(mux)
}

func (h *adminAPI) authorize(next http.Handler) http.Handler {
	want := []byte("Bearer " + h.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			h.log.Warn("admin API: unauthorized", "path", r.URL.Path, "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *adminAPI) jobs(w http.ResponseWriter, r *http.Request) {
	next := h.sched.Jobs(h.now())
	out := map[string]string{}
	for name, t := range next {
		out[name] = t.In(schedule.Stockholm).Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
}

func (h *adminAPI) runJob(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	period, err := h.sched.RunNow(r.Context(), name, h.now())
	h.record(r.Context(), "job.run", name, err)
	switch {
	case errors.Is(err, schedule.ErrUnknownJob):
		writeJSON(w, http.StatusNotFound, map[string]any{"error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error(), "period": period})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"job": name, "period": period, "status": "done"})
	}
}

func (h *adminAPI) outbox(w http.ResponseWriter, r *http.Request) {
	c, err := h.store.CountOutbox(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (h *adminAPI) audit(w http.ResponseWriter, r *http.Request) {
	from, to, err := parseRange(r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "format must be json or csv"})
		return
	}
	h.record(r.Context(), "audit.export", format, nil)
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if err := exportAudit(r.Context(), h.store, from, to, format, w); err != nil {
		h.log.Error("audit export", "err", err)
	}
}

// record writes an admin action to the audit trail.
func (h *adminAPI) record(ctx context.Context, action, target string, err error) {
	e := map[string]any{"at": h.now(), "by": "admin-api", "action": action, "target": target, "ok": err == nil}
	if err != nil {
		e["error"] = err.Error()
	}
	raw, _ := json.Marshal(e)
	if _, aerr := h.store.AppendLog(ctx, "admin-audit", h.now(), raw); aerr != nil {
		h.log.Error("admin action not audited", "action", action, "err", aerr)
	}
}

func parseRange(fromS, toS string) (time.Time, time.Time, error) {
	var from, to time.Time
	var err error
	if fromS != "" {
		if from, err = time.ParseInLocation(time.DateOnly, fromS, schedule.Stockholm); err != nil {
			return from, to, fmt.Errorf("from: %q is not YYYY-MM-DD", fromS)
		}
	}
	if toS != "" {
		if to, err = time.ParseInLocation(time.DateOnly, toS, schedule.Stockholm); err != nil {
			return from, to, fmt.Errorf("to: %q is not YYYY-MM-DD", toS)
		}
		to = to.AddDate(0, 0, 1) // inclusive day
	}
	if !to.IsZero() && !from.Before(to) {
		return from, to, errors.New("from must be before to")
	}
	return from, to, nil
}

// auditRecord is one line of the merged audit export.
type auditRecord struct {
	At     time.Time       `json:"at"`
	Log    string          `json:"log"`
	Record json.RawMessage `json:"record"`
}

// exportAudit merges the audit logs in time order.
func exportAudit(ctx context.Context, st storage.Logs, from, to time.Time, format string, w io.Writer) error {
	var all []auditRecord
	for _, l := range auditLogs {
		es, err := st.ReadLog(ctx, l, from, to, 0)
		if err != nil {
			return fmt.Errorf("read %s: %w", l, err)
		}
		for _, e := range es {
			rec := json.RawMessage(e.Data)
			if !json.Valid(rec) {
				rec, _ = json.Marshal(string(e.Data))
			}
			all = append(all, auditRecord{At: e.At, Log: l, Record: rec})
		}
	}
	slices.SortStableFunc(all, func(a, b auditRecord) int { return a.At.Compare(b.At) })
	if format == "csv" {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"at", "log", "record"})
		for _, r := range all {
			_ = cw.Write([]string{r.At.In(schedule.Stockholm).Format(time.RFC3339), r.Log, csvSafe(string(r.Record))})
		}
		cw.Flush()
		return cw.Error()
	}
	enc := json.NewEncoder(w)
	for _, r := range all {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditCommand: "audit export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format json|csv]".
func auditCommand(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "export" {
		return usageError{"audit: want: audit export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format json|csv]"}
	}
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fromS := fs.String("from", "", "first day (YYYY-MM-DD)")
	toS := fs.String("to", "", "last day (YYYY-MM-DD)")
	format := fs.String("format", "json", "json (one record a line) or csv")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{"audit export: " + err.Error()}
	}
	if *format != "json" && *format != "csv" {
		return usageError{"audit export: --format must be json or csv"}
	}
	from, to, err := parseRange(*fromS, *toS)
	if err != nil {
		return usageError{"audit export: " + err.Error()}
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return exportAudit(ctx, st, from, to, *format, stdout)
}

// listenAdmin starts the admin API when a token is configured.
func (a *app) listenAdmin() (*http.Server, net.Listener, error) {
	if a.cfg.AdminToken == "" {
		a.log.Info("admin API off (set DIGIBOT_ADMIN_TOKEN to enable it)")
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", a.cfg.AdminAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("DIGIBOT_ADMIN_ADDR %s: %w", a.cfg.AdminAddr, err)
	}
	api := &adminAPI{token: a.cfg.AdminToken, store: a.store, sched: a.sched, log: a.log, now: time.Now}
	srv := &http.Server{Handler: api.routes(), ReadHeaderTimeout: 10 * time.Second}
	return srv, ln, nil
}

// auditAdminTurn records every command or card action an administrator
// takes in Teams ("digest här", owner changes, …) in the audit trail.
func auditAdminTurn(st storage.Logs, log *slog.Logger, now func() time.Time) func(context.Context, *turn.Turn, string) {
	return func(ctx context.Context, t *turn.Turn, route string) {
		at := now()
		raw, _ := json.Marshal(map[string]any{
			"at": at, "by": t.Activity.From.AadObjectID, "by_name": t.Activity.From.Name, "via": "teams",
			"action": route, "conversation": t.Activity.Conversation.ID,
		})
		if _, err := st.AppendLog(ctx, "admin-audit", at, raw); err != nil {
			log.Error("admin action not audited", "action", route, "err", err)
		}
	}
}
