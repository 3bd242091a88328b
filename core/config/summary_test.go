package config

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{
			file: "testdata/valid/minimal.yaml",
			want: "file:          testdata/valid/minimal.yaml\n" +
				"listen:        127.0.0.1:8470 (ingest)\n" +
				"admin_listen:  off (set server.admin_token to serve the management API, web UI and /metrics)\n" +
				"storage:       sqlite data/switchboard.db\n" +
				"connectors (0):\n" +
				"routes (0):\n",
		},
		{
			file: "testdata/valid/full.yaml",
			want: "file:          testdata/valid/full.yaml\n" +
				"listen:        127.0.0.1:9470 (ingest)\n" +
				"admin_listen:  127.0.0.1:9471 (management API, web UI, /metrics)\n" +
				"storage:       sqlite data/switchboard.db\n" +
				"connectors (4):\n" +
				"  urgent-hook  http\n" +
				"  backup-hook  http\n" +
				"  audit        file\n" +
				"  team-chat    chat\n" +
				"routes (3):\n" +
				"  urgent     to urgent-hook, backup-hook  events issue.*\n" +
				"  audit.all  to audit                     events (all)\n" +
				"  chat       to team-chat, urgent-hook    events issue.created (derived too)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cfg, _ := parseFile(t, tt.file)

			if got := Summary(cfg); got != tt.want {
				t.Errorf("Summary differs\ngot:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestSummaryLongEventListPadsNothing(t *testing.T) {
	long := make([]string, 40)
	for i := range long {
		long[i] = "issue.custom_event_type"
	}
	cfg := &Config{Routes: []Route{
		{Name: "wide", Events: long, To: []Target{{Connector: "log"}}},
		{Name: "narrow", Events: []string{"system.*"}, Derived: true, To: []Target{{Connector: "log"}}},
	}}
	lines := strings.Split(Summary(cfg), "\n")
	want := "  narrow  to log  events system.* (derived too)"
	if !strings.Contains(Summary(cfg), want+"\n") {
		t.Errorf("summary lacks %q:\n%s", want, Summary(cfg))
	}
	for _, line := range lines {
		if strings.HasPrefix(line, "  ") && strings.HasSuffix(line, " ") {
			t.Errorf("line %q ends with spaces", line)
		}
	}
}
