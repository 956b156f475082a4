// Package outbox is Digibot's durable proactive sender: a Worker drains
// storage.Outbox into the Bot Connector at Teams' rate limits.
//
// # Who sends
//
// Only the process holding the store lock "outbox" drains, so several
// replicas together never exceed the app-wide tenant limit (the limiters
// live in that one process's memory). Entries are leased before they are
// sent; the lease is the second safety net when leadership changes hands.
//
// # Nothing sent twice — and the one window where it can be
//
// An entry is sent only while this worker holds its lease with enough time
// left for the call (RequestTimeout) and for recording the outcome
// (SettleTimeout); MarkDelivered follows the connector's 2xx at once. Each
// Lease call leases under its own owner name (Owner/1, Owner/2, …), so a
// late settle from an older lease of an entry fails with ErrConflict
// instead of undoing a newer lease of the same worker. The
// Bot Connector has no idempotency key, so one window remains: if the
// process dies (or the store stays unreachable) after the connector
// accepted the activity and before MarkDelivered is stored, the lease
// expires and the entry is sent again. Delivery is therefore at-least-once,
// with the duplicate window bounded by one HTTP round trip plus one store
// write. A request that times out is in the same position: the connector
// may have accepted it, and it is retried.
//
// # Retries
//
// 429, 412, 5xx and network or token errors are retried with exponential
// backoff and full jitter (BaseBackoff doubling up to MaxBackoff), never
// earlier than Retry-After; a 429 also pauses the conversation (and the
// tenant, when the answer says the tenant is throttled) until then. Other
// 4xx answers and bad entries fail for good, with the reason in LastError.
// A retry puts the entry back in the store (MarkRetry), so its state
// survives a restart; the store counts Attempts per lease, which is what
// MaxAttempts bounds. Entries that are handed back unsent (the lease would
// run out while waiting for a rate-limit slot, too many queued for one
// conversation, shutdown) also use a lease and thus an attempt.
//
// Entries for one conversation are sent one at a time, in lease order
// (oldest NotBefore first); an entry that is retried later may be overtaken
// by newer ones. Different conversations are sent concurrently, up to
// Concurrency calls in flight.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/connector"
	"digibot/storage"
)

// LockName is the store lock whose holder drains the outbox.
const LockName = "outbox"

// Store is what the worker needs from storage.
type Store interface {
	storage.Outbox
	storage.References
	storage.Locks
}

// Connector is the part of *connector.Client the worker uses.
type Connector interface {
	SendToConversation(ctx context.Context, serviceURL, conversationID string, a schema.Activity) (string, error)
	UpdateActivity(ctx context.Context, serviceURL, conversationID, activityID string, a schema.Activity) error
	CreateConversation(ctx context.Context, serviceURL string, p schema.ConversationParameters) (string, string, error)
}

// Config tunes a Worker. Zero fields take the defaults shown.
type Config struct {
	// Owner names this process in leases and the lock; default
	// hostname-pid-random. It must differ between replicas.
	Owner string
	// BotID and BotName go into createConversation ("28:<app id>").
	BotID, BotName string

	Batch              int           // entries held in memory at most: 64
	Concurrency        int           // connector calls in flight at most: 8
	MaxPerConversation int           // entries of one conversation held in memory: 16
	MaxAttempts        int           // leases per entry before it fails: 10
	BaseBackoff        time.Duration // first retry delay bound: 1 s
	MaxBackoff         time.Duration // retry delay cap: 5 min
	LockTTL            time.Duration // leader lock ttl, renewed at a third: 15 s
	LeaseTTL           time.Duration // entry lease: 2 min
	RequestTimeout     time.Duration // one connector call: 30 s
	SettleTimeout      time.Duration // recording an outcome: 10 s
	PollInterval       time.Duration // look for due entries when idle: 2 s
	// Limits: nil means TeamsLimits(); &Limits{} (NoLimits) disables them.
	Limits *Limits
	// TenantThrottled says whether a 429 applies to the whole tenant
	// (default: its code or message mentions "tenant").
	TenantThrottled func(*connector.Error) bool

	Clock    Clock          // default real time
	Rand     func() float64 // jitter source in [0,1); default math/rand/v2
	Observer Observer       // default NopObserver
	Logger   *slog.Logger   // default slog.Default()
}

