package eventstore

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	appends   *prometheus.CounterVec
	events    prometheus.Counter
	duplicate prometheus.Counter
	duration  prometheus.Histogram
	batch     prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (metrics, error) {
	m := metrics{
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "eventstore_appends_total",
			Help: "Append calls by result (ok, duplicate, conflict, error).",
		}, []string{"result"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "eventstore_appended_events_total",
			Help: "Events appended to the log.",
		}),
		duplicate: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "eventstore_duplicate_events_total",
			Help: "Events skipped because their id was already stored (retries).",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "eventstore_append_duration_seconds",
			Help:    "Time to append one batch, commit included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "eventstore_append_batch_events",
			Help:    "Events per append call.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.appends, m.events, m.duplicate, m.duration, m.batch} {
		if err := reg.Register(c); err != nil {
			return metrics{}, err
		}
	}
	return m, nil
}

func (m metrics) observe(start time.Time, res AppendResult, err error) {
	result := "ok"
	switch {
	case errors.Is(err, ErrConcurrency):
		result = "conflict"
	case err != nil:
		result = "error"
	case res.Appended == 0:
		result = "duplicate"
	}
	m.appends.WithLabelValues(result).Inc()
	m.events.Add(float64(res.Appended))
	m.duplicate.Add(float64(res.Duplicates))
	m.duration.Observe(time.Since(start).Seconds())
	m.batch.Observe(float64(res.Appended + res.Duplicates))
}
