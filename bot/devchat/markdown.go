package devchat

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// style writes emphasis as ANSI escapes on a terminal and as nothing
// otherwise, so piped output and tests stay plain text.
type style struct{ ansi bool }

func (s style) wrapSGR(on, off, t string) string {
	if !s.ansi || t == "" {
		return t
	}
	return "\x1b[" + on + "m" + t + "\x1b[" + off + "m"
}

func (s style) bold(t string) string      { return s.wrapSGR("1", "22", t) }
func (s style) dim(t string) string       { return s.wrapSGR("2", "22", t) }
func (s style) italic(t string) string    { return s.wrapSGR("3", "23", t) }
func (s style) underline(t string) string { return s.wrapSGR("4", "24", t) }
func (s style) strike(t string) string    { return s.wrapSGR("9", "29", t) }

// color maps an Adaptive Card color name to an ANSI colour.
func (s style) color(name, t string) string {
	switch strings.ToLower(name) {
	case "attention":
		return s.wrapSGR("31", "39", t)
	case "good":
		return s.wrapSGR("32", "39", t)
	case "warning":
		return s.wrapSGR("33", "39", t)
	case "accent":
		return s.wrapSGR("34", "39", t)
	}
	return t
}

// sanitize removes what could drive the terminal rather than be read:
// control characters (ANSI escapes from a bot included), bidirectional
// overrides and invalid UTF-8. Newlines stay; tabs become spaces.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, needsClean) && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteString("    ")
		case r == '\r':
			b.WriteByte('\n')
		case needsClean(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsClean(r rune) bool {
	if r == '\n' {
		return false
	}
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

// oneLine is sanitize for labels and titles: everything on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(sanitize(s)), " ")
}

// visibleWidth counts the columns s takes on a terminal, skipping ANSI
// escape sequences. Every rune counts as one column: good enough for
// Swedish and English text.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// skipEscape returns the index after the escape sequence starting at i.
func skipEscape(s string, i int) int {
	j := i + 1
	if j < len(s) && s[j] == '[' {
		j++
		for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
			j++
		}
		if j < len(s) {
			j++
		}
		return j
	}
	return j
}

// minWrap is the narrowest column a paragraph is wrapped to: narrower than
// this, long lines are easier to read than towers of single words.
const minWrap = 12

// wrap breaks s (which may contain newlines) into lines of at most width
// visible columns. first prefixes the first line and rest the others (both
// counted in the width), which gives list items their hanging indent.
func wrap(s string, width int, first, rest string) []string {
	var lines []string
	prefix := first
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, strings.TrimRight(prefix, " "))
			prefix = rest
			continue
		}
		avail := max(width-visibleWidth(prefix), minWrap)
		var cur strings.Builder
		cur.WriteString(prefix)
		curW := 0
		flush := func() {
			lines = append(lines, strings.TrimRight(cur.String(), " "))
			cur.Reset()
			prefix = rest
			avail = max(width-visibleWidth(prefix), minWrap)
			cur.WriteString(prefix)
			curW = 0
		}
		for _, w := range words {
			ww := visibleWidth(w)
			if curW > 0 && curW+1+ww > avail {
				flush()
			}
			for ww > avail {
				head, tail := splitVisible(w, avail-curW)
				if head == "" {
					// Not even one rune fits after what is already on the line.
					flush()
					continue
				}
				if curW > 0 {
					cur.WriteByte(' ')
				}
				cur.WriteString(head)
				flush()
				w, ww = tail, visibleWidth(tail)
			}
			if ww == 0 {
				continue
			}
			if curW > 0 {
				cur.WriteByte(' ')
				curW++
			}
			cur.WriteString(w)
			curW += ww
		}
		if curW > 0 {
			flush()
		}
	}
	return lines
}

