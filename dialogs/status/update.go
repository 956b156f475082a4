package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// current reads an activity's record and version (zero, NoVersion when it
// was never reported).
func (s *Service) current(ctx context.Context, id string) (Update, int64, error) {
	d, err := s.store.GetDoc(ctx, collStatus, id)
	if errors.Is(err, storage.ErrNotFound) {
		return Update{Activity: id}, storage.NoVersion, nil
	}
	if err != nil {
		return Update{}, 0, fmt.Errorf("status: read %s: %w", id, err)
	}
	var u Update
	if err := json.Unmarshal(d.Value, &u); err != nil {
		return Update{}, 0, fmt.Errorf("status: decode %s: %w", id, err)
	}
	return u, d.Version, nil
}

// records reads every activity's record.
func (s *Service) records(ctx context.Context) (map[string]Update, map[string]int64, error) {
	docs, err := s.store.ListDocs(ctx, collStatus)
	if err != nil {
		return nil, nil, fmt.Errorf("status: list records: %w", err)
	}
	recs, vers := map[string]Update{}, map[string]int64{}
	for _, d := range docs {
		var u Update
		if json.Unmarshal(d.Value, &u) == nil {
			recs[d.ID], vers[d.ID] = u, d.Version
		}
	}
	return recs, vers, nil
}

// save writes u if the record is still at version expect, then appends it
// to the history. storage.ErrConflict means someone updated in between
// and nothing was written.
func (s *Service) save(ctx context.Context, u Update, expect int64) (int64, error) {
	raw, err := json.Marshal(u)
	if err != nil {
		return 0, fmt.Errorf("status: encode: %w", err)
	}
	v, err := s.store.PutDoc(ctx, collStatus, u.Activity, raw, expect)
	if err != nil {
		return 0, fmt.Errorf("status: save %s: %w", u.Activity, err)
	}
	u.Version = v
	hist, _ := json.Marshal(u)
	// The record is the truth; a lost history line is logged loudly
	// rather than failing an update the user has already made.
	if _, err := s.store.AppendLog(context.WithoutCancel(ctx), logHistory, u.At, hist); err != nil {
		s.log.Error("status: history not written", "activity", u.Activity, "version", v, "err", err)
	}
	return v, nil
}

// fieldProblem is a validation failure of one activity's answer.
type fieldProblem struct {
	activity string
	what     string // status, due_invalid, due_past, too_long
	value    string
}

// checkUpdate validates u (against the current record cur) at now.
func checkUpdate(u Update, cur Update, now time.Time) *fieldProblem {
	switch {
	case !u.Status.Valid():
		return &fieldProblem{u.Activity, "status", string(u.Status)}
	case runeLen(u.Done) > maxDone || runeLen(u.Next) > maxNext || runeLen(u.HelpText) > maxHelpText:
		return &fieldProblem{activity: u.Activity, what: "too_long"}
	}
	if u.Due != "" {
		d, ok := dateOnly(u.Due)
		if !ok || d.Year() < 2000 || d.Year() > 2100 {
			return &fieldProblem{u.Activity, "due_invalid", u.Due}
		}
		// An expected completion in the past is a mistake unless the
		// activity is done, or the date is the one already recorded.
		today := now.In(schedule.Stockholm).Format(time.DateOnly)
		if u.Due < today && u.Status != Done && u.Due != cur.Due {
			return &fieldProblem{u.Activity, "due_past", u.Due}
		}
	}
	return nil
}

func runeLen(s string) int { return len([]rune(s)) }

// sameAnswer reports whether a and b carry the same answer by the same
// author (a double-clicked Send is not a conflict).
func sameAnswer(a, b Update) bool {
	return a.Author == b.Author && a.Status == b.Status && a.Done == b.Done && a.Next == b.Next &&
		a.Due == b.Due && a.Help == b.Help && a.HelpText == b.HelpText
}
