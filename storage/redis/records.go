package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"digibot/storage"
)

// References are one hash, key → JSON.

// PutReference stores r under r.Key (UpdatedAt defaults to now).
func (s *Store) PutReference(ctx context.Context, r storage.Reference) error {
	const op = "put reference"
	if err := checkKey(op, "reference key", r.Key); err != nil {
		return err
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = s.now()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return invalid(op, "encode reference %q: %v", r.Key, err)
	}
	return wrap(op, s.rdb.HSet(ctx, s.keys.refs(), r.Key, b).Err())
}

// GetReference returns the reference under key.
func (s *Store) GetReference(ctx context.Context, key string) (storage.Reference, error) {
	const op = "get reference"
	var r storage.Reference
	if err := checkKey(op, "reference key", key); err != nil {
		return r, err
	}
	b, err := s.rdb.HGet(ctx, s.keys.refs(), key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return r, fmt.Errorf("storage/redis: %s: %w: reference %q", op, storage.ErrNotFound, key)
	}
	if err != nil {
		return r, wrap(op, err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("storage/redis: %s: decode reference %q: %w", op, key, err)
	}
	return r, nil
}

// DeleteReference removes the reference under key; an absent one is fine.
func (s *Store) DeleteReference(ctx context.Context, key string) error {
	const op = "delete reference"
	if err := checkKey(op, "reference key", key); err != nil {
		return err
	}
	return wrap(op, s.rdb.HDel(ctx, s.keys.refs(), key).Err())
}

// ListReferences returns all references ordered by key.
func (s *Store) ListReferences(ctx context.Context) ([]storage.Reference, error) {
	const op = "list references"
	all, err := s.rdb.HGetAll(ctx, s.keys.refs()).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]storage.Reference, 0, len(all))
	for k, v := range all {
		var r storage.Reference
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("storage/redis: %s: decode reference %q: %w", op, k, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b storage.Reference) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// AcquireLock takes or renews name for owner until now+ttl.
func (s *Store) AcquireLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	const op = "acquire lock"
	if err := checkKey(op, "lock name", name); err != nil {
		return false, err
	}
	if err := checkClaim(op, owner, ttl); err != nil {
		return false, err
	}
	now := s.now()
	n, err := acquireScript.Run(ctx, s.rdb, []string{s.keys.lock(name)}, owner, score(now), score(now.Add(ttl)), gcMillis(ttl)).Int()
	if err != nil {
		return false, wrap(op, err)
	}
	return n == 1, nil
}

// ReleaseLock frees name if owner holds it.
func (s *Store) ReleaseLock(ctx context.Context, name, owner string) error {
	const op = "release lock"
	if err := checkKey(op, "lock name", name); err != nil {
		return err
	}
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return wrap(op, releaseScript.Run(ctx, s.rdb, []string{s.keys.lock(name)}, owner).Err())
}

func checkClaim(op, owner string, ttl time.Duration) error {
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return checkTTL(op, ttl)
}

func (s *Store) runKey(op, job, period string) (string, error) {
	if err := checkKey(op, "job", job); err != nil {
		return "", err
	}
	if err := checkKey(op, "period", period); err != nil {
		return "", err
	}
	return s.keys.run(job, period), nil
}

// StartRun claims (job, period) for owner unless it is done or claimed by
// another owner whose claim has not expired.
func (s *Store) StartRun(ctx context.Context, job, period, owner string, ttl time.Duration) (bool, error) {
	const op = "start run"
	key, err := s.runKey(op, job, period)
	if err != nil {
		return false, err
	}
	if err := checkClaim(op, owner, ttl); err != nil {
		return false, err
	}
	now := s.now()
	n, err := startRunScript.Run(ctx, s.rdb, []string{key}, owner, score(now), score(now.Add(ttl)), gcMillis(ttl)).Int()
	if err != nil {
		return false, wrap(op, err)
	}
	return n == 1, nil
}

// FinishRun marks (job, period) done for good.
func (s *Store) FinishRun(ctx context.Context, job, period, owner string) error {
	const op = "finish run"
	key, err := s.runKey(op, job, period)
	if err != nil {
		return err
	}
	if err := checkKey(op, "owner", owner); err != nil {
		return err
	}
	return wrap(op, finishRunScript.Run(ctx, s.rdb, []string{key}, owner, formatTime(s.now())).Err())
}

// RunDone reports whether (job, period) is done.
func (s *Store) RunDone(ctx context.Context, job, period string) (bool, error) {
	const op = "run done"
	key, err := s.runKey(op, job, period)
	if err != nil {
		return false, err
	}
	v, err := s.rdb.HGet(ctx, key, "done").Result()
	if errors.Is(err, goredis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, wrap(op, err)
	}
	return v == "1", nil
}

// MarkProcessed records id until now+ttl; first is false when it was
// recorded and not expired.
func (s *Store) MarkProcessed(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	const op = "mark processed"
	if err := checkKey(op, "activity id", id); err != nil {
		return false, err
	}
	if err := checkTTL(op, ttl); err != nil {
		return false, err
	}
	now := s.now()
	n, err := markScript.Run(ctx, s.rdb, []string{s.keys.seen(id)}, score(now), score(now.Add(ttl)), gcMillis(ttl)).Int()
	if err != nil {
		return false, wrap(op, err)
	}
	return n == 1, nil
}

// ForgetProcessed removes id so that its turn can be processed again.
func (s *Store) ForgetProcessed(ctx context.Context, id string) error {
	const op = "forget processed"
	if err := checkKey(op, "activity id", id); err != nil {
		return err
	}
	return wrap(op, s.rdb.Del(ctx, s.keys.seen(id)).Err())
}
