// Package storage defines Digibot's records and the store interfaces that the
// embedded (bbolt) and Redis back ends both implement. Everything a user was
// told is done lives here first (DESIGN.md).
package storage

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors every back end returns (wrapped) so callers can use errors.Is.
var (
	// ErrNotFound: no record under that key.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict: an optimistic-concurrency check failed (a doc version
	// changed, or an outbox lease is no longer held by the caller).
	ErrConflict = errors.New("storage: conflict")
	// ErrUnavailable: the back end could not be reached; the operation did
	// not happen and may be retried.
	ErrUnavailable = errors.New("storage: unavailable")
)

// Conversation types as Teams names them.
const (
	ConversationPersonal  = "personal"
	ConversationChannel   = "channel"
	ConversationGroupChat = "groupChat"
)

// Reference is what Digibot needs to reach a user or a conversation
// proactively. Key is "user:<aadObjectId>" for a personal chat and
// "conv:<conversationId>" for a channel or group chat.
type Reference struct {
	Key              string    `json:"key"`
	ConversationID   string    `json:"conversationId"`
	ConversationType string    `json:"conversationType"`
	ServiceURL       string    `json:"serviceUrl"`
	TenantID         string    `json:"tenantId,omitempty"`
	ChannelID        string    `json:"channelId,omitempty"` // "msteams"
	BotID            string    `json:"botId,omitempty"`
	BotName          string    `json:"botName,omitempty"`
	UserID           string    `json:"userId,omitempty"` // Teams user id (29:…), personal only
	UserAADID        string    `json:"userAadId,omitempty"`
	UserName         string    `json:"userName,omitempty"`
	TeamID           string    `json:"teamId,omitempty"`
	TeamName         string    `json:"teamName,omitempty"`
	ChannelName      string    `json:"channelName,omitempty"`
	Locale           string    `json:"locale,omitempty"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// UserKey and ConversationKey build Reference keys.
func UserKey(aadObjectID string) string            { return "user:" + aadObjectID }
func ConversationKey(conversationID string) string { return "conv:" + conversationID }

// References stores conversation references.
type References interface {
	PutReference(ctx context.Context, r Reference) error
	GetReference(ctx context.Context, key string) (Reference, error)
	DeleteReference(ctx context.Context, key string) error
	// ListReferences returns all references, ordered by key.
	ListReferences(ctx context.Context) ([]Reference, error)
}

// OutboxState is where an outbox entry stands.
type OutboxState string

const (
	OutboxPending   OutboxState = "pending"
	OutboxLeased    OutboxState = "leased"
	OutboxDelivered OutboxState = "delivered"
	OutboxFailed    OutboxState = "failed"
)

// CreateConversation asks the sender to open a 1:1 chat with a user first
// (Bot Connector createConversation) when no reference exists yet.
type CreateConversation struct {
	UserID     string `json:"userId"` // Teams user id or AAD object id
	TenantID   string `json:"tenantId"`
	ServiceURL string `json:"serviceUrl"`
}

// OutboxEntry is one proactive message. ID is the producer's idempotency key
// (for example "nudge:2026-12:<aad>"): enqueuing an ID that exists, in any
// state, changes nothing.
type OutboxEntry struct {
	ID       string              `json:"id"`
	Kind     string              `json:"kind"`             // nudge, reminder, digest, answer, …: for metrics and logs
	RefKey   string              `json:"refKey,omitempty"` // send to this stored Reference …
	Create   *CreateConversation `json:"create,omitempty"` // … or open a 1:1 first
	Activity json.RawMessage     `json:"activity"`         // schema.Activity JSON
	// UpdateOf names an earlier delivered entry whose message this one
	// replaces in place (PUT activity), e.g. a card turned into a receipt.
	UpdateOf string `json:"updateOf,omitempty"`

	State      OutboxState `json:"state"`
	Attempts   int         `json:"attempts"`
	NotBefore  time.Time   `json:"notBefore"`
	LeaseOwner string      `json:"leaseOwner,omitempty"`
	LeaseUntil time.Time   `json:"leaseUntil,omitempty"`
	LastError  string      `json:"lastError,omitempty"`

	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	DeliveredAt    time.Time `json:"deliveredAt,omitempty"`
	ConversationID string    `json:"conversationId,omitempty"` // where it went
	ActivityID     string    `json:"activityId,omitempty"`     // id the connector returned
}

// Delivery is what the sender learned when an entry went out.
type Delivery struct {
	At             time.Time
	ConversationID string
	ActivityID     string
}

// OutboxCounts is the outbox by state, for metrics and readiness.
type OutboxCounts struct {
	Pending, Leased, Delivered, Failed int
}

// Outbox is the durable queue of proactive messages.
type Outbox interface {
	// Enqueue stores e as pending (CreatedAt/UpdatedAt/NotBefore default to
	// now when zero). created is false when the ID already existed.
	Enqueue(ctx context.Context, e OutboxEntry) (created bool, err error)
	// Lease hands out up to max entries that are due (pending with
	// NotBefore <= now, or leased with an expired lease), oldest NotBefore
	// first, leased to owner until now+ttl, Attempts incremented.
	Lease(ctx context.Context, owner string, now time.Time, max int, ttl time.Duration) ([]OutboxEntry, error)
	// MarkDelivered, MarkRetry and MarkFailed settle a leased entry. They
	// return ErrConflict when owner no longer holds the lease.
	MarkDelivered(ctx context.Context, id, owner string, d Delivery) error
	MarkRetry(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error
	MarkFailed(ctx context.Context, id, owner string, at time.Time, lastErr string) error
	GetOutbox(ctx context.Context, id string) (OutboxEntry, error)
	CountOutbox(ctx context.Context) (OutboxCounts, error)
	// PurgeOutbox deletes delivered and failed entries settled before t.
	PurgeOutbox(ctx context.Context, before time.Time) (int, error)
}

// Locks are leases for leader election and per-period job runs.
type Locks interface {
	// AcquireLock takes or renews the named lock for owner until now+ttl.
	// It reports whether owner holds the lock afterwards.
	AcquireLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// ReleaseLock frees the lock if owner holds it.
	ReleaseLock(ctx context.Context, name, owner string) error
	// StartRun claims (job, period) for owner for ttl. It fails (false) when
	// the run is done, or claimed by another owner whose claim has not
	// expired. A crashed run can thus be taken over and finished.
	StartRun(ctx context.Context, job, period, owner string, ttl time.Duration) (bool, error)
	// FinishRun marks (job, period) done for good.
	FinishRun(ctx context.Context, job, period, owner string) error
	// RunDone reports whether (job, period) is done.
	RunDone(ctx context.Context, job, period string) (bool, error)
}

// Dedupe remembers processed incoming activity ids (Teams retries).
type Dedupe interface {
	// MarkProcessed records id for ttl; first is false when it was there.
	MarkProcessed(ctx context.Context, id string, ttl time.Duration) (first bool, err error)
	// ForgetProcessed removes id, so that a failed turn can be retried.
	ForgetProcessed(ctx context.Context, id string) error
}

// Doc is a versioned JSON value in a collection.
type Doc struct {
	ID      string
	Value   []byte
	Version int64
}

// Version expectations for PutDoc and DeleteDoc.
const (
	AnyVersion int64 = -1 // no check
	NoVersion  int64 = 0  // must not exist yet
)

// Docs is a small document store with optimistic concurrency; capabilities
// (bookings, activity status, questions) build typed records on it.
type Docs interface {
	GetDoc(ctx context.Context, coll, id string) (Doc, error)
	// PutDoc writes value if the stored version equals expect (AnyVersion:
	// always; NoVersion: only if absent) and returns the new version.
	// Otherwise it returns ErrConflict and writes nothing.
	PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error)
	DeleteDoc(ctx context.Context, coll, id string, expect int64) error
	// ListDocs returns every doc in coll, ordered by ID.
	ListDocs(ctx context.Context, coll string) ([]Doc, error)
}

// LogEntry is one record of an append-only log (history, audit, questions).
type LogEntry struct {
	ID   string // assigned by the store, unique and ordered within a log
	At   time.Time
	Data []byte
}

// Logs are append-only, time-ordered logs.
type Logs interface {
	AppendLog(ctx context.Context, log string, at time.Time, data []byte) (id string, err error)
	// ReadLog returns entries with from <= At < to (zero to: no upper
	// bound), oldest first, at most limit (0: all).
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]LogEntry, error)
	// TrimLog deletes entries with At < before and says how many.
	TrimLog(ctx context.Context, log string, before time.Time) (int, error)
	// EditLog applies edits to existing entries of log in one atomic step
	// and says how many entries it found and changed. An ID that is not in
	// the log (never was, or trimmed meanwhile) is skipped. A malformed or
	// repeated ID, or more than MaxLogEdits edits, is bad input and
	// changes nothing. Logs are otherwise append-only: EditLog exists so
	// that one person's entries can be erased or anonymised (GDPR), which
	// TrimLog, by time only, cannot do without rewriting everyone's.
	EditLog(ctx context.Context, log string, edits []LogEdit) (int, error)
}

// LogEdit changes one existing log entry: Delete removes it; otherwise
// Data replaces its data, and its ID and At stay (so does its place in
// the order).
type LogEdit struct {
	ID     string
	Data   []byte
	Delete bool
}

// MaxLogEdits bounds one EditLog call; callers split larger sets.
const MaxLogEdits = 1000

// Store is everything a back end provides.
type Store interface {
	References
	Outbox
	Locks
	Dedupe
	Docs
	Logs
	// Ping reports whether the back end answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}

// PersonalData is one kind of personal data a capability stores about a
// person, as a GDPR export shows it: what it is, why it is kept, for how
// long, what erasure does with it, and the records themselves.
type PersonalData[T any] struct {
	What     string `json:"what"`
	Why      string `json:"why"`
	Kept     string `json:"kept"`
	OnDelete string `json:"onDelete"`
	Items    []T    `json:"items"`
}
