package devchat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
)

var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) // 10:30 in Stockholm

func fixedNow() time.Time { return testNow }

const statusCard = `{"type":"AdaptiveCard","version":"1.5","body":[
 {"type":"TextBlock","text":"Veckans status","size":"Large","weight":"Bolder"},
 {"type":"FactSet","facts":[{"title":"Aktivitet","value":"A1 Införa e-tjänst"}]},
 {"type":"Input.Text","id":"comment","label":"Kommentar","isRequired":true,"errorMessage":"Skriv en kommentar."},
 {"type":"Input.ChoiceSet","id":"status","label":"Status","value":"ongoing","choices":[{"title":"Pågår","value":"ongoing"},{"title":"Klar","value":"done"},{"title":"Försenad","value":"late"}]},
 {"type":"Input.Date","id":"due","label":"Klart senast","value":"2026-03-31"},
 {"type":"Input.Toggle","id":"notify","title":"Meddela mig","valueOn":"yes","valueOff":"no"},
 {"type":"Input.Number","id":"percent","label":"Procent klart","min":0,"max":100}
],"actions":[
 {"type":"Action.Submit","title":"Skicka","data":{"action":"status.report","activity":"A1"}},
 {"type":"Action.Execute","title":"Uppdatera","verb":"status.refresh","data":{"activity":"A1"}},
 {"type":"Action.OpenUrl","title":"Handlingsplanen","url":"https://example.se/plan"}
]}`

const refreshedCard = `{"type":"AdaptiveCard","version":"1.5","body":[
 {"type":"TextBlock","text":"Status uppdaterad"},
 {"type":"Input.Text","id":"comment","label":"Kommentar","value":"x"}
],"actions":[{"type":"Action.Submit","title":"Skicka igen","data":{"action":"status.report","activity":"A1"}}]}`

const reportedCard = `{"type":"AdaptiveCard","version":"1.5","body":[{"type":"TextBlock","text":"Rapporterad"}],
"actions":[{"type":"Action.OpenUrl","title":"Handlingsplanen","url":"https://example.se/plan"}]}`

// fakeBot is a bot endpoint speaking the Bot Framework protocol: it records
// what the client POSTs and answers through the client's connector at
// serviceUrl before acknowledging, as a bot replying in the turn does.
type fakeBot struct {
	t       *testing.T
	mu      sync.Mutex
	got     []map[string]any
	auth    []string
	cardIDs []string
	events  []string
	health  int // /healthz answers 503 this many times first
}

func (b *fakeBot) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.health > 0 {
			b.health--
			b.events = append(b.events, "health 503")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b.events = append(b.events, "health 200")
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("POST /api/messages", b.messages)
	return mux
}

func (b *fakeBot) messages(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.t.Errorf("client sent invalid JSON: %v", err)
	}
	// The project parses activities with msbotbuilder-go's schema.
	var a schema.Activity
	if err := json.Unmarshal(raw, &a); err != nil {
		b.t.Errorf("activity does not parse as schema.Activity: %v\n%s", err, raw)
	}
	b.mu.Lock()
	b.got = append(b.got, m)
	b.auth = append(b.auth, r.Header.Get("Authorization"))
	b.events = append(b.events, "activity "+string(a.Type))
	b.mu.Unlock()

	svc, conv := a.ServiceURL, a.Conversation.ID
	switch {
	case a.Type == schema.InstallationUpdate:
		b.reply(svc, conv, a.ID, textReply("Hej **Dev User**! Jag är Digibot.\n- fråga mig\n- skriv *hjälp*"))
	case a.Type == schema.Invoke:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":`+refreshedCard+`}`)
		return
	case a.Value != nil:
		b.reply(svc, conv, a.ID, textReply("Tack, rapporten är sparad."))
		b.update(svc, conv, a.ReplyToID, cardReply(b.t, reportedCard))
	case a.Text == "kort":
		id := b.reply(svc, conv, a.ID, cardReply(b.t, statusCard))
		b.mu.Lock()
		b.cardIDs = append(b.cardIDs, id)
		b.mu.Unlock()
	case a.Text == "proaktiv":
		c2 := b.create(svc, a.From)
		b.call(http.MethodPost, svc+"v3/conversations/"+url.PathEscape(c2)+"/activities", textReply("Påminnelse: dags att rapportera."))
	case a.Text == "fel":
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "trasig")
		return
	default:
		b.reply(svc, conv, a.ID, textReply("Du skrev: "+a.Text))
	}
	w.WriteHeader(http.StatusOK)
}

