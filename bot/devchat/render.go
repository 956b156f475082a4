package devchat

import (
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Action is one button of a rendered card, numbered as shown ("[N]").
type Action struct {
	N        int
	Type     string // Action.Submit, Action.Execute, Action.OpenUrl, Action.ShowCard, Action.ToggleVisibility
	Title    string
	ID       string
	Verb     string         // Action.Execute
	Data     any            // Action.Submit / Action.Execute data as in the card
	URL      string         // Action.OpenUrl
	Card     map[string]any // Action.ShowCard
	Targets  []any          // Action.ToggleVisibility targetElements
	Disabled bool
	// Inputs are the inputs the action submits: those of its card and of
	// the cards around it (a ShowCard's submit carries its parent's inputs),
	// none when associatedInputs is "none".
	Inputs []Input
}

// Choice is one choice of an Input.ChoiceSet.
type Choice struct{ Title, Value string }

// Input is one input field of a rendered card.
type Input struct {
	ID           string
	Type         string // Input.Text, Input.Number, Input.Date, Input.Time, Input.Toggle, Input.ChoiceSet
	Label        string
	Placeholder  string
	Value        string // the prefilled value, as it would be submitted
	Required     bool
	ErrorMessage string
	Multiline    bool
	MultiSelect  bool
	Dynamic      bool // ChoiceSet with choices.data: any value may be typed
	Choices      []Choice
	Min, Max     string
	MaxLength    int
	Regex        string
	ValueOn      string // Input.Toggle
	ValueOff     string
}

// Renderer turns Adaptive Cards and Teams markdown into terminal text.
type Renderer struct {
	Width int    // columns; 0 means 80
	ANSI  bool   // bold/dim/colour escapes for a terminal
	Lang  string // "en" for English labels, Swedish otherwise
}

// RenderCard writes card (Adaptive Card JSON as decoded by encoding/json) as
// plain, readable text wrapped to width columns and returns its actions,
// numbered from 1, and its inputs. It never panics, whatever card holds.
func RenderCard(w io.Writer, card map[string]any, width int) ([]Action, []Input) {
	return Renderer{Width: width}.Card(w, card)
}

// Card renders one card; see RenderCard.
func (r Renderer) Card(w io.Writer, card map[string]any) ([]Action, []Input) {
	lines, acts, ins := r.cardLines([]map[string]any{card}, 1)
	writeLines(w, lines)
	return acts, ins
}

// Markdown writes Teams markdown as terminal text.
func (r Renderer) Markdown(w io.Writer, md string) {
	writeLines(w, style{r.ANSI}.markdownLines(md, r.width()))
}

func (r Renderer) width() int {
	if r.Width <= 0 {
		return 80
	}
	return max(r.Width, minWrap+4)
}

func writeLines(w io.Writer, lines []string) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(w, b.String())
}

const (
	maxDepth    = 24   // nesting rendered; deeper content is shown as "…"
	maxElements = 4000 // elements rendered per card; bounds work on hostile cards
)

// cardLines renders cards one after another (the attachments of one
// message), numbering their actions from first.
func (r Renderer) cardLines(cards []map[string]any, first int) ([]string, []Action, []Input) {
	cr := &cardRenderer{st: style{r.ANSI}, tx: textsFor(r.Lang), width: r.width(), next: first, budget: maxElements}
	for _, c := range cards {
		cr.card(c, 0, nil)
	}
	acts := make([]Action, 0, len(cr.actions))
	for _, p := range cr.actions {
		if !p.noInputs {
			for _, in := range p.scope.all() {
				if in.ID != "" {
					p.a.Inputs = append(p.a.Inputs, in)
				}
			}
		}
		acts = append(acts, p.a)
	}
	return cr.lines, acts, cr.inputs
}

// scope is the inputs of one card (top level or ShowCard); an action
// submits the inputs of its scope and of the scopes around it.
type scope struct {
	parent *scope
	own    []Input
}

func (s *scope) all() []Input {
	if s == nil {
		return nil
	}
	return append(s.parent.all(), s.own...)
}

type pendingAction struct {
	a        Action
	scope    *scope
	noInputs bool
}

