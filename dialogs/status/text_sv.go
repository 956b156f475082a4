package status

import (
	"fmt"
	"strings"
)

// Swedish user texts (the default language).
var textSV = &texts{
	lang: "sv",
	statusLabels: map[Status]string{
		NotStarted: "Ej påbörjad", OnTrack: "Pågår enligt plan", AtRisk: "Pågår med risk",
		Delayed: "Försenad", Done: "Klar", Paused: "Pausad",
	},
	noStatus: "Ingen uppgift",
	reasons: map[string]string{
		ReasonNotInDirectory: "finns inte i katalogen (kontrollera e-postadressen)",
		ReasonNoDirectory:    "kan inte slås upp eftersom Graph inte är konfigurerat (ange aad:<objekt-id>)",
		ReasonInstallDenied:  "Digibot fick inte installeras för personen",
		ReasonNoReference:    "har aldrig öppnat Digibot och kan inte nås",
		ReasonDeliveryFailed: "Teams tog inte emot meddelandet",
		ReasonDirectoryError: "katalogen svarade inte; nytt försök görs",
		"":                   "kunde inte nås",
	},
	months:      [12]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
	monthsShort: [12]string{"jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
	weekdays:    [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
	clock:       " kl. ",
	clockShort:  " kl. ",

	cardTitle:          "Hur går det med dina aktiviteter?",
	reminderTitle:      "Påminnelse: hur går det med dina aktiviteter?",
	neverReported:      "Ingen tidigare uppdatering.",
	cardFootnote:       "Svaren går till samordningsfunktionen för digital omställning och syns i lägesbilden för koncernledningen. Du kan uppdatera när du vill genom att skriva \"status\".",
	send:               "Skicka",
	fieldStatus:        "Status",
	chooseStatus:       "Välj en status.",
	fieldDone:          "Vad har gjorts?",
	placeholderDone:    "Kort om vad som hänt sedan förra gången",
	fieldNext:          "Nästa steg",
	fieldDue:           "Förväntat klart",
	fieldHelp:          "Vi behöver hjälp",
	fieldHelpText:      "Vilken hjälp behövs?",
	fieldHelpShort:     "Behöver hjälp",
	yes:                "Ja",
	no:                 "Nej",
	receiptTitle:       "Tack! Statusen är sparad ✅",
	nothingSaved:       "Inget sparades",
	changeAgain:        "Ändra igen",
	update:             "Uppdatera",
	owners:             "Ägare",
	noOwner:            "Ingen ägare angiven",
	lastUpdated:        "Senast uppdaterad",
	history:            "Historik",
	noHistory:          "Ingen uppdatering ännu.",
	overviewTitle:      "Läget för handlingsplanens aktiviteter",
	helpFlag:           "behöver hjälp",
	missingHeading:     "Har inte svarat",
	unreachableHeading: "Kunde inte nås",
	escalationTitle:    "Statusuppdatering saknas",
	escalationFootnote: "Digibot följer upp handlingsplanen för digital omställning åt samordningsfunktionen.",
	nudgeSummary:       "Dags för statusuppdatering av dina aktiviteter",
	reminderSummary:    "Påminnelse om statusuppdatering",
	escalationSummary:  "Statusuppdatering saknas",
	cardIntroManual:    "Uppdatera läget för dina aktiviteter i handlingsplanen.",
	lastReport: func(status, when, who string) string {
		if who == "" {
			return fmt.Sprintf("Senast: %s (%s)", status, when)
		}
		return fmt.Sprintf("Senast: %s (%s, %s)", status, when, who)
	},
	savedBy: func(when, who string) string {
		if who == "" {
			return "Sparad " + when
		}
		return "Sparad " + when + " av " + who
	},
	delegatedTo: func(who string) string { return "delegerad till " + who },
	olderEntries: func(n int) string {
		return fmt.Sprintf("… och %d äldre uppdateringar. Hela historiken finns i exporten.", n)
	},
	nextNudge: func(when string) string { return "Nästa statusfråga skickas " + when + "." },
	cardIntro: func(remindOn string) string {
		return "Det är dags att berätta hur det går med dina aktiviteter i handlingsplanen för digital omställning. " +
			"Det tar bara någon minut. Om jag inte hört av dig skickar jag en påminnelse " + remindOn + "."
	},
	reminderIntro: func(sent string) string {
		return "Jag frågade " + sent + " om läget för aktiviteterna nedan men har inte fått något svar ännu. Hinner du uppdatera nu?"
	},
	managerIntro: func(manager, owner, sent string) string {
		greet := "Hej!"
		if manager != "" {
			greet = "Hej " + manager + "!"
		}
		return greet + " " + owner + " har inte lämnat någon statusuppdatering sedan statusfrågan " + sent +
			" för aktiviteterna nedan. Kan du påminna eller hjälpa till?"
	},
	coordinatorIntro: func(sent string) string {
		return "Följande ägare har inte svarat på statusfrågan från " + sent + ", trots påminnelse:"
	},

	adminOnly:        "Det kan bara administratörer göra.",
	adminHint:        "Som administratör kan du skriva \"status översikt\" eller \"status A12\".",
	exportHint:       "Exporten görs på servern: digibot status export --format csv|md [--year 2026].",
	statusUsage:      "Skriv \"status\" för dina aktiviteter, \"status A12\" för en aktivitets historik eller till exempel \"A12 pågår enligt plan\" för att uppdatera.",
	noActivities:     "Du är inte ägare av någon aktivitet i handlingsplanen. Skriv \"status A12\" för att se läget för en aktivitet.",
	badSubmission:    "Jag kunde inte läsa kortet. Skriv \"status\" så får du ett nytt.",
	ownerUsage:       "Skriv \"ägare A12\" för att se ägarna. Administratörer: \"ägare A12 anna.andersson@regiongavleborg.se\" lägger till, \"ta bort ägare A12 anna.andersson@regiongavleborg.se\" tar bort.",
	delegateUsage:    "Skriv \"delegera A12 till bertil.berg@regiongavleborg.se\" för att låta någon annan svara för aktiviteten, och \"återta A12\" för att ta tillbaka den.",
	deputyUsage:      "Skriv \"ersättare bertil.berg@regiongavleborg.se till 2026-12-24\" så svarar Bertil för dina aktiviteter till och med det datumet. \"ersättare bort\" avslutar.",
	deputyOnlyOwners: "Bara aktivitetsägare kan utse en ersättare.",
	deputyEnded:      "Klart – du svarar själv för dina aktiviteter igen.",
	deputyRange:      "Datumet för ersättaren måste vara i dag eller senare, och högst ett år framåt.",
	tryLater:         "Jag kan inte kontrollera det just nu. Försök igen om en stund.",
	unknownActivity:  func(id string) string { return "Jag hittar ingen aktivitet " + id + " i handlingsplanen." },
	updateHint: func(id string) string {
		return "Vill du uppdatera " + id + "? Skriv till exempel \"" + id + " pågår enligt plan\", \"" + id + " klar\" eller \"" + id +
			" försenad till 2027-03-31\". Så här ser den ut nu:"
	},
	notOwner: func(ids string) string {
		return "Du kan inte uppdatera " + ids + ": bara aktivitetens ägare, den den är delegerad till, en ersättare eller en administratör kan det. Inget ändrades."
	},
	onlyOwnerDelegates: func(id string) string {
		return "Bara ägaren av " + id + " (eller en administratör) kan delegera eller återta den."
	},
	reclaimed: func(id string) string {
		return "Klart – " + id + " är inte längre delegerad. Ägarna svarar själva."
	},
	stale: func(id, who, when string) string {
		by := ""
		if who != "" {
			by = " (" + who + ", " + when + ")"
		}
		return "Någon har uppdaterat " + id + " efter att kortet skickades" + by + ". Ditt svar för " + id +
			" sparades inte, så att den nyare statusen inte skrivs över. Tryck på \"Ändra igen\" för att se den och svara på nytt."
	},
	badDate: func(id, value string) string {
		what := "Datumet"
		if value != "" {
			what = "Datumet \"" + value + "\""
		}
		pre := ""
		if id != "" {
			pre = id + ": "
		}
		return pre + what + " kan jag inte tolka. Skriv ett datum som 2027-03-31 eller 31 mars 2027. Inget ändrades."
	},
	problem: func(p fieldProblem) string {
		switch p.what {
		case "status":
			return p.activity + ": välj en status. Inget sparades."
		case "due_invalid":
			return p.activity + ": \"" + p.value + "\" är inget giltigt datum. Skriv ett datum som 2027-03-31. Inget sparades."
		case "due_past":
			return p.activity + ": förväntat klart " + p.value + " har redan passerat. Ange ett nytt datum (eller status Klar). Inget sparades."
		case "too_long":
			return p.activity + ": texten är för lång. Korta ner den lite. Inget sparades."
		}
		return p.activity + ": svaret kunde inte sparas."
	},
	savedText: func(lines []string) string {
		return "Tack! Sparat:\n\n" + strings.Join(lines, "\n\n") + "\n\nSkriv \"status A12\" (med rätt nummer) för att se historiken."
	},
	stillMissing: func(ids string) string {
		return "Jag väntar fortfarande på din uppdatering för " + ids + ". Skriv \"status\" så får du kortet."
	},
	reminderOn: func(ids, when string) string {
		return "Om du inte uppdaterar " + ids + " innan dess får du en påminnelse " + when + "."
	},
	badPerson: func(who string) string {
		return "\"" + who + "\" ser inte ut som en e-postadress (namn@regiongavleborg.se). Inget ändrades."
	},
	notInDirectory: func(who string) string {
		return "Jag hittar inte " + who + " i katalogen. Kontrollera adressen. Inget ändrades."
	},
	deputyNote: func(who string) string { return "ersätts av " + who },
	notAnOwner: func(who, id string) string { return who + " är inte ägare av " + id + ". Inget ändrades." },
	delegated: func(who, id string) string {
		return "Klart – " + who + " svarar nu för " + id + " och får statusfrågorna. Skriv \"återta " + id + "\" för att ta tillbaka den."
	},
	deputySet: func(who, until string) string {
		return "Klart – " + who + " svarar för dina aktiviteter till och med " + until + "."
	},
	ownersOf: func(id string, names []string) string {
		if len(names) == 0 {
			return id + " har ingen ägare."
		}
		return "Ägare för " + id + ":\n\n- " + strings.Join(names, "\n- ")
	},
}
