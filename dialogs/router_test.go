package dialogs

import (
	"context"
	"errors"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
)

func named(name string, got *string) turn.Handler {
	return turn.HandlerFunc(func(context.Context, *turn.Turn) error { *got = name; return nil })
}

func TestRouter(t *testing.T) {
	var got string
	r := NewRouter()
	r.Command(named("help", &got), "hjälp", "help")
	r.Command(named("mine", &got), "mina bokningar")
	r.Command(named("book", &got), "boka")
	r.Action("answer.more", named("more", &got))
	r.Fallback(named("ask", &got))

	tests := []struct {
		name string
		a    schema.Activity
		want string
		err  bool
	}{
		{"command", schema.Activity{Type: "message", Text: "hjälp"}, "help", false},
		{"case and punctuation", schema.Activity{Type: "message", Text: "  HJÄLP! "}, "help", false},
		{"mention stripped", schema.Activity{Type: "message", Text: "<at>Digibot</at> help"}, "help", false},
		{"longest phrase", schema.Activity{Type: "message", Text: "mina bokningar tack"}, "mine", false},
		{"command with args", schema.Activity{Type: "message", Text: "boka nästa vecka"}, "book", false},
		{"free text", schema.Activity{Type: "message", Text: "vad är basnivå?"}, "ask", false},
		{"word inside text is no command", schema.Activity{Type: "message", Text: "hur gör jag för att boka"}, "ask", false},
		{"submit", schema.Activity{Type: "message", Value: map[string]any{"action": "answer.more", "id": "x"}}, "more", false},
		{"execute", schema.Activity{Type: "invoke", Value: map[string]any{"action": map[string]any{"verb": "answer.more", "data": map[string]any{}}}}, "more", false},
		{"unknown action", schema.Activity{Type: "message", Value: map[string]any{"action": "nope"}}, "", true},
		{"value without action is text", schema.Activity{Type: "message", Text: "hjälp", Value: map[string]any{"x": 1}}, "help", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got = ""
			err := r.HandleTurn(context.Background(), turn.New(tc.a))
			var nr ErrNoRoute
			if tc.err != (err != nil) || (err != nil && !errors.As(err, &nr)) {
				t.Fatalf("err = %v", err)
			}
			if got != tc.want {
				t.Fatalf("routed to %q, want %q", got, tc.want)
			}
		})
	}
	if a := Args("boka nästa vecka", "boka"); a != "nästa vecka" {
		t.Fatalf("Args = %q", a)
	}
}

func TestRouterWithoutFallback(t *testing.T) {
	err := NewRouter().HandleTurn(context.Background(), turn.New(schema.Activity{Type: "message", Text: "x"}))
	if err == nil {
		t.Fatal("want ErrNoRoute")
	}
}

func TestRouterAuditsAdminActions(t *testing.T) {
	var got, routes []string
	r := NewRouter()
	r.Command(named("digest", new(string)), "digest här")
	r.Action("status.save", named("save", new(string)))
	r.Fallback(named("ask", new(string)))
	r.OnAdmin(func(_ context.Context, t *turn.Turn, route string) {
		got = append(got, t.Activity.From.AadObjectID)
		routes = append(routes, route)
	})
	for _, tc := range []struct {
		admin bool
		a     schema.Activity
	}{
		{true, schema.Activity{Type: "message", Text: "digest här", From: schema.ChannelAccount{AadObjectID: "adm"}}},
		{true, schema.Activity{Type: "message", Value: map[string]any{"action": "status.save"}, From: schema.ChannelAccount{AadObjectID: "adm"}}},
		{true, schema.Activity{Type: "message", Text: "vad är basnivå", From: schema.ChannelAccount{AadObjectID: "adm"}}}, // a question is no action
		{false, schema.Activity{Type: "message", Text: "digest här", From: schema.ChannelAccount{AadObjectID: "user"}}},
	} {
		tr := turn.New(tc.a)
		tr.Admin = tc.admin
		_ = r.HandleTurn(context.Background(), tr)
	}
	if len(routes) != 2 || routes[0] != "digest här" || routes[1] != "status.save" || got[0] != "adm" {
		t.Fatalf("audited %v by %v", routes, got)
	}
}
