package devchat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// deliverLocked shows a message from the bot and keeps its cards for the
// user to act on; existing is the entry a card update replaces. c.mu is held.
func (c *client) deliverLocked(convID, id string, a *inActivity, note string, existing *entry) {
	if a.Type != "" && a.Type != "message" {
		return // typing indicators and the like show nothing
	}
	var cards []map[string]any
	for _, att := range a.Attachments {
		if card := att.card(); card != nil {
			cards = append(cards, card)
		}
	}
	e := existing
	switch {
	case len(cards) > 0 && e == nil:
		c.cardSeq++
		e = &entry{n: c.cardSeq, convID: convID, activityID: id, at: c.now()}
		c.entries = append(c.entries, e)
		if len(c.entries) > maxEntries {
			c.entries = append([]*entry(nil), c.entries[len(c.entries)-maxEntries:]...)
		}
	case len(cards) == 0 && e != nil:
		// The message lost its cards: nothing left to press.
		for i, x := range c.entries {
			if x == e {
				c.entries = append(c.entries[:i:i], c.entries[i+1:]...)
				break
			}
		}
		e = nil
	}
	if e != nil {
		e.cards = cards
	}
	c.emitLocked(c.formatActivity(a, convID, e, note))
}

// header is the line above each message from the bot.
func (c *client) header(convID, note string) string {
	h := c.st.bold(c.t.bot) + " · " + c.now().In(c.loc).Format("15:04")
	var notes []string
	if convID != c.convID {
		notes = append(notes, c.t.otherConv(oneLine(convID)))
	}
	if note != "" {
		notes = append(notes, note)
	}
	if len(notes) > 0 {
		h += " (" + strings.Join(notes, ", ") + ")"
	}
	return h + "\n"
}

// formatActivity renders a message: its text, other attachments,
// suggested actions and then its cards. c.mu is held.
func (c *client) formatActivity(a *inActivity, convID string, e *entry, note string) string {
	var lines []string
	w := c.width - 2
	if a.Text != "" {
		switch strings.ToLower(a.TextFormat) {
		case "plain":
			lines = append(lines, wrap(sanitize(a.Text), w, "", "")...)
		case "xml":
			lines = append(lines, c.st.markdownLines(xmlToMarkdown(a.Text), w)...)
		default:
			lines = append(lines, c.st.markdownLines(a.Text, w)...)
		}
	}
	for _, att := range a.Attachments {
		switch {
		case att.ContentType == adaptiveCardType && att.card() != nil:
		case att.ContentType == heroCardType || att.ContentType == thumbCardType:
			lines = append(lines, c.heroLines(att.Content, w)...)
		default:
			name := oneLine(att.Name)
			if name == "" {
				name = oneLine(att.ContentURL)
			}
			if name == "" {
				name = oneLine(att.ContentType)
			}
			lines = append(lines, c.t.attachment(name))
		}
	}
	var sugg []string
	for _, s := range a.SuggestedActions.Actions {
		t := oneLine(s.Title)
		if t == "" {
			t = oneLine(str(s.Value))
		}
		if t != "" {
			sugg = append(sugg, t)
		}
	}
	if len(sugg) > 0 {
		lines = append(lines, wrap(strings.Join(sugg, " | "), w, c.t.suggestions, "  ")...)
	}
	card := ""
	if e != nil {
		card = c.cardBlock(e, note)
	}
	if len(lines) == 0 && card == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(c.header(convID, note))
	for _, l := range lines {
		if l == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + l + "\n")
	}
	b.WriteString(card)
	return b.String()
}

