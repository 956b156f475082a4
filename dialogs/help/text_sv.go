package help

var sv = text{
	welcomeTitle: "Hej! Jag är Digibot 👋",
	helpTitle:    "Det här kan Digibot",
	intro: "Jag hjälper dig med Region Gävleborgs strategi för digital omställning 2024–2027 " +
		"och handlingsplanen som hör till den.",
	personalHint: "Ställ en fråga med egna ord, till exempel \"Vad är digital basnivå?\" eller " +
		"\"Vem ansvarar för systemägarrådet?\". Skriv \"hjälp\" när du vill se vad jag kan.",
	channelHint: "Nämn mig med @Digibot och ställ din fråga här, eller skriv till mig i en egen chatt.",
	helpButton:  "Visa vad du kan",
	capabilities: []item{
		{"answers", "Frågor", "Svar om de vägledande principerna, den digitala basnivån, förflyttningarna, aktiviteterna och vem som ansvarar för vad – med källa."},
		{"coaching", "IT-coachning", "Boka en tid på IT-coachningstjänstens öppna tider varje vecka."},
		{"status", "Status", "Aktivitetsägare rapporterar läget för sina aktiviteter i handlingsplanen."},
		{"digest", "Sammanfattning", "Koncernledningen får en regelbunden lägesbild i sin kanal."},
	},
	commandsHeading: "Kommandon",
	commands: []item{
		{"", "hjälp", "visar det här"},
		{"coaching", "boka", "boka IT-coachning"},
		{"coaching", "mina bokningar", "se och avboka dina tider"},
		{"status", "status", "rapportera läget för dina aktiviteter"},
		{"status", "nästa påminnelse", "när nästa statusfråga kommer"},
		{"digest", "digest här", "(administratörer) lägesbilden postas i den här kanalen"},
	},
	privacy: "Jag sparar dina frågor en begränsad tid för att kunna förbättra svaren. Skriv till den samordnande funktionen om du vill veta mer.",
}
