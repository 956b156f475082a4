package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{nil, ""},
		{[]string{"-target", "http://10.0.0.1:3978/api/messages"}, "loopback"},
		{[]string{"-duration", "1h"}, "15m"},
		{[]string{"-mix", "ask=1,fly=2"}, "-mix"},
		{[]string{"-users", "0"}, "positive"},
	}
	for _, tc := range tests {
		_, err := parseFlags(tc.args)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.err)
		}
	}
}

func TestPress(t *testing.T) {
	card := map[string]any{"body": []any{
		map[string]any{"type": "Input.ChoiceSet", "id": "slot", "choices": []any{map[string]any{"title": "t", "value": "20261201T1200Z"}}},
		map[string]any{"type": "Input.Text", "id": "topic", "value": "x"},
	}, "actions": []any{
		map[string]any{"type": "Action.Submit", "data": map[string]any{"action": "coaching.mine"}},
		map[string]any{"type": "Action.Submit", "data": map[string]any{"action": "coaching.book"}},
	}}
	v := press(card, "coaching.book", map[string]any{"topic": "Lasttest"})
	if v["action"] != "coaching.book" || v["slot"] != "20261201T1200Z" || v["topic"] != "Lasttest" {
		t.Fatalf("press: %v", v)
	}
	if press(card, "status.", nil) != nil {
		t.Fatal("no such action")
	}
}

// TestRunAgainstFakeBot runs a short, bounded load against a fake bot that
// replies through the tool's own connector.
func TestRunAgainstFakeBot(t *testing.T) {
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer bot.Close()
	cfg, err := parseFlags([]string{"-target", bot.URL, "-duration", "300ms", "-concurrency", "2", "-users", "3", "-max-requests", "50"})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := run(ctx, cfg, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "turns:") || !strings.Contains(out.String(), "p99") {
		t.Fatalf("report: %s", out.String())
	}
}
