// Package help is Digibot's welcome and help: who Digibot is and what it
// can do, Swedish by default and English for an English locale.
package help

import (
	"context"
	"strings"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/card"
)

// Features Digibot can have switched on; help only mentions what is on.
const (
	Answers  = "answers"
	Coaching = "coaching"
	Status   = "status"
	Digest   = "digest"
)

// Help renders the welcome and help cards for the enabled features.
type Help struct{ enabled map[string]bool }

// New returns help for the given features.
func New(features ...string) *Help {
	h := &Help{enabled: map[string]bool{}}
	for _, f := range features {
		h.enabled[f] = true
	}
	return h
}

// Register adds the help commands to r.
func (h *Help) Register(r *dialogs.Router) {
	r.Command(turn.HandlerFunc(h.Help), "hjälp", "help", "hjalp", "?", "meny", "menu", "vad kan du", "what can you do")
	r.Action("help.show", turn.HandlerFunc(h.Help))
}

// Help answers "hjälp"/"help" with the help card, in the language of the
// word the user typed ("hjälp" gets Swedish even when Teams runs in
// English), else in the user's locale.
func (h *Help) Help(_ context.Context, t *turn.Turn) error {
	lang := t.Lang()
	switch strings.ToLower(strings.TrimRight(t.Text(), "!?. ")) {
	case "hjälp", "hjalp", "meny", "vad kan du":
		lang = "sv"
	case "help", "menu", "what can you do":
		lang = "en"
	}
	tx := textFor(lang)
	body := []card.Element{card.Title(tx.helpTitle), card.Text(tx.intro), h.capabilities(tx), card.Heading(tx.commandsHeading)}
	for _, c := range tx.commands {
		if c.feature == "" || h.enabled[c.feature] {
			body = append(body, card.Text("**"+c.name+"** – "+c.desc))
		}
	}
	body = append(body, card.Subtle(tx.privacy))
	t.SendCard(card.New(body))
	return nil
}

// Welcome greets a new user, group chat or team when Digibot is installed.
func (h *Help) Welcome(_ context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	body := []card.Element{card.Title(tx.welcomeTitle), card.Text(tx.intro)}
	if t.IsPersonal() {
		body = append(body, card.Text(tx.personalHint))
	} else {
		body = append(body, card.Text(tx.channelHint))
	}
	body = append(body, h.capabilities(tx))
	t.SendCard(card.New(body, card.Submit(tx.helpButton, "help.show", nil)))
	return nil
}

func (h *Help) capabilities(tx text) card.Element {
	var pairs [][2]string
	for _, c := range tx.capabilities {
		if h.enabled[c.feature] {
			pairs = append(pairs, [2]string{c.name, c.desc})
		}
	}
	return card.Facts(pairs...)
}

type item struct{ feature, name, desc string }

func textFor(lang string) text {
	if lang == "en" {
		return en
	}
	return sv
}

type text struct {
	welcomeTitle, helpTitle, intro, personalHint, channelHint string
	helpButton, commandsHeading, privacy                      string
	capabilities                                              []item
	commands                                                  []item
}
