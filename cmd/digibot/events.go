package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"digibot/storage"
)

// countingStore counts domain events as the capabilities record them in
// their logs (questions answered or not, bookings, status updates), so the
// metrics need no hooks inside the capabilities and count exactly what
// was stored.
type countingStore struct {
	storage.Store
	questions *prometheus.CounterVec
	bookings  *prometheus.CounterVec
	updates   prometheus.Counter
}

func newCountingStore(st storage.Store, reg prometheus.Registerer) *countingStore {
	c := &countingStore{
		Store: st,
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_questions_total", Help: "Questions asked, by whether Digibot answered.",
		}, []string{"answered"}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_coaching_events_total", Help: "IT-coaching bookings, cancellations and marks.",
		}, []string{"event"}),
		updates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "digibot_status_updates_total", Help: "Activity status updates recorded.",
		}),
	}
	reg.MustRegister(c.questions, c.bookings, c.updates)
	return c
}

// AppendLog records, then counts what was recorded.
func (c *countingStore) AppendLog(ctx context.Context, log string, at time.Time, data []byte) (string, error) {
	id, err := c.Store.AppendLog(ctx, log, at, data)
	if err != nil {
		return id, err
	}
	switch log {
	case "questions":
		var q struct {
			Answered bool `json:"answered"`
		}
		if json.Unmarshal(data, &q) == nil {
			if q.Answered {
				c.questions.WithLabelValues("yes").Inc()
			} else {
				c.questions.WithLabelValues("no").Inc()
			}
		}
	case "coaching":
		var e struct {
			Event string `json:"event"`
		}
		if json.Unmarshal(data, &e) == nil && e.Event != "" {
			c.bookings.WithLabelValues(e.Event).Inc()
		}
	case "status-history":
		c.updates.Inc()
	}
	return id, nil
}
