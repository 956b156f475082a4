package manifest

// textSV is the manifest's default language (sv-SE): what Teams shows in the
// app store, the app details and the bot's command menu.
var textSV = texts{
	NameShort:        "Digibot",
	NameFull:         "Digibot – digital omställning i Region Gävleborg",
	DescriptionShort: "Svar, coachning och uppföljning för digital omställning i Region Gävleborg",
	DescriptionFull: "Digibot hjälper medarbetare och chefer i Region Gävleborg att arbeta med " +
		"strategin för digital omställning 2024–2027 och dess handlingsplan. " +
		"Ställ frågor om strategin, principerna och aktiviteterna och få korta svar med källa. " +
		"Boka tid med en digital coach, rapportera läget för de aktiviteter du ansvarar för " +
		"och låt Digibot skicka en sammanfattning av läget till en kanal eller chatt, " +
		"till exempel för koncernledningen.",
	Commands: map[commandID]commandText{
		cmdHelp:       {Title: "hjälp", Description: "Visa vad Digibot kan hjälpa dig med"},
		cmdBook:       {Title: "boka", Description: "Boka en tid med en digital coach"},
		cmdMyBookings: {Title: "mina bokningar", Description: "Visa eller avboka dina coachningstider"},
		cmdStatus:     {Title: "status", Description: "Se och rapportera läget för aktiviteterna i handlingsplanen"},
		cmdDigestHere: {Title: "digest här", Description: "Skicka den regelbundna sammanfattningen av läget hit"},
		cmdDigestStop: {Title: "digest stopp", Description: "Sluta skicka sammanfattningen hit"},
	},
}
