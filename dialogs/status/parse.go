package status

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// textUpdate is one status update typed in chat ("A12 klar").
type textUpdate struct {
	Activity string // canonical id
	Status   Status
	Due      string // YYYY-MM-DD, "" when not given
	Done     string // free text after the status (or after "gjort:")
	Next     string // after "nästa steg:"
	HelpText string // after "behöver hjälp med" / "hjälp:"
	Help     bool
}

// parseError is an update that was recognised but cannot be saved as
// typed (a date that does not exist, or no date after "till").
type parseError struct {
	Activity string
	Value    string // what was typed where a date should be
}

func (e *parseError) Error() string { return fmt.Sprintf("%s: %q is not a date", e.Activity, e.Value) }

// maxTextUpdate bounds what the parser reads; longer messages are not
// status updates.
const maxTextUpdate = 4000

// token is a word of the message with its byte span.
type token struct {
	s          string // as typed
	f          string // folded: lower case, å/ä→a, ö→o, é→e
	start, end int
}

var tokenRE = regexp.MustCompile(`[\p{L}\p{N}]+(?:[-/][\p{L}\p{N}]+)*`)

func tokenize(s string) []token {
	var out []token
	for _, m := range tokenRE.FindAllStringIndex(s, -1) {
		w := s[m[0]:m[1]]
		out = append(out, token{s: w, f: fold(w), start: m[0], end: m[1]})
	}
	return out
}

var folder = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "è", "e", "ü", "u", "æ", "a", "ø", "o")

func fold(s string) string { return folder.Replace(strings.ToLower(s)) }

// statusPhrases are folded phrases per status, including common
// misspellings; the longest match wins, and single words of 6+ letters
// also match at one edit (Damerau) away.
var statusPhrases = []struct {
	words []string
	st    Status
}{}

func init() {
	add := func(st Status, phrases ...string) {
		for _, p := range phrases {
			statusPhrases = append(statusPhrases, struct {
				words []string
				st    Status
			}{strings.Fields(p), st})
		}
	}
	add(NotStarted, "ej paborjad", "ej paborjat", "ej paborjade", "inte paborjad", "inte paborjat", "ej startad",
		"ej startat", "inte startad", "inte startat", "ej igang", "inte igang", "ej paborjad an", "not started",
		"not yet started", "ejpaborjad", "opaborjad", "opaborjat")
	add(OnTrack, "pagar enligt plan", "pagar", "pagaende", "enligt plan", "gar enligt plan", "pagar som planerat",
		"on track", "in progress", "ongoing", "igang", "gront", "gron")
	add(AtRisk, "pagar med risk", "pagaende med risk", "med risk", "risk", "risker", "at risk", "gult", "gul",
		"riskerar forsening", "pagar men med risk")
	add(Delayed, "forsenad", "forsenat", "forsenade", "forsening", "delayed", "late", "behind", "rott", "rod")
	add(Done, "klar", "klart", "klara", "fardig", "fardigt", "avslutad", "avslutat", "genomford", "genomfort",
		"slutford", "slutfort", "done", "complete", "completed", "finished")
	add(Paused, "pausad", "pausat", "pausade", "paus", "vilande", "paused", "on hold", "stoppad", "stoppat", "parkerad", "parkerat")
	// Longest phrases first, so "pågår med risk" beats "pågår".
	slices.SortStableFunc(statusPhrases, func(a, b struct {
		words []string
		st    Status
	}) int {
		return len(b.words) - len(a.words)
	})
}

// fillers may stand between the id and the status ("A12 är klar").
var fillers = map[string]bool{"ar": true, "is": true, "status": true, "nu": true, "now": true, "har": true, "blev": true, "=": true}

// matchStatus finds a status phrase at toks[0:]; n is the tokens used.
func matchStatus(toks []token) (Status, int) {
	i := 0
	for i < len(toks) && i < 3 && fillers[toks[i].f] {
		i++
	}
	for _, exact := range []bool{true, false} {
		for _, p := range statusPhrases {
			if i+len(p.words) > len(toks) {
				continue
			}
			ok := true
			for j, w := range p.words {
				t := toks[i+j].f
				if t == w || (!exact && len(w) >= 6 && editDistance1(t, w)) || (!exact && len(w) >= 4 && transposed(t, w)) {
					continue
				}
				ok = false
				break
			}
			if ok {
				return p.st, i + len(p.words)
			}
		}
	}
	return "", 0
}

// editDistance1 reports whether a and b differ by one insertion, deletion,
// substitution or adjacent transposition.
func editDistance1(a, b string) bool {
	if a == b {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	switch len(ra) - len(rb) {
	case 0:
		diff := -1
		for i := range ra {
			if ra[i] != rb[i] {
				if diff >= 0 {
					// two differences: only an adjacent swap is one edit
					return diff == i-1 && ra[diff] == rb[i] && ra[i] == rb[diff] && string(ra[i+1:]) == string(rb[i+1:])
				}
				diff = i
			}
		}
		return true
	case 1:
		i := 0
		for i < len(rb) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i+1:]) == string(rb[i:])
	}
	return false
}