// Worker drains the outbox. Create it with New; run it with Run.
type Worker struct {
	cfg     Config
	store   Store
	conn    Connector
	lim     *limiter
	clock   Clock
	obs     Observer
	log     *slog.Logger
	kick    chan struct{}
	running atomic.Bool
}

// New checks cfg and returns a worker.
func New(store Store, conn Connector, cfg Config) (*Worker, error) {
	if store == nil || conn == nil {
		return nil, errors.New("outbox: store and connector are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d == 0 {
			*d = v
		}
	}
	defInt(&cfg.Batch, 64)
	defInt(&cfg.Concurrency, 8)
	defInt(&cfg.MaxPerConversation, 16)
	defInt(&cfg.MaxAttempts, 10)
	def(&cfg.BaseBackoff, time.Second)
	def(&cfg.MaxBackoff, 5*time.Minute)
	def(&cfg.LockTTL, 15*time.Second)
	def(&cfg.LeaseTTL, 2*time.Minute)
	def(&cfg.RequestTimeout, 30*time.Second)
	def(&cfg.SettleTimeout, 10*time.Second)
	def(&cfg.PollInterval, 2*time.Second)
	switch {
	case cfg.Batch < 0, cfg.Concurrency < 0, cfg.MaxPerConversation < 0, cfg.MaxAttempts < 0:
		return nil, errors.New("outbox: negative size in config")
	case cfg.BaseBackoff < 0, cfg.MaxBackoff < cfg.BaseBackoff, cfg.LockTTL < 0, cfg.RequestTimeout < 0, cfg.SettleTimeout < 0, cfg.PollInterval < 0:
		return nil, errors.New("outbox: bad durations in config")
	case cfg.LeaseTTL < 2*(cfg.RequestTimeout+cfg.SettleTimeout):
		return nil, fmt.Errorf("outbox: LeaseTTL %s must be at least twice RequestTimeout+SettleTimeout (%s)", cfg.LeaseTTL, cfg.RequestTimeout+cfg.SettleTimeout)
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		cfg.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:8])
	}
	limits := TeamsLimits()
	if cfg.Limits != nil {
		limits = *cfg.Limits
	}
	if cfg.TenantThrottled == nil {
		cfg.TenantThrottled = func(e *connector.Error) bool {
			return strings.Contains(strings.ToLower(e.Code+" "+e.Message), "tenant")
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Rand == nil {
		cfg.Rand = mrand.Float64
	}
	if cfg.Observer == nil {
		cfg.Observer = NopObserver{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{
		cfg:   cfg,
		store: store,
		conn:  conn,
		lim:   newLimiter(limits),
		clock: cfg.Clock,
		obs:   cfg.Observer,
		log:   cfg.Logger.With("component", "outbox", "owner", cfg.Owner),
		kick:  make(chan struct{}, 1),
	}, nil
}

// Owner names this worker in the leader lock; its leases are Owner/1,
// Owner/2, … (one name per Lease call).
func (w *Worker) Owner() string { return w.cfg.Owner }

// Kick wakes the worker early, e.g. right after an Enqueue.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run drains the outbox whenever this process is the leader, until ctx is
// done. On the way out it finishes the calls in flight, hands back entries
// it has not started and releases the lock. It returns nil after ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return errors.New("outbox: worker already running")
	}
	defer w.running.Store(false)
	for ctx.Err() == nil {
		ok, err := w.store.AcquireLock(ctx, LockName, w.cfg.Owner, w.cfg.LockTTL)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("outbox lock", "err", err)
		}
		if ok {
			w.log.Info("outbox leader")
			w.lead(ctx)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.SettleTimeout)
			if err := w.store.ReleaseLock(rctx, LockName, w.cfg.Owner); err != nil {
				w.log.Warn("outbox lock release", "err", err)
			}
			cancel()
			w.log.Info("outbox leadership ended")
			continue
		}
		select {
		case <-ctx.Done():
		case <-w.clock.After(w.cfg.LockTTL / 3):
		}
	}
	return nil
}

