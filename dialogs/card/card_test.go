package card

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEscapeNeutralisesMarkup(t *testing.T) {
	tests := []struct{ in, mustNot string }{
		{"[klicka](https://evil.example)", "](h"},
		{"**fet**", "**"},
		{"<script>alert(1)</script>", "<script>"},
		{"_kursiv_", " _kursiv_"},
	}
	for _, tc := range tests {
		if got := Escape(tc.in); strings.Contains(got, tc.mustNot) {
			t.Errorf("Escape(%q) = %q still contains %q", tc.in, got, tc.mustNot)
		}
	}
	if Escape("vanlig text åäö") != "vanlig text åäö" {
		t.Error("plain text must pass unchanged")
	}
}

func TestCardShape(t *testing.T) {
	c := New([]Element{Title("T"), Text("x"), Subtle("s"), Facts([2]string{"a", "b"}), Actions(OpenURL("o", "https://x"))},
		Submit("Skicka", "answer.feedback", map[string]any{"id": "a1"}))
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"type":"AdaptiveCard"`, `"version":"1.5"`, `"action":"answer.feedback"`, `"id":"a1"`, `"type":"FactSet"`} {
		if !strings.Contains(s, want) {
			t.Errorf("card lacks %s: %s", want, s)
		}
	}
	// The action name cannot be overridden by data.
	sub := Submit("x", "a.b", map[string]any{"action": "evil"})
	if got := sub["data"].(map[string]any)["action"]; got != "a.b" {
		t.Fatalf("data rerouted the button to %v", got)
	}
}
