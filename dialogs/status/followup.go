package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"digibot/bot/turn"
	"digibot/dialogs/card"
	"digibot/storage"
)

// FollowUpStats is what a follow-up run did.
type FollowUpStats struct {
	Period      string
	Reminded    int // reminders enqueued
	Escalated   int // owners escalated (manager and/or coordinator)
	Undelivered int // nudges the connector refused, now recorded unreachable
}

// RunFollowUp handles the latest round at now: nudges the connector
// refused are recorded as unreachable; owners who have not answered get a
// reminder after ReminderAfterWorkdays working days and are escalated
// after EscalateAfterWorkdays (to their manager through the Directory
// and/or the coordinating function). Every message has a deterministic
// outbox id and is enqueued before the recipient is marked, so a repeated
// run sends nothing twice and a crashed run loses nothing.
func (s *Service) RunFollowUp(ctx context.Context, now time.Time) (FollowUpStats, error) {
	var st FollowUpStats
	rd, ok, err := s.latestRound(ctx, now)
	if err != nil || !ok {
		return st, err
	}
	st.Period = rd.Period
	coll := collRoundPrefx + rd.Period
	rcs, vers, err := s.recipients(ctx, rd.Period)
	if err != nil {
		return st, err
	}
	recs, rvers, err := s.records(ctx)
	if err != nil {
		return st, err
	}
	remindAt := s.cal.AddWorkdays(rd.Due, s.cfg.ReminderAfterWorkdays)
	escalateAt := s.cal.AddWorkdays(rd.Due, s.cfg.EscalateAfterWorkdays)
	escalating := s.cfg.EscalateTo != EscalateNone && !now.Before(escalateAt)
	toManager := s.cfg.EscalateTo == EscalateManager || s.cfg.EscalateTo == EscalateBoth
	toCoord := s.cfg.EscalateTo == EscalateCoordinator || s.cfg.EscalateTo == EscalateBoth
	var errs []error
	var coordLines []string
	type mark struct {
		i      int
		change func(*recipient)
	}
	var marks []mark
	for i, rc := range rcs {
		if rc.Unreachable != "" || len(rc.Entries) == 0 {
			continue
		}
		// A nudge the connector refused for good: the person is
		// unreachable (e.g. Digibot not installed, no Graph).
		if e, err := s.store.GetOutbox(ctx, rc.Entries[0]); err == nil && e.State == storage.OutboxFailed {
			detail := e.LastError
			marks = append(marks, mark{i, func(r *recipient) { r.Unreachable, r.Detail = ReasonDeliveryFailed, detail }})
			st.Undelivered++
			continue
		} else if err == nil && e.State != storage.OutboxDelivered {
			continue // not delivered yet: no reminder for an unseen card
		}
		missing := rc.missing(recs, rd.Due)
		if len(missing) == 0 {
			continue
		}
		if now.Before(remindAt) {
			continue
		}
		rt, err := s.reach(ctx, rc.AAD)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tx := textFor(turn.LangOf(rt.locale))
		if rc.RemindedAt.IsZero() && rt.unreachable == "" {
			base := kindReminder + ":" + rd.Period + ":" + rc.AAD
			cards := s.buildCardsFor(tx, missing, recs, rvers, base, rd.Period, tx.reminderIntro(tx.longDate(rd.Due)), true)
			okAll := true
			for j, c := range cards {
				id := base
				if j > 0 {
					id = fmt.Sprintf("%s:%d", base, j+1)
				}
				e, err := entry(id, kindReminder, rt, tx.reminderSummary, c)
				if err == nil {
					_, err = s.store.Enqueue(ctx, e)
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("status: enqueue reminder: %w", err))
					okAll = false
					break
				}
			}
			if okAll {
				st.Reminded++
				marks = append(marks, mark{i, func(r *recipient) { r.RemindedAt = now }})
			}
		}
		if !escalating || !rc.EscalatedAt.IsZero() {
			continue
		}
		var to []string
		name := rc.Name
		if name == "" {
			name = rc.AAD
		}
		if toManager {
			ok, err := s.tellManager(ctx, rd, rc, name, missing, recs)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ok {
				to = append(to, EscalateManager)
			}
		}
		// The coordinating function is told when configured, and always
		// when there is no manager to tell.
		if toCoord || (toManager && len(to) == 0) {
			coordLines = append(coordLines, fmt.Sprintf("%s – %s", card.Escape(name), strings.Join(missing, ", ")))
			to = append(to, EscalateCoordinator)
		}
		st.Escalated++
		marks = append(marks, mark{i, func(r *recipient) { r.EscalatedAt, r.EscalatedTo = now, to }})
	}
	if len(coordLines) > 0 {
		if err := s.tellCoordinators(ctx, rd, now, coordLines); err != nil {
			// Not marked: the next run tells them (same entry ids).
			errs = append(errs, err)
			marks = slices.DeleteFunc(marks, func(m mark) bool {
				var r recipient
				m.change(&r)
				return !r.EscalatedAt.IsZero()
			})
		}
	}
	for _, m := range marks {
		if err := s.markRecipient(ctx, coll, rcs[m.i], vers[m.i], m.change); err != nil {
			errs = append(errs, err)
		}
	}
	if st.Reminded+st.Escalated > 0 {
		s.kick()
	}
	s.log.Info("status: follow-up run", "period", rd.Period, "reminded", st.Reminded, "escalated", st.Escalated,
		"undelivered", st.Undelivered, "errors", len(errs))
	return st, errors.Join(errs...)
}

