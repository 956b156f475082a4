package devchat

import (
	"fmt"
	"strings"
)

// texts are every user-facing string of the terminal client and the card
// renderer, one value per language.
type texts struct {
	bot          string
	banner       string
	connected    func(endpoint string) string
	starting     func(addr string) string
	ready        string
	help         string
	unknownCmd   func(cmd string) string
	lineTooLong  string
	sendFailed   func(err error) string
	botStatus    func(code int, body string) string
	updated      string
	deleted      string
	otherConv    func(id string) string
	cardLabel    func(n int) string
	useCard      func(first, last int) string
	useOldCard   func(card, first, last int) string
	suggestions  string
	attachment   func(name string) string
	noCards      string
	cardsHeader  string
	cardSummary  func(n int, at, summary string, actions int) string
	noSuchCard   func(n int) string
	noActions    string
	noSuchAction func(n, max int) string
	openURL      func(url string) string
	disabled     string
	unsupported  func(typ string) string
	fillIn       string
	cancelled    string
	required     string
	badNumber    string
	numberRange  func(min, max string) string
	badDate      string
	dateRange    func(min, max string) string
	badTime      string
	timeRange    func(min, max string) string
	badChoice    string
	oneChoice    string
	tooLong      func(max int) string
	badPattern   string
	toggleHint   string
	yes, no      string
	choiceHint   string
	multiHint    string
	invokeError  func(code int, msg string) string

	// Card renderer.
	image       string
	media       string
	requiredTag string
	multiTag    string
	showHide    string
	inactive    string
	unknownElem func(typ string) string
	dateHint    string
	timeHint    string
	search      string
}

var textSV = texts{
	bot:    "Digibot",
	banner: "Digibot i terminalen – som en chatt i Teams. Skriv en fråga, /help för hjälp eller /quit för att avsluta.",
	connected: func(endpoint string) string {
		return "Ansluten till " + endpoint + " (utvecklingsläge, ingen inloggning)."
	},
	starting: func(addr string) string {
		return "Ingen Digibot svarar på " + addr + " – startar en lokal server …"
	},
	ready: "Den lokala servern är igång.",
	help: strings.Join([]string{
		"Skriv som i Teams; raden skickas till Digibot när du trycker Enter.",
		"",
		"  /1, /2 …        tryck på knapp 1, 2 … på det senaste kortet",
		"                  (du får fylla i kortets fält först; Enter behåller värdet i [ ])",
		"  /kort, /cards   lista de senaste korten med nummer",
		"  /kort N /1      tryck på knapp 1 på kort N",
		"  //text          skicka en rad som börjar med /",
		"  /help           den här hjälpen",
		"  /quit           avsluta",
		"",
		"Fråga Digibot om hjälp genom att skriva \"hjälp\".",
	}, "\n"),
	unknownCmd:  func(cmd string) string { return "Okänt kommando " + cmd + ". Skriv /help för hjälp." },
	lineTooLong: "Raden är för lång och skickades inte.",
	sendFailed:  func(err error) string { return "Kunde inte nå Digibot: " + err.Error() },
	botStatus: func(code int, body string) string {
		if body == "" {
			return fmt.Sprintf("Digibot svarade med HTTP %d.", code)
		}
		return fmt.Sprintf("Digibot svarade med HTTP %d: %s", code, body)
	},
	updated:   "uppdaterad",
	deleted:   "(meddelandet togs bort)",
	otherConv: func(id string) string { return "i konversation " + id },
	cardLabel: func(n int) string { return fmt.Sprintf("kort %d", n) },
	useCard: func(first, last int) string {
		if first == last {
			return fmt.Sprintf("skriv /%d för att trycka på knappen", first)
		}
		return fmt.Sprintf("skriv /%d–/%d för att trycka på en knapp", first, last)
	},
	useOldCard: func(card, first, last int) string {
		return fmt.Sprintf("skriv /kort %d /%d (till /%d) för att trycka på en knapp", card, first, last)
	},
	suggestions: "Förslag: ",
	attachment:  func(name string) string { return "[bilaga: " + name + "]" },
	noCards:     "Det finns inget kort ännu.",
	cardsHeader: "Senaste korten:",
	cardSummary: func(n int, at, summary string, actions int) string {
		unit := "knappar"
		if actions == 1 {
			unit = "knapp"
		}
		return fmt.Sprintf("  kort %d (%s) %s – %d %s", n, at, summary, actions, unit)
	},
	noSuchCard: func(n int) string {
		return fmt.Sprintf("Kort %d finns inte (längre). Skriv /kort för att se korten.", n)
	},
	noActions: "Kortet har inga knappar.",
	noSuchAction: func(n, max int) string {
		return fmt.Sprintf("Knapp %d finns inte; kortet har knapp 1–%d.", n, max)
	},
	openURL:     func(url string) string { return "Öppna i webbläsaren: " + url },
	disabled:    "Knappen är inaktiv.",
	unsupported: func(typ string) string { return typ + " stöds inte i terminalen." },
	fillIn:      "Fyll i kortet (Enter behåller värdet i [ ], - tömmer det, /avbryt avbryter):",
	cancelled:   "Avbrutet, inget skickades.",
	required:    "Fältet måste fyllas i.",
	badNumber:   "Skriv ett tal.",
	numberRange: func(min, max string) string { return "Talet ska vara mellan " + min + " och " + max + "." },
	badDate:     "Skriv ett datum som ÅÅÅÅ-MM-DD.",
	dateRange:   func(min, max string) string { return "Datumet ska vara mellan " + min + " och " + max + "." },
	badTime:     "Skriv en tid som TT:MM.",
	timeRange:   func(min, max string) string { return "Tiden ska vara mellan " + min + " och " + max + "." },
	badChoice:   "Välj ett av alternativen (nummer eller värde).",
	oneChoice:   "Välj bara ett alternativ.",
	tooLong:     func(max int) string { return fmt.Sprintf("Högst %d tecken.", max) },
	badPattern:  "Värdet har fel format.",
	yes:         "ja",
	no:          "nej",
	toggleHint:  "ja/nej",
	choiceHint:  "nummer eller värde",
	multiHint:   "nummer eller värden, skilda med komma",
	invokeError: func(code int, msg string) string {
		if msg == "" {
			return fmt.Sprintf("Kortet kunde inte hanteras (%d).", code)
		}
		return fmt.Sprintf("Kortet kunde inte hanteras (%d): %s", code, msg)
	},

	image:       "bild",
	media:       "media",
	requiredTag: "obligatoriskt",
	multiTag:    "flerval",
	showHide:    "visa/dölj",
	inactive:    "inaktiv",
	unknownElem: func(typ string) string { return "[" + typ + " kan inte visas här]" },
	dateHint:    "ÅÅÅÅ-MM-DD",
	timeHint:    "TT:MM",
	search:      "sök",
}