type cardRenderer struct {
	st      style
	tx      *texts
	width   int
	lines   []string
	next    int
	actions []*pendingAction
	inputs  []Input
	depth   int
	budget  int
}

func (cr *cardRenderer) pad(indent int) string {
	return strings.Repeat(" ", min(indent, cr.width/2))
}

// emit writes text wrapped at indent.
func (cr *cardRenderer) emit(indent int, text string) {
	p := cr.pad(indent)
	cr.lines = append(cr.lines, wrap(text, cr.width, p, p)...)
}

// emitLines writes already wrapped lines (rendered for width-indent) at indent.
func (cr *cardRenderer) emitLines(indent int, lines []string) {
	p := cr.pad(indent)
	for _, l := range lines {
		if l == "" {
			cr.lines = append(cr.lines, "")
			continue
		}
		cr.lines = append(cr.lines, p+l)
	}
}

func (cr *cardRenderer) inner(indent int) int {
	return max(cr.width-len(cr.pad(indent)), minWrap)
}

func (cr *cardRenderer) card(card map[string]any, indent int, parent *scope) {
	if card == nil {
		return
	}
	sc := &scope{parent: parent}
	body, acts := arr(card["body"]), arr(card["actions"])
	if len(body) == 0 && len(acts) == 0 {
		if fb := str(card["fallbackText"]); fb != "" {
			cr.emitLines(indent, cr.st.markdownLines(fb, cr.inner(indent)))
		}
		return
	}
	cr.items(body, indent, sc)
	cr.actionList(acts, indent, sc)
}

func (cr *cardRenderer) items(items []any, indent int, sc *scope) {
	for _, it := range items {
		if el := obj(it); el != nil {
			cr.element(el, indent, sc)
		}
	}
}

func (cr *cardRenderer) element(el map[string]any, indent int, sc *scope) {
	if cr.budget <= 0 {
		return
	}
	cr.budget--
	if cr.depth >= maxDepth {
		cr.emit(indent, "…")
		return
	}
	cr.depth++
	defer func() { cr.depth-- }()
	if v, ok := el["isVisible"].(bool); ok && !v {
		return
	}
	typ := str(el["type"])
	switch typ {
	case "TextBlock":
		cr.textBlock(el, indent)
	case "RichTextBlock":
		cr.richText(el, indent)
	case "FactSet":
		cr.factSet(el, indent)
	case "Image":
		cr.emit(indent, cr.image(el))
	case "ImageSet":
		var parts []string
		for _, it := range arr(el["images"]) {
			if img := obj(it); img != nil {
				parts = append(parts, cr.image(img))
			}
		}
		cr.emit(indent, strings.Join(parts, " "))
	case "Media":
		cr.emit(indent, "["+cr.tx.media+label(": ", oneLine(str(el["altText"])))+"]")
	case "Container", "Column":
		cr.items(arr(el["items"]), indent+2, sc)
	case "ColumnSet":
		cr.columnSet(el, indent, sc)
	case "Table":
		cr.table(el, indent, sc)
	case "ActionSet":
		cr.actionList(arr(el["actions"]), indent, sc)
	case "Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet":
		cr.input(el, typ, indent, sc)
	default:
		switch fb := el["fallback"].(type) {
		case string:
			if fb == "drop" {
				return
			}
		case map[string]any:
			cr.element(fb, indent, sc)
			return
		}
		cr.emit(indent, cr.tx.unknownElem(oneLine(typ)))
	}
	if sa := obj(el["selectAction"]); sa != nil {
		cr.action(sa, indent, sc, true, nil)
	}
}

var reDateFunc = regexp.MustCompile(`\{\{(DATE|TIME)\(\s*([^,)\s]+)\s*(?:,\s*(SHORT|LONG|COMPACT)\s*)?\)\}\}`)

// stockholm is where Teams' DATE()/TIME() functions are shown for Digibot's
// users; UTC when the zone database is missing.
var stockholm = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return loc
	}
	return time.UTC
})

