package status

// Chat commands that change who answers for an activity: owners
// (administrators), delegation and deputies (owners).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"digibot/bot/schedule"
	"digibot/bot/turn"
	"digibot/storage"
)

// handleOwner: "ägare A12" lists; "ägare A12 anna@…" (administrators) adds.
func (s *Service) handleOwner(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	f := strings.Fields(args(t, "ägare", "agare", "owner", "owners"))
	if len(f) == 0 {
		t.SendText(tx.ownerUsage)
		return nil
	}
	id, ok := CanonicalID(strings.TrimRight(f[0], ":,"))
	if _, known := s.reg.Get(id); !ok || !known {
		t.SendText(tx.unknownActivity(f[0]))
		return nil
	}
	if len(f) == 1 {
		return s.sendOwners(ctx, t, id)
	}
	if !t.Admin {
		t.SendText(tx.adminOnly)
		return nil
	}
	add, msg := s.principals(ctx, tx, f[1:])
	if msg != "" {
		t.SendText(msg)
		return nil
	}
	err := s.changeOwnership(ctx, id, t, func(o *ownership) {
		for _, p := range add {
			o.Removed = slices.DeleteFunc(o.Removed, func(x string) bool { return x == p })
			if !slices.Contains(s.owners[id], p) && !slices.Contains(o.Added, p) {
				o.Added = append(o.Added, p)
			}
		}
	}, "owner_add", add)
	if err != nil {
		return err
	}
	return s.sendOwners(ctx, t, id)
}

// handleRemoveOwner: "ta bort ägare A12 anna@…" (administrators).
func (s *Service) handleRemoveOwner(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	if !t.Admin {
		t.SendText(tx.adminOnly)
		return nil
	}
	f := strings.Fields(args(t, "ta bort ägare", "ta bort agare", "remove owner"))
	if len(f) < 2 {
		t.SendText(tx.ownerUsage)
		return nil
	}
	id, ok := CanonicalID(strings.TrimRight(f[0], ":,"))
	if _, known := s.reg.Get(id); !ok || !known {
		t.SendText(tx.unknownActivity(f[0]))
		return nil
	}
	var rm []string
	for _, w := range f[1:] {
		p, err := normPrincipal(w)
		if err != nil {
			t.SendText(tx.badPerson(w))
			return nil
		}
		rm = append(rm, p)
	}
	d, _, err := s.ownership(ctx, id)
	if err != nil {
		return err
	}
	cur := s.ownersOf(id, d)
	for _, p := range rm {
		if !slices.Contains(cur, p) {
			t.SendText(tx.notAnOwner(p, id))
			return nil
		}
	}
	err = s.changeOwnership(ctx, id, t, func(o *ownership) {
		for _, p := range rm {
			o.Added = slices.DeleteFunc(o.Added, func(x string) bool { return x == p })
			if slices.Contains(s.owners[id], p) && !slices.Contains(o.Removed, p) {
				o.Removed = append(o.Removed, p)
			}
		}
	}, "owner_remove", rm)
	if err != nil {
		return err
	}
	return s.sendOwners(ctx, t, id)
}

// handleDelegate: "delegera A12 till bertil@…" (owner or administrator).
func (s *Service) handleDelegate(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	f := strings.Fields(args(t, "delegera", "delegate"))
	if len(f) >= 2 && (fold(f[1]) == "till" || fold(f[1]) == "to") {
		f = append(f[:1], f[2:]...)
	}
	if len(f) != 2 {
		t.SendText(tx.delegateUsage)
		return nil
	}
	id, ok := CanonicalID(strings.TrimRight(f[0], ":,"))
	if _, known := s.reg.Get(id); !ok || !known {
		t.SendText(tx.unknownActivity(f[0]))
		return nil
	}
	if ok, err := s.isOwner(ctx, t, id); err != nil || !ok {
		if err == nil {
			t.SendText(tx.onlyOwnerDelegates(id))
		}
		return err
	}
	ps, msg := s.principals(ctx, tx, f[1:])
	if msg != "" {
		t.SendText(msg)
		return nil
	}
	err := s.changeOwnership(ctx, id, t, func(o *ownership) {
		o.Delegate, o.DelegatedBy = ps[0], senderAAD(t)
	}, "delegate", ps)
	if err != nil {
		return err
	}
	t.SendText(tx.delegated(ps[0], id))
	return nil
}

