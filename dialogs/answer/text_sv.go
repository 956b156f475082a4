package answer

import (
	"fmt"
	"time"
)

// Swedish user texts (the default language).
var textSV = &texts{
	Empty:   "Skriv en fråga om strategin eller handlingsplanen för digital omställning, till exempel ”Vad är digital basnivå?”.",
	NoWords: "Jag kunde inte läsa någon fråga i det du skrev. Skriv gärna med ord, till exempel ”Vem ansvarar för systemägarrådet?”.",
	Truncated: func(n int) string {
		return fmt.Sprintf("Din fråga var lång, så jag sökte bara på de första %d tecknen.", n)
	},
	NotSure:    "Jag vet inte säkert svaret på det. Jag svarar bara på frågor om Region Gävleborgs strategi och handlingsplan för digital omställning.",
	DidYouMean: "Menade du …?",
	DidYouMeanText: func(titles []string) string {
		return "Menade du: " + joinOr(titles, "eller") + "?"
	},
	ForwardOffer:  "Jag kan skicka frågan vidare till samordningsfunktionen för digital omställning, så svarar en person dig här i chatten.",
	ForwardButton: "Skicka frågan vidare",
	Contact: func(c string) string {
		return "Du kan ställa frågan till samordningsfunktionen för digital omställning: " + c + "."
	},
	ReadMore: "Läs mer",
	Source: func(doc, section string) string {
		if section == "" {
			return "Källa: " + doc
		}
		return "Källa: " + doc + ", " + section
	},
	DocNames: map[string]string{
		"strategi":      "Strategi för digital omställning 2024–2027",
		"handlingsplan": "Handlingsplan för digital omställning 2024–2027",
	},
	Related:            "Relaterat",
	Helpful:            "Var svaret till hjälp?",
	ThumbUp:            "👍",
	ThumbDown:          "👎",
	CommentPlaceholder: "Kommentar (valfritt)",
	Send:               "Skicka",
	ThanksUp:           "Tack för din återkoppling! 👍",
	ThanksDown:         "Tack! Vi använder din återkoppling för att förbättra svaren.",
	BookCoaching:       "Boka IT-coachning",
	OnlySwedish:        "",
	Forwarded:          "Tack! Jag har skickat din fråga till samordningsfunktionen för digital omställning. Du får svaret här i chatten.",
	AlreadyForwarded:   "Den frågan har redan skickats vidare. Du får svaret här i chatten.",
	ForwardOff: func(c string) string {
		return "Jag kan inte skicka frågor vidare just nu. Ställ frågan till samordningsfunktionen för digital omställning: " + c + "."
	},
	QuestionGone:     "Jag hittar inte den frågan längre. Skriv den gärna igen.",
	NotYourQuestion:  "Bara den som ställde frågan kan skicka den vidare.",
	UnknownArticle:   "Jag hittar inte den artikeln längre. Ställ gärna frågan igen.",
	BadFeedback:      "Jag förstod inte återkopplingen. Använd knapparna 👍 eller 👎 under svaret.",
	Error:            "Något gick fel hos mig. Försök igen om en stund.",
	ChannelTitle:     "Fråga till samordningsfunktionen",
	ChannelFrom:      func(name string) string { return "**Från:** " + name },
	ChannelNoAnswer:  "Digibot hittade inget säkert svar i kunskapsbanken.",
	ChannelNearest:   func(title string) string { return "Närmaste artikel: " + title },
	ChannelReplyHint: "Skriv ditt svar till frågeställaren …",
	ChannelReply:     "Svara",
	ChannelAnswered: func(by string, at time.Time) string {
		return fmt.Sprintf("✅ Besvarad av %s %s", by, at.Format("2006-01-02 15:04"))
	},
	ReplyEmpty:      "Skriv ett svar i fältet innan du trycker på Svara.",
	ReplyTooLong:    func(n int) string { return fmt.Sprintf("Svaret är för långt (högst %d tecken).", n) },
	ReplyNotHere:    "Frågor besvaras från kortet i samordningsfunktionens kanal.",
	AlreadyAnswered: func(by string) string { return "Frågan är redan besvarad av " + by + "." },
	AnswerFrom:      func(name string) string { return "Svar från " + name },
	YourQuestion:    func(q string) string { return "Du frågade: ”" + q + "”" },
	Someone:         "en kollega",
	Greeting:        "Hej! Jag är Digibot. Fråga mig om Region Gävleborgs strategi och handlingsplan för digital omställning, till exempel ”Vad betyder princip 4?” eller ”Vem ansvarar för systemägarrådet?”.",
	GapsNone:        "Inga obesvarade frågor eller 👎 under perioden.",
	GapsHeader: func(from, to time.Time, asked, unanswered int) string {
		return fmt.Sprintf("Kunskapsluckor %s – %s: %d frågor, %d obesvarade.",
			from.Format("2006-01-02"), to.Format("2006-01-02"), asked, unanswered)
	},
	GapsQuestions: "Vanligaste obesvarade frågorna:",
	GapsArticles:  "Artiklar med 👎:",
	GapsAdminOnly: "Bara Digibots administratörer kan se kunskapsluckorna.",
	YouAreWelcome: "Varsågod! Fråga gärna igen när du vill.",
}

// joinOr joins ["a","b","c"] as "a, b eller c".
func joinOr(items []string, or string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := ""
	for i, s := range items[:len(items)-1] {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out + " " + or + " " + items[len(items)-1]
}