// dateFuncs formats Teams' {{DATE(…)}} and {{TIME(…)}} in local time.
func dateFuncs(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return reDateFunc.ReplaceAllStringFunc(s, func(m string) string {
		p := reDateFunc.FindStringSubmatch(m)
		t, err := time.Parse(time.RFC3339, p[2])
		if err != nil {
			return p[2]
		}
		t = t.In(stockholm())
		if p[1] == "TIME" {
			return t.Format("15:04")
		}
		return t.Format("2006-01-02")
	})
}

func (cr *cardRenderer) textBlock(el map[string]any, indent int) {
	text := dateFuncs(str(el["text"]))
	lines := cr.st.markdownLines(text, cr.inner(indent))
	size := strings.ToLower(str(el["size"]))
	heading := size == "large" || size == "extralarge" || strings.EqualFold(str(el["style"]), "heading")
	bold := heading || strings.EqualFold(str(el["weight"]), "bolder")
	for i, l := range lines {
		if bold {
			l = cr.st.bold(l)
		}
		if b, _ := el["isSubtle"].(bool); b {
			l = cr.st.dim(l)
		}
		lines[i] = cr.st.color(str(el["color"]), l)
	}
	if heading && !cr.st.ansi && len(lines) > 0 {
		w := 0
		for _, l := range lines {
			w = max(w, visibleWidth(l))
		}
		ch := "─"
		if size == "extralarge" {
			ch = "═"
		}
		lines = append(lines, strings.Repeat(ch, w))
	}
	cr.emitLines(indent, lines)
}

func (cr *cardRenderer) richText(el map[string]any, indent int) {
	var b strings.Builder
	for _, it := range arr(el["inlines"]) {
		switch run := it.(type) {
		case string:
			b.WriteString(sanitize(run))
		case map[string]any:
			t := sanitize(dateFuncs(str(run["text"])))
			if strings.EqualFold(str(run["weight"]), "bolder") {
				t = cr.st.bold(t)
			}
			if v, _ := run["italic"].(bool); v {
				t = cr.st.italic(t)
			}
			if v, _ := run["strikethrough"].(bool); v {
				t = cr.st.strike(t)
			}
			if v, _ := run["underline"].(bool); v {
				t = cr.st.underline(t)
			}
			if v, _ := run["isSubtle"].(bool); v {
				t = cr.st.dim(t)
			}
			t = cr.st.color(str(run["color"]), t)
			if sa := obj(run["selectAction"]); sa != nil && str(sa["type"]) == "Action.OpenUrl" {
				if u := oneLine(str(sa["url"])); u != "" {
					t += " (" + u + ")"
				}
			}
			b.WriteString(t)
		}
	}
	cr.emit(indent, b.String())
}

func (cr *cardRenderer) factSet(el map[string]any, indent int) {
	type fact struct{ key, value string }
	var facts []fact
	kw := 0
	for _, it := range arr(el["facts"]) {
		f := obj(it)
		if f == nil {
			continue
		}
		k := oneLine(str(f["title"]))
		if k != "" && !strings.HasSuffix(k, ":") {
			k += ":"
		}
		facts = append(facts, fact{k, oneLine(dateFuncs(str(f["value"])))})
		kw = max(kw, visibleWidth(k))
	}
	kw = min(kw, cr.inner(indent)/2)
	p := cr.pad(indent)
	for _, f := range facts {
		gap := strings.Repeat(" ", max(kw-visibleWidth(f.key), 0)+1)
		first := p + cr.st.bold(f.key) + gap
		rest := p + strings.Repeat(" ", kw+1)
		cr.lines = append(cr.lines, wrap(cr.st.inline(f.value, 0), cr.width, first, rest)...)
	}
}

func (cr *cardRenderer) image(el map[string]any) string {
	return "[" + cr.tx.image + label(": ", oneLine(str(el["altText"]))) + "]"
}

