package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"digibot/storage/embedded"
)

const (
	gdprUser  = "0f8fad5b-d9cb-469f-a165-70867728950e"
	gdprOther = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
)

// seedThroughServe runs `digibot serve` on dir with status owner
// gdprUser for A12, lets both test users talk to it like Teams would, and
// stops it again (the embedded store is then free).
func seedThroughServe(t *testing.T, env map[string]string) {
	t.Helper()
	conn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"1"}`)
	}))
	defer conn.Close()
	cfg, err := LoadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := buildApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln) }()
	post := func(id, aad, name, text string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{
			"type": "message", "id": id, "text": text, "serviceUrl": conn.URL, "channelId": "msteams", "locale": "sv-SE",
			"from":         map[string]any{"id": "29:" + name, "aadObjectId": aad, "name": name},
			"recipient":    map[string]any{"id": "28:digibot"},
			"conversation": map[string]any{"id": "a:" + aad, "conversationType": "personal", "tenantId": "t"},
		})
		resp, err := http.Post("http://"+ln.Addr().String()+"/api/messages", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%q: status %d", text, resp.StatusCode)
		}
	}
	post("1", gdprUser, "Greta Gdpr", "vad är digital basnivå?")
	post("2", gdprUser, "Greta Gdpr", "A12 pågår enligt plan – upphandlingen är klar")
	post("3", gdprOther, "Olle Annan", "hur signerar jag digitalt?")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func gdprEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "digibot.yaml")
	yaml := "status:\n  owners:\n    A12: [\"aad:" + gdprUser + "\"]\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"DIGIBOT_DATA_DIR": filepath.Join(dir, "data"), "DIGIBOT_CONFIG": conf}
}

// section is one kind of data in an export.
type section struct {
	Items []json.RawMessage `json:"items"`
}

type exportDoc struct {
	User     string             `json:"user"`
	Teams    map[string]section `json:"teams"`
	Answer   map[string]section `json:"answer"`
	Coaching map[string]section `json:"coaching"`
	Status   map[string]section `json:"status"`
	Notes    []string           `json:"notes"`
}

func runGDPRTest(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"gdpr"}, args...), nil, &out, io.Discard, envOf(env))
	return out.String(), err
}

func exportOf(t *testing.T, env map[string]string, user string) exportDoc {
	t.Helper()
	out, err := runGDPRTest(t, env, "export", "--user", user)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var d exportDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	return d
}

func count(m map[string]section, key string) int { return len(m[key].Items) }

func TestGDPRCommandEndToEnd(t *testing.T) {
	env := gdprEnv(t)
	seedThroughServe(t, env)

	d := exportOf(t, env, strings.ToUpper(gdprUser))
	if d.User != gdprUser || count(d.Teams, "conversationReferences") != 1 || count(d.Answer, "questions") != 1 ||
		count(d.Status, "currentStatuses") != 1 || count(d.Status, "statusHistory") != 1 || count(d.Status, "configuration") != 1 || len(d.Notes) == 0 {
		t.Fatalf("export: %+v", d)
	}
	raw, _ := runGDPRTest(t, env, "export", "--user", gdprUser)
	for _, other := range []string{gdprOther, "Olle", "signerar"} {
		if strings.Contains(raw, other) {
			t.Fatalf("export holds %q", other)
		}
	}
	for _, want := range []string{"Greta Gdpr", "digital basnivå", "upphandlingen är klar", `"what":`, `"why":`, `"onDelete":`} {
		if !strings.Contains(raw, want) {
			t.Fatalf("export lacks %q", want)
		}
	}

	// --out writes a new file readable by its owner only, and never
	// overwrites.
	file := filepath.Join(t.TempDir(), "greta.json")
	if out, err := runGDPRTest(t, env, "export", "--user", gdprUser, "--out", file); err != nil || !strings.Contains(out, file) {
		t.Fatalf("--out: %v %q", err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() < 100 {
		t.Fatalf("export file: %v %v", fi, err)
	}
	if _, err := runGDPRTest(t, env, "export", "--user", gdprUser, "--out", file); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("--out over an existing file: %v", err)
	}

	// Without --yes: the plan, exit code 2, nothing changed.
	out, err := runGDPRTest(t, env, "delete", "--user", gdprUser)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("delete without --yes: %v", err)
	}
	for _, want := range []string{"answer.questions: 1", "status.currentStatuses: 1", "teams.conversationReferences: 1", "replaced by", "Deleted."} {
		if !strings.Contains(out, want) {
			t.Fatalf("plan lacks %q:\n%s", want, out)
		}
	}
	if again := exportOf(t, env, gdprUser); count(again.Answer, "questions") != 1 || count(again.Teams, "conversationReferences") != 1 {
		t.Fatal("delete without --yes changed something")
	}

	out, err = runGDPRTest(t, env, "delete", "--user", gdprUser, "--yes")
	if err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	var rep struct {
		Teams  map[string]any `json:"teams"`
		Answer map[string]any `json:"answer"`
		Status map[string]any `json:"status"`
		Notes  []string       `json:"notes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	if rep.Teams["referencesDeleted"] != 1.0 || rep.Answer["questionsDeleted"] != 1.0 || rep.Status["statusesAnonymised"] != 1.0 ||
		!strings.Contains(strings.Join(rep.Notes, " "), "owner of A12") {
		t.Fatalf("report: %s", out)
	}
	d = exportOf(t, env, gdprUser)
	for name, caps := range map[string]map[string]section{"teams": d.Teams, "answer": d.Answer, "coaching": d.Coaching, "status": d.Status} {
		for key, s := range caps {
			if len(s.Items) > 0 && !(name == "status" && key == "configuration") {
				t.Errorf("after delete, %s.%s has %d records", name, key, len(s.Items))
			}
		}
	}
	// The other user is untouched.
	if o := exportOf(t, env, gdprOther); count(o.Answer, "questions") != 1 || count(o.Teams, "conversationReferences") != 1 {
		t.Fatalf("other user's data: %+v", o)
	}
	// Once nothing is stored, delete without --yes says so and succeeds.
	out, err = runGDPRTest(t, env, "delete", "--user", gdprOther, "--yes")
	if err != nil || !strings.Contains(out, `"questionsDeleted": 1`) {
		t.Fatalf("deleting the other user: %v\n%s", err, out)
	}
	if out, err := runGDPRTest(t, env, "delete", "--user", gdprOther); err != nil || !strings.Contains(out, "stores nothing") {
		t.Fatalf("nothing to delete: %v %q", err, out)
	}
}