// lead drains while the lock is held.
func (w *Worker) lead(ctx context.Context) {
	leadCtx, lost := context.WithCancel(ctx)
	defer lost()
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		w.renew(leadCtx, lost)
	}()
	// A new leader cannot know what the previous one sent in its last
	// moments: waiting out the tenant window first keeps the app-wide limit
	// across a handover (observed: 38 sends in one second without it).
	if pause := w.lim.handoverPause(); pause > 0 {
		select {
		case <-leadCtx.Done():
		case <-w.clock.After(pause):
		}
	}
	d := newDispatch(w, ctx)
	storeWait := time.Duration(0)
	for leadCtx.Err() == nil {
		if free := w.cfg.Batch - d.size(); free > 0 {
			// Every Lease call leases under a name of its own, so that a
			// settle meant for an older lease of the same entry fails
			// (ErrConflict) instead of undoing a newer one.
			d.seq++
			owner := fmt.Sprintf("%s/%d", w.cfg.Owner, d.seq)
			entries, err := w.store.Lease(leadCtx, owner, w.clock.Now(), free, w.cfg.LeaseTTL)
			if err != nil {
				if leadCtx.Err() != nil {
					break
				}
				storeWait = min(max(2*storeWait, 100*time.Millisecond), w.cfg.PollInterval)
				w.log.Warn("outbox lease", "err", err)
				select {
				case <-leadCtx.Done():
				case <-w.clock.After(storeWait):
				}
				continue
			}
			storeWait = 0
			for _, e := range entries {
				e.LeaseOwner = owner
				d.add(e)
			}
			if len(entries) == free {
				continue // there may be more due; lease again once room frees
			}
		}
		wait := w.cfg.PollInterval
		if due := d.nextDue(); !due.IsZero() {
			wait = min(wait, max(due.Sub(w.clock.Now()), 0))
		}
		select {
		case <-leadCtx.Done():
		case <-w.kick:
		case <-d.done:
		case <-w.clock.After(wait):
		}
	}
	d.shutdown()
	lost()
	<-renewed
}

// renew keeps the leader lock and calls lost when it can no longer be sure
// of holding it.
func (w *Worker) renew(ctx context.Context, lost context.CancelFunc) {
	last := w.clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.clock.After(w.cfg.LockTTL / 3):
		}
		ok, err := w.store.AcquireLock(ctx, LockName, w.cfg.Owner, w.cfg.LockTTL)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && ok:
			last = w.clock.Now()
		case err == nil:
			w.log.Warn("outbox lock taken over")
			lost()
			return
		case w.clock.Now().Sub(last) >= w.cfg.LockTTL*2/3:
			w.log.Warn("outbox lock not renewed in time", "err", err)
			lost()
			return
		default:
			w.log.Warn("outbox lock renew", "err", err)
		}
	}
}

// item is one leased entry held in memory. Its lease (LeaseOwner,
// LeaseUntil, Attempts) changes when the entry is leased again while held;
// read it with dispatch.lease.
type item struct {
	e storage.OutboxEntry
}

type lane struct {
	queue []*item
}

// dispatch holds the leased entries of one leadership term: one lane
// (goroutine) per conversation, a semaphore for calls in flight.
type dispatch struct {
	w   *Worker
	ctx context.Context // not canceled on shutdown: calls in flight finish
	sem chan struct{}

	mu    sync.Mutex
	items map[string]*item
	lanes map[string]*lane
	due   time.Time // earliest NotBefore this term handed back

	seq      int // Lease calls, for lease owner names (lead loop only)
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	done     chan struct{} // an item finished (cap 1)
}

func newDispatch(w *Worker, ctx context.Context) *dispatch {
	return &dispatch{
		w:     w,
		ctx:   context.WithoutCancel(ctx),
		sem:   make(chan struct{}, max(w.cfg.Concurrency, 1)),
		items: map[string]*item{},
		lanes: map[string]*lane{},
		stop:  make(chan struct{}),
		done:  make(chan struct{}, 1),
	}
}

func (d *dispatch) size() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.items)
}

func (d *dispatch) nextDue() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	due := d.due
	if !due.IsZero() && !due.After(d.w.clock.Now()) {
		d.due = time.Time{}
	}
	return due
}

func (d *dispatch) noteDue(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.due.IsZero() || t.Before(d.due) {
		d.due = t
	}
}

