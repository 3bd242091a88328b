// Package metrics keeps Switchboard's Prometheus metrics: events received and
// rejected, delivery attempts and their duration, the queue, dead letters,
// circuits, paused connectors, skipped deliveries by kind, config reloads and
// plugin restarts. Every label value is bounded: event types outside the
// known catalogue are "other", and connector and route names come from the
// config.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// Source supplies the figures read at each scrape.
type Source interface {
	// Backlog returns the number of scheduled deliveries.
	Backlog() int64
	// Stats returns the dead-letter count and the oldest pending delivery.
	Stats(ctx context.Context) (*store.Stats, error)
	// OpenCircuits returns the number of destinations whose circuit is open.
	OpenCircuits() int
	// PausedConnectors returns the names of the paused connectors.
	PausedConnectors() []string
}

// Metrics is the set of metrics of one process.
type Metrics struct {
	registry *prometheus.Registry
	clock    sdk.Clock

	received     *prometheus.CounterVec
	rejected     *prometheus.CounterVec
	strayPaths   prometheus.Counter
	outcomes     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	reloads      *prometheus.CounterVec
	reloadOK     prometheus.Gauge
	restarts     *prometheus.CounterVec
	pluginFailed *prometheus.GaugeVec
	systemOut    *prometheus.CounterVec
	skips        *prometheus.CounterVec

	routeTypes atomic.Pointer[map[string]bool]
}

// New registers every metric; src is read at each scrape.
func New(src Source, clock sdk.Clock) *Metrics {
	m := &Metrics{registry: prometheus.NewRegistry(), clock: clock}
	m.received = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_events_received_total",
		Help: "Events accepted by ingest, by event type (\"other\" outside the catalogue) and inbound format."},
		[]string{"event_type", "source"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_events_rejected_total",
		Help: "Requests to the event endpoints rejected, by reason."}, []string{"reason"})
	m.strayPaths = prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_ingest_unknown_path_requests_total",
		Help: "Requests to the ingest listener for a path it does not serve, such as /favicon.ico or a scanner's probes."})
	m.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_delivery_attempts_total",
		Help: "Delivery attempts, by connector, route and outcome (delivered, retry, permanent, skipped)."},
		[]string{"connector", "route", "outcome"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "switchboard_attempt_duration_seconds",
		Help: "Duration of delivery attempts, by connector.", Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
		[]string{"connector"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_config_reloads_total",
		Help: "Config reloads, by result (applied, rejected)."}, []string{"result"})
	m.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{Name: "switchboard_config_last_reload_successful",
		Help: "1 when the last config reload was applied (or none was tried), 0 when it was rejected."})
	m.reloadOK.Set(1)
	m.restarts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_plugin_restarts_total",
		Help: "Restarts of out-of-process connector plugins, by plugin."}, []string{"plugin"})
	m.pluginFailed = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "switchboard_plugin_failed",
		Help: "1 for each plugin that could not be started and whose deliveries are held."}, []string{"plugin"})
	m.systemOut = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_system_events_total",
		Help: "System events raised, by event type."}, []string{"event_type"})

	m.skips = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_delivery_skips_total",
		Help: "Skipped deliveries, by connector, route and kind (echo, loop_limit, condition, other)."},
		[]string{"connector", "route", "kind"})

	m.registry.MustRegister(m.received, m.rejected, m.strayPaths, m.outcomes, m.duration, m.reloads, m.reloadOK, m.restarts, m.pluginFailed, m.systemOut, m.skips,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registry.MustRegister(newStoreCollector(src, clock))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Received counts an accepted event.
func (m *Metrics) Received(eventType, source string) {
	m.received.WithLabelValues(m.typeLabel(eventType), source).Inc()
}

// Attempted counts a delivery attempt and its duration.
func (m *Metrics) Attempted(connector, route string, outcome sdk.Outcome, duration time.Duration) {
	m.outcomes.WithLabelValues(connector, route, outcome.String()).Inc()
	m.duration.WithLabelValues(connector).Observe(duration.Seconds())
}

// Skipped counts a skipped delivery by its kind; a kind outside the SDK's
// list counts as "other", so that a plugin cannot grow the label set.
func (m *Metrics) Skipped(connector, route string, kind sdk.SkipKind) {
	label := "other"
	switch kind {
	case sdk.SkipEcho, sdk.SkipLoopLimit, sdk.SkipCondition:
		label = string(kind)
	}
	m.skips.WithLabelValues(connector, route, label).Inc()
}

// Reloaded counts a config reload.
func (m *Metrics) Reloaded(applied bool) {
	if applied {
		m.reloads.WithLabelValues("applied").Inc()
		m.reloadOK.Set(1)
		return
	}
	m.reloads.WithLabelValues("rejected").Inc()
	m.reloadOK.Set(0)
}

// PluginRestarted counts a restart of a plugin process.
func (m *Metrics) PluginRestarted(plugin string) {
	m.restarts.WithLabelValues(plugin).Inc()
}

// PluginFailed sets whether a plugin is failed: it could not be started, so
// its deliveries are held.
func (m *Metrics) PluginFailed(plugin string, failed bool) {
	value := 0.0
	if failed {
		value = 1
	}
	m.pluginFailed.WithLabelValues(plugin).Set(value)
}

// SystemEvent counts a raised system event.
func (m *Metrics) SystemEvent(eventType string) {
	m.systemOut.WithLabelValues(m.typeLabel(eventType)).Inc()
}

// rejectionReasons names the ingest responses by status code.
var rejectionReasons = map[int]string{
	http.StatusBadRequest:            "invalid",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusServiceUnavailable:    "unavailable",
}

// CountRejections wraps the ingest handler and counts each response with a
// status of 400 or more to a request for an event endpoint (isEndpoint) by
// its reason. Requests for other paths are counted apart, so that scanners
// and browsers asking for /favicon.ico do not look like rejected events; the
// health checks are not counted.
func (m *Metrics) CountRejections(next http.Handler, isEndpoint func(path string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		switch {
		case rec.status < 400 || r.URL.Path == "/readyz" || r.URL.Path == "/healthz":
			return
		case !isEndpoint(r.URL.Path):
			m.strayPaths.Inc()
			return
		}
		reason, ok := rejectionReasons[rec.status]
		if !ok {
			reason = "status_" + strconv.Itoa(rec.status)
			if rec.status >= 500 {
				reason = "internal"
			}
		}
		m.rejected.WithLabelValues(reason).Inc()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
