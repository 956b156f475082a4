package bot

import "digibot/bot/turn"

// texts are the few things the edge itself says; dialogs own the rest.
type texts struct {
	unavailable string
	failed      string
}

func textsFor(locale string) texts {
	if turn.LangOf(locale) == "en" {
		return textEN
	}
	return textSV
}
