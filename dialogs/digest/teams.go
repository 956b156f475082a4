package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/storage"
)

// Register adds the digest's commands and card action to r.
func (d *Digest) Register(r *dialogs.Router) {
	h := func(f func(context.Context, *turn.Turn) error) turn.Handler { return turn.HandlerFunc(f) }
	r.Command(h(d.handleHere), "digest här", "digest har", "digest here")
	r.Command(h(d.handleStop), "digest stopp", "digest stoppa", "digest stop")
	r.Command(h(d.handleNow), "digest nu", "digest now")
	r.Command(h(d.handleInfo), "digest")
	r.Action(ActionAll, h(d.handleAll))
}

// channelDoc is the channel an administrator chose (doc digest/channel).
type channelDoc struct {
	RefKey      string    `json:"refKey,omitempty"`
	Stopped     bool      `json:"stopped,omitempty"`
	ChannelName string    `json:"channelName,omitempty"`
	TeamName    string    `json:"teamName,omitempty"`
	SetBy       string    `json:"setBy,omitempty"` // AAD object id
	SetAt       time.Time `json:"setAt"`
}

// channel is where digests go: the channel chosen in chat, else the
// configured one; RefKey is "" when none is set, the digest was stopped,
// or it is switched off.
func (d *Digest) channel(ctx context.Context) (channelDoc, error) {
	if !d.cfg.IsEnabled() {
		return channelDoc{}, nil
	}
	doc, err := d.st.GetDoc(ctx, collDigest, docChannel)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return channelDoc{RefKey: d.cfg.Channel}, nil
	case err != nil:
		return channelDoc{}, fmt.Errorf("digest: read channel: %w", err)
	}
	var c channelDoc
	if err := json.Unmarshal(doc.Value, &c); err != nil {
		return channelDoc{}, fmt.Errorf("digest: decode channel: %w", err)
	}
	if c.Stopped {
		c.RefKey = ""
	}
	return c, nil
}

func (d *Digest) putChannel(ctx context.Context, c channelDoc) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("digest: encode channel: %w", err)
	}
	if _, err := d.st.PutDoc(ctx, collDigest, docChannel, raw, storage.AnyVersion); err != nil {
		return fmt.Errorf("digest: store channel: %w", err)
	}
	return nil
}

// allowed answers for the preconditions of an administrator's command;
// false means the turn is answered.
func (d *Digest) allowed(t *turn.Turn, tx *text) bool {
	switch {
	case !t.Admin:
		t.SendText(tx.adminOnly)
		return false
	case !d.cfg.IsEnabled():
		t.SendText(tx.switchedOff)
		return false
	}
	return true
}

// baseConversationID drops the ";messageid=…" Teams adds inside a channel
// thread: the reference points at the channel, and posting to it starts a
// new thread.
func baseConversationID(id string) string {
	if i := strings.Index(id, ";messageid="); i >= 0 {
		return id[:i]
	}
	return id
}

func channelData(t *turn.Turn, keys ...string) string {
	var cur any = map[string]any(t.Activity.ChannelData)
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	s, _ := cur.(string)
	return oneLine(s, 100)
}

func (d *Digest) handleHere(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	if !d.allowed(t, tx) {
		return nil
	}
	if t.IsPersonal() {
		t.SendText(tx.notInChannel)
		return nil
	}
	key := storage.ConversationKey(baseConversationID(t.Activity.Conversation.ID))
	if err := checkRefKey(key); err != nil {
		t.SendText(tx.notInChannel)
		return nil
	}
	c := channelDoc{RefKey: key, ChannelName: channelData(t, "channel", "name"), TeamName: channelData(t, "team", "name"),
		SetBy: t.UserAADID(), SetAt: d.now().UTC()}
	if err := d.putChannel(ctx, c); err != nil {
		return err
	}
	d.log.InfoContext(ctx, "digest: channel chosen", "ref", key)
	t.SendText(tx.channelSet(tx.thisChannel, d.scheduleText(tx)))
	return nil
}

func (d *Digest) handleStop(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	if !d.allowed(t, tx) {
		return nil
	}
	cur, err := d.channel(ctx)
	if err != nil {
		return err
	}
	if err := d.putChannel(ctx, channelDoc{Stopped: true, SetBy: t.UserAADID(), SetAt: d.now().UTC()}); err != nil {
		return err
	}
	if cur.RefKey == "" {
		t.SendText(tx.alreadyStopped)
		return nil
	}
	d.log.InfoContext(ctx, "digest: stopped", "ref", cur.RefKey)
	t.SendText(tx.stopped)
	return nil
}

