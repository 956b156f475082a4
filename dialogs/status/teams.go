package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/turn"
	"digibot/dialogs"
	"digibot/dialogs/card"
	"digibot/storage"
)

// Register adds the status commands and card actions to r. Typed updates
// that start with an activity id and a space ("A12 klar") are routed here
// too; Intercept catches the other spellings ("a12: klar").
func (s *Service) Register(r *dialogs.Router) {
	h := func(f func(context.Context, *turn.Turn) error) turn.Handler { return turn.HandlerFunc(f) }
	r.Command(h(s.handleStatus), "status", "min status", "my status")
	r.Command(h(s.handleNext), "nästa påminnelse", "nasta paminnelse", "nästa statusfråga", "next reminder")
	r.Command(h(s.handleOwner), "ägare", "agare", "owner", "owners")
	r.Command(h(s.handleRemoveOwner), "ta bort ägare", "ta bort agare", "remove owner")
	r.Command(h(s.handleDelegate), "delegera", "delegate")
	r.Command(h(s.handleReclaim), "återta", "aterta", "reclaim")
	r.Command(h(s.handleDeputy), "ersättare", "ersattare", "deputy")
	for _, a := range s.reg.list {
		n := strings.TrimLeft(a.ID[1:], "0")
		r.Command(h(s.handleActivityText), "a"+n, "a0"+n, strings.ToLower(a.ID))
	}
	r.Action(ActionSubmit, h(s.handleSubmit))
	r.Action(ActionCard, h(s.handleCardAction))
}

// Intercept wraps the router so that any message that reads as a status
// update ("a12: pågår med risk – …") is handled here before the other
// capabilities see it; everything else goes to next.
func (s *Service) Intercept(next turn.Handler) turn.Handler {
	return turn.HandlerFunc(func(ctx context.Context, t *turn.Turn) error {
		if t.Activity.Type == schema.Message && t.Value() == nil {
			if ups, ok, err := parseUpdates(t.Text()); ok || err != nil {
				return s.applyText(ctx, t, ups, err)
			}
		}
		return next.HandleTurn(ctx, t)
	})
}

// args returns the text after the first len(phrase) words.
func args(t *turn.Turn, phrases ...string) string {
	text := t.Text()
	words := strings.Fields(strings.ToLower(text))
	best := 0
	for _, p := range phrases {
		pw := strings.Fields(p)
		if len(pw) > best && len(words) >= len(pw) {
			match := true
			for i := range pw {
				if strings.TrimRight(words[i], "!?.,;:") != pw[i] {
					match = false
					break
				}
			}
			if match {
				best = len(pw)
			}
		}
	}
	return strings.TrimSpace(dialogs.Args(text, strings.Repeat("x ", best)))
}

func senderAAD(t *turn.Turn) string { return strings.ToLower(strings.TrimSpace(t.UserAADID())) }

// senderName is the sender's display name, bounded (it goes into the
// history).
func senderName(t *turn.Turn) string {
	n := []rune(strings.TrimSpace(t.Activity.From.Name))
	if len(n) > 120 {
		n = n[:120]
	}
	return string(n)
}

// handleStatus: "status" (my card), "status A12" (timeline), "status A12
// klar …" (update), "status översikt" (administrators).
func (s *Service) handleStatus(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	a := args(t, "status", "min status", "my status")
	switch f := fold(a); {
	case a == "":
		return s.sendMyCards(ctx, t, nil)
	case f == "oversikt" || f == "overview" || f == "alla" || f == "all":
		if !t.Admin {
			t.SendText(tx.adminOnly)
			return nil
		}
		ov, err := s.Overview(ctx, s.now())
		if err != nil {
			return err
		}
		t.SendCard(overviewCard(tx, ov))
		return nil
	case f == "export":
		t.SendText(tx.exportHint)
		return nil
	}
	first := strings.Fields(a)[0]
	if id, ok := CanonicalID(strings.TrimRight(first, ":,.")); ok {
		if ups, ok, err := parseUpdates(a); ok || err != nil {
			return s.applyText(ctx, t, ups, err)
		}
		return s.sendTimeline(ctx, t, id, len(strings.Fields(a)) > 1)
	}
	t.SendText(tx.statusUsage)
	return nil
}

// handleActivityText: a message starting with an activity id.
func (s *Service) handleActivityText(ctx context.Context, t *turn.Turn) error {
	text := t.Text()
	if ups, ok, err := parseUpdates(text); ok || err != nil {
		return s.applyText(ctx, t, ups, err)
	}
	id, _ := CanonicalID(strings.TrimRight(strings.Fields(text)[0], ":,."))
	return s.sendTimeline(ctx, t, id, len(strings.Fields(text)) > 1)
}

