package devchat

import (
	"fmt"
	"strings"
)

var textEN = texts{
	bot:    "Digibot",
	banner: "Digibot in the terminal – like a chat in Teams. Type a question, /help for help or /quit to leave.",
	connected: func(endpoint string) string {
		return "Connected to " + endpoint + " (development mode, no sign-in)."
	},
	starting: func(addr string) string {
		return "No Digibot answers at " + addr + " – starting a local server …"
	},
	ready: "The local server is running.",
	help: strings.Join([]string{
		"Type as in Teams; the line goes to Digibot when you press Enter.",
		"",
		"  /1, /2 …        press button 1, 2 … on the latest card",
		"                  (you fill in the card's fields first; Enter keeps the value in [ ])",
		"  /cards, /kort   list the recent cards with numbers",
		"  /card N /1      press button 1 on card N",
		"  //text          send a line that starts with /",
		"  /help           this help",
		"  /quit           leave",
		"",
		"Ask Digibot itself for help by typing \"help\".",
	}, "\n"),
	unknownCmd:  func(cmd string) string { return "Unknown command " + cmd + ". Type /help for help." },
	lineTooLong: "The line is too long and was not sent.",
	sendFailed:  func(err error) string { return "Could not reach Digibot: " + err.Error() },
	botStatus: func(code int, body string) string {
		if body == "" {
			return fmt.Sprintf("Digibot answered HTTP %d.", code)
		}
		return fmt.Sprintf("Digibot answered HTTP %d: %s", code, body)
	},
	updated:   "updated",
	deleted:   "(the message was deleted)",
	otherConv: func(id string) string { return "in conversation " + id },
	cardLabel: func(n int) string { return fmt.Sprintf("card %d", n) },
	useCard: func(first, last int) string {
		if first == last {
			return fmt.Sprintf("type /%d to press the button", first)
		}
		return fmt.Sprintf("type /%d–/%d to press a button", first, last)
	},
	useOldCard: func(card, first, last int) string {
		return fmt.Sprintf("type /card %d /%d (to /%d) to press a button", card, first, last)
	},
	suggestions: "Suggestions: ",
	attachment:  func(name string) string { return "[attachment: " + name + "]" },
	noCards:     "There is no card yet.",
	cardsHeader: "Recent cards:",
	cardSummary: func(n int, at, summary string, actions int) string {
		unit := "buttons"
		if actions == 1 {
			unit = "button"
		}
		return fmt.Sprintf("  card %d (%s) %s – %d %s", n, at, summary, actions, unit)
	},
	noSuchCard: func(n int) string {
		return fmt.Sprintf("Card %d does not exist (any more). Type /cards to list the cards.", n)
	},
	noActions: "The card has no buttons.",
	noSuchAction: func(n, max int) string {
		return fmt.Sprintf("Button %d does not exist; the card has buttons 1–%d.", n, max)
	},
	openURL:     func(url string) string { return "Open in your browser: " + url },
	disabled:    "The button is disabled.",
	unsupported: func(typ string) string { return typ + " is not supported in the terminal." },
	fillIn:      "Fill in the card (Enter keeps the value in [ ], - clears it, /cancel cancels):",
	cancelled:   "Cancelled, nothing was sent.",
	required:    "This field is required.",
	badNumber:   "Type a number.",
	numberRange: func(min, max string) string { return "The number must be between " + min + " and " + max + "." },
	badDate:     "Type a date as YYYY-MM-DD.",
	dateRange:   func(min, max string) string { return "The date must be between " + min + " and " + max + "." },
	badTime:     "Type a time as HH:MM.",
	timeRange:   func(min, max string) string { return "The time must be between " + min + " and " + max + "." },
	badChoice:   "Pick one of the choices (number or value).",
	oneChoice:   "Pick only one choice.",
	tooLong:     func(max int) string { return fmt.Sprintf("At most %d characters.", max) },
	badPattern:  "The value has the wrong format.",
	yes:         "yes",
	no:          "no",
	toggleHint:  "yes/no",
	choiceHint:  "number or value",
	multiHint:   "numbers or values, separated by commas",
	invokeError: func(code int, msg string) string {
		if msg == "" {
			return fmt.Sprintf("The card could not be handled (%d).", code)
		}
		return fmt.Sprintf("The card could not be handled (%d): %s", code, msg)
	},

	image:       "image",
	media:       "media",
	requiredTag: "required",
	multiTag:    "multi-select",
	showHide:    "show/hide",
	inactive:    "disabled",
	unknownElem: func(typ string) string { return "[" + typ + " cannot be shown here]" },
	dateHint:    "YYYY-MM-DD",
	timeHint:    "HH:MM",
	search:      "search",
}

// textsFor returns the texts of lang ("en" or anything else for Swedish).
func textsFor(lang string) *texts {
	if lang == "en" {
		return &textEN
	}
	return &textSV
}