// splitVisible splits s after n visible runes, keeping escapes whole.
func splitVisible(s string, n int) (string, string) {
	if n <= 0 {
		return "", s
	}
	count := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		if count == n {
			return s[:i], s[i:]
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s, ""
}

var (
	reBreak     = regexp.MustCompile(`(?i)<br\s*/?>`)
	reMention   = regexp.MustCompile(`(?is)<at>(.*?)</at>`)
	reHeading   = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*$`)
	reBullet    = regexp.MustCompile(`^[-*+]\s+(.*)$`)
	reOrdered   = regexp.MustCompile(`^(\d{1,9})[.)]\s+(.*)$`)
	reRule      = regexp.MustCompile(`^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$`)
	reXMLTag    = regexp.MustCompile(`(?is)<(/?)([a-z][a-z0-9]*)([^>]*)>`)
	reAnchor    = regexp.MustCompile(`(?is)<a\s[^>]*?href\s*=\s*["']([^"'\s()]*)["'][^>]*>(.*?)</a>`)
	reLinkURL   = regexp.MustCompile(`^[^\s()]*$`)
	maxInline   = 8     // nesting of emphasis before the rest is literal
	maxSpan     = 500   // bytes searched for a closing delimiter: keeps odd text linear
	maxTextSize = 64000 // bytes of one text rendered; the rest is cut
)

// markdownLines renders Teams markdown (the subset Teams shows in messages
// and TextBlocks) as terminal lines of at most width columns.
func (s style) markdownLines(md string, width int) []string {
	if len(md) > maxTextSize {
		md = md[:maxTextSize] + " …"
	}
	md = reBreak.ReplaceAllString(md, "\n")
	md = reMention.ReplaceAllString(md, "@$1")
	md = sanitize(md)
	var out []string
	fence := false
	for _, raw := range strings.Split(md, "\n") {
		line := strings.TrimRight(raw, " ")
		body := strings.TrimLeft(line, " ")
		lead := min(len(line)-len(body), 8)
		if strings.HasPrefix(body, "```") || strings.HasPrefix(body, "~~~") {
			fence = !fence
			continue
		}
		if fence {
			out = append(out, "    "+s.dim(html.UnescapeString(line)))
			continue
		}
		pad := strings.Repeat(" ", lead/2*2)
		switch {
		case body == "":
			out = append(out, "")
		case reRule.MatchString(body):
			out = append(out, strings.Repeat("─", min(width, 40)))
		case reHeading.MatchString(body):
			m := reHeading.FindStringSubmatch(body)
			text := s.inline(m[2], 0)
			out = append(out, wrap(s.bold(text), width, "", "")...)
			if len(m[1]) <= 2 && !s.ansi {
				out = append(out, underline(out, len(m[1]) == 1))
			}
		case reBullet.MatchString(body):
			m := reBullet.FindStringSubmatch(body)
			out = append(out, wrap(s.inline(m[1], 0), width, pad+"• ", pad+"  ")...)
		case reOrdered.MatchString(body):
			m := reOrdered.FindStringSubmatch(body)
			num := m[1] + ". "
			out = append(out, wrap(s.inline(m[2], 0), width, pad+num, pad+strings.Repeat(" ", len(num)))...)
		case strings.HasPrefix(body, ">"):
			text := strings.TrimSpace(strings.TrimLeft(body, ">"))
			out = append(out, wrap(s.inline(text, 0), width, "│ ", "│ ")...)
		default:
			out = append(out, wrap(s.inline(body, 0), width, pad, pad)...)
		}
	}
	return trimBlank(out)
}

// underline returns a rule as wide as the widest of the last lines written
// for a heading (plain output has no bold, so headings get a line instead).
func underline(lines []string, double bool) string {
	w := 0
	if len(lines) > 0 {
		w = visibleWidth(lines[len(lines)-1])
	}
	ch := "─"
	if double {
		ch = "═"
	}
	return strings.Repeat(ch, max(w, 1))
}

