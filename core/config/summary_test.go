package config

import "testing"

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
				"  urgent     events issue.*        to urgent-hook, backup-hook\n" +
				"  audit.all  events (all)          to audit\n" +
				"  chat       events issue.created  to team-chat, urgent-hook\n",
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
