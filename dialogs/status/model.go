package status

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Status is where an activity stands. The values are stored; labels are
// per language (Label).
type Status string

// The six statuses of the action plan follow-up.
const (
	NotStarted Status = "not_started" // Ej påbörjad
	OnTrack    Status = "on_track"    // Pågår enligt plan
	AtRisk     Status = "at_risk"     // Pågår med risk
	Delayed    Status = "delayed"     // Försenad
	Done       Status = "done"        // Klar
	Paused     Status = "paused"      // Pausad
)

// Statuses lists every status in the order cards show them.
var Statuses = []Status{NotStarted, OnTrack, AtRisk, Delayed, Done, Paused}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Label is the status as users read it ("sv" or "en"); "" is "no report".
func (s Status) Label(lang string) string {
	tx := textFor(lang)
	if l, ok := tx.statusLabels[s]; ok {
		return l
	}
	return tx.noStatus
}

// How an update was made.
const (
	ViaCard  = "card"
	ViaText  = "text"
	ViaAdmin = "admin" // by an administrator who is not owner, delegate or deputy
)

// Update is one status report: the current record of an activity (doc
// "status"/<id>) and each entry of the history log.
type Update struct {
	At         time.Time `json:"at"`
	Activity   string    `json:"activity"`
	Author     string    `json:"author,omitempty"` // Entra object id
	AuthorName string    `json:"author_name,omitempty"`
	Status     Status    `json:"status"`
	Done       string    `json:"done,omitempty"` // what has been done
	Next       string    `json:"next,omitempty"` // next step
	Due        string    `json:"due,omitempty"`  // expected completion, YYYY-MM-DD
	Help       bool      `json:"help,omitempty"` // help needed
	HelpText   string    `json:"help_text,omitempty"`
	Via        string    `json:"via,omitempty"`
	// Version is the record's version after this update (history only).
	Version int64 `json:"version,omitempty"`
}

// Field limits (runes). Cards enforce them too; the server checks again.
const (
	maxDone     = 2000
	maxNext     = 1000
	maxHelpText = 1000
	maxUPN      = 256
)

// Store collections and logs.
const (
	collStatus     = "status"            // activity id -> Update
	collOwners     = "status-owners"     // activity id -> ownership (chat changes)
	collDeputies   = "status-deputies"   // owner AAD id -> deputy
	collPeople     = "status-people"     // principal -> person (UPN cache)
	collRounds     = "status-rounds"     // period -> round
	collRoundPrefx = "status-round:"     // + period: recipient key -> recipient
	logHistory     = "status-history"    // Update entries
	logAudit       = "status-audit"      // owner, delegate and deputy changes
	kindNudge      = "status-nudge"      // outbox kinds
	kindReminder   = "status-reminder"   //
	kindEscalation = "status-escalation" //
	kindReceipt    = "status-receipt"    //
)

var activityIDRE = regexp.MustCompile(`^[Aa]0*([1-9][0-9]{0,2})$`)

// CanonicalID turns "a1", "A01" or "A001" into "A01" (two digits at least);
// ok is false for anything else.
func CanonicalID(s string) (string, bool) {
	m := activityIDRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return "", false
	}
	return fmt.Sprintf("A%02d", n), true
}

// principals: "aad:<object id>" or a UPN, lower case.
var (
	guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	upnRE  = regexp.MustCompile(`^[^@\s:<>"',;]+@[^@\s:<>"',;]+\.[^@\s:<>"',;]+$`)
)

// normPrincipal checks and normalises a configured or typed person:
// "aad:<object id>" or a UPN. Teams sends typed e-mail addresses as
// markdown links sometimes ("[a@b.se](mailto:a@b.se)"); those are unwrapped.
func normPrincipal(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "<"), "mailto:")
	s = strings.TrimSuffix(s, ">")
	if i := strings.Index(s, "](mailto:"); strings.HasPrefix(s, "[") && i > 0 && strings.HasSuffix(s, ")") {
		s = s[1:i]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", fmt.Errorf("empty")
	case len(s) > maxUPN:
		return "", fmt.Errorf("longer than %d characters", maxUPN)
	case strings.HasPrefix(s, "aad:"):
		if !guidRE.MatchString(s[4:]) {
			return "", fmt.Errorf("%q: aad: must be followed by an Entra object id (a GUID)", s)
		}
		return s, nil
	case upnRE.MatchString(s):
		return s, nil
	}
	return "", fmt.Errorf("%q is neither a UPN (name@domain) nor aad:<object id>", s)
}

// aadPrincipal is the principal of an Entra object id.
func aadPrincipal(id string) string { return "aad:" + strings.ToLower(id) }

// dateOnly parses a YYYY-MM-DD calendar date strictly (2026-02-30 fails).
func dateOnly(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return time.Time{}, false
	}
	return t, true
}
