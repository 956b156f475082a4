package status

import (
	"fmt"
	"strings"
)

// English user texts (for an English locale).
var textEN = &texts{
	lang: "en",
	statusLabels: map[Status]string{
		NotStarted: "Not started", OnTrack: "On track", AtRisk: "At risk",
		Delayed: "Delayed", Done: "Done", Paused: "Paused",
	},
	noStatus: "No report",
	reasons: map[string]string{
		ReasonNotInDirectory: "not found in the directory (check the address)",
		ReasonNoDirectory:    "cannot be looked up because Graph is not configured (use aad:<object id>)",
		ReasonInstallDenied:  "Digibot could not be installed for them",
		ReasonNoReference:    "has never opened Digibot and cannot be reached",
		ReasonDeliveryFailed: "Teams did not accept the message",
		ReasonDirectoryError: "the directory did not answer; will retry",
		"":                   "could not be reached",
	},
	months:      [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	monthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	weekdays:    [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	clock:       " at ",
	clockShort:  ", ",

	cardTitle:          "How are your activities going?",
	reminderTitle:      "Reminder: how are your activities going?",
	neverReported:      "No earlier update.",
	cardFootnote:       "Your answers go to the coordinating function for digital transformation and appear in group management's overview. You can update any time by typing \"status\".",
	send:               "Send",
	fieldStatus:        "Status",
	chooseStatus:       "Choose a status.",
	fieldDone:          "What has been done?",
	placeholderDone:    "Briefly, what happened since last time",
	fieldNext:          "Next step",
	fieldDue:           "Expected completion",
	fieldHelp:          "We need help",
	fieldHelpText:      "What help is needed?",
	fieldHelpShort:     "Needs help",
	yes:                "Yes",
	no:                 "No",
	receiptTitle:       "Thank you! The status is saved ✅",
	nothingSaved:       "Nothing was saved",
	changeAgain:        "Change again",
	update:             "Update",
	owners:             "Owners",
	noOwner:            "No owner given",
	lastUpdated:        "Last updated",
	history:            "History",
	noHistory:          "No update yet.",
	overviewTitle:      "Action plan activities: the current state",
	helpFlag:           "needs help",
	missingHeading:     "Not answered",
	unreachableHeading: "Could not be reached",
	escalationTitle:    "Status update missing",
	escalationFootnote: "Digibot follows up the action plan for digital transformation for the coordinating function.",
	nudgeSummary:       "Time for a status update of your activities",
	reminderSummary:    "Reminder: status update",
	escalationSummary:  "Status update missing",
	cardIntroManual:    "Update the state of your action plan activities.",
	lastReport: func(status, when, who string) string {
		if who == "" {
			return fmt.Sprintf("Last: %s (%s)", status, when)
		}
		return fmt.Sprintf("Last: %s (%s, %s)", status, when, who)
	},
	savedBy: func(when, who string) string {
		if who == "" {
			return "Saved " + when
		}
		return "Saved " + when + " by " + who
	},
	delegatedTo: func(who string) string { return "delegated to " + who },
	olderEntries: func(n int) string {
		return fmt.Sprintf("… and %d older updates. The export has the full history.", n)
	},
	nextNudge: func(when string) string { return "The next status request goes out " + when + "." },
	cardIntro: func(remindOn string) string {
		return "It is time to tell how your activities in the action plan for digital transformation are going. " +
			"It only takes a minute. If I have not heard from you, I will send a reminder " + remindOn + "."
	},
	reminderIntro: func(sent string) string {
		return "I asked on " + sent + " about the activities below but have had no answer yet. Could you update them now?"
	},
	managerIntro: func(manager, owner, sent string) string {
		greet := "Hi!"
		if manager != "" {
			greet = "Hi " + manager + "!"
		}
		return greet + " " + owner + " has not given a status update since the request of " + sent +
			" for the activities below. Could you remind them or help?"
	},
	coordinatorIntro: func(sent string) string {
		return "These owners have not answered the status request of " + sent + ", despite a reminder:"
	},

	adminOnly:        "Only administrators can do that.",
	adminHint:        "As an administrator you can type \"status overview\" or \"status A12\".",
	exportHint:       "The export runs on the server: digibot status export --format csv|md [--year 2026].",
	statusUsage:      "Type \"status\" for your activities, \"status A12\" for an activity's history, or for example \"A12 on track\" to update.",
	noActivities:     "You do not own any activity of the action plan. Type \"status A12\" to see the state of an activity.",
	badSubmission:    "I could not read the card. Type \"status\" to get a new one.",
	ownerUsage:       "Type \"owner A12\" to see the owners. Administrators: \"owner A12 anna.andersson@regiongavleborg.se\" adds, \"remove owner A12 anna.andersson@regiongavleborg.se\" removes.",
	delegateUsage:    "Type \"delegate A12 to bertil.berg@regiongavleborg.se\" to let someone else answer for the activity, and \"reclaim A12\" to take it back.",
	deputyUsage:      "Type \"deputy bertil.berg@regiongavleborg.se until 2026-12-24\" and Bertil answers for your activities up to and including that date. \"deputy off\" ends it.",
	deputyOnlyOwners: "Only activity owners can name a deputy.",
	deputyEnded:      "Done – you answer for your activities yourself again.",
	deputyRange:      "The deputy's end date must be today or later, and at most a year ahead.",
	tryLater:         "I cannot check that right now. Please try again in a while.",
	unknownActivity:  func(id string) string { return "I find no activity " + id + " in the action plan." },
	updateHint: func(id string) string {
		return "Do you want to update " + id + "? Type for example \"" + id + " on track\", \"" + id + " done\" or \"" + id +
			" delayed until 2027-03-31\". This is how it looks now:"
	},
	notOwner: func(ids string) string {
		return "You cannot update " + ids + ": only the activity's owners, its delegate, a deputy or an administrator can. Nothing was changed."
	},
	onlyOwnerDelegates: func(id string) string {
		return "Only the owner of " + id + " (or an administrator) can delegate or reclaim it."
	},
	reclaimed: func(id string) string {
		return "Done – " + id + " is no longer delegated. The owners answer themselves."
	},
	stale: func(id, who, when string) string {
		by := ""
		if who != "" {
			by = " (" + who + ", " + when + ")"
		}
		return "Someone updated " + id + " after this card was sent" + by + ". Your answer for " + id +
			" was not saved, so that the newer status is not overwritten. Press \"Change again\" to see it and answer again."
	},
	badDate: func(id, value string) string {
		what := "The date"
		if value != "" {
			what = "The date \"" + value + "\""
		}
		pre := ""
		if id != "" {
			pre = id + ": "
		}
		return pre + what + " is not one I can read. Write a date like 2027-03-31 or 31 March 2027. Nothing was changed."
	},
	problem: func(p fieldProblem) string {
		switch p.what {
		case "status":
			return p.activity + ": choose a status. Nothing was saved."
		case "due_invalid":
			return p.activity + ": \"" + p.value + "\" is not a valid date. Write a date like 2027-03-31. Nothing was saved."
		case "due_past":
			return p.activity + ": the expected completion " + p.value + " has passed. Give a new date (or status Done). Nothing was saved."
		case "too_long":
			return p.activity + ": the text is too long. Please shorten it. Nothing was saved."
		}
		return p.activity + ": the answer could not be saved."
	},
	savedText: func(lines []string) string {
		return "Thank you! Saved:\n\n" + strings.Join(lines, "\n\n") + "\n\nType \"status A12\" (with the right number) to see the history."
	},
	stillMissing: func(ids string) string {
		return "I am still waiting for your update of " + ids + ". Type \"status\" to get the card."
	},
	reminderOn: func(ids, when string) string {
		return "If you do not update " + ids + " before then, you get a reminder " + when + "."
	},
	badPerson: func(who string) string {
		return "\"" + who + "\" does not look like an e-mail address (name@regiongavleborg.se). Nothing was changed."
	},
	notInDirectory: func(who string) string {
		return "I cannot find " + who + " in the directory. Check the address. Nothing was changed."
	},
	deputyNote: func(who string) string { return "deputy: " + who },
	notAnOwner: func(who, id string) string { return who + " is not an owner of " + id + ". Nothing was changed." },
	delegated: func(who, id string) string {
		return "Done – " + who + " now answers for " + id + " and gets the status requests. Type \"reclaim " + id + "\" to take it back."
	},
	deputySet: func(who, until string) string {
		return "Done – " + who + " answers for your activities up to and including " + until + "."
	},
	ownersOf: func(id string, names []string) string {
		if len(names) == 0 {
			return id + " has no owner."
		}
		return "Owners of " + id + ":\n\n- " + strings.Join(names, "\n- ")
	},
}
