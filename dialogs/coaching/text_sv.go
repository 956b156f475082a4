package coaching

import (
	"fmt"
	"time"
)

var (
	svWeekdays = [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"}
	svMonths   = [12]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
		"september", "oktober", "november", "december"}
)

var sv = text{
	date: func(day time.Time) string {
		l := local(day)
		return fmt.Sprintf("%s %d %s", svWeekdays[l.Weekday()], l.Day(), svMonths[l.Month()-1])
	},
	clock: func(start, end time.Time) string {
		s, e := local(start), local(end)
		return fmt.Sprintf("kl. %02d.%02d–%02d.%02d", s.Hour(), s.Minute(), e.Hour(), e.Minute())
	},
	duration: func(d time.Duration) string {
		switch {
		case d%(24*time.Hour) == 0 && d > 0:
			return plural(int(d/(24*time.Hour)), "dygn", "dygn")
		case d%time.Hour == 0 && d > 0:
			return plural(int(d/time.Hour), "timme", "timmar")
		default:
			return plural(int(d/time.Minute), "minut", "minuter")
		}
	},

	personalOnly: "IT-coachning bokar du i en egen chatt med mig, så att ingen annan ser din bokning. Öppna chatten med Digibot och skriv **boka**.",
	useStanding:  "Ett eget Teams-möte kunde inte skapas. Anslut i stället till coachningens stående Teams-möte.",
	noIdentity:   "Jag kan inte se vem du är, så jag kan inte boka åt dig. Skriv till mig i en egen chatt i Teams.",
	notSetUp: "Det finns inga tider för IT-coachning inlagda ännu. När IT-förvaltningen har lagt in de öppna tillfällena " +
		"kan du boka här genom att skriva **boka**.",
	badSlot:         "Den tiden finns inte i schemat. Välj en av tiderna nedan.",
	alreadyBooked:   "Du har redan bokat den tiden.",
	noSuchBooking:   "Jag hittar ingen sådan bokning. Inget har ändrats.",
	notYourBooking:  "Den bokningen är inte din, så du kan inte avboka den. Inget har ändrats.",
	freeAfterAll:    "Det har blivit lediga tider – boka en direkt i stället för att ställa dig i kö.",
	waitlistFull:    "Kön är full just nu. Försök igen om några dagar, eller kontakta IT-förvaltningen.",
	leftWaitlist:    "Du står inte längre i kön.",
	notOnWaitlist:   "Du står inte i kön.",
	offerNotForYou:  "Erbjudandet gäller inte längre eftersom du inte står i kön. Här är tiderna som är lediga nu.",
	notACoach:       "Coachlistan är till för IT-coacherna. Vill du boka en tid? Skriv **boka**.",
	notYourCoaching: "Det är inte din coachning, så du kan inte markera den. Inget har ändrats.",
	markCancelled:   "Bokningen är avbokad och kan inte markeras.",

	bookTitle:          "Boka IT-coachning",
	bookIntro:          "Välj en tid och berätta kort vad du vill ha hjälp med, så kan coachen förbereda sig.",
	slotLabel:          "Tid",
	slotRequired:       "Välj en tid.",
	bookButton:         "Boka",
	mineButton:         "Mina bokningar",
	topicLabel:         "Vad vill du ha hjälp med?",
	topicPlaceholder:   "Till exempel: Hur kommer vi igång med digitala möten i vår enhet?",
	topicRequired:      "Skriv kort vad du vill ha hjälp med.",
	departmentLabel:    "Förvaltning",
	departmentRequired: "Välj din förvaltning.",
	fullTitle:          "Alla tider är bokade",
	joinButton:         "Ställ mig i kö",
	leaveButton:        "Lämna kön",
	queuedTitle:        "Du står i kö",
	queuedHow:          "När någon avbokar får du ett meddelande. Den som först tackar ja får tiden.",
	openMeeting:        "Öppna Teams-mötet",
	standingLink:       "Coachningen hålls i ett stående Teams-möte – samma länk för alla tider.",
	meetingCreated:     "Ett Teams-möte är bokat i coachens kalender. Använd knappen för att ansluta.",
	linkFollows:        "Teams-mötet kunde inte skapas just nu. Bokningen gäller – länken kommer i ett eget meddelande så snart mötet är skapat.",
	factWhen:           "När",
	factCoach:          "Coach",
	factTopic:          "Ämne",
	factDepartment:     "Förvaltning",
	factWho:            "Vem",
	factOutcome:        "Utfall",
	factNote:           "Anteckning",
	confirmTitle:       "Du är bokad!",
	cancelButton:       "Avboka",
	mineTitle:          "Mina bokningar",
	noBookings:         "Du har inga kommande bokningar.",
	bookMoreButton:     "Boka en tid",
	offerTitle:         "En tid har blivit ledig",
	offerHow:           "Först till kvarn: tiden går till den som först trycker på Boka tiden.",
	acceptButton:       "Boka tiden",
	linkTitle:          "Länken till din IT-coachning",
	linkFailedTitle:    "Teams-mötet kunde inte skapas",
	reminderDayTitle:   "Påminnelse: IT-coachning i morgon",
	reminderSoonTitle:  "Snart dags för IT-coachning",
	coachListTitle:     "Coachlista",
	coachListEmpty:     "Inga bokningar de senaste två veckorna eller framåt.",
	markButton:         "Markera",
	noteLabel:          "Kort anteckning (valfritt)",
	notePlaceholder:    "Till exempel: uppföljning om två veckor",
	refreshButton:      "Uppdatera",
	morningEmpty:       "Inga bokningar i dag ännu.",
	coachListButton:    "Visa coachlistan",

	problems: map[problem]string{
		probSlotMissing:  "Välj en tid.",
		probTopicMissing: "Skriv kort vad du vill ha hjälp med – det behövs för att boka.",
		probTopicTooLong: fmt.Sprintf("Beskrivningen är för lång. Håll den under %d tecken.", maxTopicRunes),
		probDeptMissing:  "Välj din förvaltning.",
		probDeptUnknown:  "Den förvaltningen finns inte i listan. Välj en av förvaltningarna.",
		probNoteTooLong:  fmt.Sprintf("Anteckningen är för lång. Håll den under %d tecken.", maxNoteRunes),
		probOutcome:      "Välj Genomförd eller Uteblev.",
	},
	atLimit: func(max int) string {
		return fmt.Sprintf("Du har redan %s – så många kan man ha samtidigt. Avboka en om du vill boka en annan tid.",
			plural(max, "kommande bokning", "kommande bokningar"))
	},
	notBookable: func(s slotState, when string) string {
		switch s {
		case slotPast:
			return "Tiden " + when + " har redan passerat. Välj en ny tid."
		case slotTooSoon:
			return "Tiden " + when + " är för nära i tid för att bokas. Välj en senare tid."
		default:
			return "Tiden " + when + " går inte att boka än. Välj en av tiderna nedan."
		}
	},
	lost: func(when string) string {
		return "Någon hann före dig – " + when + " är redan bokad."
	},
	alreadyCancelled: func(when string) string { return "Bokningen " + when + " är redan avbokad." },
	cancelStarted:    func(when string) string { return "Tiden " + when + " har redan börjat och kan inte avbokas." },
	cancelTooLate: func(when, cutoff, coach string) string {
		return fmt.Sprintf("Det är för sent att avboka %s här (senast %s före). Kontakta %s direkt.", when, cutoff, coach)
	},
	cancelled: func(when string) string { return "Avbokat: " + when + ". Tiden är nu ledig för andra." },
	marked: func(outcome, when, name string) string {
		return fmt.Sprintf("Markerat som %s: %s, %s.", lowerFirst(outcome), when, name)
	},
	markNotStarted: func(when string) string {
		return "Tiden " + when + " har inte börjat än. Markera den när coachningen har hållits."
	},
	outcomes:   map[string]string{stateBooked: "Bokad", stateHeld: "Genomförd", stateNoShow: "Uteblev", stateCancelled: "Avbokad"},
	placesLeft: func(n int) string { return "(" + plural(n, "plats", "platser") + " kvar)" },
	rules: func(max int, cutoff string) string {
		return fmt.Sprintf("Du kan ha högst %s. Avboka senast %s före om du får förhinder.",
			plural(max, "kommande bokning", "kommande bokningar"), cutoff)
	},
	fullIntro: func(days int) string {
		return fmt.Sprintf("Alla tider de närmaste %d dagarna är bokade. Ställ dig i kö, så får du ett meddelande när någon avbokar.", days)
	},
	queuedAt: func(pos int) string { return fmt.Sprintf("Du står som nummer %d i kön för IT-coachning.", pos) },
	noLink:   func(coach string) string { return coach + " skickar en länk till mötet före coachningen." },
	meetingFailed: func(coach string) string {
		return "Teams-mötet kunde inte skapas. Kontakta " + coach + " för en länk."
	},
	confirmed: func(when string) string { return "Din IT-coachning är bokad " + when + "." },
	confirmHint: func(cutoff string) string {
		return "Du får en påminnelse dagen före och strax innan. Avboka senast " + cutoff + " före om du får förhinder."
	},
	tooLateToCancel: func(cutoff, coach string) string {
		return "För sent att avboka här (senast " + cutoff + " före) – kontakta " + coach + "."
	},
	offer: func(when string) string {
		return "Någon har avbokat, så " + when + " är ledig. Vill du ha tiden?"
	},
	reminderDay:  func(when string) string { return "Du har IT-coachning " + when + "." },
	reminderSoon: func(when string) string { return "Din IT-coachning börjar snart: " + when + "." },
	morningTitle: func(date string) string { return "Dina coachningar i dag, " + date },
	meetingSubject: func(topic string) string {
		if topic == "" {
			return "IT-coachning"
		}
		return "IT-coachning: " + topic
	},
	meetingBody: func(name, dept, topic string) string {
		return "<p>IT-coachning bokad via Digibot.</p><p><b>Vem:</b> " + name + "<br><b>Förvaltning:</b> " + dept +
			"<br><b>Ämne:</b> " + topic + "</p>"
	},
}
