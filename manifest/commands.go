package manifest

// commandID names a bot command independently of its language.
type commandID string

const (
	cmdHelp       commandID = "help"
	cmdBook       commandID = "book"
	cmdMyBookings commandID = "my-bookings"
	cmdStatus     commandID = "status"
	cmdDigestHere commandID = "digest-here"
	cmdDigestStop commandID = "digest-stop"
)

// commandList is the command menu Teams shows in one scope. Teams wants a
// separate list per scope; index order is part of the en-US.json keys.
type commandList struct {
	Scopes   []string
	Commands []commandID
}

var commandLists = []commandList{
	{Scopes: []string{"personal"}, Commands: []commandID{cmdHelp, cmdBook, cmdMyBookings, cmdStatus}},
	{Scopes: []string{"team"}, Commands: []commandID{cmdHelp, cmdStatus, cmdDigestHere, cmdDigestStop}},
	{Scopes: []string{"groupChat"}, Commands: []commandID{cmdHelp, cmdStatus, cmdDigestHere, cmdDigestStop}},
}

// texts are the user-visible strings of the package in one language.
type texts struct {
	NameShort        string
	NameFull         string
	DescriptionShort string
	DescriptionFull  string
	Commands         map[commandID]commandText
}

type commandText struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// CommandPhrases returns the command titles Teams shows (and inserts into
// the compose box when picked) for lang "sv" or "en", each once, in menu
// order. The dialogs router must understand every one of them; a test there
// can range over this list. Any other lang returns nil.
func CommandPhrases(lang string) []string {
	var t texts
	switch lang {
	case "sv":
		t = textSV
	case "en":
		t = textEN
	default:
		return nil
	}
	seen := map[commandID]bool{}
	var out []string
	for _, l := range commandLists {
		for _, id := range l.Commands {
			if !seen[id] {
				seen[id] = true
				out = append(out, t.Commands[id].Title)
			}
		}
	}
	return out
}
