package devchat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func cardOf(t testing.TB, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("bad test card: %v\n%s", err, body)
	}
	return m
}

// bodyCard wraps elements in an AdaptiveCard.
func bodyCard(t testing.TB, elements ...string) map[string]any {
	return cardOf(t, `{"type":"AdaptiveCard","version":"1.5","body":[`+strings.Join(elements, ",")+`]}`)
}

func TestRenderCardElements(t *testing.T) {
	tests := []struct {
		name  string
		width int
		els   []string
		want  string
	}{
		{"TextBlock plain", 40, []string{`{"type":"TextBlock","text":"Hej världen"}`}, "Hej världen\n"},
		{"TextBlock large heading", 40, []string{`{"type":"TextBlock","text":"Rubrik","size":"Large"}`}, "Rubrik\n──────\n"},
		{"TextBlock style heading", 40, []string{`{"type":"TextBlock","text":"Rubrik","style":"heading"}`}, "Rubrik\n──────\n"},
		{"TextBlock extra large", 40, []string{`{"type":"TextBlock","text":"Stor","size":"ExtraLarge"}`}, "Stor\n════\n"},
		{"TextBlock bolder is plain without a terminal", 40, []string{`{"type":"TextBlock","text":"Fet","weight":"Bolder","isSubtle":true}`}, "Fet\n"},
		{"TextBlock markdown", 40, []string{`{"type":"TextBlock","text":"Se **planen** och [länken](https://ex.se).\n- ett\n- två\n1. först"}`},
			"Se planen och länken (https://ex.se).\n• ett\n• två\n1. först\n"},
		{"TextBlock wraps", 20, []string{`{"type":"TextBlock","text":"en två tre fyra fem sex sju åtta nio tio","wrap":true}`},
			"en två tre fyra fem\nsex sju åtta nio tio\n"},
		{"TextBlock DATE and TIME", 40, []string{`{"type":"TextBlock","text":"{{DATE(2026-03-02T09:30:00Z, SHORT)}} kl {{TIME(2026-03-02T09:30:00Z)}}"}`},
			"2026-03-02 kl 10:30\n"},
		{"hidden element", 40, []string{`{"type":"TextBlock","text":"syns inte","isVisible":false}`, `{"type":"TextBlock","text":"syns"}`}, "syns\n"},
		{"RichTextBlock", 40, []string{`{"type":"RichTextBlock","inlines":["Vanlig ",{"type":"TextRun","text":"fet","weight":"Bolder"},{"type":"TextRun","text":" länk","selectAction":{"type":"Action.OpenUrl","url":"https://ex.se"}}]}`},
			"Vanlig fet länk (https://ex.se)\n"},
		{"FactSet aligned", 40, []string{`{"type":"FactSet","facts":[{"title":"Status","value":"Pågår"},{"title":"Ansvarig:","value":"Anna **Berg**"},{"title":"Nästa steg","value":"Ett långt värde som måste radbrytas snyggt"}]}`},
			"Status:     Pågår\nAnsvarig:   Anna Berg\nNästa steg: Ett långt värde som måste\n            radbrytas snyggt\n"},
		{"ColumnSet side by side", 40, []string{`{"type":"ColumnSet","columns":[{"type":"Column","items":[{"type":"TextBlock","text":"Status"}]},{"type":"Column","items":[{"type":"TextBlock","text":"Pågår"}]}]}`},
			"Status  Pågår\n"},
		{"ColumnSet stacked", 30, []string{`{"type":"ColumnSet","columns":[{"type":"Column","items":[{"type":"Image","url":"x","altText":"Logo"}]},{"type":"Column","items":[{"type":"TextBlock","text":"Rad ett"},{"type":"TextBlock","text":"Rad två"}]}]}`},
			"  [bild: Logo]\n  Rad ett\n  Rad två\n"},
		{"Container indents", 40, []string{`{"type":"Container","items":[{"type":"TextBlock","text":"inne"},{"type":"Container","items":[{"type":"TextBlock","text":"djupare"}]}]}`},
			"  inne\n    djupare\n"},
		{"Image", 40, []string{`{"type":"Image","url":"https://x/y.png","altText":"Diagram"}`, `{"type":"Image","url":"https://x/z.png"}`},
			"[bild: Diagram]\n[bild]\n"},
		{"ImageSet", 40, []string{`{"type":"ImageSet","images":[{"type":"Image","altText":"a"},{"type":"Image","altText":"b"}]}`}, "[bild: a] [bild: b]\n"},
		{"Media", 40, []string{`{"type":"Media","altText":"Film","sources":[]}`}, "[media: Film]\n"},
		{"ActionSet and action kinds", 60, []string{`{"type":"ActionSet","actions":[
			{"type":"Action.Submit","title":"Skicka","data":{"action":"x"}},
			{"type":"Action.Execute","title":"Uppdatera","verb":"refresh"},
			{"type":"Action.OpenUrl","title":"Öppna","url":"https://ex.se"},
			{"type":"Action.ToggleVisibility","title":"Detaljer","targetElements":["d"]},
			{"type":"Action.Submit","title":"Av","isEnabled":false},
			{"type":"Action.ShowCard","title":"Mer","card":{"type":"AdaptiveCard","body":[{"type":"TextBlock","text":"Inuti"}],"actions":[{"type":"Action.Submit","title":"OK"}]}},
			{"type":"Action.Popover","title":"Ny"}]}`},
			"[1] Skicka\n[2] Uppdatera\n[3] Öppna → https://ex.se\n[4] Detaljer (visa/dölj)\n[5] Av (inaktiv)\n[6] Mer ▾\n· Ny (Action.Popover stöds inte i terminalen.)\n▾ Mer\n  Inuti\n  [7] OK\n"},
		{"Input.Text", 60, []string{`{"type":"Input.Text","id":"comment","label":"Kommentar","isRequired":true,"placeholder":"Skriv här"}`, `{"type":"Input.Text","id":"name","value":"Anna"}`},
			"✎ Kommentar (comment, obligatoriskt): ‹Skriv här›\n✎ name: \"Anna\"\n"},
		{"Input.ChoiceSet", 60, []string{`{"type":"Input.ChoiceSet","id":"days","label":"Dagar","isMultiSelect":true,"value":"mon,wed","choices":[{"title":"Måndag","value":"mon"},{"title":"Tisdag","value":"tue"},{"title":"Onsdag","value":"wed"}]}`},
			"✎ Dagar (days, flerval): \"Måndag, Onsdag\"\n  1) Måndag ✓\n  2) Tisdag\n  3) Onsdag ✓\n"},
		{"Input.Date and Input.Time", 60, []string{`{"type":"Input.Date","id":"d","label":"Datum","min":"2026-01-01","max":"2026-12-31","value":"2026-03-02"}`, `{"type":"Input.Time","id":"t","label":"Tid"}`},
			"✎ Datum (d, ÅÅÅÅ-MM-DD 2026-01-01–2026-12-31): \"2026-03-02\"\n✎ Tid (t, TT:MM):\n"},
		{"Input.Toggle", 60, []string{`{"type":"Input.Toggle","id":"n","title":"Meddela mig","value":"yes","valueOn":"yes","valueOff":"no"}`, `{"type":"Input.Toggle","id":"m","title":"Tyst"}`},
			"✎ Meddela mig (n): [x]\n✎ Tyst (m): [ ]\n"},
		{"Input.Number", 60, []string{`{"type":"Input.Number","id":"p","label":"Procent","min":0,"max":100,"value":50}`},
			"✎ Procent (p, 0–100): \"50\"\n"},
		{"Table", 40, []string{`{"type":"Table","columns":[{"width":1},{"width":1}],"rows":[
			{"type":"TableRow","cells":[{"type":"TableCell","items":[{"type":"TextBlock","text":"Namn"}]},{"type":"TableCell","items":[{"type":"TextBlock","text":"Status"}]}]},
			{"type":"TableRow","cells":[{"type":"TableCell","items":[{"type":"TextBlock","text":"Aktivitet A1"}]},{"type":"TableCell","items":[{"type":"TextBlock","text":"Klar"}]}]}]}`},
			"Namn         │ Status\n─────────────────────\nAktivitet A1 │ Klar\n"},
		{"selectAction", 40, []string{`{"type":"Container","items":[{"type":"TextBlock","text":"Klicka"}],"selectAction":{"type":"Action.Submit","title":"Välj","data":{"a":1}}}`},
			"  Klicka\n[1] ↑ Välj\n"},
		{"unknown element and fallbacks", 60, []string{`{"type":"Carousel"}`, `{"type":"Future","fallback":"drop"}`, `{"type":"Future","fallback":{"type":"TextBlock","text":"reserv"}}`},
			"[Carousel kan inte visas här]\nreserv\n"},
		{"control characters are removed", 40, []string{`{"type":"TextBlock","text":"a\u001b[31mröd\u202e b"}`}, "a[31mröd b\n"},
		{"junk is skipped", 40, []string{`17`, `"x"`, `{"type":3}`, `{"type":"FactSet","facts":[1,{"title":2,"value":true}]}`},
			"[3 kan inte visas här]\n2: true\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			RenderCard(&b, bodyCard(t, tt.els...), tt.width)
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s\n(got %q)", got, tt.want, got)
			}
		})
	}
}

