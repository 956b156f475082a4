package digest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/digest"
)

// FuzzConfig: any configuration gets a clear error or is valid; New agrees
// with Validate and never panics.
func FuzzConfig(f *testing.F) {
	for _, s := range [][4]string{
		{"", "", "", ""}, {"conv:19:a@thread.tacv2", "0 8 * * MON", "0 8 1 * *", "sv"}, {"19:x", "every day", "off", "de"},
		{"conv:", "61 25 * * *", "0 0 31 2 *", "en"}, {"conv:a;messageid=1", "@daily", "@monthly", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], 60)
	}
	clk := newClock(due)
	st := openEmbedded(f, "", clk)
	f.Fuzz(func(t *testing.T, channel, weekly, monthly, lang string, days int) {
		cfg := digest.Config{Channel: channel, Weekly: weekly, Monthly: monthly, Language: lang, UpcomingDays: days}
		verr := cfg.Validate()
		d, err := digest.New(digest.Options{Config: cfg, Store: st, Now: clk.Now, Log: quietLog()})
		if (verr == nil) != (err == nil) {
			t.Fatalf("Validate %v but New %v", verr, err)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "digest.") {
				t.Fatalf("error without its key: %v", err)
			}
			return
		}
		_ = d.Jobs()
	})
}

// FuzzCardSubmission: whatever a card submits to "digest.all", and
// whatever is typed after "digest", the answer is a message and nothing
// panics.
func FuzzCardSubmission(f *testing.F) {
	f.Add("weekly:2026-W48", "digest här", true)
	f.Add("now:2026-12-02T10:00:00", "digest nu", false)
	f.Add("../../x", "digest stopp\x00", true)
	f.Add(strings.Repeat("9", 100), "DIGEST", false)
	clk := newClock(due)
	st := openEmbedded(f, "", clk)
	putChannelRef(f, st)
	d, err := digest.New(digest.Options{Store: st, Now: clk.Now, Log: quietLog()})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := d.Run(context.Background(), digest.KindWeekly, due); err != nil {
		f.Fatal(err)
	}
	r := dialogs.NewRouter()
	d.Register(r)
	f.Fuzz(func(t *testing.T, id, text string, isAdmin bool) {
		for _, a := range []schema.Activity{
			{Type: schema.Message, Value: map[string]any{"action": digest.ActionAll, "id": id}},
			{Type: schema.Message, Text: text},
		} {
			a.From = schema.ChannelAccount{ID: "29:x", AadObjectID: adminAAD}
			a.Conversation = schema.ConversationAccount{ID: channelConv + ";messageid=1", ConversationType: "channel"}
			tn := turn.New(a)
			tn.Admin = isAdmin
			err := r.HandleTurn(context.Background(), tn)
			if _, noRoute := err.(dialogs.ErrNoRoute); err != nil && !noRoute {
				t.Fatalf("HandleTurn: %v", err)
			}
			if err == nil && len(tn.Replies()) == 0 {
				t.Fatalf("no answer to %+v", a)
			}
		}
	})
}
