package config

import "gopkg.in/yaml.v3"

// decodeRoot decodes the top-level mapping into cfg, which holds the defaults.
func (d *decoder) decodeRoot(root *yaml.Node, cfg *Config) {
	d.decodeFields(root, "", []field{
		{"server", d.section(d.serverFields(&cfg.Server))},
		{"storage", d.section(d.storageFields(&cfg.Storage))},
		{"ingest", d.section(d.ingestFields(&cfg.Ingest))},
		{"turbo", d.section(d.turboFields(&cfg.Turbo))},
		{"delivery", d.section(d.deliveryFields(&cfg.Delivery))},
		{"schedule", d.section(d.scheduleFields(&cfg.Schedule))},
		{"plugins", d.section([]field{{"dir", d.stringField(&cfg.Plugins.Dir)}})},
		{"log", d.section(d.logFields(&cfg.Log))},
		{"connectors", func(n *yaml.Node, path string) { cfg.Connectors = d.decodeConnectors(n, path) }},
		{"routes", func(n *yaml.Node, path string) { cfg.Routes = d.decodeRoutes(n, path) }},
	})
}

// section decodes a mapping whose keys are all among fields.
func (d *decoder) section(fields []field) func(*yaml.Node, string) {
	return func(n *yaml.Node, path string) {
		d.decodeFields(n, path, fields)
	}
}

func (d *decoder) serverFields(s *Server) []field {
	return []field{
		{"listen", d.stringField(&s.Listen)},
		{"admin_listen", d.stringField(&s.AdminListen)},
		{"admin_token", d.secretField(&s.AdminToken)},
		{"instance_id", d.stringField(&s.InstanceID)},
		{"shutdown_timeout", d.durationField(&s.ShutdownTimeout)},
	}
}

func (d *decoder) storageFields(s *Storage) []field {
	return []field{
		{"driver", d.stringField(&s.Driver)},
		{"dsn", d.stringField(&s.DSN)},
		{"max_conns", d.intField(&s.MaxConns)},
		{"retention", d.durationField(&s.Retention)},
		{"retention_interval", d.durationField(&s.RetentionInterval)},
		{"retention_batch", d.intField(&s.RetentionBatch)},
		{"max_size_bytes", d.int64Field(&s.MaxSizeBytes)},
	}
}

func (d *decoder) ingestFields(s *Ingest) []field {
	return []field{
		{"secrets", d.secretListField(&s.Secrets)},
		{"insecure", d.boolField(&s.Insecure)},
		{"max_body_bytes", d.int64Field(&s.MaxBodyBytes)},
		{"max_batch", d.intField(&s.MaxBatch)},
		{"tolerance", d.durationField(&s.Tolerance)},
		{"max_backlog", d.intField(&s.MaxBacklog)},
		{"retry_after", d.durationField(&s.RetryAfter)},
		{"derive", d.boolField(&s.Derive)},
	}
}

func (d *decoder) turboFields(s *Turbo) []field {
	return []field{
		{"web_url", d.stringField(&s.WebURL)},
		{"api_url", d.stringField(&s.APIURL)},
		{"api_token", d.secretField(&s.APIToken)},
	}
}

func (d *decoder) deliveryFields(s *Delivery) []field {
	return []field{
		{"max_attempts", d.intField(&s.MaxAttempts)},
		{"max_age", d.durationField(&s.MaxAge)},
		{"timeout", d.durationField(&s.Timeout)},
		{"min_backoff", d.durationField(&s.MinBackoff)},
		{"max_backoff", d.durationField(&s.MaxBackoff)},
		{"workers", d.intField(&s.Workers)},
		{"max_in_flight_per_destination", d.intField(&s.MaxInFlightPerDestination)},
		{"lease", d.durationField(&s.Lease)},
		{"poll_interval", d.durationField(&s.PollInterval)},
		{"circuit_threshold", d.intField(&s.CircuitThreshold)},
		{"circuit_cooldown", d.durationField(&s.CircuitCooldown)},
		{"disable_after", d.durationField(&s.DisableAfter)},
	}
}

func (d *decoder) logFields(s *Log) []field {
	return []field{
		{"level", d.stringField(&s.Level)},
		{"format", d.stringField(&s.Format)},
	}
}
