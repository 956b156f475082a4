package digest

import "fmt"

var sv = text{
	lang: "sv",
	months: [12]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
		"oktober", "november", "december"},
	monthsShort: [12]string{"jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
	weekdays:    [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
	at:          " kl. ",

	weekTitle:   func(w string) string { return "Lägesbild digital omställning – vecka " + w },
	monthTitle:  func(m string) string { return "Månadssammanfattning digital omställning – " + m },
	nowTitle:    func(d string) string { return "Lägesbild digital omställning – " + d },
	preparedFor: "Till koncernledningen",
	prepared:    "sammanställd",
	showAll:     "Visa allt",
	statusShort: map[string]string{
		StatusDone: "Klar", StatusOnTrack: "Enligt plan", StatusAtRisk: "Risk", StatusDelayed: "Försenad",
		StatusPaused: "Pausad", StatusNotStarted: "Ej påbörjad", NoReport: "Ingen uppgift",
	},
	statusHeading:       "Status per förflyttning",
	allActivities:       func(n int) string { return fmt.Sprintf("Alla aktiviteter (%d)", n) },
	andMore:             func(n int) string { return fmt.Sprintf("… och %d till – tryck på Visa allt", n) },
	changesHeadingFirst: "Förändringar (%d)",
	changesHeadingSince: "Förändringar sedan %s (%d)",
	noChanges:           "Inga nya statusrapporter sedan förra lägesbilden.",
	noRisks:             "Inga aktiviteter med risk eller försening.",
	noRound:             "Ingen statusfråga har skickats ännu.",
	noUpcoming:          "Inga förväntade slutdatum under perioden.",
	risksHeadingFmt:     "Risker och förseningar (%d)",
	late:                "slutdatum passerat",
	owner:               "Ansvarig",
	owners:              "Ansvariga",
	noOwner:             "Ingen ansvarig angiven",
	delegatedTo:         "delegerad till",
	expectedDone:        "förväntat klart",
	nextStep:            "Nästa steg",
	helpNeededFmt:       "Behöver hjälp: %s",
	helpNeededBare:      "Behöver hjälp",
	missingHeading:      "Uppdateringar som saknas",
	roundLine: func(date string, people, acts int) string {
		if people == 0 {
			return fmt.Sprintf("Statusfrågan %s: alla har svarat.", date)
		}
		return fmt.Sprintf("Statusfrågan %s: %d %s har inte svarat för %d %s.", date, people, plural(people, "person", "personer"),
			acts, plural(acts, "aktivitet", "aktiviteter"))
	},
	reminded:           "påmind",
	escalated:          "eskalerad",
	unreachableFmt:     "Kunde inte nås (%d)",
	upcomingFmt:        "Kommande slutdatum, %d dagar (%d)",
	coachingFmt:        "IT-coachning %s",
	questionsFmt:       "Frågor till Digibot %s",
	booked:             "Bokade",
	held:               "Genomförda",
	noShow:             "Uteblev",
	cancelled:          "Avbokade",
	utilization:        "Beläggning",
	utilizationFmt:     "%d av %d platser (%d %%)",
	noPlaces:           "inga tider erbjudna",
	bookedShortFmt:     "%d bokade",
	freeShortFmt:       "%d lediga",
	topicsHeading:      "Vanligaste ämnen per förvaltning",
	asked:              "Ställda",
	answered:           "Besvarade",
	feedback:           "Omdömen",
	answeredShortFmt:   "%d besvarade",
	unansweredShortFmt: "%d obesvarade",
	gapsHeading:        "Kunskapsluckor – vanligaste obesvarade frågor",
	summaryFmt:         "%s",

	adminOnly:    "Det är bara Digibots administratörer som kan styra lägesbilden till koncernledningen.",
	switchedOff:  "Lägesbilden är avstängd i Digibots konfiguration (digest.enabled).",
	notInChannel: "Skriv \"digest här\" i den kanal där lägesbilden ska postas – inte i en egen chatt.",
	channelSet: func(where, when string) string {
		return fmt.Sprintf("Klart! Lägesbilden postas i %s %s. Skriv \"digest nu\" för att posta en direkt, eller \"digest stopp\" för att sluta.", where, when)
	},
	stopped:        "Lägesbilden postas inte längre. Skriv \"digest här\" i en kanal för att börja igen.",
	alreadyStopped: "Lägesbilden postas inte någonstans just nu.",
	posted: func(where string) string {
		return fmt.Sprintf("Lägesbilden är på väg till %s som ett nytt inlägg.", where)
	},
	alreadyPosted: func(where string) string {
		return fmt.Sprintf("Den här lägesbilden har redan postats i %s.", where)
	},
	previewNoChannel: "Ingen kanal är vald ännu, så här är lägesbilden bara för dig. Skriv \"digest här\" i koncernledningens kanal för att den ska postas där.",
	info: func(where, when string) string {
		return fmt.Sprintf("Lägesbilden postas i %s %s.", where, when)
	},
	noChannel:      "ingen kanal (skriv \"digest här\" i koncernledningens kanal)",
	thisChannel:    "den här kanalen",
	aChannel:       "kanalen",
	weeklyDefault:  "varje måndag kl. 08:00",
	monthlyDefault: "och en månadssammanfattning första arbetsdagen i månaden kl. 08:00",
	scheduleNext:   "Nästa",
	scheduleOff:    "(inga schemalagda utskick)",
	scheduleCron:   "enligt schemat",
	unknownDigest:  "Den lägesbilden finns inte längre.",
	failed:         "Något gick fel när lägesbilden skulle tas fram. Försök igen om en stund.",
}

// reportSV is the annual report material (`digibot report`), which is
// written in Swedish.
var reportSV = reportText{
	title: func(year int) string {
		return fmt.Sprintf("Digital omställning – underlag till årsrapport %d", year)
	},
	made: func(at, period string) string {
		return fmt.Sprintf("Sammanställt av Digibot %s. Perioden är %s.", at, period)
	},
	statusHeading:     "Aktiviteternas status",
	statusOff:         "Statusuppföljningen är inte konfigurerad.",
	countsHeader:      "| Status vid periodens slut | Antal |",
	activitiesHeader:  "| Aktivitet | Namn | Förflyttning | Vid årets början | Vid periodens slut | Förväntat klart | Rapporter |",
	historyHeading:    "Statushistorik",
	coachingHeading:   "IT-coachning",
	coachingOff:       "IT-coachningen är inte konfigurerad.",
	coachingHeader:    "| Månad | Bokade | Genomförda | Uteblev | Avbokade | Platser | Beläggning |",
	departmentsHeader: "| Förvaltning | Bokningar | Vanligaste ämnen |",
	total:             "Totalt",
	questionsHeading:  "Frågor till Digibot",
	questionsOff:      "Frågeloggen är inte konfigurerad.",
	questionsHeader:   "| Månad | Ställda | Besvarade | Andel besvarade | 👍 | 👎 | Källa |",
	sourceNote:        "Källa: månadssammanfattningen när en sådan finns (frågeloggen rensas efter en tid), annars frågeloggen.",
	source:            map[string]string{"digest": "månadssammanfattning", "log": "frågelogg"},
	trendHeading:      "Lägesbildernas trend",
	noTrend:           "Inga lägesbilder har sammanställts under perioden.",
	trendFirst:        [2]string{"Lägesbild", "Period"},
	trendRest:         []string{"Risker/förseningar", "Saknade svar", "Coachning bokade", "Beläggning", "Frågor", "Besvarade"},
	kind:              map[string]string{KindWeekly: "Vecka", KindMonthly: "Månad", KindNow: "Vid behov"},
}
