// Package digest posts koncernledningen's picture of the digital
// transformation to their Teams channel: status per förflyttning, what
// changed since the last digest, activities at risk or late, missing
// updates and unreachable owners, upcoming completion dates, the IT
// coaching and the questions asked to Digibot (with the knowledge gaps).
//
// A weekly digest and a monthly summary run on schedules (Europe/Stockholm,
// moved past Swedish holidays); an administrator picks the channel with
// "digest här" and can post at once with "digest nu". Each digest is
// computed once per period and stored as a snapshot before it is posted;
// the post is one outbox entry whose id names the period, so restarts and
// several replicas post it once. The snapshots give "what changed", the
// trend, and the annual report (`digibot report`).
package digest

// The README's screenshot of the digest: the seeded store's weekly card,
// rendered by the official Adaptive Cards renderer in headless Chromium.
//go:generate sh -c "DIGIBOT_DIGEST_SAMPLE=$PWD/testdata/digest.card.json go test -count=1 -run ^TestSampleCard$ . && ../../.ci/cardcheck/screenshot.sh testdata/digest.card.json testdata/digest.png"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// Store is the part of the store the digest uses.
type Store interface {
	GetDoc(ctx context.Context, coll, id string) (storage.Doc, error)
	PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error)
	ListDocs(ctx context.Context, coll string) ([]storage.Doc, error)
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
	Enqueue(ctx context.Context, e storage.OutboxEntry) (created bool, err error)
	GetOutbox(ctx context.Context, id string) (storage.OutboxEntry, error)
	GetReference(ctx context.Context, key string) (storage.Reference, error)
	ListReferences(ctx context.Context) ([]storage.Reference, error)
}

// Where the digest keeps its records.
const (
	collDigest    = "digest"           // "channel": the chosen channel; "index:<kind>": the trend
	collSnapshots = "digest.snapshots" // "<kind>:<period>": the figures a digest showed
	docChannel    = "channel"
	kindOutbox    = "digest" // outbox entry kind
)

// Options are what New needs. Store is required; a nil source leaves its
// section out of the digest.
type Options struct {
	Config   Config
	Store    Store
	Status   StatusSource
	Coaching CoachingSource
	// Questions defaults to the question and feedback logs in Store.
	Questions QuestionSource
	// Calendar is the Swedish working-day calendar (default
	// schedule.NewCalendar()).
	Calendar *schedule.Calendar
	Now      func() time.Time
	Log      *slog.Logger
	// Kick wakes the outbox worker after an enqueue (optional).
	Kick func()
}

// Digest is the capability.
type Digest struct {
	cfg       Config
	st        Store
	status    StatusSource
	coaching  CoachingSource
	questions QuestionSource
	cal       *schedule.Calendar
	specs     specs
	now       func() time.Time
	log       *slog.Logger
	kick      func()
}

