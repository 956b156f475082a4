package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"digibot/storage"
)

// purgeBatch bounds one purge script, so that Redis is never blocked long.
var purgeBatch = 1000 // tests lower it

// Outbox keys, in the order the scripts take them.
const (
	kPayload = iota
	kState
	kDue
	kLeased
	kDelivered
	kFailed
)

// payload is the part of an entry the producer wrote; it never changes.
type payload struct {
	Kind     string                      `json:"kind,omitempty"`
	RefKey   string                      `json:"refKey,omitempty"`
	Create   *storage.CreateConversation `json:"create,omitempty"`
	Activity json.RawMessage             `json:"activity"`
	UpdateOf string                      `json:"updateOf,omitempty"`
}

// state is the part the scripts change. Short names keep it small; times
// are RFC 3339 strings ("" for zero).
type state struct {
	State          string `json:"s"`
	Attempts       int    `json:"a"`
	NotBefore      string `json:"nb"`
	LeaseOwner     string `json:"lo"`
	LeaseUntil     string `json:"lu"`
	LastError      string `json:"le"`
	CreatedAt      string `json:"ca"`
	UpdatedAt      string `json:"ua"`
	DeliveredAt    string `json:"da"`
	ConversationID string `json:"cid"`
	ActivityID     string `json:"aid"`
}

func decodeEntry(id, rawPayload, rawState string) (storage.OutboxEntry, error) {
	var p payload
	var st state
	if err := json.Unmarshal([]byte(rawPayload), &p); err != nil {
		return storage.OutboxEntry{}, fmt.Errorf("decode payload of outbox entry %q: %w", id, err)
	}
	if err := json.Unmarshal([]byte(rawState), &st); err != nil {
		return storage.OutboxEntry{}, fmt.Errorf("decode state of outbox entry %q: %w", id, err)
	}
	e := storage.OutboxEntry{
		ID: id, Kind: p.Kind, RefKey: p.RefKey, Create: p.Create, Activity: p.Activity, UpdateOf: p.UpdateOf,
		State: storage.OutboxState(st.State), Attempts: st.Attempts, LeaseOwner: st.LeaseOwner,
		LastError: st.LastError, ConversationID: st.ConversationID, ActivityID: st.ActivityID,
	}
	for _, f := range []struct {
		dst *time.Time
		src string
	}{
		{&e.NotBefore, st.NotBefore}, {&e.LeaseUntil, st.LeaseUntil}, {&e.CreatedAt, st.CreatedAt},
		{&e.UpdatedAt, st.UpdatedAt}, {&e.DeliveredAt, st.DeliveredAt},
	} {
		t, err := parseTime(f.src)
		if err != nil {
			return storage.OutboxEntry{}, fmt.Errorf("decode state of outbox entry %q: %w", id, err)
		}
		*f.dst = t
	}
	return e, nil
}

// Enqueue stores e as pending unless its ID exists.
func (s *Store) Enqueue(ctx context.Context, e storage.OutboxEntry) (bool, error) {
	const op = "enqueue"
	now := s.now()
	if err := checkKey(op, "outbox ID", e.ID); err != nil {
		return false, err
	}
	if len(e.Activity) == 0 || !json.Valid(e.Activity) {
		return false, invalid(op, "entry %q: activity is not valid JSON", e.ID)
	}
	for _, t := range []*time.Time{&e.NotBefore, &e.CreatedAt, &e.UpdatedAt} {
		if t.IsZero() {
			*t = now
		}
	}
	if err := checkTime(op, "NotBefore", e.NotBefore); err != nil {
		return false, err
	}
	p, err := json.Marshal(payload{Kind: e.Kind, RefKey: e.RefKey, Create: e.Create, Activity: e.Activity, UpdateOf: e.UpdateOf})
	if err != nil {
		return false, invalid(op, "entry %q: %v", e.ID, err)
	}
	st, err := json.Marshal(state{
		State:     string(storage.OutboxPending),
		NotBefore: formatTime(e.NotBefore),
		CreatedAt: formatTime(e.CreatedAt),
		UpdatedAt: formatTime(e.UpdatedAt),
	})
	if err != nil {
		return false, invalid(op, "entry %q: %v", e.ID, err)
	}
	k := s.keys.outbox()
	n, err := enqueueScript.Run(ctx, s.rdb, k[:kLeased], e.ID, p, st, score(e.NotBefore)).Int()
	if err != nil {
		return false, wrap(op, err)
	}
	return n == 1, nil
}

