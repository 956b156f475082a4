package digest

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// build computes the figures of window w now.
func (d *Digest) build(ctx context.Context, w window) (Figures, error) {
	now := d.now()
	f := Figures{Kind: w.Kind, Period: w.Period, From: w.From, To: w.To, At: now, Since: w.From}
	// "What changed" runs from the previous digest of the same kind (an
	// on-demand digest: of any scheduled kind), so the weekly and the
	// monthly digest, due at the same minute, do not empty each other.
	var prev TrendPoint
	found := false
	if w.Kind == KindNow {
		for _, k := range []string{KindWeekly, KindMonthly} {
			p, ok, err := d.latest(ctx, k)
			if err != nil {
				return f, err
			}
			if ok && (!found || p.At.After(prev.At)) {
				prev, found = p, true
			}
		}
	} else {
		var err error
		if prev, found, err = d.previous(ctx, w.Kind, w.Period); err != nil {
			return f, err
		}
	}
	if found && prev.At.Before(now) {
		f.Since = prev.At
	}
	if d.status != nil {
		st, err := d.statusFigures(ctx, now, f.Since)
		if err != nil {
			return f, fmt.Errorf("digest: status: %w", err)
		}
		f.Status = st
	}
	if d.coaching != nil {
		c, err := d.coaching.CoachingStats(ctx, w.From, w.To)
		if err != nil {
			return f, fmt.Errorf("digest: coaching: %w", err)
		}
		c.Available = true
		f.Coaching = c
	}
	if d.questions != nil {
		q, err := d.questions.QuestionStats(ctx, w.From, w.To)
		if err != nil {
			return f, fmt.Errorf("digest: questions: %w", err)
		}
		q.Available = true
		f.Questions = q
	}
	return f, nil
}

// latest is the newest digest of kind (ok false: none).
func (d *Digest) latest(ctx context.Context, kind string) (TrendPoint, bool, error) {
	pts, err := d.Trend(ctx, kind)
	if err != nil || len(pts) == 0 {
		return TrendPoint{}, false, err
	}
	return pts[len(pts)-1], true, nil
}

// statusFigures reads the follow-up at now and what changed since.
func (d *Digest) statusFigures(ctx context.Context, now, since time.Time) (StatusFigures, error) {
	ov, err := d.status.StatusOverview(ctx, now)
	if err != nil {
		return StatusFigures{}, err
	}
	hist, err := d.status.StatusHistory(ctx, time.Time{}, now)
	if err != nil {
		return StatusFigures{}, err
	}
	name := d.names(ctx)
	for i := range ov.Missing {
		ov.Missing[i].Name = name(ov.Missing[i].Name)
	}
	for i := range ov.Unreachable {
		ov.Unreachable[i].Name = name(ov.Unreachable[i].Name)
	}
	today := now.In(schedule.Stockholm).Format(time.DateOnly)
	horizon := now.In(schedule.Stockholm).AddDate(0, 0, d.cfg.UpcomingDays).Format(time.DateOnly)
	s := StatusFigures{Available: true, Counts: map[string]int{}, Missing: ov.Missing, Unreachable: ov.Unreachable,
		Round: ov.Round, RoundDue: ov.RoundDue, NextNudge: ov.NextNudge, UpcomingDays: d.cfg.UpcomingDays}
	areaIdx := map[string]int{}
	for _, a := range ov.Activities {
		if a.Status == "" {
			a.Status = NoReport
		}
		for i, o := range a.Owners {
			a.Owners[i] = name(o)
		}
		a.Delegate = name(a.Delegate)
		a.Late = a.Due != "" && a.Due < today && a.Status != StatusDone && a.Status != StatusPaused
		s.Activities = append(s.Activities, a)
		s.Counts[a.Status]++
		i, ok := areaIdx[a.Area]
		if !ok {
			i = len(s.Areas)
			areaIdx[a.Area] = i
			s.Areas = append(s.Areas, AreaFigures{Name: a.Area, Counts: map[string]int{}})
		}
		s.Areas[i].Total++
		s.Areas[i].Counts[a.Status]++
		if a.Status == StatusAtRisk || a.Status == StatusDelayed || a.Late {
			s.AtRisk = append(s.AtRisk, a.ID)
		}
		if a.Due != "" && a.Due >= today && a.Due <= horizon && a.Status != StatusDone {
			s.Upcoming = append(s.Upcoming, a.ID)
		}
	}
	byID := map[string]ActivityFig{}
	for _, a := range s.Activities {
		byID[a.ID] = a
	}
	// Worst first: delayed, then late, then at risk; then the earliest
	// expected completion.
	severity := func(a ActivityFig) int {
		switch {
		case a.Status == StatusDelayed:
			return 0
		case a.Late:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(s.AtRisk, func(x, y string) int {
		a, b := byID[x], byID[y]
		return cmp.Or(cmp.Compare(severity(a), severity(b)), compareDue(a.Due, b.Due), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(s.Upcoming, func(x, y string) int {
		a, b := byID[x], byID[y]
		return cmp.Or(compareDue(a.Due, b.Due), cmp.Compare(a.ID, b.ID))
	})
	s.Changes = changesSince(hist, since, byID)
	return s, nil
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// names returns a function that shows a person configured as
// "aad:<object id>" (or a bare object id) by the name Teams gave Digibot
// in their chat, when it knows one: koncernledningen reads names.
func (d *Digest) names(ctx context.Context) func(string) string {
	cache := map[string]string{}
	return func(s string) string {
		id := strings.TrimPrefix(s, "aad:")
		if !guidRE.MatchString(id) {
			return s
		}
		if n, ok := cache[id]; ok {
			return n
		}
		n := s
		if r, err := d.st.GetReference(ctx, storage.UserKey(strings.ToLower(id))); err == nil && strings.TrimSpace(r.UserName) != "" {
			n = oneLine(r.UserName, 100)
		}
		cache[id] = n
		return n
	}
}

// compareDue orders dates with "no date" last.
func compareDue(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return cmp.Compare(a, b)
}

// changesSince folds the reports made since into one change per activity:
// the status before the first of them, the status after the last, newest
// first. Only activities of the register count.
func changesSince(hist []StatusReport, since time.Time, acts map[string]ActivityFig) []Change {
	before := map[string]string{}
	changes := map[string]*Change{}
	for _, r := range hist {
		if _, ok := acts[r.Activity]; !ok {
			continue
		}
		if r.At.Before(since) {
			before[r.Activity] = r.Status
			continue
		}
		c := changes[r.Activity]
		if c == nil {
			c = &Change{Activity: r.Activity, From: cmp.Or(before[r.Activity], NoReport)}
			changes[r.Activity] = c
		}
		c.To, c.At, c.By = r.Status, r.At, r.By
		c.Comment = oneLine(cmp.Or(r.HelpText, r.Done, r.Next), maxItemRunes)
	}
	out := make([]Change, 0, len(changes))
	for _, c := range changes {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.Activity, b.Activity))
	})
	return out
}

// sortTrend orders points by period.
func sortTrend(ps []TrendPoint) {
	slices.SortFunc(ps, func(a, b TrendPoint) int { return cmp.Compare(a.Period, b.Period) })
}
