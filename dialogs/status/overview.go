package status

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"digibot/storage"
)

// Overview is the state of the follow-up for the digest.
type Overview struct {
	At         time.Time
	Round      string    // latest nudge period ("" before the first)
	RoundDue   time.Time // when it was sent
	NextNudge  time.Time
	Activities []ActivityOverview
	Counts     map[Status]int // by current status; "" = never reported
	// Missing: people nudged in the latest round who have not answered
	// for some of their activities.
	Missing []Missing
	// Unreachable: people who should have been asked and could not be.
	Unreachable []Unreachable
}

// Person is an owner or delegate as the digest shows them.
type Person struct {
	Principal string // UPN or aad:<id> as configured
	AADID     string // "" when unresolved
	Name      string
}

// ActivityOverview is one activity's current state.
type ActivityOverview struct {
	Activity   Activity
	Status     Status // "" = never reported
	Owners     []Person
	Delegate   *Person
	UpdatedAt  time.Time
	UpdatedBy  string // display name
	Due        string // expected completion, YYYY-MM-DD
	HelpNeeded bool
	HelpText   string
	Done, Next string
	// Missing: not updated since the latest round started.
	Missing bool
}

// Missing is a person who owes answers in the latest round.
type Missing struct {
	AADID, Name string
	Activities  []string
	NudgedAt    time.Time
	RemindedAt  time.Time // zero: not yet
	EscalatedAt time.Time // zero: not yet
	EscalatedTo []string
}

// Unreachable is a person Digibot could not reach, with why.
type Unreachable struct {
	Principal, AADID, Name string
	Activities             []string
	Reason                 string // Reason* code
	Detail                 string // technical detail (for administrators)
}

// Text explains the reason in lang ("sv" or "en").
func (u Unreachable) Text(lang string) string {
	tx := textFor(lang)
	if t, ok := tx.reasons[u.Reason]; ok {
		return t
	}
	return tx.reasons[""]
}

// Overview reads the current state: every activity, who owes answers in
// the latest round and who could not be reached.
func (s *Service) Overview(ctx context.Context, now time.Time) (Overview, error) {
	ov := Overview{At: now, NextNudge: s.NextNudge(now), Counts: map[Status]int{}}
	v, err := s.buildView(ctx, now, false)
	if err != nil {
		return ov, err
	}
	recs, _, err := s.records(ctx)
	if err != nil {
		return ov, err
	}
	rd, hasRound, err := s.latestRound(ctx, now)
	if err != nil {
		return ov, err
	}
	if hasRound {
		ov.Round, ov.RoundDue = rd.Period, rd.Due
	}
	for _, a := range v.acts {
		r := recs[a.act.ID]
		ao := ActivityOverview{
			Activity: a.act, Status: r.Status, UpdatedAt: r.At, UpdatedBy: r.AuthorName, Due: r.Due,
			HelpNeeded: r.Help, HelpText: r.HelpText, Done: r.Done, Next: r.Next,
			Missing: hasRound && len(a.nudge) > 0 && r.At.Before(rd.Due),
		}
		for _, p := range a.owners {
			ao.Owners = append(ao.Owners, Person{Principal: p.Principal, AADID: p.AAD, Name: p.display()})
		}
		for _, u := range a.unresolve {
			ao.Owners = append(ao.Owners, Person{Principal: u.principal, Name: u.principal})
		}
		if a.delegate != nil {
			ao.Delegate = &Person{Principal: a.delegate.Principal, AADID: a.delegate.AAD, Name: a.delegate.display()}
		}
		ov.Activities = append(ov.Activities, ao)
		ov.Counts[r.Status]++
	}
	if !hasRound {
		return ov, nil
	}
	rcs, _, err := s.recipients(ctx, rd.Period)
	if err != nil {
		return ov, err
	}
	for _, rc := range rcs {
		name := rc.Name
		if name == "" {
			name = v.names[rc.AAD]
		}
		if name == "" {
			name = rc.Principal
		}
		if name == "" {
			name = rc.AAD
		}
		unreach, detail := rc.Unreachable, rc.Detail
		if unreach == "" && len(rc.Entries) > 0 {
			// The follow-up records refused deliveries daily; the
			// digest should not wait for it.
			if e, err := s.store.GetOutbox(ctx, rc.Entries[0]); err == nil && e.State == storage.OutboxFailed {
				unreach, detail = ReasonDeliveryFailed, e.LastError
			}
		}
		if unreach != "" {
			ov.Unreachable = append(ov.Unreachable, Unreachable{Principal: rc.Principal, AADID: rc.AAD, Name: name,
				Activities: rc.Activities, Reason: unreach, Detail: detail})
			continue
		}
		if m := rc.missing(recs, rd.Due); len(m) > 0 {
			ov.Missing = append(ov.Missing, Missing{AADID: rc.AAD, Name: name, Activities: m, NudgedAt: rc.NudgedAt,
				RemindedAt: rc.RemindedAt, EscalatedAt: rc.EscalatedAt, EscalatedTo: rc.EscalatedTo})
		}
	}
	sort.Slice(ov.Missing, func(i, j int) bool { return ov.Missing[i].Name < ov.Missing[j].Name })
	sort.Slice(ov.Unreachable, func(i, j int) bool { return ov.Unreachable[i].Name < ov.Unreachable[j].Name })
	return ov, nil
}

// History is one activity's updates, oldest first.
func (s *Service) History(ctx context.Context, id string) ([]Update, error) {
	all, err := s.Changes(ctx, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	var out []Update
	for _, u := range all {
		if u.Activity == id {
			out = append(out, u)
		}
	}
	return out, nil
}

// Changes are all updates with from <= At < to (zero to: no bound),
// oldest first — for the digest's "changes since".
func (s *Service) Changes(ctx context.Context, from, to time.Time) ([]Update, error) {
	return readHistory(ctx, s.store, from, to)
}

func readHistory(ctx context.Context, st interface {
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
}, from, to time.Time) ([]Update, error) {
	es, err := st.ReadLog(ctx, logHistory, from, to, 0)
	if err != nil {
		return nil, fmt.Errorf("status: read history: %w", err)
	}
	out := make([]Update, 0, len(es))
	for _, e := range es {
		var u Update
		if json.Unmarshal(e.Data, &u) == nil && u.Activity != "" {
			out = append(out, u)
		}
	}
	return out, nil
}
