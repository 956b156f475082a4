package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testToken = "0123456789abcdef0123456789abcdef"

func TestAdminAPI(t *testing.T) {
	cfg, err := LoadConfig(envOf(map[string]string{"DIGIBOT_DATA_DIR": t.TempDir(), "DIGIBOT_ADMIN_TOKEN": testToken}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := buildApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	api := &adminAPI{token: testToken, store: a.store, sched: a.sched, log: slog.New(slog.DiscardHandler), now: fixedNow}
	srv := httptest.NewServer(api.routes())
	defer srv.Close()

	do := func(method, path, token string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := do("GET", "/admin/jobs", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := do("GET", "/admin/jobs", "wrong-token-wrong-token-wrong"); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := do("GET", "/admin/jobs", testToken)
	if code != 200 || !strings.Contains(body, "retention") {
		t.Fatalf("jobs: %d %s", code, body)
	}
	code, body = do("POST", "/admin/jobs/retention/run", testToken)
	if code != 200 || !strings.Contains(body, `"status":"done"`) {
		t.Fatalf("run: %d %s", code, body)
	}
	if code, _ := do("POST", "/admin/jobs/nope/run", testToken); code != 404 {
		t.Fatalf("unknown job: %d", code)
	}
	if code, _ := do("GET", "/admin/outbox", testToken); code != 200 {
		t.Fatalf("outbox: %d", code)
	}
	if code, _ := do("GET", "/admin/audit?from=2026-13-01", testToken); code != 400 {
		t.Fatalf("bad date: %d", code)
	}
	code, body = do("GET", "/admin/audit?format=json", testToken)
	if code != 200 || !strings.Contains(body, `"action":"job.run"`) || !strings.Contains(body, `"target":"retention"`) {
		t.Fatalf("audit must record the admin action: %d %s", code, body)
	}
	code, body = do("GET", "/admin/audit?format=csv", testToken)
	if code != 200 || !strings.HasPrefix(body, "at,log,record") {
		t.Fatalf("csv: %d %s", code, body)
	}

	// The same trail from the command line (store must be free: close the app first).
	a.close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"audit", "export"}, nil, &out, io.Discard,
		envOf(map[string]string{"DIGIBOT_DATA_DIR": cfg.DataDir})); err != nil {
		t.Fatal(err)
	}
	var rec auditRecord
	if err := json.Unmarshal([]byte(strings.Split(out.String(), "\n")[0]), &rec); err != nil || rec.Log != "admin-audit" {
		t.Fatalf("cli export: %v %q", err, out.String())
	}
}

func TestAdminConfig(t *testing.T) {
	for env, want := range map[string]map[string]string{
		"DIGIBOT_ADMIN_ADDR":  {"DIGIBOT_ADMIN_ADDR": "0.0.0.0:3980"},
		"at least 24":         {"DIGIBOT_ADMIN_TOKEN": "short"},
		"DIGIBOT_ADMIN_ADDR ": {"DIGIBOT_ADMIN_ADDR": "nonsense"},
	} {
		if _, err := LoadConfig(envOf(want)); err == nil || !strings.Contains(err.Error(), strings.TrimSpace(env)) {
			t.Errorf("%v: want error naming %q, got %v", want, env, err)
		}
	}
}

func TestAdminsByUserID(t *testing.T) {
	cfg, _ := LoadConfig(envOf(nil))
	cfg.File.Admins.Users = []string{"AAAAAAAA-0000-4000-8000-000000000001"}
	cfg.File.Admins.Groups = []string{"bbbbbbbb-0000-4000-8000-000000000002"}
	g, _ := newGraph(cfg, slog.New(slog.DiscardHandler)) // dev mode: Graph off
	a := newAdmins(cfg, g, slog.New(slog.DiscardHandler))
	if !a.IsAdmin(context.Background(), "aaaaaaaa-0000-4000-8000-000000000001") {
		t.Fatal("configured admin (any case) must be admin")
	}
	if a.IsAdmin(context.Background(), "cccccccc-0000-4000-8000-000000000003") {
		t.Fatal("without Graph, group membership cannot grant admin")
	}
}

func fixedNow() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
