package coaching

import (
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"digibot/bot/schedule"
)

// text is every user-facing string of the capability in one language
// (text_sv.go, text_en.go).
type text struct {
	// date is "tisdag 1 december"; clock "kl. 13.00–13.30".
	date  func(day time.Time) string
	clock func(start, end time.Time) string
	// duration is a cutoff such as "1 timme".
	duration func(d time.Duration) string

	personalOnly, useStanding                                                   string
	noIdentity, notSetUp, badSlot, alreadyBooked, noSuchBooking, notYourBooking string
	freeAfterAll, waitlistFull, leftWaitlist, notOnWaitlist, offerNotForYou     string
	notACoach, notYourCoaching, markCancelled                                   string

	bookTitle, bookIntro, slotLabel, slotRequired, bookButton, mineButton            string
	topicLabel, topicPlaceholder, topicRequired, departmentLabel, departmentRequired string
	fullTitle, joinButton, leaveButton, queuedTitle, queuedHow                       string
	openMeeting, standingLink, meetingCreated, linkFollows                           string
	factWhen, factCoach, factTopic, factDepartment, factWho, factOutcome, factNote   string
	confirmTitle, cancelButton, mineTitle, noBookings, bookMoreButton                string
	offerTitle, offerHow, acceptButton, linkTitle, linkFailedTitle                   string
	reminderDayTitle, reminderSoonTitle                                              string
	coachListTitle, coachListEmpty, markButton, noteLabel, notePlaceholder           string
	refreshButton, morningEmpty, coachListButton                                     string

	problems map[problem]string

	atLimit          func(max int) string
	notBookable      func(s slotState, when string) string
	lost             func(when string) string
	alreadyCancelled func(when string) string
	cancelStarted    func(when string) string
	cancelTooLate    func(when, cutoff, coach string) string
	cancelled        func(when string) string
	marked           func(outcome, when, name string) string
	markNotStarted   func(when string) string
	outcomes         map[string]string
	placesLeft       func(n int) string
	rules            func(max int, cutoff string) string
	fullIntro        func(days int) string
	queuedAt         func(pos int) string
	noLink           func(coach string) string
	meetingFailed    func(coach string) string
	confirmed        func(when string) string
	confirmHint      func(cutoff string) string
	tooLateToCancel  func(cutoff, coach string) string
	offer            func(when string) string
	reminderDay      func(when string) string
	reminderSoon     func(when string) string
	morningTitle     func(date string) string
	meetingSubject   func(topic string) string
	meetingBody      func(nameHTML, deptHTML, topicHTML string) string
}

func textFor(lang string) *text {
	if lang == "en" {
		return &en
	}
	return &sv
}

// when is a slot in words: "tisdag 1 december kl. 13.00–13.30".
func (t *text) when(start, end time.Time) string {
	return t.date(start) + " " + t.clock(start, end)
}

func (t *text) problem(p problem) string { return t.problems[p] }

func (t *text) outcome(state string) string { return t.outcomes[state] }

// local is t in Stockholm, where every session is.
func local(t time.Time) time.Time { return t.In(schedule.Stockholm) }

// plural is "1 timme", "2 timmar".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