func label(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// capture renders f into separate lines instead of the output.
func (cr *cardRenderer) capture(f func()) []string {
	n := len(cr.lines)
	f()
	out := append([]string(nil), cr.lines[n:]...)
	cr.lines = cr.lines[:n]
	return out
}

// columnSet shows columns side by side when each fits on one line (a
// label and its value, say) and one below the other, indented, otherwise.
func (cr *cardRenderer) columnSet(el map[string]any, indent int, sc *scope) {
	var cols [][]string
	for _, it := range arr(el["columns"]) {
		col := obj(it)
		if col == nil {
			continue
		}
		if v, ok := col["isVisible"].(bool); ok && !v {
			continue
		}
		cols = append(cols, cr.capture(func() {
			cr.items(arr(col["items"]), indent+2, sc)
			if sa := obj(col["selectAction"]); sa != nil {
				cr.action(sa, indent+2, sc, true, nil)
			}
		}))
	}
	inner := cr.pad(indent + 2)
	if joined, ok := joinSingle(cols, inner, "  "); ok && visibleWidth(joined) <= cr.inner(indent) {
		if joined != "" {
			cr.lines = append(cr.lines, cr.pad(indent)+joined)
		}
		return
	}
	for _, c := range cols {
		cr.lines = append(cr.lines, c...)
	}
}

// joinSingle joins parts that are at most one line each, without their
// indent; ok is false when a part has more lines.
func joinSingle(parts [][]string, indent, sep string) (string, bool) {
	var cells []string
	for _, p := range parts {
		switch len(p) {
		case 0:
		case 1:
			cells = append(cells, strings.TrimPrefix(p[0], indent))
		default:
			return "", false
		}
	}
	return strings.Join(cells, sep), true
}

// table aligns the cells in columns when every cell fits on one line and
// lists the cells row by row otherwise.
func (cr *cardRenderer) table(el map[string]any, indent int, sc *scope) {
	header := true
	if v, ok := el["firstRowAsHeader"].(bool); ok {
		header = v
	}
	var rows [][][]string
	for _, it := range arr(el["rows"]) {
		row := obj(it)
		if row == nil {
			continue
		}
		var cells [][]string
		for _, c := range arr(row["cells"]) {
			cell := obj(c)
			if cell == nil {
				continue
			}
			cells = append(cells, cr.capture(func() {
				cr.items(arr(cell["items"]), indent+2, sc)
				if sa := obj(cell["selectAction"]); sa != nil {
					cr.action(sa, indent+2, sc, true, nil)
				}
			}))
		}
		rows = append(rows, cells)
	}
	inner := cr.pad(indent + 2)
	single := true
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if len(c) > 1 {
				single = false
			}
			w := 0
			if len(c) == 1 {
				w = visibleWidth(strings.TrimPrefix(c[0], inner))
			}
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], w)
		}
	}
	total := 0
	for _, w := range widths {
		total += w + 3
	}
	if single && total <= cr.inner(indent)+3 {
		p := cr.pad(indent)
		for ri, r := range rows {
			var b strings.Builder
			for i, c := range r {
				text := ""
				if len(c) == 1 {
					text = strings.TrimPrefix(c[0], inner)
				}
				if ri == 0 && header {
					text = cr.st.bold(text)
				}
				b.WriteString(text)
				if i < len(r)-1 {
					b.WriteString(strings.Repeat(" ", widths[i]-visibleWidth(text)) + " │ ")
				}
			}
			cr.lines = append(cr.lines, strings.TrimRight(p+b.String(), " "))
			if ri == 0 && header && !cr.st.ansi && len(rows) > 1 {
				cr.lines = append(cr.lines, p+strings.Repeat("─", max(total-3, 1)))
			}
		}
		return
	}
	for ri, r := range rows {
		if ri > 0 {
			cr.lines = append(cr.lines, "")
		}
		for _, c := range r {
			cr.lines = append(cr.lines, c...)
		}
	}
}