// Lease hands out due entries, oldest NotBefore first.
func (s *Store) Lease(ctx context.Context, owner string, now time.Time, max int, ttl time.Duration) ([]storage.OutboxEntry, error) {
	const op = "lease"
	if err := checkKey(op, "owner", owner); err != nil {
		return nil, err
	}
	if max < 1 {
		return nil, invalid(op, "max %d is less than 1", max)
	}
	if err := checkTTL(op, ttl); err != nil {
		return nil, err
	}
	until := now.Add(ttl)
	if err := checkTime(op, "now", now); err != nil {
		return nil, err
	}
	if err := checkTime(op, "lease end", until); err != nil {
		return nil, err
	}
	k := s.keys.outbox()
	res, err := leaseScript.Run(ctx, s.rdb, k[:kDelivered], score(now), max, owner, score(until), formatTime(until), formatTime(now)).StringSlice()
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]storage.OutboxEntry, 0, len(res)/3)
	for i := 0; i+2 < len(res); i += 3 {
		e, err := decodeEntry(res[i], res[i+1], res[i+2])
		if err != nil {
			// Leased but unreadable: it comes back after ttl; say so loudly.
			return out, fmt.Errorf("storage/redis: %s: %w", op, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// settle applies fields to a leased entry that owner holds. outcome is
// delivered, failed or retry; at is the settlement time or, for retry,
// the new NotBefore.
func (s *Store) settle(ctx context.Context, op, id, owner, outcome string, at time.Time, fields map[string]string) error {
	if err := checkKey(op, "outbox ID", id); err != nil {
		return err
	}
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	f, err := json.Marshal(fields)
	if err != nil {
		return invalid(op, "%v", err)
	}
	res, err := settleScript.Run(ctx, s.rdb, s.keys.outbox(), id, owner, outcome, f, score(at)).Slice()
	if err != nil {
		return wrap(op, err)
	}
	code, _ := res[0].(int64)
	switch code {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("storage/redis: %s: %w: outbox entry %q", op, storage.ErrNotFound, id)
	default:
		return fmt.Errorf("storage/redis: %s: %w: outbox entry %q is %v by %q, not leased by %q", op, storage.ErrConflict, id, res[1], res[2], owner)
	}
}

// MarkDelivered records that owner's leased entry went out.
func (s *Store) MarkDelivered(ctx context.Context, id, owner string, d storage.Delivery) error {
	const op = "mark delivered"
	if d.At.IsZero() {
		d.At = s.now()
	}
	if err := checkTime(op, "delivery time", d.At); err != nil {
		return err
	}
	at := formatTime(d.At)
	return s.settle(ctx, op, id, owner, "delivered", d.At, map[string]string{
		"s": string(storage.OutboxDelivered), "da": at, "ua": at, "lu": "",
		"cid": d.ConversationID, "aid": d.ActivityID,
	})
}

// MarkRetry puts owner's leased entry back as pending from notBefore.
func (s *Store) MarkRetry(ctx context.Context, id, owner string, notBefore time.Time, lastErr string) error {
	const op = "mark retry"
	if err := checkTime(op, "notBefore", notBefore); err != nil {
		return err
	}
	return s.settle(ctx, op, id, owner, "retry", notBefore, map[string]string{
		"s": string(storage.OutboxPending), "nb": formatTime(notBefore), "le": lastErr,
		"ua": formatTime(s.now()), "lo": "", "lu": "",
	})
}

// MarkFailed gives up on owner's leased entry.
func (s *Store) MarkFailed(ctx context.Context, id, owner string, at time.Time, lastErr string) error {
	const op = "mark failed"
	if at.IsZero() {
		at = s.now()
	}
	if err := checkTime(op, "failure time", at); err != nil {
		return err
	}
	return s.settle(ctx, op, id, owner, "failed", at, map[string]string{
		"s": string(storage.OutboxFailed), "ua": formatTime(at), "le": lastErr, "lu": "",
	})
}

// GetOutbox returns one entry.
func (s *Store) GetOutbox(ctx context.Context, id string) (storage.OutboxEntry, error) {
	const op = "get outbox entry"
	if err := checkKey(op, "outbox ID", id); err != nil {
		return storage.OutboxEntry{}, err
	}
	k := s.keys.outbox()
	var p, st *goredis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
		p = pipe.HGet(ctx, k[kPayload], id)
		st = pipe.HGet(ctx, k[kState], id)
		return nil
	})
	if err == goredis.Nil || (err == nil && (p.Err() == goredis.Nil || st.Err() == goredis.Nil)) {
		return storage.OutboxEntry{}, fmt.Errorf("storage/redis: %s: %w: outbox entry %q", op, storage.ErrNotFound, id)
	}
	if err != nil {
		return storage.OutboxEntry{}, wrap(op, err)
	}
	e, err := decodeEntry(id, p.Val(), st.Val())
	if err != nil {
		return e, fmt.Errorf("storage/redis: %s: %w", op, err)
	}
	return e, nil
}

// CountOutbox reads the sizes of the outbox sets in one transaction.
func (s *Store) CountOutbox(ctx context.Context) (storage.OutboxCounts, error) {
	k := s.keys.outbox()
	var due, leased, delivered, failed *goredis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
		due = pipe.ZCard(ctx, k[kDue])
		leased = pipe.ZCard(ctx, k[kLeased])
		delivered = pipe.ZCard(ctx, k[kDelivered])
		failed = pipe.ZCard(ctx, k[kFailed])
		return nil
	})
	if err != nil {
		return storage.OutboxCounts{}, wrap("count outbox", err)
	}
	return storage.OutboxCounts{
		Pending:   int(due.Val() - leased.Val()),
		Leased:    int(leased.Val()),
		Delivered: int(delivered.Val()),
		Failed:    int(failed.Val()),
	}, nil
}

// PurgeOutbox deletes entries settled before t, in batches.
func (s *Store) PurgeOutbox(ctx context.Context, before time.Time) (int, error) {
	k := s.keys.outbox()
	keys := []string{k[kPayload], k[kState], k[kDelivered], k[kFailed]}
	bound := clampScore(before)
	total := 0
	for {
		n, err := purgeScript.Run(ctx, s.rdb, keys, bound, strconv.Itoa(purgeBatch)).Int()
		total += n
		if err != nil {
			return total, wrap("purge outbox", err)
		}
		if n < purgeBatch {
			return total, nil
		}
	}
}
