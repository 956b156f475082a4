package bot

var textSV = texts{
	unavailable: "Digibot har tillfälliga problem att nå sin lagring. Inget av det du skrev har gått förlorat – försök igen om en liten stund.",
	failed:      "Något gick fel när jag skulle svara. Försök gärna igen; om det händer igen, skriv \"hjälp\".",
}
