package answer

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxQuestionRunes is how much of a question is searched; longer text
	// is cut at a word boundary and the user is told.
	maxQuestionRunes = 500
	// maxRawBytes bounds the work done on any input before it is cut.
	maxRawBytes = 16 << 10
	// maxStoredRunes bounds question text kept in records and cards.
	maxStoredRunes = 1000
)

// inputKind says what was wrong with a question, if anything.
type inputKind int

const (
	inputOK      inputKind = iota
	inputEmpty             // nothing but white space
	inputNoWords           // only emoji, punctuation or symbols
)

type question struct {
	text      string // cleaned text that is searched
	truncated bool   // the original was longer than maxQuestionRunes
	kind      inputKind
}

var (
	htmlTag      = regexp.MustCompile(`(?s)<[^<>]{0,500}>`)
	mdLink       = regexp.MustCompile(`\[([^\[\]]{0,200})\]\([^()]{0,500}\)`)
	urlPattern   = regexp.MustCompile(`(?i)\b(?:https?|ftp|file|javascript|data):[^\s]*`)
	spaceRun     = regexp.MustCompile(`\s+`)
	cardInjectRe = regexp.MustCompile(`[{}\[\]<>"\\]`)
)

// cardInjectChars are the characters cardInjectRe removes.
const cardInjectChars = `{}[]<>"\\`

// prepareQuestion turns raw user text into what is searched: markup and
// links removed, entities decoded, white space collapsed, cut to
// maxQuestionRunes at a word boundary.
func prepareQuestion(raw string) question {
	if len(raw) > maxRawBytes {
		raw = raw[:maxRawBytes]
	}
	raw = strings.ToValidUTF8(raw, " ")
	s := html.UnescapeString(raw)
	// Each pattern only runs when the text has a character it needs: most
	// questions are plain words.
	if strings.IndexByte(s, '<') >= 0 {
		s = htmlTag.ReplaceAllString(s, " ")
	}
	if strings.Contains(s, "](") {
		s = mdLink.ReplaceAllString(s, "$1")
	}
	if strings.IndexByte(s, ':') >= 0 {
		s = urlPattern.ReplaceAllString(s, " ")
	}
	if strings.ContainsAny(s, cardInjectChars) {
		s = cardInjectRe.ReplaceAllString(s, " ")
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	// Control characters are spaces now, so only runs of spaces are left.
	if strings.Contains(s, "  ") {
		s = spaceRun.ReplaceAllString(s, " ")
	}
	s = strings.TrimSpace(s)
	q := question{text: s}
	switch {
	case strings.TrimSpace(raw) == "" || (s == "" && !strings.ContainsFunc(raw, isWordRune)):
		if strings.TrimSpace(raw) == "" {
			q.kind = inputEmpty
		} else {
			q.kind = inputNoWords
		}
		q.text = ""
		return q
	case !strings.ContainsFunc(s, isWordRune):
		q.kind = inputNoWords
		q.text = ""
		return q
	}
	if utf8.RuneCountInString(s) > maxQuestionRunes {
		q.text = cutRunes(s, maxQuestionRunes)
		q.truncated = true
	}
	return q
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// cutRunes shortens s to at most n runes, at the last space if there is
// one in the final fifth.
func cutRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	cut := string(rs[:n])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*4/5 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut)
}

// shorten is cutRunes with an ellipsis, for showing user text back.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return cutRunes(s, n-1) + "…"
}

// plainLine makes user text safe to show on one line: control characters
// and line breaks become spaces, runs of space collapse.
func plainLine(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(spaceRun.ReplaceAllString(s, " "))
}

// mdEscaper escapes the characters that Adaptive Card TextBlock markdown
// (and Teams message markdown) gives meaning to — emphasis, links, code,
// headings, quotes — so user text shows as typed and cannot add a link.
// Teams renders a backslash escape as the character itself.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`,
	"`", "\\`", `~`, `\~`, `#`, `\#`, `>`, `\>`, `<`, `\<`, `|`, `\|`,
)

// listStart matches what markdown would turn into a list or heading at the
// start of a line.
var listStart = regexp.MustCompile(`^(\s*)([-+]|\d+)([.)]?\s)`)

func escapeMarkdown(s string) string {
	s = mdEscaper.Replace(s)
	m := listStart.FindStringSubmatchIndex(s)
	switch {
	case m == nil:
		return s
	case s[m[4]] == '-' || s[m[4]] == '+': // "- x" → "\- x"
		return s[:m[4]] + `\` + s[m[4]:]
	case s[m[6]] == '.' || s[m[6]] == ')': // "1. x" → "1\. x"
		return s[:m[6]] + `\` + s[m[6]:]
	}
	return s
}

// userText prepares user-supplied text for a card or message: one line,
// at most n runes, markdown escaped. Use it for every string a user typed.
func userText(s string, n int) string {
	return escapeMarkdown(shorten(plainLine(s), n))
}

// userTextBlock is userText for longer text where line breaks matter
// (a human's answer): each line escaped separately.
func userTextBlock(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = shorten(s, n)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		out = append(out, escapeMarkdown(plainLine(l)))
	}
	return strings.TrimSpace(strings.Join(out, "\n\n"))
}