// handleReclaim: "återta A12" ends a delegation.
func (s *Service) handleReclaim(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	f := strings.Fields(args(t, "återta", "aterta", "reclaim"))
	if len(f) != 1 {
		t.SendText(tx.delegateUsage)
		return nil
	}
	id, ok := CanonicalID(strings.TrimRight(f[0], ":,"))
	if _, known := s.reg.Get(id); !ok || !known {
		t.SendText(tx.unknownActivity(f[0]))
		return nil
	}
	if ok, err := s.isOwner(ctx, t, id); err != nil || !ok {
		if err == nil {
			t.SendText(tx.onlyOwnerDelegates(id))
		}
		return err
	}
	if err := s.changeOwnership(ctx, id, t, func(o *ownership) { o.Delegate, o.DelegatedBy = "", "" }, "reclaim", nil); err != nil {
		return err
	}
	t.SendText(tx.reclaimed(id))
	return nil
}

// isOwner: the sender owns id (not as delegate or deputy), or is admin.
func (s *Service) isOwner(ctx context.Context, t *turn.Turn, id string) (bool, error) {
	if t.Admin {
		return true, nil
	}
	v, err := s.buildView(ctx, s.now(), false)
	if err != nil {
		return false, err
	}
	return v.role(senderAAD(t), id) == "owner", nil
}

// handleDeputy: "ersättare bertil@… till 2026-12-24" names a deputy for
// all the sender's activities; "ersättare bort" ends it.
func (s *Service) handleDeputy(ctx context.Context, t *turn.Turn) error {
	tx := textFor(t.Lang())
	now := s.now()
	aad := senderAAD(t)
	f := strings.Fields(args(t, "ersättare", "ersattare", "deputy"))
	if aad == "" || len(f) == 0 {
		t.SendText(tx.deputyUsage)
		return nil
	}
	v, err := s.buildView(ctx, now, false)
	if err != nil {
		return err
	}
	owns := false
	for _, a := range v.acts {
		if a.may[aad] == "owner" {
			owns = true
		}
	}
	if !owns {
		t.SendText(tx.deputyOnlyOwners)
		return nil
	}
	if len(f) == 1 && (fold(f[0]) == "bort" || fold(f[0]) == "ingen" || fold(f[0]) == "none" || fold(f[0]) == "off") {
		dp := deputy{At: now, By: aad}
		if err := s.putDeputy(ctx, aad, dp); err != nil {
			return err
		}
		s.audit(ctx, t, "deputy_end", "", nil, "")
		t.SendText(tx.deputyEnded)
		return nil
	}
	if len(f) < 2 {
		t.SendText(tx.deputyUsage)
		return nil
	}
	// "bertil@… till 2026-12-24" or "… till 24 december 2026"
	toks := tokenize(strings.Join(f[1:], " "))
	for len(toks) > 0 && strongDateKeywords[toks[0].f] {
		toks = toks[1:]
	}
	until, n, ok, _ := parseDate(toks)
	if !ok || n != len(toks) {
		t.SendText(tx.badDate("", strings.Join(f[1:], " ")))
		return nil
	}
	today := now.In(schedule.Stockholm).Format(time.DateOnly)
	limit := now.In(schedule.Stockholm).AddDate(1, 0, 0).Format(time.DateOnly)
	if until < today || until > limit {
		t.SendText(tx.deputyRange)
		return nil
	}
	ps, msg := s.principals(ctx, tx, f[:1])
	if msg != "" {
		t.SendText(msg)
		return nil
	}
	if err := s.putDeputy(ctx, aad, deputy{Deputy: ps[0], Until: until, At: now, By: aad}); err != nil {
		return err
	}
	s.audit(ctx, t, "deputy", "", ps, until)
	t.SendText(tx.deputySet(ps[0], tx.dueDate(until)))
	return nil
}

