package status

import (
	"fmt"
	"time"

	"digibot/bot/schedule"
)

// texts are the user-facing strings of one language (text_sv.go,
// text_en.go).
type texts struct {
	lang         string
	statusLabels map[Status]string
	noStatus     string
	reasons      map[string]string // Reason* -> explanation; "" = unknown

	months, monthsShort [12]string
	weekdays            [7]string // Sunday first, like time.Weekday
	clock, clockShort   string    // between date and time: " kl. " / " at "

	// Cards.
	cardTitle, reminderTitle, neverReported, cardFootnote, send                string
	fieldStatus, chooseStatus, fieldDone, placeholderDone, fieldNext, fieldDue string
	fieldHelp, fieldHelpText, fieldHelpShort, yes, no                          string
	receiptTitle, nothingSaved, changeAgain, update                            string
	owners, noOwner, lastUpdated, history, noHistory                           string
	overviewTitle, helpFlag, missingHeading, unreachableHeading                string
	escalationTitle, escalationFootnote                                        string
	nudgeSummary, reminderSummary, escalationSummary, cardIntroManual          string
	lastReport                                                                 func(status, when, who string) string
	savedBy                                                                    func(when, who string) string
	delegatedTo                                                                func(who string) string
	olderEntries                                                               func(n int) string
	nextNudge                                                                  func(when string) string
	cardIntro                                                                  func(remindOn string) string
	reminderIntro                                                              func(sent string) string
	managerIntro                                                               func(manager, owner, sent string) string
	coordinatorIntro                                                           func(sent string) string

	// Chat.
	adminOnly, adminHint, exportHint, statusUsage, noActivities, badSubmission string
	ownerUsage, delegateUsage, deputyUsage, deputyOnlyOwners, deputyEnded      string
	deputyRange, tryLater                                                      string
	unknownActivity, updateHint, notOwner, onlyOwnerDelegates, reclaimed       func(id string) string
	stale                                                                      func(id, who, when string) string
	badDate                                                                    func(id, value string) string
	problem                                                                    func(p fieldProblem) string
	savedText                                                                  func(lines []string) string
	stillMissing                                                               func(ids string) string
	reminderOn                                                                 func(ids, when string) string
	badPerson, notInDirectory, deputyNote                                      func(who string) string
	notAnOwner, delegated                                                      func(who, id string) string
	deputySet                                                                  func(who, until string) string
	ownersOf                                                                   func(id string, names []string) string
}

func textFor(lang string) *texts {
	if lang == "en" {
		return textEN
	}
	return textSV
}

// date is "1 dec 2026".
func (tx *texts) date(t time.Time) string {
	t = t.In(schedule.Stockholm)
	return fmt.Sprintf("%d %s %d", t.Day(), tx.monthsShort[t.Month()-1], t.Year())
}

// dateTime is "1 dec 2026 kl. 09:14".
func (tx *texts) dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return tx.date(t) + tx.clockShort + t.In(schedule.Stockholm).Format("15:04")
}

// longDate is "måndag 4 januari 2027".
func (tx *texts) longDate(t time.Time) string {
	t = t.In(schedule.Stockholm)
	return fmt.Sprintf("%s %d %s %d", tx.weekdays[t.Weekday()], t.Day(), tx.months[t.Month()-1], t.Year())
}

// longDateTime is "måndag 4 januari 2027 kl. 09:00".
func (tx *texts) longDateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return tx.longDate(t) + tx.clock + t.In(schedule.Stockholm).Format("15:04")
}

// dueDate shows a stored YYYY-MM-DD as "31 mars 2027".
func (tx *texts) dueDate(s string) string {
	d, ok := dateOnly(s)
	if !ok {
		return s
	}
	return fmt.Sprintf("%d %s %d", d.Day(), tx.months[d.Month()-1], d.Year())
}

// savedLine is one saved typed update: "**A12** Klar · Förväntat klart 31 mars 2027".
func (tx *texts) savedLine(u Update) string {
	line := "**" + u.Activity + "** " + u.Status.Label(tx.lang)
	if u.Due != "" {
		line += " · " + tx.fieldDue + " " + tx.dueDate(u.Due)
	}
	if u.Help {
		line += " · " + tx.helpFlag
	}
	return line
}