// New validates the config and returns the digest.
func New(o Options) (*Digest, error) {
	if o.Store == nil {
		return nil, errors.New("digest: no store")
	}
	cfg := o.Config.WithDefaults()
	cal := o.Calendar
	if cal == nil {
		var err error
		if cal, err = schedule.NewCalendar(); err != nil {
			return nil, fmt.Errorf("digest: calendar: %w", err)
		}
	}
	sp, err := cfg.compile(cal)
	if err != nil {
		return nil, err
	}
	d := &Digest{cfg: cfg, st: o.Store, status: o.Status, coaching: o.Coaching, questions: o.Questions,
		cal: cal, specs: sp, now: o.Now, log: o.Log, kick: o.Kick}
	if d.questions == nil {
		d.questions = QuestionsFrom(o.Store)
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	d.log = d.log.With("component", "digest")
	if d.kick == nil {
		d.kick = func() {}
	}
	return d, nil
}

// Job names.
const (
	JobWeekly  = "digest.weekly"
	JobMonthly = "digest.monthly"
)

// Jobs are the weekly digest and the monthly summary (none when the
// digest is off). A job's period is the week or month the digest covers,
// so the scheduler's run claim and the outbox entry id agree.
func (d *Digest) Jobs() []schedule.Job {
	if !d.cfg.IsEnabled() {
		return nil
	}
	var jobs []schedule.Job
	add := func(name, kind string, spec schedule.Spec) {
		if spec == nil {
			return
		}
		jobs = append(jobs, schedule.Job{
			Name: name, Spec: spec, CatchUp: 24 * time.Hour,
			Period: func(due time.Time) string { return windowFor(kind, due).Period },
			Run: func(ctx context.Context, _ string, due time.Time) error {
				_, err := d.Run(ctx, kind, due)
				return err
			},
		})
	}
	add(JobWeekly, KindWeekly, d.specs.weekly)
	add(JobMonthly, KindMonthly, d.specs.monthly)
	return jobs
}

// Result says what a run did.
type Result struct {
	Kind, Period string
	// Posted is true when this run enqueued the post; false when it was
	// enqueued before (or there is no channel).
	Posted bool
	// Channel is the reference key posted to ("" when none is set).
	Channel string
	Figures Figures
}

// Run makes the digest of kind (KindWeekly or KindMonthly) due at due:
// computes the figures once (or reuses the stored snapshot), records the
// trend, and enqueues one post to the channel. Running it again for the
// same period, in this process or another, changes nothing.
func (d *Digest) Run(ctx context.Context, kind string, due time.Time) (Result, error) {
	if kind != KindWeekly && kind != KindMonthly {
		return Result{}, fmt.Errorf("digest: unknown kind %q", kind)
	}
	w := windowFor(kind, due)
	res := Result{Kind: kind, Period: w.Period}
	ch, err := d.channel(ctx)
	if err != nil {
		return res, err
	}
	res.Channel = ch.RefKey
	if ch.RefKey != "" {
		// Posted already (and so recorded): nothing to do.
		if _, err := d.st.GetOutbox(ctx, OutboxID(kind, w.Period)); err == nil {
			return res, nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return res, fmt.Errorf("digest: read outbox: %w", err)
		}
	}
	f, err := d.snapshot(ctx, w)
	if err != nil {
		return res, err
	}
	res.Figures = f
	if ch.RefKey == "" {
		d.log.InfoContext(ctx, "digest: no channel chosen; figures recorded but not posted", "kind", kind, "period", w.Period)
		return res, nil
	}
	res.Posted, err = d.post(ctx, ch.RefKey, OutboxID(kind, w.Period), f)
	return res, err
}

// snapshot returns the stored figures of w, computing and storing them
// first if there are none, and records them in the trend. When two runs
// race, the first stored wins and both use it.
func (d *Digest) snapshot(ctx context.Context, w window) (Figures, error) {
	id := snapshotID(w.Kind, w.Period)
	f, ok, err := d.loadSnapshot(ctx, id)
	if err != nil {
		return f, err
	}
	if !ok {
		if f, err = d.build(ctx, w); err != nil {
			return f, err
		}
		raw, err := json.Marshal(f)
		if err != nil {
			return f, fmt.Errorf("digest: encode snapshot: %w", err)
		}
		if _, err := d.st.PutDoc(ctx, collSnapshots, id, raw, storage.NoVersion); errors.Is(err, storage.ErrConflict) {
			if f, ok, err = d.loadSnapshot(ctx, id); err != nil || !ok {
				return f, fmt.Errorf("digest: snapshot %s vanished after a conflict: %w", id, err)
			}
		} else if err != nil {
			return f, fmt.Errorf("digest: store snapshot %s: %w", id, err)
		}
	}
	if err := d.recordTrend(ctx, f.trendPoint()); err != nil {
		return f, err
	}
	return f, nil
}

func (d *Digest) loadSnapshot(ctx context.Context, id string) (Figures, bool, error) {
	var f Figures
	doc, err := d.st.GetDoc(ctx, collSnapshots, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return f, false, nil
	case err != nil:
		return f, false, fmt.Errorf("digest: read snapshot %s: %w", id, err)
	}
	if err := json.Unmarshal(doc.Value, &f); err != nil {
		return f, false, fmt.Errorf("digest: decode snapshot %s: %w", id, err)
	}
	return f, true, nil
}

// trend is the index of one kind's digests (doc digest/index:<kind>).
type trend struct {
	Points []TrendPoint `json:"points"`
}

// maxTrendPoints bounds an index (about 20 years of weekly digests).
const maxTrendPoints = 1000

// recordTrend adds p to its kind's index unless its period is there.
func (d *Digest) recordTrend(ctx context.Context, p TrendPoint) error {
	id := "index:" + p.Kind
	for range 20 {
		var tr trend
		version := storage.NoVersion
		doc, err := d.st.GetDoc(ctx, collDigest, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return fmt.Errorf("digest: read trend: %w", err)
		default:
			if err := json.Unmarshal(doc.Value, &tr); err != nil {
				return fmt.Errorf("digest: decode trend: %w", err)
			}
			version = doc.Version
		}
		for _, q := range tr.Points {
			if q.Period == p.Period {
				return nil
			}
		}
		tr.Points = append(tr.Points, p)
		sortTrend(tr.Points)
		if len(tr.Points) > maxTrendPoints {
			tr.Points = tr.Points[len(tr.Points)-maxTrendPoints:]
		}
		raw, err := json.Marshal(tr)
		if err != nil {
			return fmt.Errorf("digest: encode trend: %w", err)
		}
		_, err = d.st.PutDoc(ctx, collDigest, id, raw, version)
		if err == nil {
			return nil
		}
		if !errors.Is(err, storage.ErrConflict) {
			return fmt.Errorf("digest: store trend: %w", err)
		}
	}
	return fmt.Errorf("digest: store trend: %w", storage.ErrConflict)
}

// Trend returns the digests of kind recorded so far, oldest first.
func (d *Digest) Trend(ctx context.Context, kind string) ([]TrendPoint, error) {
	doc, err := d.st.GetDoc(ctx, collDigest, "index:"+kind)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("digest: read trend: %w", err)
	}
	var tr trend
	if err := json.Unmarshal(doc.Value, &tr); err != nil {
		return nil, fmt.Errorf("digest: decode trend: %w", err)
	}
	return tr.Points, nil
}