// heroLines shows a hero or thumbnail card: title, subtitle, text, buttons.
func (c *client) heroLines(raw json.RawMessage, w int) []string {
	var h struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
		Text     string `json:"text"`
		Buttons  []struct {
			Type  string `json:"type"`
			Title string `json:"title"`
			Value any    `json:"value"`
		} `json:"buttons"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return nil
	}
	var lines []string
	if t := oneLine(h.Title); t != "" {
		lines = append(lines, wrap(c.st.bold(t), w, "", "")...)
	}
	if t := oneLine(h.Subtitle); t != "" {
		lines = append(lines, wrap(c.st.dim(t), w, "", "")...)
	}
	if h.Text != "" {
		lines = append(lines, c.st.markdownLines(h.Text, w)...)
	}
	for _, b := range h.Buttons {
		t := "· " + oneLine(b.Title)
		if b.Type == "openUrl" {
			t += " → " + oneLine(str(b.Value))
		}
		lines = append(lines, wrap(t, w, "", "  ")...)
	}
	return lines
}

// cardBlock renders an entry's cards in a frame and updates its actions.
// c.mu is held.
func (c *client) cardBlock(e *entry, note string) string {
	r := Renderer{Width: c.width - 4, ANSI: c.st.ansi, Lang: c.lang}
	lines, acts, _ := r.cardLines(e.cards, 1)
	e.actions = acts
	e.summary = summary(lines)
	var b strings.Builder
	label := c.t.cardLabel(e.n)
	if note != "" {
		label += " (" + note + ")"
	}
	b.WriteString("  ┌ " + label + "\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString("  │\n")
			continue
		}
		b.WriteString("  │ " + l + "\n")
	}
	switch {
	case len(acts) == 0:
		b.WriteString("  └\n")
	case len(c.entries) > 0 && c.entries[len(c.entries)-1] == e:
		b.WriteString("  └ " + c.t.useCard(1, len(acts)) + "\n")
	default:
		b.WriteString("  └ " + c.t.useOldCard(e.n, 1, len(acts)) + "\n")
	}
	return b.String()
}

// summary is the first line of a rendered card, shortened, for /kort.
func summary(lines []string) string {
	for _, l := range lines {
		s := strings.TrimSpace(stripANSI(l))
		if s == "" || strings.Trim(s, "─═") == "" {
			continue
		}
		if visibleWidth(s) > 50 {
			s, _ = splitVisible(s, 49)
			s += "…"
		}
		return s
	}
	return ""
}

func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// send POSTs a to the bot, shows an error or the invoke response, and waits
// until the bot has been quiet for a moment. e is the card an invoke acts on.
func (c *client) send(ctx context.Context, a *outActivity, e *entry) {
	status, body, err := c.post(ctx, a)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return
		}
		c.say(c.t.sendFailed(err))
		return
	case status < 200 || status > 299:
		c.say(c.t.botStatus(status, snippet(body)))
	case a.Type == "invoke":
		c.invokeResult(e, status, body)
	}
	c.waitQuiet(ctx)
}

func (c *client) post(ctx context.Context, a *outActivity) (int, []byte, error) {
	payload, err := json.Marshal(a)
	if err != nil {
		return 0, nil, fmt.Errorf("encode activity: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, body, nil
}

func snippet(b []byte) string {
	s := oneLine(string(b))
	if visibleWidth(s) > 200 {
		s, _ = splitVisible(s, 199)
		s += "…"
	}
	return s
}

// waitQuiet returns once no activity arrived for c.settle (at most
// maxSettle), so replies the bot sends after acknowledging show before
// the next prompt.
func (c *client) waitQuiet(ctx context.Context) {
	quiet := time.NewTimer(c.settle)
	defer quiet.Stop()
	limit := time.NewTimer(maxSettle)
	defer limit.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-limit.C:
			return
		case <-quiet.C:
			return
		case <-c.arrived:
			quiet.Reset(c.settle)
		}
	}
}

// invokeBody is an invoke response body: the Adaptive Card action response
// ({statusCode, type, value}); a whole InvokeResponse ({status, body}) is
// unwrapped too.
type invokeBody struct {
	StatusCode int             `json:"statusCode"`
	Type       string          `json:"type"`
	Value      json.RawMessage `json:"value"`
	Body       json.RawMessage `json:"body"`
}

func (c *client) invokeResult(e *entry, status int, body []byte) {
	if len(bytes.TrimSpace(body)) == 0 {
		return
	}
	var r invokeBody
	if err := json.Unmarshal(body, &r); err != nil {
		c.say(c.t.botStatus(status, snippet(body)))
		return
	}
	if r.Type == "" && len(r.Body) > 0 {
		var inner invokeBody
		if json.Unmarshal(r.Body, &inner) == nil {
			r = inner
		}
	}
	switch r.Type {
	case adaptiveCardType:
		card := inAttachment{ContentType: adaptiveCardType, Content: r.Value}.card()
		if card == nil {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		e.cards = []map[string]any{card}
		c.emitLocked(c.header(e.convID, c.t.updated) + c.cardBlock(e, c.t.updated))
	case messageType:
		var text string
		_ = json.Unmarshal(r.Value, &text)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.emitLocked(c.formatActivity(&inActivity{Type: "message", Text: text}, e.convID, nil, ""))
	case errorType:
		var v struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(r.Value, &v)
		c.say(c.t.invokeError(r.StatusCode, oneLine(v.Message)))
	default:
		if r.StatusCode >= 400 {
			c.say(c.t.invokeError(r.StatusCode, ""))
		}
	}
}

// press acts on button k of card n (0: the latest card).
func (c *client) press(ctx context.Context, n, k int) {
	c.mu.Lock()
	var e *entry
	for _, x := range c.entries {
		if n == 0 || x.n == n {
			e = x
		}
	}
	var acts []Action
	if e != nil {
		acts = e.actions
	}
	c.mu.Unlock()
	switch {
	case e == nil && n == 0:
		c.say(c.t.noCards)
		return
	case e == nil:
		c.say(c.t.noSuchCard(n))
		return
	case len(acts) == 0:
		c.say(c.t.noActions)
		return
	case k < 1 || k > len(acts):
		c.say(c.t.noSuchAction(k, len(acts)))
		return
	}
	a := acts[k-1]
	if a.Disabled {
		c.say(c.t.disabled)
		return
	}
	switch a.Type {
	case "Action.OpenUrl":
		c.say(c.t.openURL(oneLine(a.URL)))
	case "Action.ShowCard", "Action.ToggleVisibility":
		// ShowCards are always shown expanded; pressing one shows the card again.
		c.mu.Lock()
		if a.Type == "Action.ToggleVisibility" {
			toggleVisibility(e.cards, a.Targets)
		}
		c.emitLocked(c.cardBlock(e, ""))
		c.mu.Unlock()
	case "Action.Submit":
		vals, ok, err := c.collect(ctx, a.Inputs)
		if err != nil || !ok {
			return
		}
		text, value := submission(a, vals)
		c.send(ctx, c.activity("message", e.convID, func(o *outActivity) {
			o.Text, o.Value, o.ReplyToID = text, value, e.activityID
			if text != "" {
				o.TextFormat = "plain"
			}
		}), nil)
	case "Action.Execute":
		vals, ok, err := c.collect(ctx, a.Inputs)
		if err != nil || !ok {
			return
		}
		c.send(ctx, c.activity("invoke", e.convID, func(o *outActivity) {
			o.Name, o.Value, o.ReplyToID = "adaptiveCard/action", execution(a, vals), e.activityID
		}), e)
	default:
		c.say(c.t.unsupported(a.Type))
	}
}

// submission is what Teams sends for an Action.Submit: the action's data
// with the input values on top as the message value. Teams' own
// msteams.imBack / msteams.messageBack data send text instead, and string
// data is sent as text.
func submission(a Action, vals map[string]string) (string, map[string]any) {
	switch d := a.Data.(type) {
	case string:
		return d, nil
	case map[string]any:
		if ms := obj(d["msteams"]); ms != nil {
			switch ms["type"] {
			case "imBack":
				s, _ := ms["value"].(string)
				return s, nil
			case "messageBack":
				text, _ := ms["text"].(string)
				var base map[string]any
				switch v := ms["value"].(type) {
				case map[string]any:
					base = v
				case string:
					_ = json.Unmarshal([]byte(v), &base)
				}
				return text, merge(base, vals)
			}
		}
		return "", merge(d, vals)
	}
	return "", merge(nil, vals)
}

// execution is the value of the adaptiveCard/action invoke of an
// Action.Execute.
func execution(a Action, vals map[string]string) map[string]any {
	data, _ := a.Data.(map[string]any)
	act := map[string]any{"type": "Action.Execute", "data": merge(data, vals)}
	if a.Verb != "" {
		act["verb"] = a.Verb
	}
	if a.ID != "" {
		act["id"] = a.ID
	}
	return map[string]any{"action": act, "trigger": "manual"}
}

// merge copies data and sets the input values on top, as the Adaptive
// Cards renderer does. The result is never nil.
func merge(data map[string]any, vals map[string]string) map[string]any {
	out := make(map[string]any, len(data)+len(vals))
	for k, v := range data {
		out[k] = v
	}
	for k, v := range vals {
		out[k] = v
	}
	return out
}

// toggleVisibility flips (or sets) isVisible of the target elements.
func toggleVisibility(cards []map[string]any, targets []any) {
	want := map[string]*bool{}
	for _, t := range targets {
		switch x := t.(type) {
		case string:
			want[x] = nil
		case map[string]any:
			id, _ := x["elementId"].(string)
			if v, ok := x["isVisible"].(bool); ok {
				want[id] = &v
			} else {
				want[id] = nil
			}
		}
	}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 2*maxDepth {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["id"].(string); ok {
				if set, hit := want[id]; hit && x["type"] != nil {
					visible := true
					if cur, ok := x["isVisible"].(bool); ok {
						visible = cur
					}
					if set != nil {
						x["isVisible"] = *set
					} else {
						x["isVisible"] = !visible
					}
				}
			}
			for _, child := range x {
				walk(child, depth+1)
			}
		case []any:
			for _, child := range x {
				walk(child, depth+1)
			}
		}
	}
	for _, c := range cards {
		walk(c, 0)
	}
}