// lease reads the current lease of it.
func (d *dispatch) lease(it *item) (until time.Time, attempts int, owner string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return it.e.LeaseUntil, it.e.Attempts, it.e.LeaseOwner
}

// add queues a freshly leased entry on its conversation's lane.
func (d *dispatch) add(e storage.OutboxEntry) {
	d.mu.Lock()
	if it, ok := d.items[e.ID]; ok {
		// Leased again while still held (its lease ran out while it
		// waited): keep the one in memory, under the new lease; the old
		// lease can no longer settle anything.
		it.e.LeaseOwner, it.e.LeaseUntil, it.e.Attempts = e.LeaseOwner, e.LeaseUntil, e.Attempts
		d.mu.Unlock()
		return
	}
	key := laneKey(e)
	l := d.lanes[key]
	if l != nil && len(l.queue) >= d.w.cfg.MaxPerConversation {
		d.mu.Unlock()
		at := d.w.clock.Now().Add(d.w.cfg.LeaseTTL / 4)
		d.w.markRetry(d, &item{e: e}, at, "deferred: conversation backlog")
		return
	}
	it := &item{e: e}
	d.items[e.ID] = it
	if l == nil {
		l = &lane{}
		d.lanes[key] = l
		d.wg.Add(1)
		go d.runLane(key, l)
	}
	l.queue = append(l.queue, it)
	d.mu.Unlock()
}

func (d *dispatch) runLane(key string, l *lane) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if len(l.queue) == 0 {
			delete(d.lanes, key)
			d.mu.Unlock()
			return
		}
		it := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		d.mu.Unlock()
		d.processSafely(it)
		select {
		case d.done <- struct{}{}:
		default:
		}
	}
}

// processSafely keeps a bug that one entry triggers from taking the bot
// down (and, after a restart, down again): the entry fails instead.
func (d *dispatch) processSafely(it *item) {
	defer func() {
		if r := recover(); r != nil {
			d.w.log.Error("outbox panic", "entry", it.e.ID, "kind", it.e.Kind, "panic", r, "stack", string(debug.Stack()))
			d.w.fail(d, it, fmt.Sprintf("internal error: %v", r))
		}
	}()
	d.w.process(d, it)
}

// forget drops it from memory; after that a new lease of the same entry is
// queued anew.
func (d *dispatch) forget(it *item) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.items[it.e.ID] == it {
		delete(d.items, it.e.ID)
	}
}

func (d *dispatch) stopped() bool {
	select {
	case <-d.stop:
		return true
	default:
		return false
	}
}

// shutdown lets calls in flight finish and hands back everything else.
func (d *dispatch) shutdown() {
	d.stopOnce.Do(func() { close(d.stop) })
	d.wg.Wait()
}

// laneKey groups entries that go to the same conversation before the
// conversation id is known.
func laneKey(e storage.OutboxEntry) string {
	switch {
	case e.UpdateOf != "":
		return "update:" + e.UpdateOf
	case e.RefKey != "":
		return "ref:" + e.RefKey
	case e.Create != nil:
		return "create:" + e.Create.TenantID + "/" + e.Create.UserID
	}
	return "entry:" + e.ID
}

// target is where an entry goes.
type target struct {
	serviceURL     string
	conversationID string
	tenantID       string
	activityID     string // UpdateOf: the activity to replace
	create         *storage.CreateConversation
}

// errStopped: the worker is stopping; the entry is handed back unsent.
var errStopped = errors.New("worker stopping")