func (d *Digest) handleInfo(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	if !d.allowed(t, tx) {
		return nil
	}
	c, err := d.channel(ctx)
	if err != nil {
		return err
	}
	t.SendText(tx.info(d.where(ctx, tx, t, c), d.scheduleText(tx)))
	return nil
}

// where names the channel for a chat answer.
func (d *Digest) where(ctx context.Context, tx *text, t *turn.Turn, c channelDoc) string {
	if c.RefKey != "" && c.ChannelName == "" && c.TeamName == "" {
		// A channel from the config: the bot's reference knows its name.
		if r, err := d.st.GetReference(ctx, c.RefKey); err == nil {
			c.ChannelName, c.TeamName = oneLine(r.ChannelName, 100), oneLine(r.TeamName, 100)
		}
	}
	switch {
	case c.RefKey == "":
		return tx.noChannel
	case !t.IsPersonal() && storage.ConversationKey(baseConversationID(t.Activity.Conversation.ID)) == c.RefKey:
		return tx.thisChannel
	case c.ChannelName != "" && c.TeamName != "":
		return fmt.Sprintf("%s › %s", c.TeamName, c.ChannelName)
	case c.ChannelName != "":
		return c.ChannelName
	}
	return tx.aChannel
}

// scheduleText says when digests are posted.
func (d *Digest) scheduleText(tx *text) string {
	var parts []string
	describe := func(expr, def, defText string) {
		switch {
		case strings.EqualFold(expr, Off):
		case expr == def:
			parts = append(parts, defText)
		default:
			parts = append(parts, fmt.Sprintf("%s \"%s\"", tx.scheduleCron, expr))
		}
	}
	describe(d.cfg.Weekly, DefaultWeekly, tx.weeklyDefault)
	describe(d.cfg.Monthly, DefaultMonthly, tx.monthlyDefault)
	if len(parts) == 0 {
		return tx.scheduleOff
	}
	now := d.now()
	var next time.Time
	for _, s := range []interface{ Next(time.Time) time.Time }{d.specs.weekly, d.specs.monthly} {
		if s == nil {
			continue
		}
		if n := s.Next(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	out := strings.Join(parts, " ")
	if !next.IsZero() {
		out += " (" + tx.scheduleNext + ": " + tx.dateTime(next) + ")"
	}
	return out
}

func (d *Digest) handleNow(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	if !d.allowed(t, tx) {
		return nil
	}
	c, err := d.channel(ctx)
	if err != nil {
		return err
	}
	w := nowWindow(d.now())
	f, err := d.snapshot(ctx, w)
	if err != nil {
		d.log.ErrorContext(ctx, "digest: on demand", "err", err)
		t.SendText(tx.failed)
		return nil
	}
	if c.RefKey == "" {
		t.SendText(tx.previewNoChannel)
		t.SendCard(Card(f, d.cfg.Language))
		return nil
	}
	created, err := d.post(ctx, c.RefKey, OutboxID(KindNow, w.Period), f)
	if err != nil {
		d.log.ErrorContext(ctx, "digest: on demand", "err", err)
		t.SendText(tx.failed)
		return nil
	}
	if !created {
		t.SendText(tx.alreadyPosted(d.where(ctx, tx, t, c)))
		return nil
	}
	t.SendText(tx.posted(d.where(ctx, tx, t, c)))
	return nil
}

var snapshotIDRE = regexp.MustCompile(`^(weekly|monthly|now):[0-9]{4}-[0-9A-Z:T-]{2,20}$`)

// handleAll answers "Visa allt" with every list of the digest, in the
// channel it was posted in (or to an administrator anywhere).
func (d *Digest) handleAll(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	_, data := dialogs.ActionData(t)
	id, _ := data["id"].(string)
	if !snapshotIDRE.MatchString(id) {
		t.SendText(tx.unknownDigest)
		return nil
	}
	if !t.Admin {
		c, err := d.channel(ctx)
		if err != nil {
			return err
		}
		inChannel := !t.IsPersonal() && c.RefKey != "" &&
			storage.ConversationKey(baseConversationID(t.Activity.Conversation.ID)) == c.RefKey
		if !inChannel {
			t.SendText(tx.adminOnly)
			return nil
		}
	}
	f, ok, err := d.loadSnapshot(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		t.SendText(tx.unknownDigest)
		return nil
	}
	for _, msg := range chunk(fullText(f, textFor(d.cfg.Language)), maxMessageBytes) {
		t.SendText(msg)
	}
	return nil
}
