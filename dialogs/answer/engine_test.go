package answer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

func TestAsk(t *testing.T) {
	e := newFixtureEngine(t, nil)
	tests := []struct {
		name, q, lang string
		answered      bool
		id            string // wanted article when answered
		textHas       string // part of Result.Text
		resultLang    string
	}{
		{"plain", "vad är digital basnivå", "sv", true, "basniva-oversikt", "Källa: Handlingsplan", "sv"},
		{"typo", "signring av avtal", "sv", true, "basniva-digital-signering", "", "sv"},
		{"folded letters", "vad ingår i basnivan", "sv", true, "basniva-oversikt", "", "sv"},
		{"compound", "basnivåtjänster", "sv", true, "basniva-oversikt", "", "sv"},
		{"synonym", "e-signatur", "sv", true, "basniva-digital-signering", "", "sv"},
		{"activity id", "A04", "sv", true, "aktivitet-a04-systemagarradet", "", "sv"},
		{"activity id lowercase", "vad är a4?", "sv", true, "aktivitet-a04-systemagarradet", "", "sv"},
		{"English question, Swedish locale", "what does principle 1 mean", "sv", true, "princip-01-utmana", "Source:", "en"},
		{"English locale, Swedish-only article", "A04", "en", true, "aktivitet-a04-systemagarradet", "only available in Swedish", "sv"},
		{"English locale, Swedish question", "vad är digital basnivå", "en", true, "basniva-oversikt", "Källa:", "sv"},
		{"English locale, no language cues", "digital basniva", "en", true, "basniva-oversikt", "Digital baseline", "en"},
		{"out of scope: lunch", "vad blir det för lunch idag?", "sv", false, "", "Jag vet inte säkert", "sv"},
		{"out of scope: salary", "när betalas lönen ut?", "sv", false, "", "digitalmognad@regiongavleborg.se", "sv"},
		{"out of scope: weather", "what's the weather tomorrow", "sv", false, "", "I don't know", "en"},
		{"empty", "   ", "sv", false, "", "Skriv en fråga", "sv"},
		{"only emoji", "🙂🙂 👍!!", "sv", false, "", "kunde inte läsa", "sv"},
		{"markup only", "<b></b> <i> </i>", "sv", false, "", "kunde inte läsa", "sv"},
		{"html around a question", "<p>vad är <b>digital basnivå</b>?</p>", "sv", true, "basniva-oversikt", "", "sv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Ask(context.Background(), tc.q, tc.lang)
			if r.Answered != tc.answered || r.ArticleID != tc.id {
				t.Fatalf("got answered=%v id=%q score=%.2f text=%q", r.Answered, r.ArticleID, r.Score, r.Text)
			}
			if !strings.Contains(r.Text, tc.textHas) {
				t.Errorf("text %q lacks %q", r.Text, tc.textHas)
			}
			if r.Lang != tc.resultLang {
				t.Errorf("lang %q, want %q", r.Lang, tc.resultLang)
			}
			if r.Score < 0 || r.Score > 1 {
				t.Errorf("score %v outside [0,1]", r.Score)
			}
			if r.Answered && (r.Title == "" || r.Score < e.threshold) {
				t.Errorf("answered without title or below threshold: %+v", r)
			}
		})
	}
}

func TestAskLongQuestionIsCutAndSaysSo(t *testing.T) {
	e := newFixtureEngine(t, nil)
	q := "vad är digital basnivå " + strings.Repeat("och lite mer text ", 600) // ≈ 10 KB
	r := e.Ask(context.Background(), q, "sv")
	if !strings.Contains(r.Text, "de första 500 tecknen") {
		t.Fatalf("no truncation note: %q", r.Text)
	}
	if utf8.RuneCountInString(r.question) > maxQuestionRunes {
		t.Fatalf("searched %d runes", utf8.RuneCountInString(r.question))
	}
}

func TestAskSuggestsWhenUnsure(t *testing.T) {
	// A high threshold turns a real match into "Menade du …?".
	e := newFixtureEngine(t, func(o *Options) { o.Threshold = 0.999 })
	r := e.Ask(context.Background(), "signering", "sv")
	if r.Answered {
		t.Fatalf("answered at threshold 0.999: %+v", r)
	}
	if len(r.Suggestions) == 0 || len(r.Suggestions) > 3 || r.Suggestions[0] != "Digital signering" {
		t.Fatalf("suggestions %v", r.Suggestions)
	}
	if !strings.Contains(r.Text, "Menade du: Digital signering") {
		t.Fatalf("text %q", r.Text)
	}
}