func transposed(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) || a == b {
		return false
	}
	for i := 0; i+1 < len(ra); i++ {
		if ra[i] != rb[i] {
			return ra[i] == rb[i+1] && ra[i+1] == rb[i] && string(ra[i+2:]) == string(rb[i+2:])
		}
	}
	return false
}

// dateKeywords introduce a date after the status ("försenad till …").
var dateKeywords = map[string]bool{"till": true, "to": true, "until": true, "senast": true, "by": true, "klart": true, "klar": true, "datum": true, "date": true, "den": true, "per": true, "ca": true, "cirka": true, "preliminart": true}

var months = map[string]time.Month{
	"januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "february": 2, "mars": 3, "mar": 3, "march": 3,
	"april": 4, "apr": 4, "maj": 5, "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7, "jul": 7, "july": 7,
	"augusti": 8, "aug": 8, "august": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "oct": 10,
	"october": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

var (
	isoDateRE   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	dayRE       = regexp.MustCompile(`^(\d{1,2})(?:e|a|:e|:a)?$`)
	yearRE      = regexp.MustCompile(`^(\d{4})$`)
	dateShapeRE = regexp.MustCompile(`^\d{4}-\d`)
)

// parseDate reads a date at toks[0:]: 2027-03-31, "31 mars 2027" or
// "mars 2027" (the last day of the month). n is the tokens used; ok false
// when there is no date there; bad when it looks like a date and is not one.
func parseDate(toks []token) (date string, n int, ok, bad bool) {
	if len(toks) == 0 {
		return "", 0, false, false
	}
	if m := isoDateRE.FindStringSubmatch(toks[0].s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		if s, ok := validDate(y, mo, d); ok {
			return s, 1, true, false
		}
		return "", 1, false, true
	}
	if dateShapeRE.MatchString(toks[0].s) {
		return "", 1, false, true
	}
	if m := dayRE.FindStringSubmatch(toks[0].f); m != nil && len(toks) >= 3 {
		mo, okM := months[strings.TrimSuffix(toks[1].f, ".")]
		y := yearRE.FindStringSubmatch(toks[2].s)
		if okM && y != nil {
			d, _ := strconv.Atoi(m[1])
			yy, _ := strconv.Atoi(y[1])
			if s, ok := validDate(yy, int(mo), d); ok {
				return s, 3, true, false
			}
			return "", 3, false, true
		}
	}
	if mo, okM := months[toks[0].f]; okM && len(toks) >= 2 {
		if y := yearRE.FindStringSubmatch(toks[1].s); y != nil {
			yy, _ := strconv.Atoi(y[1])
			last := time.Date(yy, mo+1, 0, 0, 0, 0, 0, time.UTC)
			if s, ok := validDate(yy, int(mo), last.Day()); ok {
				return s, 2, true, false
			}
		}
	}
	return "", 0, false, false
}

// validDate accepts real calendar dates in a plausible range.
func validDate(y, m, d int) (string, bool) {
	if y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

var idTokenRE = regexp.MustCompile(`^[Aa]0*[1-9][0-9]{0,2}$`)

// parseUpdates reads status updates typed in chat: one or more of
// "<id> <status> [till <date>] [, note]" separated by new lines, ";" or
// ", <id>". ok is false when the text is not a status update (it does not
// start with an activity id followed by a status); err is a *parseError
// when an update was recognised but its date is wrong.
func parseUpdates(text string) (ups []textUpdate, ok bool, err error) {
	if len(text) > maxTextUpdate || !utf8.ValidString(text) {
		return nil, false, nil
	}
	toks := tokenize(text)
	if len(toks) < 2 || !idTokenRE.MatchString(toks[0].s) || strings.TrimFunc(text[:toks[0].start], isSep) != "" {
		return nil, false, nil
	}
	// Segment starts: the first token, and every later id token that
	// follows a separator and is followed by a status.
	starts := []int{0}
	for i := 1; i < len(toks); i++ {
		if !idTokenRE.MatchString(toks[i].s) {
			continue
		}
		between := text[toks[i-1].end:toks[i].start]
		if !strings.ContainsAny(between, "\n;,") {
			continue
		}
		if st, _ := matchStatus(toks[i+1:]); st != "" {
			starts = append(starts, i)
		}
	}
	for k, si := range starts {
		endTok, endByte := len(toks), len(text)
		if k+1 < len(starts) {
			endTok = starts[k+1]
			endByte = toks[endTok].start
		}
		seg := toks[si+1 : endTok]
		id, _ := CanonicalID(toks[si].s)
		st, n := matchStatus(seg)
		if st == "" {
			if k == 0 {
				return nil, false, nil
			}
			continue
		}
		u := textUpdate{Activity: id, Status: st}
		rest := seg[n:]
		// A date right after the status, maybe after a keyword.
		kw := 0
		for kw < len(rest) && kw < 2 && dateKeywords[rest[kw].f] {
			kw++
		}
		d, used, okD, bad := parseDate(rest[kw:])
		strong := kw > 0 && strongDateKeywords[rest[kw-1].f]
		switch {
		case okD:
			u.Due = d
			rest = rest[kw+used:]
		case bad:
			return nil, true, &parseError{Activity: id, Value: text[rest[kw].start:rest[kw+used-1].end]}
		case strong && len(rest) == kw:
			return nil, true, &parseError{Activity: id}
		case strong && (isRelativeDay(rest[kw].f) || startsWithDigit(rest[kw].s)):
			// "till igår", "till 31/3": a date was meant.
			return nil, true, &parseError{Activity: id, Value: rest[kw].s}
		}
		// The note runs from the first remaining token (or an opening
		// quote) to the segment's end, without separators around it.
		note := ""
		if len(rest) > 0 {
			note = strings.TrimFunc(text[backToOpen(text, rest[0].start):endByte], isSep)
		}
		splitNote(&u, note)
		ups = append(ups, u)
	}
	return ups, len(ups) > 0, nil
}

// strongDateKeywords must be followed by a date.
var strongDateKeywords = map[string]bool{"till": true, "to": true, "until": true, "senast": true, "by": true}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

var relativeDays = map[string]bool{"igar": true, "idag": true, "imorgon": true, "imorn": true, "yesterday": true, "today": true, "tomorrow": true, "snart": true, "soon": true}

func isRelativeDay(f string) bool { return relativeDays[f] }

// backToOpen includes an opening quote or bracket just before pos.
func backToOpen(text string, pos int) int {
	for pos > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:pos])
		if strings.ContainsRune(`"'”“«([`, r) {
			pos -= size
			continue
		}
		break
	}
	return pos
}

