package coaching

import (
	"fmt"
	"time"
)

var (
	enWeekdays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	enMonths   = [12]string{"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"}
)

var en = text{
	date: func(day time.Time) string {
		l := local(day)
		return fmt.Sprintf("%s %d %s", enWeekdays[l.Weekday()], l.Day(), enMonths[l.Month()-1])
	},
	clock: func(start, end time.Time) string {
		s, e := local(start), local(end)
		return fmt.Sprintf("%02d:%02d–%02d:%02d", s.Hour(), s.Minute(), e.Hour(), e.Minute())
	},
	duration: func(d time.Duration) string {
		switch {
		case d%(24*time.Hour) == 0 && d > 0:
			return plural(int(d/(24*time.Hour)), "day", "days")
		case d%time.Hour == 0 && d > 0:
			return plural(int(d/time.Hour), "hour", "hours")
		default:
			return plural(int(d/time.Minute), "minute", "minutes")
		}
	},

	personalOnly: "You book IT coaching in a one-to-one chat with me, so that nobody else sees your booking. Open the chat with Digibot and type **book**.",
	useStanding:  "A meeting of your own could not be created. Join the coaching's standing Teams meeting instead.",
	noIdentity:   "I cannot tell who you are, so I cannot book for you. Write to me in a one-to-one chat in Teams.",
	notSetUp: "No IT coaching sessions have been set up yet. Once IT-förvaltningen has added the open sessions " +
		"you can book here by typing **book**.",
	badSlot:         "That time is not in the schedule. Pick one of the times below.",
	alreadyBooked:   "You have already booked that time.",
	noSuchBooking:   "I cannot find that booking. Nothing was changed.",
	notYourBooking:  "That booking is not yours, so you cannot cancel it. Nothing was changed.",
	freeAfterAll:    "Times have become free – book one now instead of joining the waitlist.",
	waitlistFull:    "The waitlist is full right now. Try again in a few days, or contact IT-förvaltningen.",
	leftWaitlist:    "You are no longer on the waitlist.",
	notOnWaitlist:   "You are not on the waitlist.",
	offerNotForYou:  "The offer no longer applies because you are not on the waitlist. Here are the times free now.",
	notACoach:       "The coach list is for the IT coaches. Want to book a time? Type **book**.",
	notYourCoaching: "That is not your coaching session, so you cannot mark it. Nothing was changed.",
	markCancelled:   "The booking is cancelled and cannot be marked.",

	bookTitle:          "Book IT coaching",
	bookIntro:          "Pick a time and tell us briefly what you need help with, so the coach can prepare.",
	slotLabel:          "Time",
	slotRequired:       "Pick a time.",
	bookButton:         "Book",
	mineButton:         "My bookings",
	topicLabel:         "What do you need help with?",
	topicPlaceholder:   "For example: How do we get started with digital meetings in our unit?",
	topicRequired:      "Say briefly what you need help with.",
	departmentLabel:    "Department",
	departmentRequired: "Pick your department.",
	fullTitle:          "Every time is booked",
	joinButton:         "Join the waitlist",
	leaveButton:        "Leave the waitlist",
	queuedTitle:        "You are on the waitlist",
	queuedHow:          "When someone cancels you get a message. The first to accept gets the time.",
	openMeeting:        "Open the Teams meeting",
	standingLink:       "Coaching takes place in a standing Teams meeting – the same link for every time.",
	meetingCreated:     "A Teams meeting is booked in the coach's calendar. Use the button to join.",
	linkFollows:        "The Teams meeting could not be created just now. Your booking stands – the link follows in a separate message as soon as the meeting is created.",
	factWhen:           "When",
	factCoach:          "Coach",
	factTopic:          "Topic",
	factDepartment:     "Department",
	factWho:            "Who",
	factOutcome:        "Outcome",
	factNote:           "Note",
	confirmTitle:       "You are booked!",
	cancelButton:       "Cancel booking",
	mineTitle:          "My bookings",
	noBookings:         "You have no upcoming bookings.",
	bookMoreButton:     "Book a time",
	offerTitle:         "A time has become free",
	offerHow:           "First come, first served: the time goes to whoever first presses Book this time.",
	acceptButton:       "Book this time",
	linkTitle:          "The link to your IT coaching",
	linkFailedTitle:    "The Teams meeting could not be created",
	reminderDayTitle:   "Reminder: IT coaching tomorrow",
	reminderSoonTitle:  "IT coaching starts soon",
	coachListTitle:     "Coach list",
	coachListEmpty:     "No bookings in the last two weeks or ahead.",
	markButton:         "Mark",
	noteLabel:          "Short note (optional)",
	notePlaceholder:    "For example: follow up in two weeks",
	refreshButton:      "Refresh",
	morningEmpty:       "No bookings today yet.",
	coachListButton:    "Show the coach list",

	problems: map[problem]string{
		probSlotMissing:  "Pick a time.",
		probTopicMissing: "Say briefly what you need help with – it is needed to book.",
		probTopicTooLong: fmt.Sprintf("The description is too long. Keep it under %d characters.", maxTopicRunes),
		probDeptMissing:  "Pick your department.",
		probDeptUnknown:  "That department is not in the list. Pick one of the departments.",
		probNoteTooLong:  fmt.Sprintf("The note is too long. Keep it under %d characters.", maxNoteRunes),
		probOutcome:      "Pick Held or No-show.",
	},
	atLimit: func(max int) string {
		return fmt.Sprintf("You already have %s – the most one can have at a time. Cancel one to book another time.",
			plural(max, "upcoming booking", "upcoming bookings"))
	},
	notBookable: func(s slotState, when string) string {
		switch s {
		case slotPast:
			return "The time " + when + " has already passed. Pick a new time."
		case slotTooSoon:
			return "The time " + when + " is too soon to book. Pick a later time."
		default:
			return "The time " + when + " cannot be booked yet. Pick one of the times below."
		}
	},
	lost: func(when string) string {
		return "Someone got there first – " + when + " is already booked."
	},
	alreadyCancelled: func(when string) string { return "The booking " + when + " is already cancelled." },
	cancelStarted:    func(when string) string { return "The time " + when + " has already started and cannot be cancelled." },
	cancelTooLate: func(when, cutoff, coach string) string {
		return fmt.Sprintf("It is too late to cancel %s here (at the latest %s before). Contact %s directly.", when, cutoff, coach)
	},
	cancelled: func(when string) string { return "Cancelled: " + when + ". The time is now free for others." },
	marked: func(outcome, when, name string) string {
		return fmt.Sprintf("Marked as %s: %s, %s.", lowerFirst(outcome), when, name)
	},
	markNotStarted: func(when string) string {
		return "The time " + when + " has not started yet. Mark it once the coaching has taken place."
	},
	outcomes:   map[string]string{stateBooked: "Booked", stateHeld: "Held", stateNoShow: "No-show", stateCancelled: "Cancelled"},
	placesLeft: func(n int) string { return "(" + plural(n, "place", "places") + " left)" },
	rules: func(max int, cutoff string) string {
		return fmt.Sprintf("You can have at most %s. Cancel at the latest %s before if something comes up.",
			plural(max, "upcoming booking", "upcoming bookings"), cutoff)
	},
	fullIntro: func(days int) string {
		return fmt.Sprintf("Every time in the next %d days is booked. Join the waitlist and you get a message when someone cancels.", days)
	},
	queuedAt: func(pos int) string { return fmt.Sprintf("You are number %d on the IT coaching waitlist.", pos) },
	noLink:   func(coach string) string { return coach + " sends a link to the meeting before the coaching." },
	meetingFailed: func(coach string) string {
		return "The Teams meeting could not be created. Contact " + coach + " for a link."
	},
	confirmed: func(when string) string { return "Your IT coaching is booked for " + when + "." },
	confirmHint: func(cutoff string) string {
		return "You get a reminder the day before and shortly before. Cancel at the latest " + cutoff + " before if something comes up."
	},
	tooLateToCancel: func(cutoff, coach string) string {
		return "Too late to cancel here (at the latest " + cutoff + " before) – contact " + coach + "."
	},
	offer: func(when string) string {
		return "Someone cancelled, so " + when + " is free. Would you like the time?"
	},
	reminderDay:  func(when string) string { return "You have IT coaching " + when + "." },
	reminderSoon: func(when string) string { return "Your IT coaching starts soon: " + when + "." },
	morningTitle: func(date string) string { return "Your coaching sessions today, " + date },
	meetingSubject: func(topic string) string {
		if topic == "" {
			return "IT coaching"
		}
		return "IT coaching: " + topic
	},
	meetingBody: func(name, dept, topic string) string {
		return "<p>IT coaching booked via Digibot.</p><p><b>Who:</b> " + name + "<br><b>Department:</b> " + dept +
			"<br><b>Topic:</b> " + topic + "</p>"
	},
}
