package devchat

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// collect asks the user for the value of each input, as Teams lets them
// fill in the card before pressing a button. ok is false when the user
// cancelled or the input ended; then nothing is sent.
func (c *client) collect(ctx context.Context, inputs []Input) (map[string]string, bool, error) {
	vals := map[string]string{}
	if len(inputs) == 0 {
		return vals, true, nil
	}
	c.say(c.t.fillIn)
	for _, in := range inputs {
		if in.Type == "Input.ChoiceSet" && len(in.Choices) > 0 {
			var b strings.Builder
			for i, ch := range in.Choices {
				b.WriteString("    " + strconv.Itoa(i+1) + ") " + ch.Title + "\n")
			}
			c.mu.Lock()
			c.emitLocked("  " + in.name() + ":\n" + b.String())
			c.mu.Unlock()
		}
		for {
			c.ask(in.prompt(c.t))
			l, ok, err := c.next(ctx)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				return nil, false, nil
			}
			if l.tooLong {
				c.say("  " + c.t.lineTooLong)
				continue
			}
			raw := strings.TrimSpace(l.text)
			if low := strings.ToLower(raw); low == "/avbryt" || low == "/cancel" {
				c.say(c.t.cancelled)
				return nil, false, nil
			}
			v, msg := in.resolve(raw, c.t)
			if msg != "" {
				c.say("  " + msg)
				continue
			}
			if v != "" || in.Type == "Input.Toggle" {
				vals[in.ID] = v
			}
			break
		}
	}
	return vals, true, nil
}

func (in Input) name() string {
	if in.Label != "" {
		return in.Label
	}
	return oneLine(in.ID)
}

// prompt is the question for one input, with the value Enter keeps.
func (in Input) prompt(t *texts) string {
	p := "  " + in.name()
	var hint string
	switch in.Type {
	case "Input.Toggle":
		hint = t.toggleHint
	case "Input.ChoiceSet":
		hint = t.choiceHint
		if in.MultiSelect {
			hint = t.multiHint
		}
	case "Input.Date":
		hint = t.dateHint
	case "Input.Time":
		hint = t.timeHint
	}
	if hint != "" {
		p += " (" + hint + ")"
	}
	if def := in.defaultShown(t); def != "" {
		p += " [" + def + "]"
	}
	return p + ": "
}

func (in Input) defaultShown(t *texts) string {
	switch in.Type {
	case "Input.Toggle":
		if in.Value == in.ValueOn {
			return t.yes
		}
		return t.no
	case "Input.ChoiceSet":
		if in.Value == "" {
			return ""
		}
		return oneLine(in.choiceTitles(in.Value))
	}
	return oneLine(in.Value)
}

var (
	yesWords = map[string]bool{"j": true, "ja": true, "y": true, "yes": true, "1": true, "true": true, "x": true, "on": true, "på": true}
	noWords  = map[string]bool{"n": true, "nej": true, "no": true, "0": true, "false": true, "off": true, "av": true}
)

// resolve turns what the user typed into the value submitted, or an error
// message. Empty keeps the card's value; "-" clears it.
func (in Input) resolve(raw string, t *texts) (string, string) {
	var v string
	switch raw {
	case "":
		v = in.Value
	case "-":
		v = ""
		if in.Type == "Input.Toggle" {
			v = in.ValueOff
		}
	default:
		var msg string
		if v, msg = in.convert(raw, t); msg != "" {
			return "", msg
		}
	}
	if v == "" {
		if in.Required {
			if in.ErrorMessage != "" {
				return "", in.ErrorMessage
			}
			return "", t.required
		}
		return "", ""
	}
	if msg := in.check(v, t); msg != "" {
		if in.ErrorMessage != "" {
			return "", in.ErrorMessage
		}
		return "", msg
	}
	return v, ""
}

