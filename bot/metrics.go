package bot

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"digibot/storage"
)

// Metrics are Digibot's Prometheus collectors: turns at the edge, outbox
// deliveries (it is an outbox.Observer) and job runs (a schedule.Observer).
// A nil *Metrics records nothing, so tests need not wire a registry.
type Metrics struct {
	turns       *prometheus.CounterVec
	turnSeconds *prometheus.HistogramVec
	delivered   *prometheus.CounterVec
	retried     *prometheus.CounterVec
	throttled   prometheus.Counter
	failed      *prometheus.CounterVec
	jobRuns     *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_turns_total", Help: "Incoming activities by type and outcome.",
		}, []string{"type", "outcome"}),
		turnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "digibot_turn_duration_seconds",
			Help:    "Time to handle one incoming activity, replies included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_outbox_delivered_total", Help: "Proactive messages delivered, by kind.",
		}, []string{"kind"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_outbox_retries_total", Help: "Failed delivery attempts that will be retried, by kind and HTTP status (0: network).",
		}, []string{"kind", "status"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "digibot_outbox_throttled_total", Help: "429 answers from the Bot Connector.",
		}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_outbox_failed_total", Help: "Proactive messages that failed for good, by kind.",
		}, []string{"kind"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_job_runs_total", Help: "Scheduled job runs by job and outcome.",
		}, []string{"job", "outcome"}),
	}
	reg.MustRegister(m.turns, m.turnSeconds, m.delivered, m.retried, m.throttled, m.failed, m.jobRuns)
	return m
}

// OutboxCounter is the store's view of the outbox.
type OutboxCounter interface {
	CountOutbox(ctx context.Context) (storage.OutboxCounts, error)
}

// WatchOutbox exports the outbox depth by state, read at scrape time.
func (m *Metrics) WatchOutbox(reg prometheus.Registerer, st OutboxCounter) {
	for _, state := range []storage.OutboxState{storage.OutboxPending, storage.OutboxLeased, storage.OutboxFailed} {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "digibot_outbox_entries", Help: "Outbox entries by state.",
			ConstLabels: prometheus.Labels{"state": string(state)},
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			c, err := st.CountOutbox(ctx)
			if err != nil {
				return -1 // visible in dashboards; readiness reports the cause
			}
			switch state {
			case storage.OutboxPending:
				return float64(c.Pending)
			case storage.OutboxLeased:
				return float64(c.Leased)
			default:
				return float64(c.Failed)
			}
		}))
	}
}

func (m *Metrics) observeTurn(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.turns.WithLabelValues(kind, outcome).Inc()
	m.turnSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

// Delivered implements outbox.Observer.
func (m *Metrics) Delivered(kind string) {
	if m != nil {
		m.delivered.WithLabelValues(kind).Inc()
	}
}

// Retried implements outbox.Observer.
func (m *Metrics) Retried(kind string, status int) {
	if m != nil {
		m.retried.WithLabelValues(kind, strconv.Itoa(status)).Inc()
	}
}

// Throttled implements outbox.Observer.
func (m *Metrics) Throttled() {
	if m != nil {
		m.throttled.Inc()
	}
}

// Failed implements outbox.Observer.
func (m *Metrics) Failed(kind string) {
	if m != nil {
		m.failed.WithLabelValues(kind).Inc()
	}
}

// JobRun implements schedule.Observer.
func (m *Metrics) JobRun(job, outcome string) {
	if m != nil {
		m.jobRuns.WithLabelValues(job, outcome).Inc()
	}
}
