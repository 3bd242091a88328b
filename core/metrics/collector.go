package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/turbocode/switchboard/sdk"
)

// storeCollector reads the queue, the dead letters, the circuits and the
// paused connectors at each scrape.
type storeCollector struct {
	src   Source
	clock sdk.Clock

	depth, oldest, dead, circuits, paused *prometheus.Desc
}

func newStoreCollector(src Source, clock sdk.Clock) *storeCollector {
	return &storeCollector{src: src, clock: clock,
		depth:    prometheus.NewDesc("switchboard_queue_depth", "Scheduled deliveries, due or waiting.", nil, nil),
		oldest:   prometheus.NewDesc("switchboard_oldest_pending_age_seconds", "Age of the oldest scheduled delivery; 0 when none.", nil, nil),
		dead:     prometheus.NewDesc("switchboard_dead_deliveries", "Dead deliveries kept in the store (dead letters).", nil, nil),
		circuits: prometheus.NewDesc("switchboard_open_circuits", "Destinations whose circuit is open.", nil, nil),
		paused:   prometheus.NewDesc("switchboard_connector_paused", "1 for each paused or disabled connector.", []string{"connector"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.depth, c.oldest, c.dead, c.circuits, c.paused} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. When the store cannot be read, the
// figures it gives are left out of the scrape rather than reported as 0.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(c.src.Backlog()))
	ch <- prometheus.MustNewConstMetric(c.circuits, prometheus.GaugeValue, float64(c.src.OpenCircuits()))
	for _, name := range c.src.PausedConnectors() {
		ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, 1, name)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.src.Stats(ctx)
	if err != nil {
		slog.Warn("metrics: could not read the store's figures", "err", err)
		return
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(c.clock.Now().Sub(st.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(st.Dead))
}
