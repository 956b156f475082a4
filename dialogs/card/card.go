// Package card builds Adaptive Cards (schema 1.5, the version Teams renders
// on desktop and mobile) as plain JSON maps.
package card

import "strings"

// Element is one card element or action.
type Element = map[string]any

// Version is the Adaptive Card schema version Digibot sends.
const Version = "1.5"

// New returns a card with body and actions.
func New(body []Element, actions ...Element) Element {
	c := Element{
		"type":    "AdaptiveCard",
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": Version,
		"body":    body,
	}
	if len(actions) > 0 {
		c["actions"] = actions
	}
	return c
}

// Title is a large bold heading.
func Title(text string) Element {
	return Element{"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": true, "style": "heading"}
}

// Heading is a medium bold line.
func Heading(text string) Element {
	return Element{"type": "TextBlock", "text": text, "size": "Medium", "weight": "Bolder", "wrap": true}
}

// Text is a wrapped paragraph.
func Text(text string) Element {
	return Element{"type": "TextBlock", "text": text, "wrap": true}
}

// Subtle is a small, subdued line (sources, hints).
func Subtle(text string) Element {
	return Element{"type": "TextBlock", "text": text, "wrap": true, "isSubtle": true, "size": "Small"}
}

// Facts is a FactSet of title/value pairs.
func Facts(pairs ...[2]string) Element {
	facts := make([]Element, 0, len(pairs))
	for _, p := range pairs {
		facts = append(facts, Element{"title": p[0], "value": p[1]})
	}
	return Element{"type": "FactSet", "facts": facts}
}

// Submit is an Action.Submit carrying Digibot's action name and data.
func Submit(title, action string, data map[string]any) Element {
	d := make(map[string]any, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	d["action"] = action // set last: data can never reroute the button
	return Element{"type": "Action.Submit", "title": title, "data": d}
}

// OpenURL is an Action.OpenUrl.
func OpenURL(title, url string) Element {
	return Element{"type": "Action.OpenUrl", "title": title, "url": url}
}

// Actions is an ActionSet inside the body.
func Actions(actions ...Element) Element {
	return Element{"type": "ActionSet", "actions": actions}
}

// markdownSpecial are the characters Teams' card markdown interprets.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`,
	"`", "\\`", `#`, `\#`, `<`, "&lt;", `>`, "&gt;", `~`, `\~`, `|`, `\|`,
)

// Escape makes user-supplied text safe inside a TextBlock: no markdown
// links, emphasis or markup from the user is interpreted.
func Escape(s string) string { return markdownEscaper.Replace(s) }