// tellManager sends the owner's manager a message; ok is false when there
// is no Directory or no manager (or the manager cannot be reached).
func (s *Service) tellManager(ctx context.Context, rd round, rc recipient, name string, missing []string, recs map[string]Update) (bool, error) {
	if s.dir == nil || rc.AAD == "" {
		return false, nil
	}
	mid, mname, err := s.dir.Manager(ctx, rc.AAD)
	switch {
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) || (err == nil && mid == ""):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("status: manager of %s: %w", rc.AAD, err)
	}
	mid = strings.ToLower(mid)
	rt, err := s.reach(ctx, mid)
	if err != nil {
		return false, err
	}
	if rt.unreachable != "" {
		return false, nil
	}
	tx := textFor(turn.LangOf(rt.locale))
	c := escalationCard(tx, tx.managerIntro(mname, card.Escape(name), tx.longDate(rd.Due)), s.activityLines(tx, missing, recs))
	e, err := entry(kindEscalation+":"+rd.Period+":"+rc.AAD+":manager", kindEscalation, rt, tx.escalationSummary, c)
	if err != nil {
		return false, err
	}
	if _, err := s.store.Enqueue(ctx, e); err != nil {
		return false, fmt.Errorf("status: enqueue escalation: %w", err)
	}
	return true, nil
}

// tellCoordinators sends one message per run day to the channel and each
// coordinator.
func (s *Service) tellCoordinators(ctx context.Context, rd round, now time.Time, lines []string) error {
	day := now.Format("2006-01-02")
	base := kindEscalation + ":" + rd.Period + ":coordinator:" + day
	send := func(id string, rt route) error {
		tx := textFor(turn.LangOf(rt.locale))
		c := escalationCard(tx, tx.coordinatorIntro(tx.longDate(rd.Due)), lines)
		e, err := entry(id, kindEscalation, rt, tx.escalationSummary, c)
		if err != nil {
			return err
		}
		if _, err := s.store.Enqueue(ctx, e); err != nil {
			return fmt.Errorf("status: enqueue coordinator message: %w", err)
		}
		return nil
	}
	var errs []error
	if s.cfg.CoordinatorChannel != "" {
		ref, err := s.store.GetReference(ctx, s.cfg.CoordinatorChannel)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			s.log.Warn("status: coordinator channel has no reference; is Digibot added to it?", "key", s.cfg.CoordinatorChannel)
		case err != nil:
			errs = append(errs, fmt.Errorf("status: coordinator channel: %w", err))
		default:
			errs = append(errs, send(base, route{refKey: ref.Key, locale: ref.Locale}))
		}
	}
	if len(s.cfg.Coordinators) > 0 {
		ppl, err := s.loadPeople(ctx)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, c := range s.cfg.Coordinators {
			pr, _ := normPrincipal(c)
			p, reason, err := ppl.resolve(ctx, pr, false)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if reason != "" {
				s.log.Warn("status: coordinator cannot be resolved", "reason", reason)
				continue
			}
			rt, err := s.reach(ctx, p.AAD)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if rt.unreachable != "" {
				continue
			}
			errs = append(errs, send(base+":"+p.AAD, rt))
		}
	}
	return errors.Join(errs...)
}

// activityLines names activities with their status for a message.
func (s *Service) activityLines(tx *texts, ids []string, recs map[string]Update) []string {
	var out []string
	for _, id := range ids {
		act, _ := s.reg.Get(id)
		out = append(out, fmt.Sprintf("%s %s – %s", id, card.Escape(act.Name), recs[id].Status.Label(tx.lang)))
	}
	return out
}

// markRecipient applies change to a recipient doc, re-reading on a
// concurrent change.
func (s *Service) markRecipient(ctx context.Context, coll string, rc recipient, ver int64, change func(*recipient)) error {
	for attempt := 0; ; attempt++ {
		change(&rc)
		raw, err := json.Marshal(rc)
		if err != nil {
			return err
		}
		_, err = s.store.PutDoc(ctx, coll, rc.Key, raw, ver)
		if err == nil {
			return nil
		}
		if !errors.Is(err, storage.ErrConflict) || attempt >= 4 {
			return fmt.Errorf("status: mark recipient: %w", err)
		}
		d, err := s.store.GetDoc(ctx, coll, rc.Key)
		if err != nil {
			return fmt.Errorf("status: mark recipient: %w", err)
		}
		if err := json.Unmarshal(d.Value, &rc); err != nil {
			return err
		}
		ver = d.Version
	}
}
