package graphapi

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits. Entra allows 113 characters in a UPN; guest UPNs
// (#EXT#) and object ids fit well inside the user limit.
const (
	MaxUserRefLen = 256
	MaxEventIDLen = 512
	MaxEmailLen   = 254 // RFC 5321 path limit
	MaxSubjectLen = 255 // Outlook's subject limit
	MaxBodyLen    = 64 << 10
	MaxTxIDLen    = 128
)

// CheckUserRef accepts a user principal name or object id as Graph takes it
// in /users/{id}: non-empty, at most MaxUserRefLen bytes, valid UTF-8, no
// whitespace or control characters and none of / \ ? % (path syntax that no
// UPN or id contains). '#' stays allowed: guest UPNs contain "#EXT#", and
// the SDK escapes it in the path.
func CheckUserRef(s string) error { return checkRef("user", s, MaxUserRefLen) }

// CheckEventID accepts a calendar event id (same rules, longer limit).
func CheckEventID(s string) error { return checkRef("event id", s, MaxEventIDLen) }

func checkRef(what, s string, max int) error {
	switch {
	case s == "":
		return invalid("%s is empty", what)
	case len(s) > max:
		return invalid("%s is %d bytes long (max %d)", what, len(s), max)
	case !utf8.ValidString(s):
		return invalid("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return invalid("%s %s contains a space or control character", what, quote(s))
		}
		if strings.ContainsRune(`/\?%`, r) {
			return invalid("%s %s contains %q", what, quote(s), r)
		}
	}
	return nil
}

// CheckGUID accepts a GUID in the 8-4-4-4-12 hex form (group ids, Teams app
// ids). what names the value in the error, e.g. "group id".
func CheckGUID(what, s string) error {
	if len(s) != 36 {
		return invalid("%s %s is not a GUID", what, quote(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return invalid("%s %s is not a GUID", what, quote(s))
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return invalid("%s %s is not a GUID", what, quote(s))
			}
		}
	}
	return nil
}

// CheckEmail accepts a plain address (local@domain) for a meeting attendee.
// It is deliberately simple: Exchange does the real validation; this only
// keeps obviously broken or header-like input away from Graph.
func CheckEmail(s string) error {
	if s == "" {
		return invalid("email address is empty")
	}
	if len(s) > MaxEmailLen || !utf8.ValidString(s) {
		return invalid("email address is too long or not UTF-8")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return invalid("email address %s needs exactly one @ between a name and a domain", quote(s))
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune(`<>,;:"()[]\`, r) {
			return invalid("email address %s contains %q", quote(s), r)
		}
	}
	if d := s[at+1:]; strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return invalid("email address %s has a malformed domain", quote(s))
	}
	return nil
}

// CheckText accepts free text for a subject or body: valid UTF-8, within
// max bytes, no control characters other than tab and newlines.
func CheckText(what, s string, max int) error {
	if len(s) > max {
		return invalid("%s is %d bytes long (max %d)", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalid("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return invalid("%s contains control character %U", what, r)
		}
	}
	return nil
}

// invalid builds the error every check returns: an *Error wrapping
// ErrInvalidInput; package graph fills in Op.
func invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalidInput, Message: fmt.Sprintf(format, args...)}
}

// quote escapes s for an error message and keeps the result short, however
// many bytes need escaping.
func quote(s string) string {
	const max = 80
	q := strconv.Quote(s)
	if len(q) <= max {
		return q
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(q[cut]) {
		cut--
	}
	return q[:cut] + "…"
}
