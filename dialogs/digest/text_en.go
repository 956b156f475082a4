package digest

import "fmt"

var en = text{
	lang: "en",
	months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"},
	monthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	weekdays:    [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	at:          " at ",

	weekTitle:   func(w string) string { return "Digital transformation status – week " + w },
	monthTitle:  func(m string) string { return "Digital transformation monthly summary – " + m },
	nowTitle:    func(d string) string { return "Digital transformation status – " + d },
	preparedFor: "For group management",
	prepared:    "compiled",
	showAll:     "Show everything",
	statusShort: map[string]string{
		StatusDone: "Done", StatusOnTrack: "On track", StatusAtRisk: "At risk", StatusDelayed: "Delayed",
		StatusPaused: "Paused", StatusNotStarted: "Not started", NoReport: "No report",
	},
	statusHeading:       "Status per shift (förflyttning)",
	allActivities:       func(n int) string { return fmt.Sprintf("All activities (%d)", n) },
	andMore:             func(n int) string { return fmt.Sprintf("… and %d more – press Show everything", n) },
	changesHeadingFirst: "Changes (%d)",
	changesHeadingSince: "Changes since %s (%d)",
	noChanges:           "No new status reports since the last digest.",
	noRisks:             "No activities at risk or delayed.",
	noRound:             "No status request has been sent yet.",
	noUpcoming:          "No expected completion dates in the period.",
	risksHeadingFmt:     "Risks and delays (%d)",
	late:                "completion date passed",
	owner:               "Owner",
	owners:              "Owners",
	noOwner:             "No owner set",
	delegatedTo:         "delegated to",
	expectedDone:        "expected done",
	nextStep:            "Next step",
	helpNeededFmt:       "Needs help: %s",
	helpNeededBare:      "Needs help",
	missingHeading:      "Missing updates",
	roundLine: func(date string, people, acts int) string {
		if people == 0 {
			return fmt.Sprintf("Status request of %s: everyone has answered.", date)
		}
		return fmt.Sprintf("Status request of %s: %d %s not answered for %d %s.", date, people, plural(people, "person has", "people have"),
			acts, plural(acts, "activity", "activities"))
	},
	reminded:           "reminded",
	escalated:          "escalated",
	unreachableFmt:     "Could not be reached (%d)",
	upcomingFmt:        "Upcoming completion dates, %d days (%d)",
	coachingFmt:        "IT coaching %s",
	questionsFmt:       "Questions to Digibot %s",
	booked:             "Booked",
	held:               "Held",
	noShow:             "No-show",
	cancelled:          "Cancelled",
	utilization:        "Utilization",
	utilizationFmt:     "%d of %d places (%d %%)",
	noPlaces:           "no sessions offered",
	bookedShortFmt:     "%d booked",
	freeShortFmt:       "%d free",
	topicsHeading:      "Most common topics per department",
	asked:              "Asked",
	answered:           "Answered",
	feedback:           "Ratings",
	answeredShortFmt:   "%d answered",
	unansweredShortFmt: "%d unanswered",
	gapsHeading:        "Knowledge gaps – most asked unanswered questions",
	summaryFmt:         "%s",

	adminOnly:    "Only Digibot's administrators can control the digest for group management.",
	switchedOff:  "The digest is switched off in Digibot's configuration (digest.enabled).",
	notInChannel: "Write \"digest here\" in the channel where the digest should be posted – not in a one-to-one chat.",
	channelSet: func(where, when string) string {
		return fmt.Sprintf("Done! The digest will be posted in %s %s. Write \"digest now\" to post one at once, or \"digest stop\" to stop.", where, when)
	},
	stopped:        "The digest is no longer posted. Write \"digest here\" in a channel to start again.",
	alreadyStopped: "The digest is not posted anywhere at the moment.",
	posted: func(where string) string {
		return fmt.Sprintf("The digest is on its way to %s as a new post.", where)
	},
	alreadyPosted: func(where string) string {
		return fmt.Sprintf("This digest has already been posted in %s.", where)
	},
	previewNoChannel: "No channel has been chosen yet, so this digest is just for you. Write \"digest here\" in group management's channel to have it posted there.",
	info: func(where, when string) string {
		return fmt.Sprintf("The digest is posted in %s %s.", where, when)
	},
	noChannel:      "no channel (write \"digest here\" in group management's channel)",
	thisChannel:    "this channel",
	aChannel:       "the channel",
	weeklyDefault:  "every Monday at 08:00",
	monthlyDefault: "and a monthly summary on the first working day of the month at 08:00",
	scheduleNext:   "Next",
	scheduleOff:    "(no scheduled posts)",
	scheduleCron:   "on the schedule",
	unknownDigest:  "That digest no longer exists.",
	failed:         "Something went wrong while compiling the digest. Please try again in a while.",
}