func textReply(text string) schema.Activity {
	t := turn.New(schema.Activity{})
	t.SendText(text)
	return t.Replies()[0]
}

func cardReply(tb testing.TB, card string) schema.Activity {
	t := turn.New(schema.Activity{})
	t.SendCard(cardOf(tb, card))
	return t.Replies()[0]
}

func (b *fakeBot) reply(svc, conv, replyTo string, a schema.Activity) string {
	a.ReplyToID = replyTo
	return b.call(http.MethodPost, svc+"v3/conversations/"+url.PathEscape(conv)+"/activities/"+url.PathEscape(replyTo), a)
}

func (b *fakeBot) update(svc, conv, id string, a schema.Activity) {
	a.ID = id
	b.call(http.MethodPut, svc+"v3/conversations/"+url.PathEscape(conv)+"/activities/"+url.PathEscape(id), a)
}

// create opens a conversation with the user, as proactive messages do; the
// double slash is what a bot joining serviceUrl carelessly sends.
func (b *fakeBot) create(svc string, user schema.ChannelAccount) string {
	params := schema.ConversationParameters{Bot: schema.ChannelAccount{ID: BotID}, Members: []schema.ChannelAccount{user}, TenantID: DevTenantID}
	return b.call(http.MethodPost, svc+"/v3/conversations", params)
}

func (b *fakeBot) call(method, u string, v any) string {
	body, _ := json.Marshal(v)
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Errorf("%s %s: %v", method, u, err)
		return ""
	}
	defer resp.Body.Close()
	var rr struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&rr)
	if resp.StatusCode/100 != 2 || rr.ID == "" {
		b.t.Errorf("%s %s: status %d, id %q", method, u, resp.StatusCode, rr.ID)
	}
	return rr.ID
}

func (b *fakeBot) activities() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]map[string]any(nil), b.got...)
}

func startFakeBot(t *testing.T) (*fakeBot, string) {
	b := &fakeBot{t: t}
	srv := httptest.NewServer(b.handler())
	t.Cleanup(srv.Close)
	return b, srv.URL + "/api/messages"
}

