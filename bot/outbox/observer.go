package outbox

import (
	"context"
	"time"

	"digibot/storage"
)

// Observer receives delivery events, so that the bot can count them
// (Prometheus) without this package depending on a metrics library. Calls
// come from several goroutines and must not block.
type Observer interface {
	// Delivered: an entry went out (2xx).
	Delivered(kind string)
	// Retried: an attempt failed and the entry will be tried again; status
	// is the connector's HTTP status, 0 for a network or token error.
	Retried(kind string, status int)
	// Throttled: the connector answered 429.
	Throttled()
	// Failed: an entry failed for good.
	Failed(kind string)
}

// NopObserver ignores every event.
type NopObserver struct{}

func (NopObserver) Delivered(string)    {}
func (NopObserver) Retried(string, int) {}
func (NopObserver) Throttled()          {}
func (NopObserver) Failed(string)       {}

// Depth is the outbox by state, for a gauge and readiness.
func (w *Worker) Depth(ctx context.Context) (storage.OutboxCounts, error) {
	return w.store.CountOutbox(ctx)
}

// Clock is the worker's time source; tests and benchmarks substitute it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