// process takes one entry to its final or next state.
func (w *Worker) process(d *dispatch, it *item) {
	e := it.e
	_, attempts, _ := d.lease(it)
	if attempts > w.cfg.MaxAttempts {
		w.fail(d, it, fmt.Sprintf("gave up after %d attempts (last error: %s)", attempts-1, e.LastError))
		return
	}
	if d.stopped() {
		w.markRetry(d, it, w.clock.Now(), "released: worker stopping")
		return
	}
	var a schema.Activity
	if err := json.Unmarshal(e.Activity, &a); err != nil {
		w.fail(d, it, "invalid activity JSON: "+err.Error())
		return
	}
	tgt, reason, err := w.resolve(d.ctx, e)
	if reason != "" {
		w.fail(d, it, reason)
		return
	}
	if err != nil {
		w.retryAfterError(d, it, "", "", err)
		return
	}
	lk := laneKey(e)
	if tgt.create != nil {
		convID, err := w.createConversation(d, it, lk, tgt)
		if err != nil {
			w.retryAfterError(d, it, lk, tgt.tenantID, err)
			return
		}
		tgt.conversationID = convID
	}
	if tgt.activityID != "" {
		// The update of a delivered card is one more send into its
		// conversation.
		err := w.call(d, it, tgt.conversationID, tgt.tenantID, func(ctx context.Context) error {
			return w.conn.UpdateActivity(ctx, tgt.serviceURL, tgt.conversationID, tgt.activityID, a)
		})
		w.settle(d, it, tgt, tgt.activityID, err)
		return
	}
	var activityID string
	err = w.call(d, it, tgt.conversationID, tgt.tenantID, func(ctx context.Context) error {
		var err error
		activityID, err = w.conn.SendToConversation(ctx, tgt.serviceURL, tgt.conversationID, a)
		return err
	})
	w.settle(d, it, tgt, activityID, err)
}

var aadObjectID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// resolve finds the target of e. A non-empty reason is a final failure; err
// is a store error worth retrying.
func (w *Worker) resolve(ctx context.Context, e storage.OutboxEntry) (target, string, error) {
	switch {
	case e.UpdateOf != "":
		orig, err := w.store.GetOutbox(ctx, e.UpdateOf)
		if errors.Is(err, storage.ErrNotFound) {
			return target{}, fmt.Sprintf("update of unknown entry %q", e.UpdateOf), nil
		}
		if err != nil {
			return target{}, "", fmt.Errorf("read entry to update: %w", err)
		}
		switch orig.State {
		case storage.OutboxDelivered:
		case storage.OutboxFailed:
			return target{}, fmt.Sprintf("entry to update %q failed", e.UpdateOf), nil
		default:
			return target{}, "", fmt.Errorf("entry to update %q is not delivered yet", e.UpdateOf)
		}
		if orig.ActivityID == "" || orig.ConversationID == "" {
			return target{}, fmt.Sprintf("entry to update %q has no activity id", e.UpdateOf), nil
		}
		t := target{conversationID: orig.ConversationID, activityID: orig.ActivityID}
		switch {
		case orig.RefKey != "":
			ref, err := w.store.GetReference(ctx, orig.RefKey)
			if errors.Is(err, storage.ErrNotFound) {
				return target{}, "no conversation reference", nil
			}
			if err != nil {
				return target{}, "", fmt.Errorf("read reference: %w", err)
			}
			t.serviceURL, t.tenantID = ref.ServiceURL, ref.TenantID
		case orig.Create != nil:
			t.serviceURL, t.tenantID = orig.Create.ServiceURL, orig.Create.TenantID
		default:
			return target{}, fmt.Sprintf("entry to update %q has no target", e.UpdateOf), nil
		}
		return t, "", nil
	case e.RefKey != "":
		ref, err := w.store.GetReference(ctx, e.RefKey)
		if errors.Is(err, storage.ErrNotFound) {
			return target{}, "no conversation reference", nil
		}
		if err != nil {
			return target{}, "", fmt.Errorf("read reference: %w", err)
		}
		if ref.ConversationID == "" || ref.ServiceURL == "" {
			return target{}, "conversation reference is incomplete", nil
		}
		return target{serviceURL: ref.ServiceURL, conversationID: ref.ConversationID, tenantID: ref.TenantID}, "", nil
	case e.Create != nil:
		c := e.Create
		if c.UserID == "" || c.ServiceURL == "" {
			return target{}, "createConversation needs a user id and a serviceUrl", nil
		}
		if aadObjectID.MatchString(c.UserID) {
			ref, err := w.store.GetReference(ctx, storage.UserKey(c.UserID))
			if err == nil && ref.ConversationID != "" && ref.ServiceURL != "" {
				return target{serviceURL: ref.ServiceURL, conversationID: ref.ConversationID, tenantID: ref.TenantID}, "", nil
			}
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return target{}, "", fmt.Errorf("read reference: %w", err)
			}
		}
		return target{serviceURL: c.ServiceURL, tenantID: c.TenantID, create: c}, "", nil
	}
	return target{}, "entry names no target (refKey, create or updateOf)", nil
}

