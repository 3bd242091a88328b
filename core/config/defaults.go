package config

import (
	"math"
	"os"
	"time"
)

// leaseMargin is what the default delivery.lease adds to the longest attempt
// timeout, and minLeaseMargin the least that a configured lease must add, so that
// a worker can record an attempt's outcome before its lease runs out.
const (
	leaseMargin    = 30 * time.Second
	minLeaseMargin = 5 * time.Second
)

// defaults returns the configuration that an empty file would give, before the
// defaults that depend on other keys (see applyDerivedDefaults).
func defaults(name string) *Config {
	return &Config{
		File: name,
		Server: Server{
			Listen:          "127.0.0.1:8470",
			AdminListen:     "127.0.0.1:8471",
			InstanceID:      defaultInstanceID(),
			ShutdownTimeout: 15 * time.Second,
		},
		Storage: Storage{
			Driver:            "sqlite",
			DSN:               "data/switchboard.db",
			MaxConns:          16,
			Retention:         168 * time.Hour,
			RetentionInterval: 10 * time.Minute,
			RetentionBatch:    500,
		},
		Ingest: Ingest{
			MaxBodyBytes: 1 << 20,
			MaxBatch:     500,
			Tolerance:    5 * time.Minute,
			MaxBacklog:   1_000_000,
			RetryAfter:   5 * time.Second,
			Derive:       true,
		},
		Turbo: Turbo{
			WebURL: "http://localhost:3001",
			APIURL: "http://localhost:8001/api/v1",
		},
		Delivery: Delivery{
			MaxAttempts:               12,
			MaxAge:                    24 * time.Hour,
			Timeout:                   30 * time.Second,
			MinBackoff:                time.Second,
			MaxBackoff:                time.Hour,
			Workers:                   64,
			MaxInFlightPerDestination: 8,
			PollInterval:              time.Second,
			CircuitThreshold:          5,
			CircuitCooldown:           30 * time.Second,
		},
		Schedule: Schedule{Interval: time.Minute, DueSoon: defaultDueSoon, Location: time.UTC},
		Plugins:  Plugins{Dir: "plugins.d"},
		Log:      Log{Level: "info", Format: "auto"},
	}
}

// defaultInstanceID returns the host name, or "switchboard" when it is unknown.
func defaultInstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		return "switchboard"
	}
	return host
}

// applyDerivedDefaults fills the defaults that depend on other keys: the lease is
// the longest attempt timeout plus leaseMargin unless the file sets it, and a
// report's time zone is schedule.tz unless the report sets its own.
func (d *decoder) applyDerivedDefaults(cfg *Config) {
	d.defaultLease(cfg)
	d.defaultReportZones(cfg)
}

func (d *decoder) defaultLease(cfg *Config) {
	if d.isSet("delivery.lease") {
		return
	}
	longest, _ := longestTimeout(cfg)
	cfg.Delivery.Lease = addSaturating(longest, leaseMargin)
}

// addSaturating returns a+b for non-negative a and b, or the longest Duration when
// the sum overflows.
func addSaturating(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// longestTimeout returns the longest attempt timeout, delivery.timeout or a
// connector's own, and the key path that sets it.
func longestTimeout(cfg *Config) (time.Duration, string) {
	longest, path := cfg.Delivery.Timeout, "delivery.timeout"
	for _, c := range cfg.Connectors {
		if c.Timeout > longest {
			longest, path = c.Timeout, childPath(c.At.Path, "timeout")
		}
	}
	return longest, path
}
