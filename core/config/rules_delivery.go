package config

import (
	"math"
	"time"
)

// maxWorkers is the highest delivery.workers.
const maxWorkers = 4096

// durationAt is one duration and the key path that sets it.
type durationAt struct {
	path  string
	value time.Duration
}

// checkPositiveDurations requires every duration to be longer than zero.
func checkPositiveDurations(d *decoder, cfg *Config) {
	durations := []durationAt{
		{"server.shutdown_timeout", cfg.Server.ShutdownTimeout},
		{"storage.retention", cfg.Storage.Retention},
		{"storage.retention_interval", cfg.Storage.RetentionInterval},
		{"ingest.tolerance", cfg.Ingest.Tolerance},
		{"ingest.retry_after", cfg.Ingest.RetryAfter},
		{"delivery.max_age", cfg.Delivery.MaxAge},
		{"delivery.timeout", cfg.Delivery.Timeout},
		{"delivery.min_backoff", cfg.Delivery.MinBackoff},
		{"delivery.max_backoff", cfg.Delivery.MaxBackoff},
		{"delivery.lease", cfg.Delivery.Lease},
		{"delivery.poll_interval", cfg.Delivery.PollInterval},
		{"delivery.circuit_cooldown", cfg.Delivery.CircuitCooldown},
		{"schedule.interval", cfg.Schedule.Interval},
	}
	for _, c := range cfg.Connectors {
		path := childPath(c.At.Path, "timeout")
		if d.isSet(path) {
			durations = append(durations, durationAt{path, c.Timeout})
		}
	}

	for _, duration := range durations {
		if duration.value <= 0 && !d.failed[duration.path] {
			d.errorAt(duration.path, "want a positive duration such as 30s, got %s", d.writtenValue(duration.path, FormatDuration(duration.value)))
		}
	}
}

// checkPositiveCounts requires the counts that bound work to be at least 1.
func checkPositiveCounts(d *decoder, cfg *Config) {
	d.checkRange("storage.retention_batch", int64(cfg.Storage.RetentionBatch), 1, math.MaxInt64)
	d.checkRange("storage.max_size_bytes", cfg.Storage.MaxSizeBytes, 0, math.MaxInt64)
	d.checkRange("ingest.max_backlog", int64(cfg.Ingest.MaxBacklog), 1, math.MaxInt64)
	d.checkRange("delivery.max_attempts", int64(cfg.Delivery.MaxAttempts), 1, math.MaxInt64)
	d.checkRange("delivery.max_in_flight_per_destination", int64(cfg.Delivery.MaxInFlightPerDestination), 1, math.MaxInt64)
	d.checkRange("delivery.circuit_threshold", int64(cfg.Delivery.CircuitThreshold), 1, math.MaxInt64)
}

// checkWorkers bounds the number of concurrent attempts.
func checkWorkers(d *decoder, cfg *Config) {
	d.checkRange("delivery.workers", int64(cfg.Delivery.Workers), 1, maxWorkers)
}

// checkBackoffOrder requires min_backoff to be at most max_backoff.
func checkBackoffOrder(d *decoder, cfg *Config) {
	const minPath, maxPath = "delivery.min_backoff", "delivery.max_backoff"
	if cfg.Delivery.MinBackoff <= cfg.Delivery.MaxBackoff || d.failed[minPath] || d.failed[maxPath] {
		return
	}
	at := minPath
	if !d.isSet(minPath) {
		at = maxPath
	}
	d.errorAt(at, "min_backoff %s is longer than max_backoff %s; make min_backoff at most max_backoff",
		d.writtenValue(minPath, FormatDuration(cfg.Delivery.MinBackoff)), d.writtenValue(maxPath, FormatDuration(cfg.Delivery.MaxBackoff)))
}

// checkLease requires a configured lease to outlast the longest attempt timeout
// by minLeaseMargin, so that a running attempt is never claimed by a second worker.
func checkLease(d *decoder, cfg *Config) {
	const path = "delivery.lease"
	if !d.isSet(path) || cfg.Delivery.Lease <= 0 {
		return
	}
	longest, source := longestTimeout(cfg)
	needed := addSaturating(longest, minLeaseMargin)
	if cfg.Delivery.Lease >= needed {
		return
	}

	fix := "at least " + FormatDuration(needed)
	if d.hasReference(source) {
		fix = "at least that timeout plus " + FormatDuration(minLeaseMargin)
	}
	d.errorAt(path, "lease %s is shorter than the longest attempt timeout (%s %s) plus %s; set it to %s, or remove it to use the longest timeout plus %s",
		d.writtenValue(path, ""), source, d.writtenValue(source, FormatDuration(longest)), FormatDuration(minLeaseMargin), fix, FormatDuration(leaseMargin))
}