func TestGDPRCommandBadInput(t *testing.T) {
	env := gdprEnv(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"export"},
		{"export", "--user", "anna@regiongavleborg.se"},
		{"export", "--user", gdprUser + "x"},
		{"delete", "--user", "'; DROP TABLE"},
		{"export", "--user", gdprUser, "extra"},
		{"export", "--user", gdprUser, "--yes"},
		{"delete", "--user", gdprUser, "--out", "x.json"},
	} {
		out, err := runGDPRTest(t, env, args...)
		if err == nil || exitCode(err) != 2 || out != "" {
			t.Errorf("gdpr %q: exit %d, err %v, out %q", args, exitCode(err), err, out)
		}
	}
	if _, err := runGDPRTest(t, env, "export", "--user", "nope"); err == nil || !strings.Contains(err.Error(), "GUID") {
		t.Errorf("a bad --user must say what is wanted: %v", err)
	}
	// A data directory without a store is a mistake, not "nothing stored".
	if _, err := runGDPRTest(t, env, "export", "--user", gdprUser); err == nil || !strings.Contains(err.Error(), "no Digibot store") {
		t.Errorf("missing store: %v", err)
	}
	if _, err := os.Stat(env["DIGIBOT_DATA_DIR"]); !os.IsNotExist(err) {
		t.Errorf("gdpr created the data directory: %v", err)
	}
}

func TestGDPRCommandStoreLocked(t *testing.T) {
	env := gdprEnv(t)
	st, err := embedded.Open(context.Background(), env["DIGIBOT_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = runGDPRTest(t, env, "delete", "--user", gdprUser, "--yes")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "stop it") || !strings.Contains(err.Error(), "Redis") {
		t.Fatalf("locked store: %v", err)
	}
}

// FuzzGDPRArgs: whatever the command line, gdpr answers with an error (no
// store exists here) and never panics; a --user that is not a GUID is a
// usage error (exit code 2) before anything is opened.
func FuzzGDPRArgs(f *testing.F) {
	for _, s := range [][3]string{
		{"export", gdprUser, ""}, {"delete", gdprUser, "--yes"}, {"export", "x", "--out=/tmp/x"},
		{"delete", strings.ToUpper(gdprUser), ""}, {"export", gdprUser + "\n", ""}, {"", "", "--user"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	env := map[string]string{"DIGIBOT_DATA_DIR": filepath.Join(f.TempDir(), "none")}
	at := func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, sub, user, extra string) {
		args := []string{sub, "--user", user}
		if extra != "" {
			args = append(args, extra)
		}
		var out bytes.Buffer
		err := runGDPR(context.Background(), args, &out, envOf(env), at)
		if err == nil {
			t.Fatalf("gdpr %q succeeded without a store: %q", args, out.String())
		}
		if (sub == "export" || sub == "delete") && !guidRE.MatchString(strings.TrimSpace(user)) && exitCode(err) != 2 {
			t.Fatalf("gdpr %q: bad --user not a usage error: %v", args, err)
		}
	})
}