func (cr *cardRenderer) input(el map[string]any, typ string, indent int, sc *scope) {
	id, _ := el["id"].(string)
	in := Input{
		ID:           id,
		Type:         typ,
		Label:        oneLine(str(el["label"])),
		Placeholder:  oneLine(str(el["placeholder"])),
		Value:        str(el["value"]),
		Required:     boolOf(el["isRequired"]),
		ErrorMessage: oneLine(str(el["errorMessage"])),
		Multiline:    boolOf(el["isMultiline"]),
		Min:          str(el["min"]),
		Max:          str(el["max"]),
		Regex:        str(el["regex"]),
	}
	if n, ok := el["maxLength"].(float64); ok && n > 0 && n < 1e9 {
		in.MaxLength = int(n)
	}
	switch typ {
	case "Input.Toggle":
		in.ValueOn, in.ValueOff = "true", "false"
		if v, ok := el["valueOn"].(string); ok {
			in.ValueOn = v
		}
		if v, ok := el["valueOff"].(string); ok {
			in.ValueOff = v
		}
		if in.Value == "" {
			in.Value = in.ValueOff
		}
		if in.Label == "" {
			in.Label = oneLine(str(el["title"]))
		}
	case "Input.ChoiceSet":
		in.MultiSelect = boolOf(el["isMultiSelect"])
		for _, c := range arr(el["choices"]) {
			if ch := obj(c); ch != nil {
				in.Choices = append(in.Choices, Choice{Title: oneLine(str(ch["title"])), Value: str(ch["value"])})
			}
		}
		if d := obj(el["choices.data"]); d != nil {
			in.Dynamic = true
		}
	}
	if in.Label == "" {
		in.Label = in.Placeholder
	}
	sc.own = append(sc.own, in)
	cr.inputs = append(cr.inputs, in)

	name := in.Label
	var tags []string
	if shownID := oneLine(in.ID); shownID != "" && shownID != name {
		if name == "" {
			name = shownID
		} else {
			tags = append(tags, shownID)
		}
	}
	if in.Required {
		tags = append(tags, cr.tx.requiredTag)
	}
	if in.MultiSelect {
		tags = append(tags, cr.tx.multiTag)
	}
	if in.Dynamic {
		tags = append(tags, cr.tx.search)
	}
	switch typ {
	case "Input.Date":
		tags = append(tags, cr.tx.dateHint+rangeHint(in.Min, in.Max))
	case "Input.Time":
		tags = append(tags, cr.tx.timeHint+rangeHint(in.Min, in.Max))
	case "Input.Number":
		if h := rangeHint(in.Min, in.Max); h != "" {
			tags = append(tags, strings.TrimSpace(h))
		}
	}
	line := "✎ " + name
	if len(tags) > 0 {
		line += " (" + strings.Join(tags, ", ") + ")"
	}
	line += ": " + in.shown()
	cr.emit(indent, strings.TrimRight(line, " "))
	if typ == "Input.ChoiceSet" {
		selected := in.selected()
		p := cr.pad(indent + 2)
		for i, ch := range in.Choices {
			mark := ""
			if selected[ch.Value] {
				mark = " ✓"
			}
			num := strconv.Itoa(i+1) + ") "
			cr.lines = append(cr.lines, wrap(ch.Title+mark, cr.width, p+num, p+strings.Repeat(" ", len(num)))...)
		}
	}
}

func rangeHint(lo, hi string) string {
	switch {
	case lo != "" && hi != "":
		return " " + lo + "–" + hi
	case lo != "":
		return " ≥ " + lo
	case hi != "":
		return " ≤ " + hi
	}
	return ""
}

// shown is the input's current value as displayed on the card.
func (in Input) shown() string {
	switch in.Type {
	case "Input.Toggle":
		if in.Value == in.ValueOn {
			return "[x]"
		}
		return "[ ]"
	case "Input.ChoiceSet":
		if in.Value != "" {
			return `"` + oneLine(in.choiceTitles(in.Value)) + `"`
		}
	default:
		if in.Value != "" {
			return `"` + oneLine(in.Value) + `"`
		}
	}
	if in.Placeholder != "" {
		return "‹" + in.Placeholder + "›"
	}
	return ""
}

// selected is the set of choice values in the input's value.
func (in Input) selected() map[string]bool {
	sel := map[string]bool{}
	if in.Value == "" {
		return sel
	}
	if !in.MultiSelect {
		sel[in.Value] = true
		return sel
	}
	for _, v := range strings.Split(in.Value, ",") {
		sel[strings.TrimSpace(v)] = true
	}
	return sel
}