// convert maps typed text to the input's value format.
func (in Input) convert(raw string, t *texts) (string, string) {
	switch in.Type {
	case "Input.Number":
		f, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", "."), 64)
		if err != nil {
			return "", t.badNumber
		}
		return strconv.FormatFloat(f, 'f', -1, 64), ""
	case "Input.Date":
		d, err := time.Parse("2006-01-02", raw)
		if err != nil {
			return "", t.badDate
		}
		return d.Format("2006-01-02"), ""
	case "Input.Time":
		d, err := time.Parse("15:04", raw)
		if err != nil {
			return "", t.badTime
		}
		return d.Format("15:04"), ""
	case "Input.Toggle":
		low := strings.ToLower(raw)
		switch {
		case raw == in.ValueOn || yesWords[low]:
			return in.ValueOn, ""
		case raw == in.ValueOff || noWords[low]:
			return in.ValueOff, ""
		}
		return "", t.toggleHint + "?"
	case "Input.ChoiceSet":
		return in.choose(raw, t)
	}
	return raw, ""
}

// choose maps choice numbers, values or titles to values (comma separated
// for multi-select).
func (in Input) choose(raw string, t *texts) (string, string) {
	tokens := []string{raw}
	if in.MultiSelect {
		tokens = strings.Split(raw, ",")
	}
	var out []string
	seen := map[string]bool{}
	for _, tok := range tokens {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		v, ok := in.choice(tok)
		if !ok {
			if !in.Dynamic {
				return "", t.badChoice
			}
			v = tok
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return strings.Join(out, ","), ""
}

func (in Input) choice(tok string) (string, bool) {
	if n, err := strconv.Atoi(tok); err == nil && n >= 1 && n <= len(in.Choices) {
		return in.Choices[n-1].Value, true
	}
	for _, c := range in.Choices {
		if c.Value == tok {
			return c.Value, true
		}
	}
	for _, c := range in.Choices {
		if strings.EqualFold(c.Title, tok) || strings.EqualFold(c.Value, tok) {
			return c.Value, true
		}
	}
	return "", false
}

// check validates a value against the input's limits.
func (in Input) check(v string, t *texts) string {
	switch in.Type {
	case "Input.Text":
		if in.MaxLength > 0 && utf8.RuneCountInString(v) > in.MaxLength {
			return t.tooLong(in.MaxLength)
		}
		if in.Regex != "" {
			if re, err := regexp.Compile(in.Regex); err == nil && !re.MatchString(v) {
				return t.badPattern
			}
		}
	case "Input.Number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return t.badNumber
		}
		lo, errLo := strconv.ParseFloat(in.Min, 64)
		hi, errHi := strconv.ParseFloat(in.Max, 64)
		if (errLo == nil && f < lo) || (errHi == nil && f > hi) {
			return t.numberRange(orDots(in.Min), orDots(in.Max))
		}
	case "Input.Date":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return t.badDate
		}
		if outside(v, in.Min, in.Max, "2006-01-02") {
			return t.dateRange(orDots(in.Min), orDots(in.Max))
		}
	case "Input.Time":
		if _, err := time.Parse("15:04", v); err != nil {
			return t.badTime
		}
		if outside(v, in.Min, in.Max, "15:04") {
			return t.timeRange(orDots(in.Min), orDots(in.Max))
		}
	case "Input.ChoiceSet":
		if !in.MultiSelect && strings.Contains(v, ",") && !in.Dynamic {
			if _, ok := in.choice(v); !ok {
				return t.oneChoice
			}
		}
	}
	return ""
}

// outside reports whether v (in layout) is before lo or after hi; bounds
// that do not parse are ignored.
func outside(v, lo, hi, layout string) bool {
	x, _ := time.Parse(layout, v)
	if l, err := time.Parse(layout, lo); err == nil && x.Before(l) {
		return true
	}
	if h, err := time.Parse(layout, hi); err == nil && x.After(h) {
		return true
	}
	return false
}

func orDots(s string) string {
	if s == "" {
		return "…"
	}
	return s
}