// expected is an activity as the client must send it, without its id.
func expected(typ, svc string, extra map[string]any) map[string]any {
	m := map[string]any{
		"type":           typ,
		"timestamp":      "2026-03-02T09:30:00Z",
		"localTimestamp": "2026-03-02T10:30:00+01:00",
		"localTimezone":  "Europe/Stockholm",
		"serviceUrl":     svc,
		"channelId":      "msteams",
		"from":           map[string]any{"id": "29:dev-user", "name": "Dev User", "aadObjectId": DevUserAADID},
		"conversation":   map[string]any{"conversationType": "personal", "tenantId": "dev-tenant", "id": DevConversationID},
		"recipient":      map[string]any{"id": "28:digibot", "name": "Digibot"},
		"locale":         "sv-SE",
		"entities": []any{map[string]any{
			"type": "clientInfo", "locale": "sv-SE", "country": "SE", "platform": "Web", "timezone": "Europe/Stockholm",
		}},
		"channelData": map[string]any{"tenant": map[string]any{"id": "dev-tenant"}},
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// inOrder fails unless every part occurs in out, each after the previous.
func inOrder(t *testing.T, out string, parts ...string) {
	t.Helper()
	rest := out
	for _, p := range parts {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Errorf("output lacks (in order) %q\n--- output ---\n%s", p, out)
			return
		}
		rest = rest[i+len(p):]
	}
}

func TestRunConversation(t *testing.T) {
	bot, endpoint := startFakeBot(t)
	script := strings.Join([]string{
		"hej",
		"kort",
		"/2", "x", "", "", "", "", // Execute: comment, status, due, notify, percent
		"/1", "", // Submit on the refreshed card: keep the comment
		"kort",
		"/1", "", "Går bra", "3", "", "ja", "150", "75", // required re-asked, choice by number, range re-asked
		"/kort",
		"/kort 1 /1",
		"/7",
		"/kort 9 /1",
		"proaktiv",
		"/okänt",
		"//hej",
		"fel",
		"/help",
		"/quit",
		"efter quit",
	}, "\n") + "\n"
	var out bytes.Buffer
	err := Run(t.Context(), Options{Endpoint: endpoint, In: strings.NewReader(script), Out: &out, Now: fixedNow, Settle: time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	got := bot.activities()
	if len(got) != 10 {
		for _, a := range got {
			t.Logf("%v %v %v", a["type"], a["text"], a["value"])
		}
		t.Fatalf("client sent %d activities, want 10", len(got))
	}
	svc, _ := got[0]["serviceUrl"].(string)
	if !strings.HasPrefix(svc, "http://127.0.0.1:") || !strings.HasSuffix(svc, "/") {
		t.Errorf("serviceUrl = %q, want the client's own connector", svc)
	}
	ids := map[string]bool{}
	for i, a := range got {
		id, _ := a["id"].(string)
		if id == "" || ids[id] {
			t.Errorf("activity %d: id %q empty or repeated", i, id)
		}
		ids[id] = true
		delete(a, "id")
	}
	for i, h := range bot.auth {
		if h != "" {
			t.Errorf("activity %d carried Authorization %q; dev mode sends none", i, h)
		}
	}
	card1, card2 := bot.cardIDs[0], bot.cardIDs[1]
	want := []map[string]any{
		expected("installationUpdate", svc, map[string]any{"action": "add"}),
		expected("message", svc, map[string]any{"text": "hej", "textFormat": "plain"}),
		expected("message", svc, map[string]any{"text": "kort", "textFormat": "plain"}),
		expected("invoke", svc, map[string]any{"name": "adaptiveCard/action", "replyToId": card1, "value": map[string]any{
			"action": map[string]any{"type": "Action.Execute", "verb": "status.refresh", "data": map[string]any{
				"activity": "A1", "comment": "x", "status": "ongoing", "due": "2026-03-31", "notify": "no",
			}},
			"trigger": "manual",
		}}),
		expected("message", svc, map[string]any{"replyToId": card1, "value": map[string]any{
			"action": "status.report", "activity": "A1", "comment": "x",
		}}),
		expected("message", svc, map[string]any{"text": "kort", "textFormat": "plain"}),
		expected("message", svc, map[string]any{"replyToId": card2, "value": map[string]any{
			"action": "status.report", "activity": "A1", "comment": "Går bra", "status": "late",
			"due": "2026-03-31", "notify": "yes", "percent": "75",
		}}),
		expected("message", svc, map[string]any{"text": "proaktiv", "textFormat": "plain"}),
		expected("message", svc, map[string]any{"text": "/hej", "textFormat": "plain"}),
		expected("message", svc, map[string]any{"text": "fel", "textFormat": "plain"}),
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.MarshalIndent(got[i], "", " ")
			w, _ := json.MarshalIndent(want[i], "", " ")
			t.Errorf("activity %d:\n got %s\nwant %s", i, g, w)
		}
	}

	o := out.String()
	inOrder(t, o,
		"Digibot i terminalen",
		"Ansluten till "+endpoint,
		"Digibot · 10:30\n  Hej Dev User! Jag är Digibot.\n  • fråga mig\n  • skriv hjälp\n",
		"> hej\nDigibot · 10:30\n  Du skrev: hej\n",
		"> kort\nDigibot · 10:30\n"+
			"  ┌ kort 1\n"+
			"  │ Veckans status\n"+
			"  │ ──────────────\n"+
			"  │ Aktivitet: A1 Införa e-tjänst\n"+
			"  │ ✎ Kommentar (comment, obligatoriskt):\n"+
			"  │ ✎ Status (status): \"Pågår\"\n"+
			"  │   1) Pågår ✓\n"+
			"  │   2) Klar\n"+
			"  │   3) Försenad\n"+
			"  │ ✎ Klart senast (due, ÅÅÅÅ-MM-DD): \"2026-03-31\"\n"+
			"  │ ✎ Meddela mig (notify): [ ]\n"+
			"  │ ✎ Procent klart (percent, 0–100):\n"+
			"  │ [1] Skicka\n"+
			"  │ [2] Uppdatera\n"+
			"  │ [3] Handlingsplanen → https://example.se/plan\n"+
			"  └ skriv /1–/3 för att trycka på en knapp\n",
		"> /2\nFyll i kortet",
		"  Kommentar: x\n",
		"  Status:\n    1) Pågår\n    2) Klar\n    3) Försenad\n  Status (nummer eller värde) [Pågår]: \n",
		"  Klart senast (ÅÅÅÅ-MM-DD) [2026-03-31]: \n",
		"  Meddela mig (ja/nej) [nej]: \n",
		"  Procent klart: \n",
		"Digibot · 10:30 (uppdaterad)\n  ┌ kort 1 (uppdaterad)\n  │ Status uppdaterad\n  │ ✎ Kommentar (comment): \"x\"\n  │ [1] Skicka igen\n  └ skriv /1 för att trycka på knappen\n",
		"> /1\n", "  Kommentar [x]: \n",
		"  Tack, rapporten är sparad.\n",
		"Digibot · 10:30 (uppdaterad)\n  ┌ kort 1 (uppdaterad)\n  │ Rapporterad\n  │ [1] Handlingsplanen → https://example.se/plan\n",
		"┌ kort 2\n",
		"  Kommentar: \n  Skriv en kommentar.\n  Kommentar: Går bra\n",
		"  Status (nummer eller värde) [Pågår]: 3\n",
		"  Procent klart: 150\n  Talet ska vara mellan 0 och 100.\n  Procent klart: 75\n",
		"> /kort\nSenaste korten:\n  kort 1 (10:30) Rapporterad – 1 knapp\n  kort 2 (10:30) Rapporterad – 1 knapp\n",
		"> /kort 1 /1\nÖppna i webbläsaren: https://example.se/plan\n",
		"> /7\nKnapp 7 finns inte; kortet har knapp 1–1.\n",
		"> /kort 9 /1\nKort 9 finns inte (längre).",
		"> proaktiv\nDigibot · 10:30\n  Påminnelse: dags att rapportera.\n",
		"> /okänt\nOkänt kommando /okänt.",
		"> //hej\nDigibot · 10:30\n  Du skrev: /hej\n",
		"> fel\nDigibot svarade med HTTP 500: trasig\n",
		"> /help\nSkriv som i Teams",
		"/kort N /1",
		"> /quit\n",
	)
	if strings.Contains(o, "efter quit") {
		t.Error("lines after /quit were read")
	}
}

func TestRunEnglishAndEndOfInput(t *testing.T) {
	bot, endpoint := startFakeBot(t)
	var out bytes.Buffer
	err := Run(t.Context(), Options{Endpoint: endpoint, Lang: "en", UserName: "Ada", In: strings.NewReader("/help\n/1\nhello"), Out: &out, Now: fixedNow, Settle: time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := bot.activities()
	if len(got) != 2 {
		t.Fatalf("sent %d activities, want 2 (installationUpdate, hello)", len(got))
	}
	for _, a := range got {
		ent := a["entities"].([]any)[0].(map[string]any)
		if a["locale"] != "en-US" || ent["locale"] != "en-US" || ent["country"] != "US" {
			t.Errorf("locale = %v, clientInfo = %v", a["locale"], ent)
		}
		if a["from"].(map[string]any)["name"] != "Ada" {
			t.Errorf("from = %v", a["from"])
		}
	}
	if got[1]["text"] != "hello" {
		t.Errorf("last line without newline: text = %v", got[1]["text"])
	}
	inOrder(t, out.String(), "Digibot in the terminal", "> /help\nType as in Teams", "/card N /1", "> /1\nThere is no card yet.", "> hello\n", "Du skrev: hello")
}

func TestRunStartsServerAndWaitsForHealth(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	bot := &fakeBot{t: t, health: 3}
	var mu sync.Mutex
	var started string
	stopped := false
	start := func(ctx context.Context, a string) (func(), error) {
		mu.Lock()
		started = a
		mu.Unlock()
		l, err := net.Listen("tcp", a)
		if err != nil {
			return nil, err
		}
		srv := &http.Server{Handler: bot.handler()}
		go func() { _ = srv.Serve(l) }()
		return func() {
			_ = srv.Close()
			mu.Lock()
			stopped = true
			mu.Unlock()
		}, nil
	}
	var out bytes.Buffer
	err = Run(t.Context(), Options{Endpoint: "http://" + addr + "/api/messages", In: strings.NewReader("hej\n"), Out: &out, StartServer: start, Now: fixedNow, Settle: time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if started != addr || !stopped {
		t.Errorf("StartServer(%q) called: %q, stopped: %v", addr, started, stopped)
	}
	bot.mu.Lock()
	events := strings.Join(bot.events, ",")
	bot.mu.Unlock()
	if want := "health 503,health 503,health 503,health 200,activity installationUpdate,activity message"; events != want {
		t.Errorf("events = %s\nwant %s", events, want)
	}
	inOrder(t, out.String(), "Ingen Digibot svarar på "+addr, "Den lokala servern är igång.", "Du skrev: hej")
}

func TestRunErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/api/messages"
	_ = ln.Close()
	failing := func(context.Context, string) (func(), error) { return nil, errors.New("port taken") }
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no server and nothing to start", Options{Endpoint: closed}, "no bot answers"},
		{"start fails", Options{Endpoint: closed, StartServer: failing}, "port taken"},
		{"remote endpoint is never started", Options{Endpoint: "http://192.0.2.1:1/api/messages", StartServer: failing}, "no bot answers"},
		{"bad endpoint", Options{Endpoint: "ftp://x"}, "not an http(s) URL"},
		{"bad language", Options{Lang: "de"}, "use sv or en"},
		{"no output", Options{Out: nil}, "In and Out are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.In == nil && tt.name != "no output" {
				tt.o.In = strings.NewReader("")
			}
			if tt.o.Out == nil && tt.name != "no output" {
				tt.o.Out = io.Discard
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			err := Run(ctx, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestRunStopsWithContext(t *testing.T) {
	_, endpoint := startFakeBot(t)
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Endpoint: endpoint, In: pr, Out: &out, Now: fixedNow, Settle: time.Millisecond})
	}()
	// Wait until the client prompts, then cancel.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "> ") {
		if time.Now().After(deadline) {
			t.Fatalf("no prompt; output:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testClient is a client with its connector served by httptest.
func testClient(t *testing.T) (*client, *bytes.Buffer, string) {
	t.Helper()
	var out bytes.Buffer
	c, err := newClient(Options{In: strings.NewReader(""), Out: &out, Now: fixedNow, Width: 60})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	c.serviceURL = srv.URL + "/"
	return c, &out, srv.URL
}

func TestConnector(t *testing.T) {
	c, out, base := testClient(t)
	do := func(method, path, body string) (int, map[string]any, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return resp.StatusCode, m, string(raw)
	}
	conv := "/v3/conversations/" + url.PathEscape(DevConversationID)

	code, m, _ := do("POST", conv+"/activities", `{"type":"message","text":"hej"}`)
	id, _ := m["id"].(string)
	if code != http.StatusCreated || !strings.HasPrefix(id, "1:dev-") {
		t.Errorf("send: %d %v", code, m)
	}
	if code, m, _ = do("POST", "/"+conv+"/activities/abc", `{"type":"message","text":"svar"}`); code != http.StatusCreated || m["id"] == id {
		t.Errorf("reply with // in path: %d %v", code, m)
	}
	if code, _, _ = do("POST", conv+"/activities", `{"type":"typing"}`); code != http.StatusCreated {
		t.Errorf("typing: %d", code)
	}
	if code, m, _ = do("POST", conv+"/activities", `{"type":`); code != http.StatusBadRequest || m["error"].(map[string]any)["code"] != "BadArgument" {
		t.Errorf("bad JSON: %d %v", code, m)
	}
	big := `{"type":"message","text":"` + strings.Repeat("a", maxBody) + `"}`
	if code, _, _ = do("POST", conv+"/activities", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", code)
	}
	if code, m, _ = do("PUT", conv+"/activities/okänd", `{"type":"message","text":"ändrad"}`); code != http.StatusOK || m["id"] != "okänd" {
		t.Errorf("update: %d %v", code, m)
	}
	if code, _, _ = do("DELETE", conv+"/activities/"+url.PathEscape(id), ""); code != http.StatusOK {
		t.Errorf("delete: %d", code)
	}
	if code, _, raw := do("GET", conv+"/members", ""); code != http.StatusOK || !strings.Contains(raw, DevUserAADID) {
		t.Errorf("members: %d %s", code, raw)
	}
	if code, m, _ = do("GET", conv+"/members/29:dev-user", ""); code != http.StatusOK || m["aadObjectId"] != DevUserAADID {
		t.Errorf("member: %d %v", code, m)
	}
	if code, _, _ = do("GET", conv+"/members/29:other", ""); code != http.StatusNotFound {
		t.Errorf("other member: %d", code)
	}
	if code, m, _ = do("GET", conv+"/pagedmembers", ""); code != http.StatusOK || len(m["members"].([]any)) != 1 {
		t.Errorf("pagedmembers: %d %v", code, m)
	}
	code, m, _ = do("POST", "/v3/conversations", `{"members":[{"id":"29:coach"}],"activity":{"type":"message","text":"till coachen"}}`)
	other, _ := m["id"].(string)
	if code != http.StatusCreated || !strings.HasPrefix(other, "a:dev-conv-") || m["activityId"] == "" {
		t.Errorf("create for another user: %d %v", code, m)
	}
	if code, m, _ = do("POST", "/v3/conversations", `{"members":[{"aadObjectId":"`+DevUserAADID+`"}]}`); code != http.StatusCreated || m["id"] != DevConversationID {
		t.Errorf("create for the dev user: %d %v", code, m)
	}
	for _, p := range []string{"/", "/v3/attachments/x", conv + "/activities/a/b/c", conv + "/nope"} {
		if code, _, _ = do("POST", p, "{}"); code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, code)
		}
	}
	_ = c
	want := "Digibot · 10:30\n  hej\n" +
		"Digibot · 10:30\n  svar\n" +
		"Digibot · 10:30 (uppdaterad)\n  ändrad\n" +
		"Digibot · 10:30\n  (meddelandet togs bort)\n" +
		"Digibot · 10:30 (i konversation " + other + ")\n  till coachen\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestBotOutputKeepsPromptVisible(t *testing.T) {
	c, out, _ := testClient(t)
	c.ask("> ")
	c.mu.Lock()
	c.deliverLocked(c.convID, "1", &inActivity{Type: "message", Text: "medan du skriver"}, "", nil)
	c.mu.Unlock()
	if want := "> \nDigibot · 10:30\n  medan du skriver\n> "; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestMessageRendering(t *testing.T) {
	tests := []struct {
		name string
		a    string
		want string
	}{
		{"plain text is not markdown", `{"type":"message","text":"**inte** fet","textFormat":"plain"}`, "Digibot · 10:30\n  **inte** fet\n"},
		{"xml", `{"type":"message","text":"<b>fet</b> text","textFormat":"xml"}`, "Digibot · 10:30\n  fet text\n"},
		{"hero card and file", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.hero","content":{"title":"Titel","text":"Brödtext","buttons":[{"type":"openUrl","title":"Läs","value":"https://ex.se"}]}},{"contentType":"application/pdf","name":"plan.pdf"}]}`,
			"Digibot · 10:30\n  Titel\n  Brödtext\n  · Läs → https://ex.se\n  [bilaga: plan.pdf]\n"},
		{"suggested actions", `{"type":"message","text":"Välj","suggestedActions":{"actions":[{"type":"imBack","title":"Ja","value":"ja"},{"type":"imBack","value":"nej"}]}}`,
			"Digibot · 10:30\n  Välj\n  Förslag: Ja | nej\n"},
		{"card as JSON string", `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":"{\"type\":\"AdaptiveCard\",\"body\":[{\"type\":\"TextBlock\",\"text\":\"Sträng\"}]}"}]}`,
			"Digibot · 10:30\n  ┌ kort 1\n  │ Sträng\n  └\n"},
		{"empty message shows nothing", `{"type":"message"}`, ""},
		{"escape sequences from the bot are dropped", `{"type":"message","text":"a\u001b]0;titel\u0007b"}`, "Digibot · 10:30\n  a]0;titelb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, out, _ := testClient(t)
			var a inActivity
			if err := json.Unmarshal([]byte(tt.a), &a); err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			c.deliverLocked(c.convID, "1", &a, "", nil)
			c.mu.Unlock()
			if out.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s(%q)", out.String(), tt.want, out.String())
			}
		})
	}
}

func TestInvokeResult(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"card", 200, `{"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":{"type":"AdaptiveCard","body":[{"type":"TextBlock","text":"Ny"}]}}`,
			"Digibot · 10:30 (uppdaterad)\n  ┌ kort 1 (uppdaterad)\n  │ Ny\n  └\n"},
		{"whole InvokeResponse", 200, `{"status":200,"body":{"statusCode":200,"type":"application/vnd.microsoft.activity.message","value":"Klart!"}}`,
			"Digibot · 10:30\n  Klart!\n"},
		{"error", 200, `{"statusCode":400,"type":"application/vnd.microsoft.error","value":{"code":"BadRequest","message":"Fel data"}}`,
			"Kortet kunde inte hanteras (400): Fel data\n"},
		{"bare status", 200, `{"statusCode":500}`, "Kortet kunde inte hanteras (500).\n"},
		{"empty", 200, ``, ""},
		{"not JSON", 200, `oops`, "Digibot svarade med HTTP 200: oops\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, out, _ := testClient(t)
			e := &entry{n: 1, convID: c.convID, activityID: "1"}
			c.entries = []*entry{e}
			c.invokeResult(e, tt.status, []byte(tt.body))
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestSubmissionAndExecution(t *testing.T) {
	vals := map[string]string{"c": "typed", "k": "input wins"}
	tests := []struct {
		name      string
		data      any
		wantText  string
		wantValue map[string]any
	}{
		{"object data merged", map[string]any{"action": "x", "k": "data"}, "", map[string]any{"action": "x", "k": "input wins", "c": "typed"}},
		{"no data", nil, "", map[string]any{"c": "typed", "k": "input wins"}},
		{"string data is text", "hjälp", "hjälp", nil},
		{"imBack", map[string]any{"msteams": map[string]any{"type": "imBack", "value": "boka"}}, "boka", nil},
		{"messageBack", map[string]any{"msteams": map[string]any{"type": "messageBack", "text": "dold", "value": map[string]any{"a": "1"}}}, "dold",
			map[string]any{"a": "1", "c": "typed", "k": "input wins"}},
		{"messageBack with JSON string value", map[string]any{"msteams": map[string]any{"type": "messageBack", "text": "t", "value": `{"a":"2"}`}}, "t",
			map[string]any{"a": "2", "c": "typed", "k": "input wins"}},
	}
	for _, tt := range tests {
		text, value := submission(Action{Type: "Action.Submit", Data: tt.data}, vals)
		if text != tt.wantText || !reflect.DeepEqual(value, tt.wantValue) {
			t.Errorf("%s: got %q %v, want %q %v", tt.name, text, value, tt.wantText, tt.wantValue)
		}
	}
	got := execution(Action{Type: "Action.Execute", Verb: "v", ID: "i", Data: map[string]any{"d": 1.0}}, map[string]string{"c": "x"})
	want := map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": "v", "id": "i", "data": map[string]any{"d": 1.0, "c": "x"}}, "trigger": "manual"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("execution = %v, want %v", got, want)
	}
}

func TestInputResolve(t *testing.T) {
	choices := []Choice{{"Pågår", "ongoing"}, {"Klar", "done"}, {"Försenad", "late"}}
	tests := []struct {
		name    string
		in      Input
		typed   string
		want    string
		wantMsg string
	}{
		{"text keeps default", Input{Type: "Input.Text", Value: "förifyllt"}, "", "förifyllt", ""},
		{"text clears with dash", Input{Type: "Input.Text", Value: "förifyllt"}, "-", "", ""},
		{"required empty", Input{Type: "Input.Text", Required: true}, "", "", "Fältet måste fyllas i."},
		{"required with own message", Input{Type: "Input.Text", Required: true, ErrorMessage: "Skriv något"}, "-", "", "Skriv något"},
		{"maxLength", Input{Type: "Input.Text", MaxLength: 3}, "åäöx", "", "Högst 3 tecken."},
		{"regex", Input{Type: "Input.Text", Regex: `^\d+$`}, "12a", "", "Värdet har fel format."},
		{"regex ok", Input{Type: "Input.Text", Regex: `^\d+$`}, "12", "12", ""},
		{"number with comma", Input{Type: "Input.Number"}, "3,50", "3.5", ""},
		{"number bad", Input{Type: "Input.Number"}, "tre", "", "Skriv ett tal."},
		{"number range", Input{Type: "Input.Number", Min: "0", Max: "10"}, "11", "", "Talet ska vara mellan 0 och 10."},
		{"number only max", Input{Type: "Input.Number", Max: "10"}, "-5", "-5", ""},
		{"date", Input{Type: "Input.Date"}, "2026-02-30", "", "Skriv ett datum som ÅÅÅÅ-MM-DD."},
		{"date range", Input{Type: "Input.Date", Min: "2026-03-01"}, "2026-02-28", "", "Datumet ska vara mellan 2026-03-01 och …."},
		{"time normalised", Input{Type: "Input.Time"}, "9:05", "09:05", ""},
		{"time range", Input{Type: "Input.Time", Min: "08:00", Max: "17:00"}, "18:00", "", "Tiden ska vara mellan 08:00 och 17:00."},
		{"toggle ja", Input{Type: "Input.Toggle", ValueOn: "yes", ValueOff: "no", Value: "no"}, "ja", "yes", ""},
		{"toggle keeps", Input{Type: "Input.Toggle", ValueOn: "yes", ValueOff: "no", Value: "no"}, "", "no", ""},
		{"toggle nonsense", Input{Type: "Input.Toggle", ValueOn: "true", ValueOff: "false"}, "kanske", "", "ja/nej?"},
		{"choice by number", Input{Type: "Input.ChoiceSet", Choices: choices}, "2", "done", ""},
		{"choice by value", Input{Type: "Input.ChoiceSet", Choices: choices}, "late", "late", ""},
		{"choice by title", Input{Type: "Input.ChoiceSet", Choices: choices}, "försenad", "late", ""},
		{"choice unknown", Input{Type: "Input.ChoiceSet", Choices: choices}, "9", "", "Välj ett av alternativen (nummer eller värde)."},
		{"single choice rejects a list", Input{Type: "Input.ChoiceSet", Choices: choices}, "1,2", "", "Välj ett av alternativen (nummer eller värde)."},
		{"multi choice", Input{Type: "Input.ChoiceSet", Choices: choices, MultiSelect: true}, "1, late ,1", "ongoing,late", ""},
		{"dynamic choice", Input{Type: "Input.ChoiceSet", Dynamic: true}, "Anna", "Anna", ""},
		{"bad default is caught", Input{Type: "Input.Number", Value: "200", Max: "100"}, "", "", "Talet ska vara mellan … och 100."},
	}
	for _, tt := range tests {
		got, msg := tt.in.resolve(tt.typed, &textSV)
		if got != tt.want || msg != tt.wantMsg {
			t.Errorf("%s: resolve(%q) = %q, %q; want %q, %q", tt.name, tt.typed, got, msg, tt.want, tt.wantMsg)
		}
	}
}

func TestToggleVisibility(t *testing.T) {
	card := bodyCard(t,
		`{"type":"TextBlock","id":"d","text":"Detaljer","isVisible":false}`,
		`{"type":"TextBlock","id":"e","text":"Alltid"}`)
	toggleVisibility([]map[string]any{card}, []any{"d", map[string]any{"elementId": "e", "isVisible": false}})
	var b strings.Builder
	RenderCard(&b, card, 40)
	if b.String() != "Detaljer\n" {
		t.Errorf("after toggle: %q", b.String())
	}
}