// trimBlank drops leading and trailing blank lines and collapses runs of
// blank lines into one.
func trimBlank(lines []string) []string {
	out := lines[:0]
	for _, l := range lines {
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// inline renders emphasis, code, links and escapes inside one line.
func (s style) inline(t string, depth int) string {
	var b strings.Builder
	lit := 0 // start of the pending literal run
	emit := func(i int) { b.WriteString(html.UnescapeString(t[lit:i])) }
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case c == '\\' && i+1 < len(t) && isASCIIPunct(t[i+1]):
			emit(i)
			b.WriteByte(t[i+1])
			i += 2
			lit = i
			continue
		case c == '`':
			if j := strings.IndexByte(t[i+1:], '`'); j >= 0 {
				emit(i)
				b.WriteString(s.dim(t[i+1 : i+1+j]))
				i += j + 2
				lit = i
				continue
			}
		case c == '[' && depth < maxInline:
			if text, url, n, ok := parseLink(t[i:]); ok {
				emit(i)
				label := s.inline(text, depth+1)
				if label == "" || text == url {
					b.WriteString(s.underline(url))
				} else {
					b.WriteString(label + " (" + s.underline(url) + ")")
				}
				i += n
				lit = i
				continue
			}
		case (c == '*' || c == '_' || c == '~') && depth < maxInline:
			if inner, n, kind, ok := parseEmphasis(t, i); ok {
				emit(i)
				r := s.inline(inner, depth+1)
				switch kind {
				case 2:
					r = s.bold(r)
				case 1:
					r = s.italic(r)
				case 3:
					r = s.strike(r)
				}
				b.WriteString(r)
				i += n
				lit = i
				continue
			}
		}
		i++
	}
	emit(len(t))
	return b.String()
}

// parseEmphasis recognises **bold**, __bold__, *italic*, _italic_ and
// ~~strike~~ starting at t[i]. kind is 2 for bold, 1 for italic, 3 for
// strike; n is the bytes consumed.
func parseEmphasis(t string, i int) (inner string, n, kind int, ok bool) {
	c := t[i]
	delim := string(c)
	kind = 1
	if i+1 < len(t) && t[i+1] == c {
		delim += string(c)
		kind = 2
	}
	if c == '~' {
		if kind != 2 {
			return "", 0, 0, false
		}
		kind = 3
	}
	start := i + len(delim)
	if start >= len(t) || t[start] == ' ' {
		return "", 0, 0, false
	}
	// Underscores inside words (snake_case, file_names) are not emphasis.
	if c == '_' && i > 0 && isWordByte(t[i-1]) {
		return "", 0, 0, false
	}
	limit := min(len(t), start+maxSpan)
	for j := start + 1; j+len(delim) <= limit; j++ {
		if t[j:j+len(delim)] != delim || t[j-1] == ' ' {
			continue
		}
		// A single delimiter must not be half of a double one.
		if len(delim) == 1 && j+1 < len(t) && t[j+1] == c {
			j++
			continue
		}
		end := j + len(delim)
		if c == '_' && end < len(t) && isWordByte(t[end]) {
			continue
		}
		return t[start:j], end - i, kind, true
	}
	return "", 0, 0, false
}

// parseLink recognises [text](url) at the start of t.
func parseLink(t string) (text, url string, n int, ok bool) {
	depth := 0
	for j := 0; j < min(len(t), maxSpan); j++ {
		switch t[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				if j+1 >= len(t) || t[j+1] != '(' {
					return "", "", 0, false
				}
				k := strings.IndexByte(t[j+2:min(len(t), j+2+maxSpan)], ')')
				if k < 0 {
					return "", "", 0, false
				}
				url = strings.TrimSpace(t[j+2 : j+2+k])
				if !reLinkURL.MatchString(url) {
					return "", "", 0, false
				}
				return t[1:j], url, j + 3 + k, true
			}
		}
	}
	return "", "", 0, false
}

func isASCIIPunct(c byte) bool {
	return c < utf8.RuneSelf && unicode.IsPunct(rune(c)) || strings.IndexByte("$+<=>^`|~", c) >= 0
}

func isWordByte(c byte) bool {
	return c >= utf8.RuneSelf || c == '_' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

// xmlToMarkdown turns the small HTML subset Teams accepts in messages
// (textFormat "xml") into markdown, dropping every other tag.
func xmlToMarkdown(s string) string {
	s = reAnchor.ReplaceAllString(s, "[$2]($1)")
	return reXMLTag.ReplaceAllStringFunc(s, func(tag string) string {
		m := reXMLTag.FindStringSubmatch(tag)
		closing, name := m[1] == "/", strings.ToLower(m[2])
		switch name {
		case "b", "strong":
			return "**"
		case "i", "em":
			return "_"
		case "br":
			return "\n"
		case "p", "div":
			if closing {
				return "\n\n"
			}
		case "li":
			if !closing {
				return "\n- "
			}
		case "ul", "ol":
			if closing {
				return "\n"
			}
		case "at":
			if !closing {
				return "@"
			}
		}
		return ""
	})
}
