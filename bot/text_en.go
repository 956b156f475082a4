package bot

var textEN = texts{
	unavailable: "Digibot is having temporary trouble reaching its storage. Nothing you wrote was lost – please try again in a little while.",
	failed:      "Something went wrong while I was answering. Please try again; if it happens again, type \"help\".",
}
