package manifest

// textEN is the en-US localization (en-US.json in the package).
var textEN = texts{
	NameShort:        "Digibot",
	NameFull:         "Digibot – digital transformation in Region Gävleborg",
	DescriptionShort: "Answers, coaching and follow-up for digital transformation in Region Gävleborg",
	DescriptionFull: "Digibot helps staff and managers in Region Gävleborg work with the " +
		"strategy for digital transformation 2024–2027 and its action plan. " +
		"Ask about the strategy, its principles and activities and get short answers with their source. " +
		"Book time with a digital coach, report progress on the activities you are responsible for " +
		"and let Digibot post a summary of progress to a channel or chat, " +
		"for example for the executive management team.",
	Commands: map[commandID]commandText{
		cmdHelp:       {Title: "help", Description: "Show what Digibot can help you with"},
		cmdBook:       {Title: "book", Description: "Book time with a digital coach"},
		cmdMyBookings: {Title: "my bookings", Description: "Show or cancel your coaching sessions"},
		cmdStatus:     {Title: "status", Description: "See and report progress on the action plan's activities"},
		cmdDigestHere: {Title: "digest here", Description: "Post the regular progress summary here"},
		cmdDigestStop: {Title: "digest stop", Description: "Stop posting the summary here"},
	},
}
