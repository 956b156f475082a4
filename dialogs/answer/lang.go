package answer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/sv"
	"github.com/blevesearch/bleve/v2/registry"
)

// Stop words of the analyzers, reused for the confidence score and the
// compound dictionary.
var svStop, enStop = stopWords(sv.StopName), stopWords(en.StopName)

func stopWords(name string) map[string]bool {
	tm, err := registry.NewCache().TokenMapNamed(name)
	if err != nil {
		panic(err) // registered by the imported bleve language packages
	}
	out := make(map[string]bool, len(tm))
	for w := range tm {
		out[w] = true
	}
	return out
}

var _ analysis.TokenMap // keep the import explicit: TokenMapNamed returns one

// fillerWords are how people ask, not what they ask about: they neither
// help the search nor count against an article when it lacks them.
var fillerWords = setOf(
	// Swedish
	"betyder", "betyda", "betyd", "innebär", "innebära", "innebörd", "menas", "menar", "mena", "handlar", "gäller",
	"finns", "fungerar", "funkar", "få", "gör", "göra", "gjort", "ska", "skall", "vill", "kunna", "säga", "säger",
	"berätta", "förklara", "förklaring", "typ", "egentligen", "exakt", "snälla", "tack", "hej", "hallå", "undrar",
	"veta", "vet", "när", "riktigt", "någonting", "nånting", "nån", "nåt", "liksom", "ungefär", "kort", "bara",
	"också", "även", "finnas", "står", "stå", "heter", "hittar", "hitta", "läsa", "info", "fråga", "frågor",
	"kolla", "sånt", "något", "sådär", "vår", "våran", "vårt", "våra", "oss", "vi", "mig", "jag", "min", "mitt",
	"mina", "man", "dom", "ni", "ens", "mer", "mest", "lite", "vänligen", "jo", "ja", "nej", "okej", "ok",
	// English
	"what", "whats", "what's", "mean", "means", "meaning", "does", "do", "did", "tell", "explain", "about",
	"please", "hi", "hello", "thanks", "thank", "know", "want", "exactly", "actually", "anything", "something",
	"can", "could", "would", "should", "i", "me", "my", "we", "us", "our", "is", "are", "the", "a", "an", "there",
	"say", "says", "said", "find", "read", "info", "question", "kind", "sort", "much", "more", "some", "any",
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// Words that mark a question as English or Swedish. Short, common, and not
// shared between the languages.
var (
	// Words that are also Swedish, or Swedish typed without å/ä/ö ("for",
	// "IT", "digital", "plan"), are left out.
	enMarkers = setOf("what", "whats", "what's", "who", "whom", "which", "how", "why", "where", "when", "is",
		"are", "the", "does", "do", "can", "could", "should", "mean", "means", "responsible", "of", "about",
		"and", "on", "my", "i", "you", "to", "with", "there", "this", "that", "tell", "me", "explain",
		"principle", "principles", "strategy", "baseline", "shifts", "transformation", "training",
		"please", "help", "need", "get", "book", "meeting", "meetings", "activity", "activities", "department",
		"employees", "managers", "an", "will", "would", "have", "has", "our", "we", "your", "their", "they")
	svMarkers = setOf("vad", "vem", "vilka", "vilken", "vilket", "hur", "varför", "var", "när", "är", "och",
		"att", "det", "en", "ett", "som", "på", "med", "om", "jag", "min", "mitt", "mina", "kan", "ska", "får",
		"betyder", "innebär", "ansvarar", "ansvarig", "för", "av", "till", "vi", "våra", "finns", "gäller",
		"handlar", "menas", "strategin", "principen", "principerna", "handlingsplanen", "förflyttning",
		"digitala", "hjälp", "boka", "möte", "inte", "eller", "vår", "har", "vill", "man", "den", "de", "dom", "nån")
	// Words equal in both lists count for neither.
)

// detectLang guesses the language of a question: "en", "sv", or "" when
// it cannot tell (too short, or equally both).
func detectLang(q string) string {
	var sv, en int
	if strings.ContainsAny(strings.ToLower(q), "åäö") {
		sv += 2
	}
	for _, w := range words(q) {
		isSV, isEN := svMarkers[w], enMarkers[w]
		switch {
		case isSV && isEN:
		case isSV:
			sv++
		case isEN:
			en++
		}
	}
	switch {
	case en > sv:
		return "en"
	case sv > en:
		return "sv"
	}
	return ""
}

// answerLang picks the language of the answer: the question's own
// language when it is clear (many Swedish-speaking staff run Teams in
// English and still ask in Swedish), otherwise the user's locale.
func answerLang(locale, question string) string {
	switch detectLang(question) {
	case "en":
		return "en"
	case "sv":
		return "sv"
	}
	if locale == "en" {
		return "en"
	}
	return "sv"
}

// words splits s into lowercased words of letters and digits; a hyphen or
// apostrophe inside a word is kept ("e-signering", "what's").
func words(s string) []string {
	ls := strings.ToLower(s)
	out := make([]string, 0, 16)
	start := -1 // where the current word began in ls
	for i, r := range ls {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			continue
		case (r == '-' || r == '\'' || r == '’') && start >= 0:
			next, _ := utf8.DecodeRuneInString(ls[i+utf8.RuneLen(r):])
			if unicode.IsLetter(next) || unicode.IsDigit(next) {
				continue
			}
		}
		if start >= 0 {
			out = append(out, ls[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, ls[start:])
	}
	return out
}
