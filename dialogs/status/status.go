// Package status follows up the action plan's activities: an activity
// register (embedded, overridable), owners from config and chat, a nudge
// card per owner on a cadence (monthly on the first working day by
// default), reminders and escalation after working days, answers by card
// or free text, and the history behind a timeline, an export and the
// digest's overview.
//
// # Consistency
//
// Every status is a versioned doc; a card carries the version it was built
// from and its submission is a PutDoc expecting that version, so an old
// card never overwrites a newer status. Nudges, reminders and escalations
// are outbox entries with deterministic ids ("status-nudge:<period>:<aad>"),
// so a run repeated after a crash, or run by two processes at once,
// enqueues each message once; the scheduler runs each period once.
//
// # Reaching owners
//
// An owner with a stored conversation reference gets the card at once.
// Otherwise, with a Directory (Graph), Digibot is installed for the owner
// and the 1:1 chat id is looked up (or, failing that, the outbox creates
// the conversation). Without a Directory the outbox tries
// createConversation with the Entra id, which works when the app is
// already installed for the user. Whoever cannot be reached is recorded,
// with the reason, for the digest.
package status

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// Store is the part of storage the status follow-up uses.
type Store interface {
	GetDoc(ctx context.Context, coll, id string) (storage.Doc, error)
	PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error)
	ListDocs(ctx context.Context, coll string) ([]storage.Doc, error)
	AppendLog(ctx context.Context, log string, at time.Time, data []byte) (string, error)
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
	Enqueue(ctx context.Context, e storage.OutboxEntry) (bool, error)
	GetOutbox(ctx context.Context, id string) (storage.OutboxEntry, error)
	GetReference(ctx context.Context, key string) (storage.Reference, error)
	PutReference(ctx context.Context, r storage.Reference) error
	ListReferences(ctx context.Context) ([]storage.Reference, error)
}

// Directory is what the follow-up needs from Microsoft Graph. Adapters
// wrap "no such user / no manager" as ErrNotFound and "not allowed" as
// ErrForbidden (errors.Is); anything else counts as temporary.
// InstallForUser returns nil when Digibot is already installed.
type Directory interface {
	UserByUPN(ctx context.Context, upn string) (id, displayName, email string, err error)
	Manager(ctx context.Context, userID string) (id, displayName string, err error)
	InstallForUser(ctx context.Context, userID string) error
	PersonalChatID(ctx context.Context, userID string) (string, error)
}

// Errors a Directory reports (wrapped).
var (
	ErrNotFound  = errors.New("status: not found in the directory")
	ErrForbidden = errors.New("status: the directory refused")
)

// Options configure a Service. Store and Calendar are required.
type Options struct {
	Config   Config
	Store    Store
	Calendar *schedule.Calendar
	// Directory is nil without Graph: configured UPNs then cannot be
	// resolved (use "aad:" owners) and nobody is installed for.
	Directory Directory
	// TenantID and ServiceURL address createConversation for people
	// without a stored reference; an empty ServiceURL is taken from any
	// stored reference.
	TenantID   string
	ServiceURL string
	Now        func() time.Time
	Logger     *slog.Logger
	// Kick wakes the outbox worker after an enqueue (optional).
	Kick func()
}

// Service is the status follow-up capability.
type Service struct {
	cfg      Config
	reg      *Register
	store    Store
	cal      *schedule.Calendar
	dir      Directory
	tenant   string
	svcURL   string
	now      func() time.Time
	log      *slog.Logger
	kick     func()
	cadence  *cadenceSpec
	followUp schedule.Spec
	owners   map[string][]string // activity id -> configured principals

	mu        sync.Mutex
	refSvcURL string // serviceUrl learnt from a stored reference
}

// New checks o and returns the service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Calendar == nil {
		return nil, errors.New("status: store and calendar are required")
	}
	cfg := o.Config.WithDefaults()
	reg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	cad, err := newCadenceSpec(cfg.Cadence, o.Calendar)
	if err != nil {
		return nil, err
	}
	h, m, err := parseClock(cfg.FollowUpTime)
	if err != nil {
		return nil, fmt.Errorf("status.followup_time: %w", err)
	}
	daily, err := schedule.Cron(fmt.Sprintf("%d %d * * *", m, h))
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg: cfg, reg: reg, store: o.Store, cal: o.Calendar, dir: o.Directory,
		tenant: o.TenantID, svcURL: o.ServiceURL, now: o.Now, log: o.Logger, kick: o.Kick,
		cadence: cad, followUp: schedule.OnWorkdays(daily, o.Calendar), owners: map[string][]string{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "status")
	if s.kick == nil {
		s.kick = func() {}
	}
	for id, ps := range cfg.Owners {
		cid, _ := CanonicalID(id)
		for _, p := range ps {
			n, _ := normPrincipal(p)
			s.owners[cid] = append(s.owners[cid], n)
		}
	}
	return s, nil
}

// Activities returns the activity register in use.
func (s *Service) Activities() *Register { return s.reg }

// NextNudge is the first nudge after now.
func (s *Service) NextNudge(now time.Time) time.Time { return s.cadence.Next(now) }

// Job names.
const (
	JobNudge    = "status-nudge"
	JobFollowUp = "status-followup"
)

// Jobs are the scheduler jobs: the nudge on the cadence, and the daily
// follow-up (reminders, escalation) on working days.
func (s *Service) Jobs() []schedule.Job {
	return []schedule.Job{s.NudgeJob(), s.FollowUpJob()}
}

// NudgeJob asks every owner for status, once per period. A late start
// (after downtime) is still made within six days: a late nudge is better
// than none.
func (s *Service) NudgeJob() schedule.Job {
	return schedule.Job{
		Name:    JobNudge,
		Spec:    s.cadence,
		CatchUp: 6 * 24 * time.Hour,
		Period:  periodOf,
		Run: func(ctx context.Context, period string, due time.Time) error {
			_, err := s.RunNudge(ctx, period, due)
			return err
		},
	}
}

// FollowUpJob sends reminders and escalations for the latest round.
func (s *Service) FollowUpJob() schedule.Job {
	return schedule.Job{
		Name: JobFollowUp,
		Spec: s.followUp,
		Run: func(ctx context.Context, _ string, due time.Time) error {
			_, err := s.RunFollowUp(ctx, due)
			return err
		},
	}
}
