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
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunCommandLine(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"version"}, nil, &out, io.Discard, envOf(nil)); err != nil || !strings.Contains(out.String(), "digibot") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"help"}, nil, &out, io.Discard, envOf(nil)); err != nil || !strings.Contains(out.String(), "digibot chat") {
		t.Fatalf("help: %v", err)
	}
	err := run(ctx, []string{"frobnicate"}, nil, &out, io.Discard, envOf(nil))
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("unknown command: %v", err)
	}
	if err := run(ctx, []string{"kb"}, nil, &out, io.Discard, envOf(nil)); exitCode(err) != 2 {
		t.Fatalf("kb without subcommand: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"kb", "lint"}, nil, &out, io.Discard, envOf(nil)); err != nil || !strings.Contains(out.String(), "is fine") {
		t.Fatalf("kb lint: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"ask", "--json", "vem ansvarar för systemägarrådet?"}, nil, &out, io.Discard, envOf(nil)); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Answered  bool   `json:"answered"`
		ArticleID string `json:"article_id"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || !res.Answered || !strings.Contains(res.ArticleID, "systemagarradet") {
		t.Fatalf("ask: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"serve"}, nil, &out, io.Discard, envOf(map[string]string{"DIGIBOT_ADDR": "bad"})); err == nil || !strings.Contains(err.Error(), "DIGIBOT_ADDR") {
		t.Fatalf("bad config must name the key: %v", err)
	}
}

// TestServeEndToEnd assembles the whole app as `digibot serve` does (dev
// mode, embedded store) and talks to it over HTTP like Teams would.
func TestServeEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var replies []map[string]any
	conn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a map[string]any
		_ = json.NewDecoder(r.Body).Decode(&a)
		mu.Lock()
		replies = append(replies, a)
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id":"1"}`)
	}))
	defer conn.Close()

	cfg, err := LoadConfig(envOf(map[string]string{"DIGIBOT_DATA_DIR": t.TempDir()}))
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
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	}()
	base := "http://" + ln.Addr().String()

	post := func(id, text string) int {
		body, _ := json.Marshal(map[string]any{
			"type": "message", "id": id, "text": text, "serviceUrl": conn.URL, "channelId": "msteams", "locale": "sv-SE",
			"from":         map[string]any{"id": "29:u", "aadObjectId": "11111111-1111-4111-8111-111111111111", "name": "Anna"},
			"recipient":    map[string]any{"id": "28:digibot"},
			"conversation": map[string]any{"id": "a:e2e", "conversationType": "personal", "tenantId": "t"},
		})
		resp, err := http.Post(base+"/api/messages", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("1", "hjälp"); got != 200 {
		t.Fatalf("status %d", got)
	}
	if got := post("2", "vad är digital basnivå?"); got != 200 {
		t.Fatalf("status %d", got)
	}
	mu.Lock()
	n := len(replies)
	all, _ := json.Marshal(replies)
	mu.Unlock()
	if n != 2 || !strings.Contains(string(all), "application/vnd.microsoft.card.adaptive") || !strings.Contains(strings.ToLower(string(all)), "basnivå") {
		t.Fatalf("want two card replies about help and basnivå, got %d: %.400s", n, all)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		if p == "/metrics" && (!strings.Contains(string(b), `digibot_turns_total{outcome="ok",type="message"} 2`) ||
			!strings.Contains(string(b), `digibot_questions_total{answered="yes"} 1`)) {
			t.Fatalf("metrics do not count the turns:\n%.2000s", b)
		}
	}
}