// sendTimeline shows one activity; hint adds how to type an update (the
// user wrote more than the id but no status was recognised).
func (s *Service) sendTimeline(ctx context.Context, t *turn.Turn, id string, hint bool) error {
	tx := textFor(t.Lang())
	if _, ok := s.reg.Get(id); !ok {
		t.SendText(tx.unknownActivity(id))
		return nil
	}
	v, err := s.buildView(ctx, s.now(), false)
	if err != nil {
		return err
	}
	cur, _, err := s.current(ctx, id)
	if err != nil {
		return err
	}
	hist, err := s.History(ctx, id)
	if err != nil {
		return err
	}
	if hint {
		t.SendText(tx.updateHint(id))
	}
	can := t.Admin || v.role(senderAAD(t), id) != ""
	t.SendCard(timelineCard(tx, v.byID[id], cur, hist, can))
	return nil
}

// sendMyCards sends the sender's editable cards: for the given activities
// (card action), or all they answer for. In an invoke the (first) card is
// the response, replacing the card that was clicked.
func (s *Service) sendMyCards(ctx context.Context, t *turn.Turn, only []string) error {
	tx := textFor(t.Lang())
	aad := senderAAD(t)
	v, err := s.buildView(ctx, s.now(), false)
	if err != nil {
		return err
	}
	var ids []string
	if only != nil {
		for _, id := range only {
			if _, ok := v.byID[id]; ok && (t.Admin || v.role(aad, id) != "") {
				ids = append(ids, id)
			}
		}
	} else {
		for _, a := range v.mine(aad) {
			ids = append(ids, a.act.ID)
		}
	}
	if len(ids) == 0 {
		msg := tx.noActivities
		if t.Admin {
			msg += " " + tx.adminHint
		}
		s.reply(t, msg)
		return nil
	}
	recs, vers, err := s.records(ctx)
	if err != nil {
		return err
	}
	cards := s.buildCardsFor(tx, ids, recs, vers, "", "", tx.cardIntroManual, false)
	if t.Activity.Type == schema.Invoke {
		respondCard(t, cards[0])
		return nil
	}
	for _, c := range cards {
		t.SendCard(c)
	}
	return nil
}

// handleCardAction shows an editable card again ("Ändra igen", "Uppdatera").
func (s *Service) handleCardAction(ctx context.Context, t *turn.Turn) error {
	_, data := dialogs.ActionData(t)
	var ids []string
	raw, _ := data["activities"].(string)
	for _, p := range strings.Split(raw, ",") {
		if id, ok := CanonicalID(p); ok && !slices.Contains(ids, id) && len(ids) < 50 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return s.sendMyCards(ctx, t, nil)
	}
	return s.sendMyCards(ctx, t, ids)
}

// handleSubmit saves a card: validates every activity on it, checks that
// the sender may update them, then writes each one expecting the version
// the card was built from. A stale activity is reported and left alone.
func (s *Service) handleSubmit(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	_, data := dialogs.ActionData(t)
	versions, ok := cardVersions(data)
	for id := range versions {
		if _, known := s.reg.Get(id); !known {
			ok = false
		}
	}
	if !ok {
		s.reply(t, tx.badSubmission)
		return nil
	}
	now := s.now()
	aad := senderAAD(t)
	v, err := s.buildView(ctx, now, false)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(versions))
	for id := range versions {
		ids = append(ids, id)
	}
	sortIDs(ids)
	var denied []string
	for _, id := range ids {
		if !t.Admin && v.role(aad, id) == "" {
			denied = append(denied, id)
		}
	}
	if len(denied) > 0 {
		s.reply(t, tx.notOwner(strings.Join(denied, ", ")))
		return nil
	}
	ups := make([]Update, 0, len(ids))
	curs := map[string]Update{}
	var problems []string
	for _, id := range ids {
		cur, _, err := s.current(ctx, id)
		if err != nil {
			return err
		}
		curs[id] = cur
		u := Update{
			At: now, Activity: id, Author: aad, AuthorName: senderName(t),
			Status:   Status(dataString(data, inputID(id, "status"))),
			Done:     dataString(data, inputID(id, "done")),
			Next:     dataString(data, inputID(id, "next")),
			Due:      dataString(data, inputID(id, "due")),
			Help:     dataString(data, inputID(id, "help")) == "true",
			HelpText: dataString(data, inputID(id, "help_text")),
			Via:      ViaCard,
		}
		if v.role(aad, id) == "" {
			u.Via = ViaAdmin
		}
		if !u.Help {
			u.HelpText = ""
		}
		if p := checkUpdate(u, cur, now); p != nil {
			problems = append(problems, tx.problem(*p))
		}
		ups = append(ups, u)
	}
	if len(problems) > 0 {
		// Nothing is saved; the card comes back with what was typed and
		// the versions it had, so a later Send is still checked.
		var items []cardItem
		for _, u := range ups {
			act, _ := s.reg.Get(u.Activity)
			d := u
			items = append(items, cardItem{act: act, cur: curs[u.Activity], version: versions[u.Activity], draft: &d})
		}
		o := cardOpts{errs: problems, entry: dataString(data, "entry"), round: dataString(data, "round")}
		c := editCard(tx, items, o)
		if t.Activity.Type == schema.Invoke {
			respondCard(t, c)
		} else {
			t.SendText(strings.Join(problems, "\n\n"))
		}
		return nil
	}
	var saved []Update
	var stale []string
	acts := map[string]Activity{}
	for _, u := range ups {
		act, _ := s.reg.Get(u.Activity)
		acts[u.Activity] = act
		_, err := s.save(ctx, u, versions[u.Activity])
		if errors.Is(err, storage.ErrConflict) {
			cur, _, rerr := s.current(ctx, u.Activity)
			if rerr == nil && sameAnswer(cur, u) {
				saved = append(saved, cur) // the same Send twice
				continue
			}
			stale = append(stale, tx.stale(u.Activity, cur.AuthorName, tx.dateTime(cur.At)))
			continue
		}
		if err != nil {
			return err
		}
		saved = append(saved, u)
	}
	receipt := receiptCard(tx, acts, saved, stale)
	if t.Activity.Type == schema.Invoke {
		respondCard(t, receipt)
		return nil
	}
	// Action.Submit (older clients): the receipt replaces the nudge card
	// through the outbox when the card names its entry, else it is a reply.
	if entryID := dataString(data, "entry"); entryID != "" && len(saved) > 0 {
		if err := s.replaceCard(ctx, entryID, receipt, ups); err == nil {
			if len(stale) > 0 {
				t.SendText(strings.Join(stale, "\n\n"))
			}
			return nil
		}
	}
	t.SendCard(receipt)
	return nil
}

