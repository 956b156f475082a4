package help

var en = text{
	welcomeTitle: "Hi! I'm Digibot 👋",
	helpTitle:    "What Digibot can do",
	intro: "I help you with Region Gävleborg's strategy for digital transformation 2024–2027 " +
		"and its action plan.",
	personalHint: "Ask a question in your own words, for example \"What is the digital base level?\" or " +
		"\"Who is responsible for the system owner council?\". Type \"help\" to see what I can do.",
	channelHint: "Mention me with @Digibot and ask your question here, or chat with me one-to-one.",
	helpButton:  "Show what you can do",
	capabilities: []item{
		{"answers", "Questions", "Answers about the guiding principles, the digital base level, the shifts, the activities and who is responsible for what – with the source."},
		{"coaching", "IT coaching", "Book a time at the IT coaching service's open sessions every week."},
		{"status", "Status", "Activity owners report progress on their action-plan activities."},
		{"digest", "Digest", "Group management (koncernledningen) gets a regular overview in its channel."},
	},
	commandsHeading: "Commands",
	commands: []item{
		{"", "help", "shows this"},
		{"coaching", "boka / book", "book IT coaching"},
		{"coaching", "mina bokningar / my bookings", "see and cancel your bookings"},
		{"status", "status", "report progress on your activities"},
		{"status", "nästa påminnelse / next reminder", "when the next status request comes"},
		{"digest", "digest här / digest here", "(administrators) post the overview in this channel"},
	},
	privacy: "I keep your questions for a limited time to improve the answers. Contact the coordinating function to learn more.",
}