func TestNewOptions(t *testing.T) {
	ctx := context.Background()
	fixtures := fstest.MapFS{"princip/princip-01-utmana.yaml": {Data: []byte(validArticle)}}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"threshold above 1", Options{FS: fixtures, Threshold: 1.5}, "threshold"},
		{"forwarding without store", Options{FS: fixtures, ForwardChannelRef: "conv:x"}, "needs a Store"},
		{"broken kb", Options{FS: fstest.MapFS{"princip/x.yaml": {Data: []byte("id: [")}}}, "princip/x.yaml"},
		{"broken synonyms", Options{FS: fixtures, Synonyms: []byte("synonyms: [{means: x}]")}, "say: required"},
		{"ok", Options{FS: fixtures}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(ctx, tc.o)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				e.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error with %q, got %v", tc.want, err)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := New(cctx, Options{FS: fixtures}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestPrepareQuestion(t *testing.T) {
	tests := []struct {
		in, want  string
		kind      inputKind
		truncated bool
	}{
		{"  vad är   basnivå? ", "vad är basnivå?", inputOK, false},
		{"", "", inputEmpty, false},
		{"\n\t ", "", inputEmpty, false},
		{"😀🎉", "", inputNoWords, false},
		{"?!…", "", inputNoWords, false},
		{"<script>alert(1)</script> basnivå", "alert(1) basnivå", inputOK, false},
		{"[klicka här](https://evil.example) basnivå", "klicka här basnivå", inputOK, false},
		{"{\"type\":\"Action.OpenUrl\"} basnivå", "type : Action.OpenUrl basnivå", inputOK, false},
		{"basniv&aring;", "basnivå", inputOK, false},
		{"bas\u200bnivå\x00", "bas nivå", inputOK, false},
		{strings.Repeat("ord ", 200), strings.TrimSpace(cutRunes(strings.Repeat("ord ", 200), maxQuestionRunes)), inputOK, true},
		{"bad \xff utf8", "bad utf8", inputOK, false},
	}
	for _, tc := range tests {
		q := prepareQuestion(tc.in)
		if q.text != tc.want || q.kind != tc.kind || q.truncated != tc.truncated {
			t.Errorf("prepareQuestion(%q) = %+v, want text %q kind %d truncated %v", tc.in, q, tc.want, tc.kind, tc.truncated)
		}
	}
}

func TestUserTextEscapesMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"vanlig fråga", "vanlig fråga"},
		{"[länk](https://x.example)", `\[länk\]\(https://x.example\)`},
		{"**fet** _kursiv_ `kod`", `\*\*fet\*\* \_kursiv\_ \` + "`" + `kod\` + "`"},
		{"- lista", `\- lista`},
		{"1. lista", `1\. lista`},
		{"# rubrik\n> citat", `\# rubrik \> citat`},
		{"<at>bot</at>", `\<at\>bot\</at\>`},
		{`back\slash`, `back\\slash`},
	}
	for _, tc := range tests {
		if got := userText(tc.in, 100); got != tc.want {
			t.Errorf("userText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := userText(strings.Repeat("å", 50), 10); utf8.RuneCountInString(got) != 10 || !strings.HasSuffix(got, "…") {
		t.Errorf("not shortened: %q", got)
	}
}

func TestDetectLang(t *testing.T) {
	tests := []struct{ q, want string }{
		{"vad är digital basnivå", "sv"},
		{"what is the digital baseline", "en"},
		{"who is responsible for systemägarrådet", "en"},
		{"vem ansvarar for systemagarradet", "sv"},
		{"digital post", ""},
		{"A04", ""},
		{"hur funkar it-coachning", "sv"},
		{"can I use ChatGPT at work", "en"},
	}
	for _, tc := range tests {
		if got := detectLang(tc.q); got != tc.want {
			t.Errorf("detectLang(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestAskCommand(t *testing.T) {
	e := newFixtureEngine(t, nil)
	var out bytes.Buffer
	if err := AskCommand(context.Background(), []string{"--json", "vad", "är", "digital", "basnivå"}, &out, e); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, k := range []string{"answered", "text", "article_id", "title", "score", "suggestions"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing in %s", k, out.String())
		}
	}
	if len(m) != 6 || m["answered"] != true || m["article_id"] != "basniva-oversikt" {
		t.Errorf("got %s", out.String())
	}
	out.Reset()
	if err := AskCommand(context.Background(), []string{"vad blir det för lunch"}, &out, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Jag vet inte säkert") {
		t.Errorf("plain output %q", out.String())
	}
	for _, bad := range [][]string{{}, {"--json"}, {"--lang", "de", "fråga"}, {"--nope", "x"}} {
		if err := AskCommand(context.Background(), bad, &out, e); err == nil {
			t.Errorf("AskCommand(%q) did not fail", bad)
		}
	}
}

func TestLintCommand(t *testing.T) {
	var out bytes.Buffer
	if err := LintCommand(context.Background(), []string{"testdata/fixtures/kb"}, &out); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 errors") {
		t.Errorf("output %q", out.String())
	}
	dir := t.TempDir()
	if err := LintCommand(context.Background(), []string{dir}, &out); err == nil {
		t.Error("empty directory passed lint")
	}
	if err := LintCommand(context.Background(), []string{"testdata/nonexistent"}, &out); err == nil {
		t.Error("missing directory passed lint")
	}
}

// TestAskConcurrently: one engine serves many turns at once (run with -race).
func TestAskConcurrently(t *testing.T) {
	e := newFixtureEngine(t, nil)
	qs := []string{"vad är digital basnivå", "signring", "A04", "what does principle 1 mean", "lunch?"}
	done := make(chan Result)
	for i := 0; i < 20; i++ {
		go func(q string) { done <- e.Ask(context.Background(), q, "sv") }(qs[i%len(qs)])
	}
	for i := 0; i < 20; i++ {
		if r := <-done; r.Text == "" {
			t.Error("empty answer")
		}
	}
}

func TestAnswerLanguage(t *testing.T) {
	tests := []struct{ locale, q, want string }{
		{"sv", "vem ansvarar för systemägarrådet?", "sv"},
		{"en", "vem ansvarar för systemägarrådet?", "sv"}, // Teams in English, question in Swedish
		{"sv", "who is responsible for the system owner council?", "en"},
		{"en", "A12", "en"}, // nothing to tell from: the locale decides
		{"sv", "A12", "sv"},
	}
	for _, tc := range tests {
		if got := answerLang(tc.locale, tc.q); got != tc.want {
			t.Errorf("answerLang(%q, %q) = %q, want %q", tc.locale, tc.q, got, tc.want)
		}
	}
}
