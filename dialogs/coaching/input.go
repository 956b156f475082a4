package coaching

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Card input ids and data keys.
const (
	inSlot       = "slot"
	inTopic      = "topic"
	inDepartment = "department"
	inBooking    = "booking"
	inOutcome    = "outcome"
	inNotePrefix = "note_" // + booking id: one note field per booking on the coach list
)

// Limits on what a card may submit.
const (
	maxTopicRunes = 300
	maxNoteRunes  = 500
	maxIDBytes    = 64
	// maxRawBytes: a submitted string longer than this is refused before
	// any cleaning (a topic of 300 runes is at most 1200 bytes).
	maxRawBytes = 4096
)

// Problems a submitted form can have (keys into the texts).
type problem int

const (
	probNone problem = iota
	probSlotMissing
	probTopicMissing
	probTopicTooLong
	probDeptMissing
	probDeptUnknown
	probNoteTooLong
	probOutcome
)

// field returns data[key] if it is a string of at most maxRawBytes;
// anything else (numbers, objects, giant strings) is treated as absent or
// reported too long through ok=false.
func field(data map[string]any, key string) (s string, ok bool) {
	v, present := data[key]
	if !present || v == nil {
		return "", true
	}
	s, isString := v.(string)
	if !isString {
		return "", true
	}
	if len(s) > maxRawBytes {
		return "", false
	}
	return s, true
}

// cleanLine makes user text one plain line: valid UTF-8, no control or
// format characters, white space collapsed.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// oneLine is cleanLine cut to max runes (for logs, subjects).
func oneLine(s string, max int) string {
	s = cleanLine(s)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// idField returns a short id-like value (slot or booking id), or "".
func idField(data map[string]any, key string) string {
	s, ok := field(data, key)
	if !ok || len(s) > maxIDBytes {
		return ""
	}
	return strings.TrimSpace(s)
}

// bookForm is the booking card's submission.
type bookForm struct {
	Slot       string
	Topic      string
	Department string
}

// parseBookForm reads and checks a booking or waitlist form. The slot id
// is only read here (needSlot: it must be present); it is checked against
// the schedule by the caller.
func parseBookForm(data map[string]any, departments []string, needSlot bool) (bookForm, problem) {
	var f bookForm
	f.Slot = idField(data, inSlot)
	topic, okTopic := field(data, inTopic)
	f.Topic = cleanLine(topic)
	dept, okDept := field(data, inDepartment)
	dept = cleanLine(dept)
	for _, d := range departments {
		if strings.EqualFold(d, dept) {
			f.Department = d
		}
	}
	switch {
	case needSlot && f.Slot == "":
		return f, probSlotMissing
	case !okTopic || utf8.RuneCountInString(f.Topic) > maxTopicRunes:
		f.Topic = oneLine(f.Topic, maxTopicRunes)
		return f, probTopicTooLong
	case f.Topic == "":
		return f, probTopicMissing
	case !okDept:
		return f, probDeptUnknown
	case dept == "":
		return f, probDeptMissing
	case f.Department == "":
		return f, probDeptUnknown
	}
	return f, probNone
}

// markForm is a coach's mark of a booking.
type markForm struct {
	Booking string
	Outcome string // stateHeld or stateNoShow
	Note    string
}

func parseMarkForm(data map[string]any) (markForm, problem) {
	var f markForm
	f.Booking = idField(data, inBooking)
	switch o, _ := field(data, inOutcome); o {
	case stateHeld, stateNoShow:
		f.Outcome = o
	default:
		return f, probOutcome
	}
	note, ok := field(data, inNotePrefix+f.Booking)
	f.Note = cleanLine(note)
	if !ok || utf8.RuneCountInString(f.Note) > maxNoteRunes {
		return f, probNoteTooLong
	}
	return f, probNone
}