// replaceCard queues an update of the delivered nudge card.
func (s *Service) replaceCard(ctx context.Context, entryID string, receipt card.Element, ups []Update) error {
	orig, err := s.store.GetOutbox(ctx, entryID)
	if err != nil || orig.State != storage.OutboxDelivered || !strings.HasPrefix(entryID, "status-") {
		return errors.New("status: card to replace not delivered")
	}
	var key []string
	for _, u := range ups {
		key = append(key, u.Activity+"@"+u.At.UTC().Format("20060102T150405.000"))
	}
	e, err := entry(kindReceipt+":"+entryID+":"+strings.Join(key, ","), kindReceipt, route{}, "", receipt)
	if err != nil {
		return err
	}
	e.UpdateOf = entryID
	if _, err := s.store.Enqueue(ctx, e); err != nil {
		return err
	}
	s.kick()
	return nil
}

// cardVersions reads the card's {"versions": {"A12": "3"}}.
func cardVersions(data map[string]any) (map[string]int64, bool) {
	raw, ok := data["versions"].(map[string]any)
	if !ok || len(raw) == 0 || len(raw) > 50 {
		return nil, false
	}
	out := map[string]int64{}
	for k, v := range raw {
		id, ok := CanonicalID(k)
		if !ok {
			return nil, false
		}
		var n int64
		switch x := v.(type) {
		case string:
			p, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, false
			}
			n = p
		case float64:
			n = int64(x)
		default:
			return nil, false
		}
		if n < 0 {
			return nil, false
		}
		out[id] = n
	}
	return out, true
}

