package devchat

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var cardSeeds = []string{
	statusCard,
	refreshedCard,
	reportedCard,
	`{}`,
	`{"body":null,"actions":{}}`,
	`{"body":[{"type":"ColumnSet","columns":[{"type":"Column","items":[{"type":"Container","items":[{"type":"TextBlock","text":"**a** _b_ [c](d) ` + "`e`" + `"}]}]},{"items":7}]}]}`,
	`{"body":[{"type":"Table","rows":[{"cells":[{"items":[{"type":"Image"}]},{}]},{"cells":"x"}]}]}`,
	`{"body":[{"type":"Input.ChoiceSet","id":"c","choices":[{"title":1,"value":null},"x"],"isMultiSelect":"yes","choices.data":{}}]}`,
	`{"body":[{"type":"Input.Number","id":"n","min":"a","max":1e308,"maxLength":-1,"value":true}]}`,
	`{"actions":[{"type":"Action.ShowCard","card":{"actions":[{"type":"Action.ShowCard","card":{"body":[{"type":"Input.Text","id":"x"}]}}]}},{"type":"X","fallback":{"type":"Action.Submit"}}]}`,
	`{"body":[{"type":"TextBlock","text":"\u001b[31m\u202e{{DATE(2026-13-45T00:00:00Z)}}{{TIME(x)}}"}]}`,
	`{"body":[{"type":"FactSet","facts":[{"title":"` + strings.Repeat("k", 200) + `","value":"v"}]}]}`,
	`{"body":[{"type":"RichTextBlock","inlines":[1,{"type":"TextRun","text":"t","selectAction":{"type":"Action.OpenUrl"}}]}]}`,
	`{"fallbackText":"***[x](y)***"}`,
}

func FuzzRenderCard(f *testing.F) {
	for _, s := range cardSeeds {
		f.Add([]byte(s), 60)
		f.Add([]byte(s), 3)
	}
	deep := `{"type":"TextBlock","text":"x"}`
	for range 60 {
		deep = `{"type":"Container","items":[` + deep + `],"selectAction":{"type":"Action.Submit"}}`
	}
	f.Add([]byte(`{"body":[`+deep+`]}`), 80)
	f.Fuzz(func(t *testing.T, data []byte, width int) {
		var card map[string]any
		if json.Unmarshal(data, &card) != nil {
			return
		}
		var b bytes.Buffer
		acts, _ := RenderCard(&b, card, width%500)
		if bytes.ContainsRune(b.Bytes(), 0x1b) {
			t.Fatalf("plain output contains an escape: %q", b.String())
		}
		for i, a := range acts {
			if a.N != i+1 {
				t.Fatalf("action %d numbered %d", i, a.N)
			}
			for _, in := range a.Inputs {
				if in.ID == "" {
					t.Fatalf("action %d submits an input without id", a.N)
				}
			}
		}
		Renderer{Width: width % 500, ANSI: true, Lang: "en"}.Card(io.Discard, card)
	})
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{
		"**a** *b* _c_ ~~d~~ `e` [f](g) \\* &lt; <br> <at>x</at>",
		"# h\n## h2\n- a\n  - b\n1. c\n> q\n---\n```\ncode\n```",
		"***___~~~```[[[](((",
		strings.Repeat("*a ", 500),
		strings.Repeat("[", 300) + strings.Repeat("]", 300),
		"\x1b[2J\u202e\xff",
	} {
		f.Add(s, 40, false)
	}
	f.Fuzz(func(t *testing.T, s string, width int, xml bool) {
		if xml {
			s = xmlToMarkdown(s)
		}
		var b bytes.Buffer
		Renderer{Width: width % 500}.Markdown(&b, s)
		if bytes.ContainsRune(b.Bytes(), 0x1b) {
			t.Fatalf("plain output contains an escape: %q", b.String())
		}
		Renderer{Width: width % 500, ANSI: true}.Markdown(io.Discard, s)
	})
}

// FuzzConnector feeds arbitrary requests from a bot to the connector.
func FuzzConnector(f *testing.F) {
	f.Add("POST", "/v3/conversations/a:1/activities", `{"type":"message","text":"hej","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":`+statusCard+`}]}`)
	f.Add("PUT", "/v3/conversations/a:1/activities/1:dev-x-1", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":"{\"body\":1}"}]}`)
	f.Add("POST", "/v3/conversations", `{"members":[{"id":"29:dev-user"}],"activity":{"text":"x","suggestedActions":{"actions":[{"value":{}}]}}}`)
	f.Add("DELETE", "//v3//conversations/%zz/activities/1", ``)
	f.Add("GET", "/v3/conversations/a/members/29:dev-user", ``)
	f.Add("POST", "/v3/conversations/a/activities", `{"attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":[]}],"textFormat":"xml","text":"<a href='x'>y"}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		c, err := newClient(Options{In: strings.NewReader(""), Out: io.Discard, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, "http://127.0.0.1/", strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path, req.URL.RawPath = path, ""
		if !strings.HasPrefix(path, "/") {
			req.URL.Path = "/" + path
		}
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d", method, path, rec.Code)
		}
	})
}

func FuzzInvokeResult(f *testing.F) {
	f.Add(`{"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":` + statusCard + `}`)
	f.Add(`{"status":200,"body":{"type":"application/vnd.microsoft.activity.message","value":3}}`)
	f.Add(`{"statusCode":400,"type":"application/vnd.microsoft.error","value":"x"}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, body string) {
		c, err := newClient(Options{In: strings.NewReader(""), Out: io.Discard, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		e := &entry{n: 1, convID: c.convID}
		c.invokeResult(e, 200, []byte(body))
	})
}

func FuzzInputResolve(f *testing.F) {
	f.Add("Input.ChoiceSet", "1,2,x", "a", "", true)
	f.Add("Input.Number", "1e999", "", "5", false)
	f.Add("Input.Date", "2026-01-01", "2027-01-01", "x", false)
	f.Add("Input.Text", "abc", "[", "", true)
	f.Add("Input.Time", "25:00", "", "", false)
	f.Add("Input.Toggle", "ja", "", "", false)
	f.Fuzz(func(t *testing.T, typ, typed, min, regex string, multi bool) {
		in := Input{ID: "x", Type: typ, Min: min, Max: min, Regex: regex, MultiSelect: multi,
			Choices: []Choice{{"A", "a"}, {"B", "b,c"}}, ValueOn: "on", ValueOff: "off", MaxLength: 5}
		v, msg := in.resolve(typed, &textEN)
		if v != "" && msg != "" {
			t.Fatalf("both value %q and message %q", v, msg)
		}
	})
}
