// Package schedule runs Digibot's periodic jobs (nudges, reminders,
// digests, retention) in Europe/Stockholm, skipping Swedish holidays where
// a job asks for it. A job runs at most once per period across restarts
// and replicas: one leader lock plus a per-period run claim in the store.
// Jobs only write to the store and the outbox, so a run taken over after a
// crash can safely be repeated.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Locks is the part of the store the scheduler needs.
type Locks interface {
	AcquireLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	ReleaseLock(ctx context.Context, name, owner string) error
	StartRun(ctx context.Context, job, period, owner string, ttl time.Duration) (bool, error)
	FinishRun(ctx context.Context, job, period, owner string) error
	RunDone(ctx context.Context, job, period string) (bool, error)
}

// Job is one periodic task.
type Job struct {
	Name string
	Spec Spec
	// CatchUp is how late a missed run may still start (after downtime);
	// default 12 h.
	CatchUp time.Duration
	// Period names the period a due time belongs to; default the due time
	// itself with its UTC offset, which keeps the two 02:00s of an October
	// night apart.
	Period func(due time.Time) string
	Run    func(ctx context.Context, period string, due time.Time) error
}

// Observer is told about job runs (metrics).
type Observer interface {
	JobRun(job, outcome string)
}

// Scheduler runs jobs when due.
type Scheduler struct {
	locks Locks
	owner string
	jobs  []Job
	now   func() time.Time
	log   *slog.Logger
	obs   Observer
	// tick bounds how long Run sleeps, so the leader lock is renewed and
	// a newly due job is noticed even if the clock jumps.
	tick time.Duration
}

// New returns a scheduler identified as owner (unique per process).
func New(locks Locks, owner string, now func() time.Time, log *slog.Logger, obs Observer, jobs ...Job) (*Scheduler, error) {
	seen := map[string]bool{}
	for _, j := range jobs {
		if j.Name == "" || j.Spec == nil || j.Run == nil {
			return nil, errors.New("schedule: a job needs a name, a spec and a run function")
		}
		if seen[j.Name] {
			return nil, fmt.Errorf("schedule: job %q defined twice", j.Name)
		}
		seen[j.Name] = true
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{locks: locks, owner: owner, jobs: jobs, now: now, log: log, obs: obs, tick: 30 * time.Second}, nil
}

const leaderLock = "scheduler"

// Tick runs, once each, the jobs due at now whose period is not done yet.
// It returns how many ran. Only the leader runs jobs.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) (int, error) {
	leader, err := s.locks.AcquireLock(ctx, leaderLock, s.owner, 3*s.tick)
	if err != nil {
		return 0, fmt.Errorf("scheduler leader lock: %w", err)
	}
	if !leader {
		return 0, nil
	}
	ran := 0
	var errs []error
	for _, j := range s.jobs {
		catch := j.CatchUp
		if catch <= 0 {
			catch = 12 * time.Hour
		}
		due := Previous(j.Spec, now.Add(-catch), now)
		if due.IsZero() {
			continue
		}
		period := periodOf(j, due)
		done, err := s.locks.RunDone(ctx, j.Name, period)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if done {
			continue
		}
		// The claim outlives a normal run; if this process dies, another
		// takes the run over once it expires.
		ok, err := s.locks.StartRun(ctx, j.Name, period, s.owner, 10*time.Minute)
		if err != nil || !ok {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		log := s.log.With("job", j.Name, "period", period)
		log.Info("job starting")
		if err := j.Run(ctx, period, due); err != nil {
			s.observe(j.Name, "error")
			log.Error("job failed; will retry", "err", err)
			errs = append(errs, fmt.Errorf("job %s: %w", j.Name, err))
			continue
		}
		if err := s.locks.FinishRun(ctx, j.Name, period, s.owner); err != nil {
			errs = append(errs, err)
			continue
		}
		s.observe(j.Name, "ok")
		log.Info("job done")
		ran++
	}
	return ran, errors.Join(errs...)
}

func (s *Scheduler) observe(job, outcome string) {
	if s.obs != nil {
		s.obs.JobRun(job, outcome)
	}
}

func periodOf(j Job, due time.Time) string {
	if j.Period != nil {
		return j.Period(due)
	}
	return due.In(Stockholm).Format("2006-01-02T15:04Z07:00")
}

// NextDue is the next time any job is due after now (zero if none).
func (s *Scheduler) NextDue(now time.Time) time.Time {
	var next time.Time
	for _, j := range s.jobs {
		if n := j.Spec.Next(now); !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next
}

// Run ticks until ctx ends, sleeping until the next due time (at most the
// tick interval), then releases the leader lock.
func (s *Scheduler) Run(ctx context.Context) {
	defer func() {
		_ = s.locks.ReleaseLock(context.WithoutCancel(ctx), leaderLock, s.owner)
	}()
	for {
		now := s.now()
		if _, err := s.Tick(ctx, now); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler tick", "err", err)
		}
		wait := s.tick
		if n := s.NextDue(now); !n.IsZero() && n.Sub(now) < wait {
			wait = max(n.Sub(now), 10*time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// ErrUnknownJob is returned by RunNow for a name no job has.
var ErrUnknownJob = errors.New("schedule: no such job")

// Jobs lists the job names and when each is next due after now.
func (s *Scheduler) Jobs(now time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(s.jobs))
	for _, j := range s.jobs {
		out[j.Name] = j.Spec.Next(now)
	}
	return out
}

// RunNow runs the named job at once for a manual period of its own
// ("manual:<time>"), claimed like any other so that two replicas asked at
// the same moment still run it once.
func (s *Scheduler) RunNow(ctx context.Context, name string, now time.Time) (string, error) {
	for _, j := range s.jobs {
		if j.Name != name {
			continue
		}
		period := "manual:" + now.In(Stockholm).Format(time.RFC3339)
		ok, err := s.locks.StartRun(ctx, j.Name, period, s.owner, 10*time.Minute)
		if err != nil {
			return period, err
		}
		if !ok {
			return period, fmt.Errorf("schedule: %s is already running for %s", name, period)
		}
		if err := j.Run(ctx, period, now); err != nil {
			s.observe(j.Name, "error")
			return period, fmt.Errorf("job %s: %w", j.Name, err)
		}
		s.observe(j.Name, "ok")
		return period, s.locks.FinishRun(ctx, j.Name, period, s.owner)
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownJob, name)
}
