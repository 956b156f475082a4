package bot

import (
	"net/http"
	"testing"

	"digibot/bot/turn"
	"digibot/dialogs"
)

// FuzzActivity posts arbitrary bodies through parsing, auth, dedupe and
// dispatch to the real router: the edge must always answer with a
// deliberate status and never crash.
func FuzzActivity(f *testing.F) {
	seeds := []string{
		`{"type":"message","id":"1","text":"hjälp","serviceUrl":"http://127.0.0.1:1/","conversation":{"id":"c"},"from":{"id":"u"}}`,
		`{"type":"message","id":"2","serviceUrl":"http://127.0.0.1:1/","conversation":{"id":"c"},"value":{"action":"nope"}}`,
		`{"type":"invoke","name":"adaptiveCard/action","id":"3","serviceUrl":"http://127.0.0.1:1/","conversation":{"id":"c"},"value":{"action":{"verb":7}}}`,
		`{"type":"conversationUpdate","id":"4","serviceUrl":"http://127.0.0.1:1/","conversation":{"id":"c"},"membersRemoved":[{"id":"b"}],"recipient":{"id":"b"}}`,
		`{"type":"installationUpdate","action":"remove","serviceUrl":"http://127.0.0.1:1/","conversation":{"id":"c","conversationType":"channel"},"channelData":{"team":{"id":5}}}`,
		`{"type":"messageReaction","serviceUrl":"http://127.0.0.1:1/","conversation":{"id":"c"},"reactionsAdded":[{"type":"like"}]}`,
		`{"type":"message","serviceUrl":"ftp://x","conversation":{"id":"c"}}`,
		`{"type":1}`, `null`, `"x"`, `{}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	r := dialogs.NewRouter()
	r.Command(turn.HandlerFunc(echo), "hjälp")
	r.Fallback(turn.HandlerFunc(echo))
	h := newHarness(f, Handlers{Message: r, Invoke: r, Welcome: turn.HandlerFunc(echo), Reaction: turn.HandlerFunc(echo)})
	f.Fuzz(func(t *testing.T, body []byte) {
		ht := *h
		ht.t = t
		resp := ht.post(body)
		switch resp.StatusCode {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotImplemented, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("unexpected status %d for %q", resp.StatusCode, body)
		}
	})
}