func TestRenderCardFallbackTextAndDepth(t *testing.T) {
	var b strings.Builder
	RenderCard(&b, cardOf(t, `{"type":"AdaptiveCard","body":[],"fallbackText":"Kortet kräver **Teams**"}`), 40)
	if got := b.String(); got != "Kortet kräver Teams\n" {
		t.Errorf("fallbackText: got %q", got)
	}
	deep := `{"type":"TextBlock","text":"botten"}`
	for range 40 {
		deep = `{"type":"Container","items":[` + deep + `]}`
	}
	b.Reset()
	RenderCard(&b, bodyCard(t, deep), 80)
	if !strings.Contains(b.String(), "…") || strings.Contains(b.String(), "botten") {
		t.Errorf("deep nesting should be cut with …, got:\n%s", b.String())
	}
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		if visibleWidth(l) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
	}
}

func TestRenderCardActionsAndInputScopes(t *testing.T) {
	card := cardOf(t, `{"type":"AdaptiveCard","body":[
		{"type":"Input.Text","id":"a","label":"A"},
		{"type":"ActionSet","actions":[{"type":"Action.Submit","title":"Tidig","data":{"k":"v"}}]},
		{"type":"Input.Toggle","id":"b","title":"B"}
	],"actions":[
		{"type":"Action.Execute","title":"Kör","verb":"run","id":"run1","data":{"x":1}},
		{"type":"Action.Submit","title":"Utan fält","associatedInputs":"none"},
		{"type":"Action.ShowCard","title":"Mer","card":{"type":"AdaptiveCard","body":[{"type":"Input.Number","id":"c","label":"C"}],
			"actions":[{"type":"Action.Submit","title":"Inre"}]}},
		{"type":"Action.OpenUrl","url":"https://ex.se"}
	]}`)
	acts, ins := RenderCard(&strings.Builder{}, card, 60)
	type short struct {
		N           int
		Type, Title string
		Verb, ID    string
		URL         string
		Inputs      []string
		HasCard     bool
	}
	var got []short
	for _, a := range acts {
		s := short{N: a.N, Type: a.Type, Title: a.Title, Verb: a.Verb, ID: a.ID, URL: a.URL, HasCard: a.Card != nil}
		for _, in := range a.Inputs {
			s.Inputs = append(s.Inputs, in.ID)
		}
		got = append(got, s)
	}
	want := []short{
		{N: 1, Type: "Action.Submit", Title: "Tidig", Inputs: []string{"a", "b"}},
		{N: 2, Type: "Action.Execute", Title: "Kör", Verb: "run", ID: "run1", Inputs: []string{"a", "b"}},
		{N: 3, Type: "Action.Submit", Title: "Utan fält"},
		{N: 4, Type: "Action.ShowCard", Title: "Mer", Inputs: []string{"a", "b"}, HasCard: true},
		{N: 5, Type: "Action.OpenUrl", Title: "https://ex.se", URL: "https://ex.se", Inputs: []string{"a", "b"}},
		{N: 6, Type: "Action.Submit", Title: "Inre", Inputs: []string{"a", "b", "c"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("actions:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(acts[1].Data, map[string]any{"x": 1.0}) {
		t.Errorf("execute data = %v", acts[1].Data)
	}
	var ids []string
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	if !reflect.DeepEqual(ids, []string{"a", "b", "c"}) {
		t.Errorf("inputs = %v", ids)
	}
	if ins[1].ValueOn != "true" || ins[1].ValueOff != "false" || ins[1].Value != "false" {
		t.Errorf("toggle defaults = %+v", ins[1])
	}
}

func TestRendererANSIAndEnglish(t *testing.T) {
	card := bodyCard(t,
		`{"type":"TextBlock","text":"Rubrik","size":"Large"}`,
		`{"type":"TextBlock","text":"tyst","isSubtle":true}`,
		`{"type":"Image","altText":"Logo"}`,
		`{"type":"Input.Text","id":"x","isRequired":true}`)
	var b strings.Builder
	Renderer{Width: 40, ANSI: true, Lang: "en"}.Card(&b, card)
	want := "\x1b[1mRubrik\x1b[22m\n\x1b[2mtyst\x1b[22m\n[image: Logo]\n✎ x (required):\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**fet** och *kursiv* och _också_", "fet och kursiv och också"},
		{"snake_case_namn och fil_1.txt", "snake_case_namn och fil_1.txt"},
		{"5 * 3 * 2", "5 * 3 * 2"},
		{"`kod` ~~struken~~", "kod struken"},
		{"[https://ex.se](https://ex.se) och [text](https://ex.se/a)", "https://ex.se och text (https://ex.se/a)"},
		{`\*inte fet\* och &lt;b&gt;`, "*inte fet* och <b>"},
		{"rad ett<br>rad två<br/>tre", "rad ett\nrad två\ntre"},
		{"Hej <at>Digibot</at>!", "Hej @Digibot!"},
		{"# Rubrik\ntext", "Rubrik\n══════\ntext"},
		{"### Liten\ntext", "Liten\ntext"},
		{"- a\n  - b\n* c\n10. tio", "• a\n  • b\n• c\n10. tio"},
		{"> citat", "│ citat"},
		{"före\n\n\n\nefter", "före\n\nefter"},
		{"---", strings.Repeat("─", 40)},
		{"```\n**inte** fet\n```", "    **inte** fet"},
		{"**ostängd och [ostängd](", "**ostängd och [ostängd]("},
		{"***", strings.Repeat("─", 40)},
	}
	for _, tt := range tests {
		var b strings.Builder
		Renderer{Width: 50}.Markdown(&b, tt.in)
		if got := strings.TrimSuffix(b.String(), "\n"); got != tt.want {
			t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		s, first, rest string
		width          int
		want           []string
	}{
		{"a b c", "", "", 20, []string{"a b c"}},
		{"ett två tre fyra", "• ", "  ", 16, []string{"• ett två tre", "  fyra"}},
		{strings.Repeat("x", 30), "", "", 12, []string{strings.Repeat("x", 12), strings.Repeat("x", 12), "xxxxxx"}},
		{"a\n\nb", "> ", "> ", 20, []string{"> a", ">", "> b"}},
		{"ord " + strings.Repeat("y", 14), "", "", 12, []string{"ord", "yyyyyyyyyyyy", "yy"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.s, tt.width, tt.first, tt.rest); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
	}
	// Escape sequences take no columns and are never split.
	s := style{ansi: true}
	got := wrap(s.bold("abcdefghij")+" "+s.bold("klm"), 12, "", "")
	if len(got) != 2 || visibleWidth(got[0]) != 10 || got[1] != s.bold("klm") {
		t.Errorf("ANSI wrap = %q", got)
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ren text", "ren text"},
		{"a\x1b[2Jb", "a[2Jb"},
		{"rad\r\nny\rtre", "rad\nny\ntre"},
		{"tab\there", "tab    here"},
		{"bidi\u202eevil\u2066", "bidievil"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"c1\u009bx", "c1x"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestXMLToMarkdown(t *testing.T) {
	var b strings.Builder
	Renderer{Width: 60}.Markdown(&b, xmlToMarkdown(`<p>Hej <b>du</b>, se <a href="https://ex.se">länken</a><br>och <at>Anna</at></p><ul><li>ett</li><li>två</li></ul><script>x</script>`))
	want := "Hej du, se länken (https://ex.se)\noch @Anna\n\n• ett\n• två\nx\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
