package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// parseFile parses a testdata file with the test catalog and environment and
// fails the test on any error.
func parseFile(t *testing.T, file string) (*Config, []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(file, data, testCatalog(), envOf(testEnv))
	if err != nil {
		t.Fatalf("Parse(%s) failed:\n%v", file, err)
	}
	return cfg, data
}

// locate returns the line and column of the unique occurrence of marker in data,
// moved right by offset characters.
func locate(t *testing.T, data []byte, marker string, offset int) (int, int) {
	t.Helper()
	text := string(data)
	if strings.Count(text, marker) != 1 {
		t.Fatalf("marker %q occurs %d times, want once", marker, strings.Count(text, marker))
	}
	start := strings.Index(text, marker) + offset
	line := strings.Count(text[:start], "\n") + 1
	column := start - strings.LastIndex(text[:start], "\n")
	return line, column
}

// checkPosition compares a recorded position with the place of marker in data.
func checkPosition(t *testing.T, data []byte, got Position, marker string, offset int, wantPath string) {
	t.Helper()
	line, column := locate(t, data, marker, offset)
	want := Position{Line: line, Column: column, Path: wantPath}
	if got != want {
		t.Errorf("position = %+v, want %+v (at %q)", got, want, marker)
	}
}

func TestParseValidFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files match testdata/valid/*.yaml")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			parseFile(t, file)
		})
	}
}

func TestParseDefaults(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "switchboard"
	}
	want := &Config{
		File: "testdata/valid/minimal.yaml",
		Server: Server{
			Listen:          "127.0.0.1:8470",
			AdminListen:     "127.0.0.1:8471",
			InstanceID:      host,
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
			Insecure:     true,
			MaxBodyBytes: 1048576,
			MaxBatch:     500,
			Tolerance:    5 * time.Minute,
			MaxBacklog:   1000000,
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
			Lease:                     60 * time.Second,
			PollInterval:              time.Second,
			CircuitThreshold:          5,
			CircuitCooldown:           30 * time.Second,
		},
		Schedule: Schedule{Interval: time.Minute, DueSoon: []time.Duration{72 * time.Hour, 24 * time.Hour}, Location: time.UTC},
		Plugins:  Plugins{Dir: "plugins.d"},
		Log:      Log{Level: "info", Format: "auto"},
	}

	cfg, _ := parseFile(t, "testdata/valid/minimal.yaml")

	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config differs from the defaults\ngot:  %+v\nwant: %+v", cfg, want)
	}
}

func TestParseFullSections(t *testing.T) {
	cfg, _ := parseFile(t, "testdata/valid/full.yaml")

	tests := []struct {
		name      string
		got, want any
	}{
		{"server.listen", cfg.Server.Listen, "127.0.0.1:9470"},
		{"server.admin_listen", cfg.Server.AdminListen, "127.0.0.1:9471"},
		{"server.admin_token from env", cfg.Server.AdminToken.Reveal(), "admin-token-0123456789"},
		{"server.instance_id", cfg.Server.InstanceID, "switchboard-a"},
		{"server.shutdown_timeout", cfg.Server.ShutdownTimeout, 20 * time.Second},
		{"storage.driver", cfg.Storage.Driver, "sqlite"},
		{"storage.dsn with default of unset variable", cfg.Storage.DSN, "data/switchboard.db"},
		{"storage.retention in days", cfg.Storage.Retention, 7 * 24 * time.Hour},
		{"storage.retention_interval", cfg.Storage.RetentionInterval, 15 * time.Minute},
		{"storage.retention_batch with underscore", cfg.Storage.RetentionBatch, 1000},
		{"ingest.secrets from env and file", cfg.Ingest.Secrets, []sdk.Secret{
			"turbo-webhook-secret-0123456789",
			"whsec_c3dpdGNoYm9hcmQtdGVzdC1rZXktMDEyMzQ1Njc4OSE=",
		}},
		{"ingest.insecure", cfg.Ingest.Insecure, false},
		{"ingest.max_body_bytes", cfg.Ingest.MaxBodyBytes, int64(2097152)},
		{"ingest.max_batch", cfg.Ingest.MaxBatch, 200},
		{"ingest.tolerance", cfg.Ingest.Tolerance, 10 * time.Minute},
		{"ingest.max_backlog", cfg.Ingest.MaxBacklog, 50000},
		{"ingest.retry_after", cfg.Ingest.RetryAfter, 10 * time.Second},
		{"turbo.web_url", cfg.Turbo.WebURL, "https://turbo.example.com"},
		{"turbo.api_url", cfg.Turbo.APIURL, "https://turbo.example.com/api/v1"},
		{"turbo.api_token from file without newline", cfg.Turbo.APIToken.Reveal(), "turbo-api-token-for-tests"},
		{"delivery.max_attempts", cfg.Delivery.MaxAttempts, 8},
		{"delivery.max_age with days", cfg.Delivery.MaxAge, 36 * time.Hour},
		{"delivery.timeout", cfg.Delivery.Timeout, 20 * time.Second},
		{"delivery.min_backoff", cfg.Delivery.MinBackoff, 2 * time.Second},
		{"delivery.max_backoff", cfg.Delivery.MaxBackoff, 30 * time.Minute},
		{"delivery.workers from env", cfg.Delivery.Workers, 16},
		{"delivery.max_in_flight_per_destination", cfg.Delivery.MaxInFlightPerDestination, 4},
		{"delivery.lease from longest connector timeout", cfg.Delivery.Lease, 75 * time.Second},
		{"delivery.poll_interval", cfg.Delivery.PollInterval, 500 * time.Millisecond},
		{"delivery.circuit_threshold", cfg.Delivery.CircuitThreshold, 3},
		{"delivery.circuit_cooldown", cfg.Delivery.CircuitCooldown, time.Minute},
		{"plugins.dir", cfg.Plugins.Dir, "/usr/lib/switchboard/plugins"},
		{"log.level", cfg.Log.Level, "debug"},
		{"log.format", cfg.Log.Format, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestParseFullConnectors(t *testing.T) {
	cfg, data := parseFile(t, "testdata/valid/full.yaml")

	names := []string{}
	for _, c := range cfg.Connectors {
		names = append(names, c.Name)
	}
	if want := []string{"urgent-hook", "backup-hook", "audit", "team-chat"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("connector names = %q, want %q in file order", names, want)
	}
	urgent, backup, audit, chat := cfg.Connectors[0], cfg.Connectors[1], cfg.Connectors[2], cfg.Connectors[3]

	t.Run("host keys", func(t *testing.T) {
		if urgent.Type != "http" || urgent.Timeout != 45*time.Second || urgent.AllowPrivate {
			t.Errorf("urgent-hook: type %q, timeout %s, allow_private %t; want http, 45s, false", urgent.Type, urgent.Timeout, urgent.AllowPrivate)
		}
		if audit.Type != "file" || audit.Timeout != 0 || !audit.AllowPrivate {
			t.Errorf("audit: type %q, timeout %s, allow_private %t; want file, 0s, true", audit.Type, audit.Timeout, audit.AllowPrivate)
		}
		if got := fmt.Sprint(backup.AllowCIDRs); got != "[10.20.0.0/16 fd00:1::/64]" {
			t.Errorf("backup-hook allow_cidrs = %s, want [10.20.0.0/16 fd00:1::/64], masked to the prefix", got)
		}
		if _, set := backup.Options["allow_cidrs"]; set {
			t.Error("allow_cidrs is among the connector's own options, want it handled by the host")
		}
	})

	t.Run("options", func(t *testing.T) {
		signing := map[string]any{"scheme": "standard-webhooks", "secret": "hook-secret-0123456789abcdefghij"}
		want := map[string]any{
			"url":        "https://hooks.example.com/turbo",
			"signing":    signing,
			"headers":    map[string]any{"X-Team": "platform", "X-Literal": "${NOT_EXPANDED}"},
			"retries":    3,
			"ratio":      0.5,
			"enabled":    true,
			"note":       nil,
			"secrets":    []any{"first", "platform"},
			"max_uint64": float64(18446744073709551615),
			"mode":       31,
		}
		if !reflect.DeepEqual(urgent.Options, want) {
			t.Errorf("urgent-hook options\ngot:  %#v\nwant: %#v", urgent.Options, want)
		}
	})

	t.Run("merge key and alias", func(t *testing.T) {
		want := map[string]any{
			"url":     "https://backup.example.com/turbo",
			"signing": map[string]any{"scheme": "standard-webhooks", "secret": "hook-secret-0123456789abcdefghij"},
		}
		if backup.Type != "http" || !reflect.DeepEqual(backup.Options, want) {
			t.Errorf("backup-hook: type %q, options %#v; want http, %#v", backup.Type, backup.Options, want)
		}
	})

	t.Run("no options", func(t *testing.T) {
		if chat.Options == nil || len(chat.Options) != 0 {
			t.Errorf("team-chat options = %#v, want an empty non-nil map", chat.Options)
		}
	})

	t.Run("positions", func(t *testing.T) {
		checkPosition(t, data, urgent.At, "  urgent-hook:\n", 2, "connectors.urgent-hook")
		checkPosition(t, data, urgent.Positions["signing.secret"], `"${HOOK_SECRET}"`, 0, "connectors.urgent-hook.signing.secret")
		checkPosition(t, data, urgent.Positions["headers.X-Team"], "X-Team: ${TEAM}", len("X-Team: "), "connectors.urgent-hook.headers.X-Team")
		checkPosition(t, data, urgent.Positions["secrets[1]"], `"${TEAM}"]`, 0, "connectors.urgent-hook.secrets[1]")
		checkPosition(t, data, urgent.Positions["retries"], "retries: 3", len("retries: "), "connectors.urgent-hook.retries")
		checkPosition(t, data, backup.Positions["signing.secret"], `"${HOOK_SECRET}"`, 0, "connectors.backup-hook.signing.secret")
	})
}

func TestParseFullRoutes(t *testing.T) {
	cfg, data := parseFile(t, "testdata/valid/full.yaml")
	if len(cfg.Routes) != 3 {
		t.Fatalf("got %d routes, want 3", len(cfg.Routes))
	}
	urgent, audit, chat := cfg.Routes[0], cfg.Routes[1], cfg.Routes[2]

	t.Run("names and index", func(t *testing.T) {
		for i, want := range []string{"urgent", "audit.all", "chat"} {
			if cfg.Routes[i].Name != want || cfg.Routes[i].Index != i {
				t.Errorf("route %d: name %q, index %d; want %q, %d", i, cfg.Routes[i].Name, cfg.Routes[i].Index, want, i)
			}
		}
	})

	t.Run("events", func(t *testing.T) {
		if !reflect.DeepEqual(urgent.Events, []string{"issue.*"}) {
			t.Errorf("urgent events = %q, want [issue.*]", urgent.Events)
		}
		if audit.Events != nil {
			t.Errorf("audit.all events = %q, want nil (every event type)", audit.Events)
		}
		if !reflect.DeepEqual(chat.Events, []string{"issue.created"}) {
			t.Errorf("chat events = %q, want [issue.created] from a single string", chat.Events)
		}
	})

	t.Run("where keeps YAML types and file order", func(t *testing.T) {
		want := []struct {
			path  string
			value any
		}{
			{"data.current.priority", "high"},
			{"data.current.estimate", 3},
			{"data.current.ratio", 0.5},
			{"data.current.blocked", false},
			{"data.current.assignee", nil},
			{"context.project_id", "platform"},
		}
		if len(chat.Where) != len(want) {
			t.Fatalf("chat has %d matchers, want %d", len(chat.Where), len(want))
		}
		for i, w := range want {
			m := chat.Where[i]
			if m.Path != w.path || !reflect.DeepEqual(m.Values, []any{w.value}) {
				t.Errorf("matcher %d = %s %#v, want %s [%#v]", i, m.Path, m.Values, w.path, w.value)
			}
		}
		if !reflect.DeepEqual(urgent.Where[0].Values, []any{"high", "critical"}) {
			t.Errorf("urgent matcher values = %#v, want [high critical]", urgent.Where[0].Values)
		}
	})

	t.Run("scalar keys", func(t *testing.T) {
		if chat.If != `event.data.current.title.contains("outage")` || chat.Template != "{{ .data.current.title }}" || !chat.Stop || !chat.Derived {
			t.Errorf("chat: if %q, template %q, stop %t, derived %t", chat.If, chat.Template, chat.Stop, chat.Derived)
		}
		if urgent.Stop || urgent.Derived || urgent.If != "" || urgent.Template != "" {
			t.Errorf("urgent: if %q, template %q, stop %t, derived %t; want all unset", urgent.If, urgent.Template, urgent.Stop, urgent.Derived)
		}
	})

	t.Run("targets", func(t *testing.T) {
		if len(urgent.To) != 2 || urgent.To[0].Connector != "urgent-hook" || urgent.To[1].Connector != "backup-hook" {
			t.Fatalf("urgent targets = %+v, want urgent-hook and backup-hook", urgent.To)
		}
		if len(urgent.To[0].Params) != 0 {
			t.Errorf("urgent-hook target params = %#v, want none", urgent.To[0].Params)
		}
		wantChat := map[string]any{"channel": "#platform", "mention": []string{"alice", "bob"}}
		if !reflect.DeepEqual(chat.To[0].Params, wantChat) {
			t.Errorf("team-chat params = %#v, want %#v", chat.To[0].Params, wantChat)
		}
		wantHook := map[string]any{
			"url":     "https://hooks.example.com/{{ .context.project_id }}",
			"headers": map[string]string{"X-Count": "3", "X-Team": "platform"},
		}
		if !reflect.DeepEqual(chat.To[1].Params, wantHook) {
			t.Errorf("urgent-hook params = %#v, want %#v", chat.To[1].Params, wantHook)
		}
	})

	t.Run("positions", func(t *testing.T) {
		checkPosition(t, data, chat.At, "- name: chat", 2, "routes[2]")
		checkPosition(t, data, chat.FieldAt["events"], "events: issue.created", len("events: "), "routes[2].events")
		checkPosition(t, data, chat.FieldAt["where"], "      data.current.priority: high", 6, "routes[2].where")
		checkPosition(t, data, chat.FieldAt["if"], "if: event", len("if: "), "routes[2].if")
		checkPosition(t, data, chat.FieldAt["template"], `template: "{{`, len("template: "), "routes[2].template")
		checkPosition(t, data, chat.FieldAt["to"], "      - connector: team-chat", 6, "routes[2].to")
		checkPosition(t, data, chat.Where[1].At, "estimate: 3", len("estimate: "), "routes[2].where.data.current.estimate")
		checkPosition(t, data, chat.To[0].At, "      - connector: team-chat", 8, "routes[2].to[0]")
		checkPosition(t, data, chat.To[0].ParamAt["channel"], `channel: "#${TEAM}"`, len("channel: "), "routes[2].to[0].channel")
		if _, ok := audit.FieldAt["events"]; ok {
			t.Errorf("audit.all FieldAt has events, which the route does not set")
		}
	})
}

func TestLoadUsesProcessEnvironment(t *testing.T) {
	const secret = "process-env-secret-0123456789"
	t.Setenv("SWITCHBOARD_CONFIG_TEST_SECRET", secret)
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte("ingest:\n  secrets: [\"${SWITCHBOARD_CONFIG_TEST_SECRET}\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg, err := Load(path, testCatalog())

	if err != nil {
		t.Fatalf("Load failed:\n%v", err)
	}
	if cfg.File != path {
		t.Errorf("File = %q, want %q", cfg.File, path)
	}
	if len(cfg.Ingest.Secrets) != 1 || cfg.Ingest.Secrets[0].Reveal() != secret {
		t.Errorf("ingest secrets do not hold the environment variable's value")
	}
}