// previous is the latest digest of kind before period (ok false: none).
func (d *Digest) previous(ctx context.Context, kind, period string) (TrendPoint, bool, error) {
	pts, err := d.Trend(ctx, kind)
	if err != nil {
		return TrendPoint{}, false, err
	}
	var best TrendPoint
	found := false
	for _, p := range pts {
		if p.Period < period && (!found || p.Period > best.Period) {
			best, found = p, true
		}
	}
	return best, found, nil
}

// post enqueues the digest card to the channel as a new thread.
func (d *Digest) post(ctx context.Context, refKey, id string, f Figures) (bool, error) {
	if _, err := d.st.GetReference(ctx, refKey); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return false, fmt.Errorf("digest: no conversation reference %s: has Digibot been installed in the team, and has an administrator written \"digest här\" in the channel?", refKey)
		}
		return false, fmt.Errorf("digest: read reference: %w", err)
	}
	raw, err := activityJSON(Card(f, d.cfg.Language), textFor(d.cfg.Language).summary(f))
	if err != nil {
		return false, err
	}
	now := d.now().UTC()
	created, err := d.st.Enqueue(ctx, storage.OutboxEntry{
		ID: id, Kind: kindOutbox, RefKey: refKey, Activity: raw, CreatedAt: now, NotBefore: now,
	})
	if err != nil {
		return false, fmt.Errorf("digest: enqueue %s: %w", id, err)
	}
	if created {
		d.log.InfoContext(ctx, "digest: posted", "id", id)
		d.kick()
	}
	return created, nil
}

// ForgetQuestions removes the wording of unanswered questions from the
// snapshots of digests made before before, keeping their counts: the
// question log is personal data kept for a limited time
// (retention.questions_days), and a snapshot must not keep its text
// longer. It returns how many snapshots changed. Run it with the
// retention job.
func (d *Digest) ForgetQuestions(ctx context.Context, before time.Time) (int, error) {
	docs, err := d.st.ListDocs(ctx, collSnapshots)
	if err != nil {
		return 0, fmt.Errorf("digest: list snapshots: %w", err)
	}
	n := 0
	for _, doc := range docs {
		var f Figures
		if err := json.Unmarshal(doc.Value, &f); err != nil {
			return n, fmt.Errorf("digest: decode snapshot %s: %w", doc.ID, err)
		}
		if !f.At.Before(before) || len(f.Questions.Unanswered) == 0 {
			continue
		}
		f.Questions.Unanswered = nil
		raw, err := json.Marshal(f)
		if err != nil {
			return n, fmt.Errorf("digest: encode snapshot %s: %w", doc.ID, err)
		}
		// A conflict means someone rewrote it meanwhile: the next run
		// gets it.
		if _, err := d.st.PutDoc(ctx, collSnapshots, doc.ID, raw, doc.Version); err != nil && !errors.Is(err, storage.ErrConflict) {
			return n, fmt.Errorf("digest: store snapshot %s: %w", doc.ID, err)
		}
		n++
	}
	return n, nil
}
