package bot

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the edge's Prometheus collectors. A nil *Metrics records
// nothing, so tests need not wire a registry.
type Metrics struct {
	turns       *prometheus.CounterVec
	turnSeconds *prometheus.HistogramVec
}

// NewMetrics registers the edge's collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "digibot_turns_total",
			Help: "Incoming activities by type and outcome.",
		}, []string{"type", "outcome"}),
		turnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "digibot_turn_duration_seconds",
			Help:    "Time to handle one incoming activity, replies included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"type"}),
	}
	reg.MustRegister(m.turns, m.turnSeconds)
	return m
}

func (m *Metrics) observeTurn(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.turns.WithLabelValues(kind, outcome).Inc()
	m.turnSeconds.WithLabelValues(kind).Observe(d.Seconds())
}