// dataString is a trimmed string field of card data, "" if absent.
func dataString(data map[string]any, key string) string {
	switch v := data[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// applyText saves typed updates: all or nothing for permissions and
// dates; each activity is then written against its latest version (a
// typed update is always meant for the current state).
func (s *Service) applyText(ctx context.Context, t *turn.Turn, ups []textUpdate, perr error) error {
	tx := textFor(t.Lang())
	var pe *parseError
	if errors.As(perr, &pe) {
		t.SendText(tx.badDate(pe.Activity, pe.Value))
		return nil
	}
	now := s.now()
	aad := senderAAD(t)
	v, err := s.buildView(ctx, now, false)
	if err != nil {
		return err
	}
	var problems []string
	for _, u := range ups {
		if _, ok := s.reg.Get(u.Activity); !ok {
			problems = append(problems, tx.unknownActivity(u.Activity))
		} else if !t.Admin && v.role(aad, u.Activity) == "" {
			problems = append(problems, tx.notOwner(u.Activity))
		}
	}
	if len(problems) > 0 {
		t.SendText(strings.Join(problems, "\n\n"))
		return nil
	}
	type pending struct {
		u      Update
		expect int64
	}
	var todo []pending
	for _, tu := range ups {
		cur, ver, err := s.current(ctx, tu.Activity)
		if err != nil {
			return err
		}
		u := merge(cur, tu)
		u.At, u.Author, u.AuthorName, u.Via = now, aad, senderName(t), ViaText
		if v.role(aad, tu.Activity) == "" {
			u.Via = ViaAdmin
		}
		if p := checkUpdate(u, cur, now); p != nil {
			problems = append(problems, tx.problem(*p))
		}
		todo = append(todo, pending{u, ver})
	}
	if len(problems) > 0 {
		t.SendText(strings.Join(problems, "\n\n"))
		return nil
	}
	var lines []string
	for _, p := range todo {
		u := p.u
		for attempt := 0; ; attempt++ {
			_, err := s.save(ctx, u, p.expect)
			if err == nil {
				break
			}
			if !errors.Is(err, storage.ErrConflict) || attempt >= 4 {
				return err
			}
			// Someone saved meanwhile: apply the typed change to theirs.
			cur, ver, err := s.current(ctx, u.Activity)
			if err != nil {
				return err
			}
			var tu textUpdate
			for _, x := range ups {
				if x.Activity == u.Activity {
					tu = x
				}
			}
			nu := merge(cur, tu)
			nu.At, nu.Author, nu.AuthorName, nu.Via = u.At, u.Author, u.AuthorName, u.Via
			u, p.expect = nu, ver
		}
		lines = append(lines, tx.savedLine(u))
	}
	t.SendText(tx.savedText(lines))
	return nil
}

// merge applies a typed update to the current record: given fields
// replace, the rest stays. "Klar" without a word about help clears the
// help flag.
func merge(cur Update, tu textUpdate) Update {
	u := cur
	u.Activity = tu.Activity
	u.Status = tu.Status
	if tu.Due != "" {
		u.Due = tu.Due
	}
	if tu.Done != "" {
		u.Done = tu.Done
	}
	if tu.Next != "" {
		u.Next = tu.Next
	}
	switch {
	case tu.Help:
		u.Help, u.HelpText = true, tu.HelpText
	case tu.Status == Done:
		u.Help, u.HelpText = false, ""
	}
	u.Version = 0
	return u
}

// handleNext: "nästa påminnelse".
func (s *Service) handleNext(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	now := s.now()
	msg := tx.nextNudge(tx.longDateTime(s.NextNudge(now)))
	if extra, err := s.personalReminder(ctx, tx, senderAAD(t), now); err != nil {
		return err
	} else if extra != "" {
		msg += "\n\n" + extra
	}
	t.SendText(msg)
	return nil
}

// personalReminder says when the sender gets a reminder in the current
// round, if they still owe answers.
func (s *Service) personalReminder(ctx context.Context, tx *texts, aad string, now time.Time) (string, error) {
	if aad == "" {
		return "", nil
	}
	rd, ok, err := s.latestRound(ctx, now)
	if err != nil || !ok {
		return "", err
	}
	d, err := s.store.GetDoc(ctx, collRoundPrefx+rd.Period, aad)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("status: read round: %w", err)
	}
	var rc recipient
	if json.Unmarshal(d.Value, &rc) != nil {
		return "", nil
	}
	recs, _, err := s.records(ctx)
	if err != nil {
		return "", err
	}
	missing := rc.missing(recs, rd.Due)
	if len(missing) == 0 {
		return "", nil
	}
	if !rc.RemindedAt.IsZero() {
		return tx.stillMissing(strings.Join(missing, ", ")), nil
	}
	return tx.reminderOn(strings.Join(missing, ", "), tx.longDateTime(s.cal.AddWorkdays(rd.Due, s.cfg.ReminderAfterWorkdays))), nil
}

// reply answers in the way the turn allows: an invoke gets a message
// response (the card stays), a message gets a text reply.
func (s *Service) reply(t *turn.Turn, text string) {
	if t.Activity.Type == schema.Invoke {
		t.Respond(http.StatusOK, map[string]any{"statusCode": http.StatusOK, "type": "application/vnd.microsoft.activity.message", "value": text})
		return
	}
	t.SendText(text)
}

// respondCard makes an Action.Execute replace the card with c.
func respondCard(t *turn.Turn, c card.Element) {
	t.Respond(http.StatusOK, map[string]any{"statusCode": http.StatusOK, "type": turn.AdaptiveCardContentType, "value": c})
}

func contains(ids []string, id string) bool { return slices.Contains(ids, id) }

// sortIDs orders activity ids by number (A2 before A10).
func sortIDs(ids []string) {
	num := func(id string) int { n, _ := strconv.Atoi(strings.TrimLeft(id[1:], "0")); return n }
	sort.SliceStable(ids, func(i, j int) bool { return num(ids[i]) < num(ids[j]) })
}