// createConversation opens the 1:1 chat and stores its reference so that
// later entries for the user reuse it.
func (w *Worker) createConversation(d *dispatch, it *item, lk string, tgt target) (string, error) {
	c := tgt.create
	params := schema.ConversationParameters{
		IsGroup:  false,
		Bot:      schema.ChannelAccount{ID: w.cfg.BotID, Name: w.cfg.BotName},
		Members:  []schema.ChannelAccount{{ID: c.UserID}},
		TenantID: c.TenantID,
	}
	if c.TenantID != "" {
		params.ChannelData = map[string]any{"tenant": map[string]any{"id": c.TenantID}}
	}
	var convID string
	err := w.call(d, it, lk, c.TenantID, func(ctx context.Context) error {
		var err error
		convID, _, err = w.conn.CreateConversation(ctx, c.ServiceURL, params)
		return err
	})
	if err != nil {
		return "", err
	}
	if aadObjectID.MatchString(c.UserID) {
		ref := storage.Reference{
			Key:              storage.UserKey(c.UserID),
			ConversationID:   convID,
			ConversationType: storage.ConversationPersonal,
			ServiceURL:       c.ServiceURL,
			TenantID:         c.TenantID,
			ChannelID:        "msteams",
			BotID:            w.cfg.BotID,
			BotName:          w.cfg.BotName,
			UserAADID:        c.UserID,
			UpdatedAt:        w.clock.Now(),
		}
		ctx, cancel := context.WithTimeout(d.ctx, w.cfg.SettleTimeout)
		defer cancel()
		if err := w.store.PutReference(ctx, ref); err != nil {
			// The send can still go out; the next entry creates again
			// (Teams returns the same 1:1 chat).
			w.log.Warn("outbox store created reference", "entry", it.e.ID, "err", err)
		}
	}
	return convID, nil
}

// errDeferred carries the time a rate-limit slot frees when it is beyond
// the lease.
type errDeferred struct{ at time.Time }

func (e errDeferred) Error() string { return "deferred: no rate-limit slot before the lease ends" }

// call waits for a rate-limit slot in conv and tenant and a free call slot,
// then runs fn once. Waiting stops when the worker stops (errStopped) or
// when the slot would come too late for the lease (errDeferred).
func (w *Worker) call(d *dispatch, it *item, conv, tenant string, fn func(ctx context.Context) error) error {
	for {
		now := w.clock.Now()
		until, _, _ := d.lease(it)
		deadline := until.Add(-(w.cfg.RequestTimeout + w.cfg.SettleTimeout))
		t := w.lim.earliest(conv, tenant, now)
		if t.After(deadline) {
			return errDeferred{at: t}
		}
		if t.After(now) {
			select {
			case <-d.stop:
				return errStopped
			case <-w.clock.After(t.Sub(now)):
			}
			continue
		}
		select {
		case <-d.stop:
			return errStopped
		case d.sem <- struct{}{}:
		}
		now = w.clock.Now()
		if now.After(deadline) {
			<-d.sem
			return errDeferred{at: now}
		}
		if !w.lim.take(conv, tenant, now) {
			<-d.sem // someone else took the slot meanwhile
			continue
		}
		ctx, cancel := context.WithTimeout(d.ctx, w.cfg.RequestTimeout)
		err := fn(ctx)
		cancel()
		<-d.sem
		return err
	}
}