func isSep(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(",;:.-–—=", r)
}

// noteLabels start labelled parts of a note; each is matched folded by
// foldKeepLen, with and without Swedish letters.
var noteLabels = func() []struct{ f, field string } {
	var out []struct{ f, field string }
	for _, l := range []struct{ label, field string }{
		{"nästa steg:", "next"}, {"nästa steg", "next"}, {"nästa:", "next"}, {"next step:", "next"}, {"next:", "next"},
		{"gjort:", "done"}, {"done:", "done"},
		{"behöver hjälp med", "help"}, {"behöver hjälp:", "help"}, {"behöver hjälp", "help"}, {"hjälp:", "help"},
		{"need help with", "help"}, {"needs help with", "help"}, {"need help", "help"}, {"help:", "help"},
	} {
		out = append(out, struct{ f, field string }{foldKeepLen(l.label), l.field})
		if ascii := folder.Replace(l.label); ascii != l.label {
			out = append(out, struct{ f, field string }{foldKeepLen(ascii), l.field})
		}
	}
	// Longer labels first, so "behöver hjälp med" wins over "behöver hjälp".
	slices.SortStableFunc(out, func(a, b struct{ f, field string }) int { return len(b.f) - len(a.f) })
	return out
}()

// splitNote puts the note's labelled parts into their fields; unlabelled
// text is what has been done.
func splitNote(u *textUpdate, note string) {
	if note == "" {
		return
	}
	type cut struct {
		at, end int
		field   string
	}
	f := foldKeepLen(note)
	var cuts []cut
	for _, l := range noteLabels {
		from := 0
		for {
			i := strings.Index(f[from:], l.f)
			if i < 0 {
				break
			}
			i += from
			overlaps := slices.ContainsFunc(cuts, func(c cut) bool { return i < c.end && c.at < i+len(l.f) })
			if (i == 0 || !isWordByte(f[i-1])) && !overlaps {
				cuts = append(cuts, cut{i, i + len(l.f), l.field})
			}
			from = i + len(l.f)
		}
	}
	slices.SortFunc(cuts, func(a, b cut) int { return a.at - b.at })
	put := func(field, v string) {
		v = strings.TrimFunc(v, isSep)
		if v == "" && field != "help" {
			return
		}
		switch field {
		case "next":
			u.Next = joinText(u.Next, v)
		case "help":
			u.Help = true
			u.HelpText = joinText(u.HelpText, v)
		default:
			u.Done = joinText(u.Done, v)
		}
	}
	prev, field := 0, "done"
	for _, c := range cuts {
		put(field, note[prev:c.at])
		prev, field = c.end, c.field
	}
	put(field, note[prev:])
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// foldKeepLen lower-cases and folds å/ä/ö byte for byte, so indexes into
// the result are indexes into s (å, ä, ö are two bytes; folded to "a" plus
// a filler byte that matches no label).
func foldKeepLen(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch unicode.ToLower(r) {
		case 'å', 'ä':
			b.WriteString("a\x01")
		case 'ö':
			b.WriteString("o\x01")
		default:
			lr := unicode.ToLower(r)
			if utf8.RuneLen(lr) == utf8.RuneLen(r) {
				b.WriteRune(lr)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
