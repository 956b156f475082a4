package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"digibot/bot/turn"
	"digibot/dialogs/card"
	"digibot/storage"
)

// round is one nudge period (doc "status-rounds"/<period>).
type round struct {
	Period  string    `json:"period"`
	Due     time.Time `json:"due"`
	Started time.Time `json:"started"`
}

// recipient is one person asked in a round (doc
// "status-round:<period>"/<key>).
type recipient struct {
	Key         string    `json:"key"` // AAD id, or "upn:<principal>" when unresolved
	AAD         string    `json:"aad,omitempty"`
	Principal   string    `json:"principal,omitempty"`
	Name        string    `json:"name,omitempty"`
	Activities  []string  `json:"activities"`
	Entries     []string  `json:"entries,omitempty"` // outbox entries of the nudge cards
	NudgedAt    time.Time `json:"nudged_at"`
	RemindedAt  time.Time `json:"reminded_at,omitzero"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	EscalatedTo []string  `json:"escalated_to,omitempty"`
	Unreachable string    `json:"unreachable,omitempty"` // Reason*
	Detail      string    `json:"detail,omitempty"`
}

// missing are the recipient's activities not updated since due.
func (r recipient) missing(recs map[string]Update, due time.Time) []string {
	var out []string
	for _, id := range r.Activities {
		if u, ok := recs[id]; !ok || u.At.Before(due) {
			out = append(out, id)
		}
	}
	return out
}

// NudgeStats is what a nudge run did.
type NudgeStats struct {
	Recipients  int // people asked (resolved)
	Enqueued    int // outbox entries created by this run
	AlreadyDone int // recipients an earlier (or concurrent) run handled
	Unreachable int // people recorded as unreachable
}

// nudgeWorkers bounds concurrent store and Graph calls in a run.
const nudgeWorkers = 8

// RunNudge asks everyone who answers for an activity, once per period:
// it records the round, then enqueues one card per person (deterministic
// outbox ids) and records each recipient. Running it again for the same
// period, or in two processes at once, enqueues nothing twice. Temporary
// failures (store, Graph) are returned after the rest is done, so the
// scheduler runs it again.
func (s *Service) RunNudge(ctx context.Context, period string, due time.Time) (NudgeStats, error) {
	var st NudgeStats
	raw, _ := json.Marshal(round{Period: period, Due: due, Started: s.now()})
	if _, err := s.store.PutDoc(ctx, collRounds, period, raw, storage.NoVersion); err != nil && !errors.Is(err, storage.ErrConflict) {
		return st, fmt.Errorf("status: record round %s: %w", period, err)
	}
	v, err := s.buildView(ctx, due, true)
	if err != nil {
		return st, err
	}
	recs, vers, err := s.records(ctx)
	if err != nil {
		return st, err
	}
	coll := collRoundPrefx + period
	var errs []error
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for _, e := range v.temporary {
		fail(e)
	}
	// Principals that should be asked but cannot be resolved.
	for principal, reason := range v.unresolved {
		var acts []string
		for _, a := range v.acts {
			for _, u := range a.unresolve {
				if u.principal == principal {
					acts = append(acts, a.act.ID)
				}
			}
		}
		if len(acts) == 0 {
			continue
		}
		rc := recipient{Key: "upn:" + principal, Principal: principal, Activities: acts, NudgedAt: due, Unreachable: reason}
		if err := s.putRecipient(ctx, coll, rc); err != nil {
			fail(err)
		}
		st.Unreachable++
	}
	aads := make([]string, 0, len(v.nudge))
	for aad := range v.nudge {
		aads = append(aads, aad)
	}
	sort.Strings(aads)
	st.Recipients = len(aads)
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(nudgeWorkers, len(aads)) {
		wg.Go(func() {
			for aad := range work {
				created, done, unreachable, err := s.nudgeOne(ctx, period, due, coll, aad, v, recs, vers)
				mu.Lock()
				st.Enqueued += created
				if done {
					st.AlreadyDone++
				}
				if unreachable {
					st.Unreachable++
				}
				mu.Unlock()
				if err != nil {
					fail(err)
				}
			}
		})
	}
	for _, aad := range aads {
		work <- aad
	}
	close(work)
	wg.Wait()
	if st.Enqueued > 0 {
		s.kick()
	}
	s.log.Info("status: nudge run", "period", period, "recipients", st.Recipients, "enqueued", st.Enqueued,
		"already_done", st.AlreadyDone, "unreachable", st.Unreachable, "errors", len(errs))
	return st, errors.Join(errs...)
}

// nudgeOne asks one person about their activities.
func (s *Service) nudgeOne(ctx context.Context, period string, due time.Time, coll, aad string, v *view, recs map[string]Update, vers map[string]int64) (created int, done, unreachable bool, err error) {
	if d, err := s.store.GetDoc(ctx, coll, aad); err == nil {
		var rc recipient
		if json.Unmarshal(d.Value, &rc) == nil && len(rc.Entries) > 0 {
			return 0, true, false, nil
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return 0, false, false, fmt.Errorf("status: read recipient: %w", err)
	}
	var ids []string
	for _, a := range v.nudge[aad] {
		ids = append(ids, a.act.ID)
	}
	rc := recipient{Key: aad, AAD: aad, Name: v.names[aad], Activities: ids, NudgedAt: due}
	rt, err := s.reach(ctx, aad)
	if err != nil {
		rc.Unreachable, rc.Detail = ReasonDirectoryError, err.Error()
		if perr := s.putRecipient(ctx, coll, rc); perr != nil {
			s.log.Warn("status: record recipient", "err", perr)
		}
		return 0, false, true, err
	}
	if rt.unreachable != "" {
		rc.Unreachable, rc.Detail = rt.unreachable, rt.detail
		return 0, false, true, s.putRecipient(ctx, coll, rc)
	}
	if rc.Name == "" {
		rc.Name = rt.name
	}
	tx := textFor(turn.LangOf(rt.locale))
	remindOn := tx.longDate(s.cal.AddWorkdays(due, s.cfg.ReminderAfterWorkdays))
	base := kindNudge + ":" + period + ":" + aad
	for i, c := range s.buildCardsFor(tx, ids, recs, vers, base, period, tx.cardIntro(remindOn), false) {
		id := base
		if i > 0 {
			id = fmt.Sprintf("%s:%d", base, i+1)
		}
		e, err := entry(id, kindNudge, rt, tx.nudgeSummary, c)
		if err != nil {
			return created, false, false, err
		}
		ok, err := s.store.Enqueue(ctx, e)
		if err != nil {
			return created, false, false, fmt.Errorf("status: enqueue nudge: %w", err)
		}
		if ok {
			created++
		}
		rc.Entries = append(rc.Entries, id)
	}
	return created, false, false, s.putRecipient(ctx, coll, rc)
}

// buildCardsFor builds the cards of one message, each naming the outbox
// entry that carries it (so an Action.Submit receipt can replace it).
// An empty base names no entry (cards sent as replies).
func (s *Service) buildCardsFor(tx *texts, ids []string, recs map[string]Update, vers map[string]int64, base, period, intro string, remind bool) []card.Element {
	var out []card.Element
	for start, i := 0, 0; start < len(ids); start, i = start+maxPerCard, i+1 {
		entryID := base
		if i > 0 && base != "" {
			entryID = fmt.Sprintf("%s:%d", base, i+1)
		}
		var items []cardItem
		for _, id := range ids[start:min(start+maxPerCard, len(ids))] {
			act, _ := s.reg.Get(id)
			items = append(items, cardItem{act: act, cur: recs[id], version: vers[id]})
		}
		out = append(out, editCard(tx, items, cardOpts{intro: intro, entry: entryID, round: period, remind: remind}))
	}
	return out
}

// putRecipient records a recipient. A recipient already nudged is kept
// (another run got there first); an unreachable record may be replaced.
func (s *Service) putRecipient(ctx context.Context, coll string, rc recipient) error {
	raw, err := json.Marshal(rc)
	if err != nil {
		return err
	}
	expect := storage.NoVersion
	d, err := s.store.GetDoc(ctx, coll, rc.Key)
	switch {
	case err == nil:
		var old recipient
		if json.Unmarshal(d.Value, &old) == nil && len(old.Entries) > 0 {
			return nil
		}
		expect = d.Version
	case !errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("status: read recipient: %w", err)
	}
	if _, err := s.store.PutDoc(ctx, coll, rc.Key, raw, expect); err != nil && !errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("status: record recipient: %w", err)
	}
	return nil
}

// latestRound is the newest round that started at or before now.
func (s *Service) latestRound(ctx context.Context, now time.Time) (round, bool, error) {
	docs, err := s.store.ListDocs(ctx, collRounds)
	if err != nil {
		return round{}, false, fmt.Errorf("status: list rounds: %w", err)
	}
	var best round
	found := false
	for _, d := range docs {
		var r round
		if json.Unmarshal(d.Value, &r) != nil || r.Due.After(now) {
			continue
		}
		if !found || r.Due.After(best.Due) {
			best, found = r, true
		}
	}
	return best, found, nil
}

// recipients of a round.
func (s *Service) recipients(ctx context.Context, period string) ([]recipient, []int64, error) {
	docs, err := s.store.ListDocs(ctx, collRoundPrefx+period)
	if err != nil {
		return nil, nil, fmt.Errorf("status: list recipients: %w", err)
	}
	var out []recipient
	var vers []int64
	for _, d := range docs {
		var rc recipient
		if json.Unmarshal(d.Value, &rc) == nil {
			out = append(out, rc)
			vers = append(vers, d.Version)
		}
	}
	return out, vers, nil
}