func (s *Service) putDeputy(ctx context.Context, aad string, dp deputy) error {
	raw, err := json.Marshal(dp)
	if err != nil {
		return err
	}
	if _, err := s.store.PutDoc(ctx, collDeputies, aad, raw, storage.AnyVersion); err != nil {
		return fmt.Errorf("status: save deputy: %w", err)
	}
	return nil
}

// principals checks typed people (and that Graph knows them, when
// configured). msg is the user-facing problem, if any.
func (s *Service) principals(ctx context.Context, tx *texts, words []string) ([]string, string) {
	var out []string
	ppl, err := s.loadPeople(ctx)
	if err != nil {
		return nil, tx.tryLater
	}
	for _, w := range words {
		p, err := normPrincipal(strings.TrimRight(w, ",;."))
		if err != nil {
			return nil, tx.badPerson(w)
		}
		if s.dir != nil && !strings.HasPrefix(p, "aad:") {
			_, reason, err := ppl.resolve(ctx, p, false)
			if err != nil {
				return nil, tx.tryLater
			}
			if reason != "" {
				return nil, tx.notInDirectory(p)
			}
		}
		out = append(out, p)
	}
	return out, ""
}

func (s *Service) ownership(ctx context.Context, id string) (ownership, int64, error) {
	d, err := s.store.GetDoc(ctx, collOwners, id)
	if errors.Is(err, storage.ErrNotFound) {
		return ownership{}, storage.NoVersion, nil
	}
	if err != nil {
		return ownership{}, 0, fmt.Errorf("status: read owners: %w", err)
	}
	var o ownership
	if err := json.Unmarshal(d.Value, &o); err != nil {
		return ownership{}, 0, fmt.Errorf("status: decode owners of %s: %w", id, err)
	}
	return o, d.Version, nil
}

// changeOwnership applies change to the ownership doc (retrying on a
// concurrent change) and records it in the audit log.
func (s *Service) changeOwnership(ctx context.Context, id string, t *turn.Turn, change func(*ownership), action string, who []string) error {
	for attempt := 0; ; attempt++ {
		o, ver, err := s.ownership(ctx, id)
		if err != nil {
			return err
		}
		change(&o)
		o.At, o.By = s.now(), senderAAD(t)
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		_, err = s.store.PutDoc(ctx, collOwners, id, raw, ver)
		if errors.Is(err, storage.ErrConflict) && attempt < 4 {
			continue
		}
		if err != nil {
			return fmt.Errorf("status: save owners of %s: %w", id, err)
		}
		s.audit(ctx, t, action, id, who, "")
		return nil
	}
}

// audit records an ownership change.
func (s *Service) audit(ctx context.Context, t *turn.Turn, action, activity string, who []string, until string) {
	raw, _ := json.Marshal(map[string]any{
		"at": s.now(), "by": senderAAD(t), "by_name": senderName(t), "admin": t.Admin,
		"action": action, "activity": activity, "people": who, "until": until,
	})
	if _, err := s.store.AppendLog(ctx, logAudit, s.now(), raw); err != nil {
		s.log.Error("status: audit not written", "action", action, "err", err)
	}
}

// sendOwners lists who answers for id.
func (s *Service) sendOwners(ctx context.Context, t *turn.Turn, id string) error {
	tx := textFor(t.Lang())
	v, err := s.buildView(ctx, s.now(), false)
	if err != nil {
		return err
	}
	a := v.byID[id]
	var names []string
	for _, p := range a.owners {
		n := p.display()
		if p.Principal != "" && p.Principal != n {
			n += " (" + p.Principal + ")"
		}
		if d, ok := a.deputies[p.AAD]; ok {
			n += " – " + tx.deputyNote(d.display())
		}
		names = append(names, n)
	}
	for _, u := range a.unresolve {
		names = append(names, u.principal+" – "+Unreachable{Reason: u.reason}.Text(tx.lang))
	}
	msg := tx.ownersOf(id, names)
	if a.delegate != nil {
		msg += "\n\n" + tx.delegatedTo(a.delegate.display())
	}
	t.SendText(msg)
	return nil
}
