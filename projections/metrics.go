package projections

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus figures.
type Metrics struct {
	events     *prometheus.CounterVec
	batches    *prometheus.HistogramVec
	checkpoint *prometheus.GaugeVec
	errors     *prometheus.CounterVec
}

// NewMetrics creates the engine's metrics and registers them with reg when it is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projection_events_applied_total",
			Help: "Events applied to a projection (rebuild=true while rebuilding).",
		}, []string{"projection", "rebuild"}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "projection_batch_duration_seconds",
			Help:    "Time to apply one batch and advance the checkpoint.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"projection"}),
		checkpoint: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "projection_checkpoint_position",
			Help: "Log position of the last event a projection applied.",
		}, []string{"projection"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projection_runner_errors_total",
			Help: "Runner failures (each is retried with backoff).",
		}, []string{"projection"}),
	}
	if reg != nil {
		reg.MustRegister(m.events, m.batches, m.checkpoint, m.errors)
	}
	return m
}

func (m *Metrics) applied(name string, rebuild bool, n int, position int64, took time.Duration) {
	r := "false"
	if rebuild {
		r = "true"
	} else {
		m.checkpoint.WithLabelValues(name).Set(float64(position))
	}
	m.events.WithLabelValues(name, r).Add(float64(n))
	m.batches.WithLabelValues(name).Observe(took.Seconds())
}

// lagDesc describes the lag gauge the engine's collector reports at scrape time.
var lagDesc = prometheus.NewDesc("projection_lag_events",
	"Committed events a projection has not applied yet, counted when scraped.", []string{"projection"}, nil)

// LagCollector reports each projection's lag when Prometheus scrapes, so the figure is exact at
// that moment and costs nothing between scrapes.
func (e *Engine) LagCollector() prometheus.Collector { return lagCollector{e} }

type lagCollector struct{ e *Engine }

func (c lagCollector) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

func (c lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	statuses, err := c.e.Status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(lagDesc, err)
		return
	}
	for _, s := range statuses {
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(s.Lag), s.Name)
	}
}