// choiceTitles maps a (comma separated) value to the choices' titles.
func (in Input) choiceTitles(v string) string {
	vals := []string{v}
	if in.MultiSelect {
		vals = strings.Split(v, ",")
	}
	out := make([]string, 0, len(vals))
	for _, x := range vals {
		x = strings.TrimSpace(x)
		t := x
		for _, c := range in.Choices {
			if c.Value == x && c.Title != "" {
				t = c.Title
				break
			}
		}
		out = append(out, t)
	}
	return strings.Join(out, ", ")
}

// actionList renders a list of actions and then, below them, the cards of
// their Action.ShowCard buttons, as Teams shows them when expanded.
func (cr *cardRenderer) actionList(list []any, indent int, sc *scope) {
	var shows []Action
	for _, it := range list {
		if a := obj(it); a != nil {
			cr.action(a, indent, sc, false, &shows)
		}
	}
	for _, s := range shows {
		if cr.depth >= maxDepth {
			cr.emit(indent, "…")
			return
		}
		cr.depth++
		cr.emit(indent, "▾ "+s.Title)
		cr.card(s.Card, indent+2, sc)
		cr.depth--
	}
}

var knownActions = map[string]bool{
	"Action.Submit": true, "Action.Execute": true, "Action.OpenUrl": true,
	"Action.ShowCard": true, "Action.ToggleVisibility": true,
}

// action registers and shows one action. selectAction marks a card area
// that acts when clicked; shows collects ShowCard actions for actionList.
func (cr *cardRenderer) action(a map[string]any, indent int, sc *scope, selectAction bool, shows *[]Action) {
	if cr.budget <= 0 {
		return
	}
	cr.budget--
	typ := str(a["type"])
	if !knownActions[typ] || (typ == "Action.ShowCard" && shows == nil) {
		switch fb := a["fallback"].(type) {
		case string:
			if fb == "drop" {
				return
			}
		case map[string]any:
			if cr.depth < maxDepth {
				cr.depth++
				cr.action(fb, indent, sc, selectAction, shows)
				cr.depth--
			}
			return
		}
		cr.emit(indent, "· "+oneLine(str(a["title"]))+" ("+cr.tx.unsupported(oneLine(typ))+")")
		return
	}
	act := Action{
		N:     cr.next,
		Type:  typ,
		Title: oneLine(str(a["title"])),
		ID:    str(a["id"]),
		Verb:  str(a["verb"]),
		Data:  a["data"],
	}
	if v, ok := a["isEnabled"].(bool); ok && !v {
		act.Disabled = true
	}
	var suffix string
	switch typ {
	case "Action.OpenUrl":
		act.URL = str(a["url"])
		suffix = " → " + oneLine(act.URL)
	case "Action.ShowCard":
		act.Card = obj(a["card"])
		suffix = " ▾"
	case "Action.ToggleVisibility":
		act.Targets = arr(a["targetElements"])
		suffix = " (" + cr.tx.showHide + ")"
	}
	if act.Title == "" && typ == "Action.OpenUrl" && act.URL != "" {
		act.Title, suffix = oneLine(act.URL), ""
	}
	if act.Title == "" {
		act.Title = strings.TrimPrefix(typ, "Action.")
	}
	if act.Disabled {
		suffix += " (" + cr.tx.inactive + ")"
	}
	cr.next++
	title := act.Title
	switch strings.ToLower(str(a["style"])) {
	case "positive":
		title = cr.st.color("good", title)
	case "destructive":
		title = cr.st.color("attention", title)
	}
	mark := ""
	if selectAction {
		mark = "↑ "
	}
	num := "[" + strconv.Itoa(act.N) + "] "
	p := cr.pad(indent)
	cr.lines = append(cr.lines, wrap(mark+cr.st.bold(title)+suffix, cr.width, p+num, p+strings.Repeat(" ", len(num)))...)
	cr.actions = append(cr.actions, &pendingAction{a: act, scope: sc, noInputs: strings.EqualFold(str(a["associatedInputs"]), "none")})
	if typ == "Action.ShowCard" && act.Card != nil {
		*shows = append(*shows, act)
	}
}

// str returns a JSON string (sanitized), number or bool as text, "" otherwise.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return sanitize(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

func boolOf(v any) bool {
	b, _ := v.(bool)
	return b
}