// settle records the result of the final call of an entry.
func (w *Worker) settle(d *dispatch, it *item, tgt target, activityID string, err error) {
	if err != nil {
		w.retryAfterError(d, it, tgt.conversationID, tgt.tenantID, err)
		return
	}
	w.obs.Delivered(it.e.Kind)
	del := storage.Delivery{At: w.clock.Now(), ConversationID: tgt.conversationID, ActivityID: activityID}
	ctx, cancel := context.WithTimeout(d.ctx, w.cfg.SettleTimeout)
	defer cancel()
	// Keep trying while SettleTimeout lasts: every failure here widens the
	// at-least-once window described in the package comment. The item
	// stays in memory meanwhile, so that if the entry is leased again it
	// is not queued a second time, and its new lease is used here.
	defer d.forget(it)
	pause := 50 * time.Millisecond
	tried := ""
	for {
		_, _, owner := d.lease(it)
		err := w.store.MarkDelivered(ctx, it.e.ID, owner, del)
		if err == nil {
			w.log.Debug("outbox delivered", "entry", it.e.ID, "kind", it.e.Kind)
			return
		}
		if errors.Is(err, storage.ErrConflict) && owner != tried {
			tried = owner // the lease may have moved on under us: look again
			continue
		}
		if errors.Is(err, storage.ErrConflict) || ctx.Err() != nil {
			w.log.Error("outbox delivered but not recorded; it may be sent again", "entry", it.e.ID, "kind", it.e.Kind, "err", err)
			return
		}
		select {
		case <-ctx.Done():
		case <-w.clock.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// retryAfterError classifies err and retries, defers or fails the entry.
func (w *Worker) retryAfterError(d *dispatch, it *item, conv, tenant string, err error) {
	now := w.clock.Now()
	var de errDeferred
	var ce *connector.Error
	switch {
	case errors.Is(err, errStopped):
		w.markRetry(d, it, now, "released: worker stopping")
		return
	case errors.As(err, &de):
		w.markRetry(d, it, de.at, de.Error())
		return
	case errors.Is(err, connector.ErrInvalidRequest):
		w.fail(d, it, err.Error())
		return
	case errors.As(err, &ce) && !ce.Temporary():
		w.fail(d, it, err.Error())
		return
	}
	_, attempts, _ := d.lease(it)
	status := 0
	delay := w.backoff(attempts)
	if ce != nil {
		status = ce.Status
		delay = max(delay, ce.RetryAfter)
		if ce.Status == http.StatusTooManyRequests {
			w.obs.Throttled()
			pause := ce.RetryAfter
			if pause == 0 {
				pause = w.cfg.BaseBackoff
			}
			if conv != "" {
				w.lim.pause(conv, tenant, now.Add(pause), w.cfg.TenantThrottled(ce))
			}
		}
	}
	if attempts >= w.cfg.MaxAttempts {
		w.fail(d, it, fmt.Sprintf("gave up after %d attempts: %v", attempts, err))
		return
	}
	w.obs.Retried(it.e.Kind, status)
	w.log.Info("outbox retry", "entry", it.e.ID, "kind", it.e.Kind, "status", status, "attempt", attempts, "in", delay, "err", err)
	w.markRetry(d, it, now.Add(delay), err.Error())
}

// backoff is exponential with full jitter: uniform in [0, min(cap,
// base·2^(attempt-1))).
func (w *Worker) backoff(attempt int) time.Duration {
	ceil := w.cfg.BaseBackoff
	for i := 1; i < attempt && ceil < w.cfg.MaxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, w.cfg.MaxBackoff)
	return time.Duration(w.cfg.Rand() * float64(ceil))
}

// markRetry and fail drop the item from memory first: a lease taken after
// that is a new item, and this settle, under the old lease, then fails
// with ErrConflict instead of undoing it.
func (w *Worker) markRetry(d *dispatch, it *item, at time.Time, reason string) {
	d.forget(it)
	_, _, owner := d.lease(it)
	ctx, cancel := context.WithTimeout(d.ctx, w.cfg.SettleTimeout)
	defer cancel()
	if err := w.store.MarkRetry(ctx, it.e.ID, owner, at, clip(reason)); err != nil {
		// The lease runs out and the entry comes back by itself.
		w.log.Warn("outbox mark retry", "entry", it.e.ID, "err", err)
		return
	}
	d.noteDue(at)
}

func (w *Worker) fail(d *dispatch, it *item, reason string) {
	d.forget(it)
	_, _, owner := d.lease(it)
	reason = clip(reason)
	w.obs.Failed(it.e.Kind)
	w.log.Warn("outbox entry failed", "entry", it.e.ID, "kind", it.e.Kind, "reason", reason)
	ctx, cancel := context.WithTimeout(d.ctx, w.cfg.SettleTimeout)
	defer cancel()
	if err := w.store.MarkFailed(ctx, it.e.ID, owner, w.clock.Now(), reason); err != nil {
		w.log.Warn("outbox mark failed", "entry", it.e.ID, "err", err)
	}
}

// clip bounds a reason stored in LastError.
func clip(s string) string {
	const max = 1000
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
