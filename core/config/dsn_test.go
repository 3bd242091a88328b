package config

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"file path", "data/switchboard.db", "data/switchboard.db"},
		{"URL without password", "postgres://sb@db:5432/sb", "postgres://sb@db:5432/sb"},
		{"URL with password", "postgres://sb:hunter2@db:5432/sb?sslmode=require", "postgres://sb:xxxxx@db:5432/sb?sslmode=require"},
		{"password parameter", "postgresql://db/sb?user=sb&password=hunter2", "postgresql://db/sb?password=xxxxx&user=sb"},
		{"key=value", "host=db password=hunter2 dbname=sb", "host=db password=xxxxx dbname=sb"},
		{"key=value quoted", "host=db password='hunter 2' dbname=sb", "host=db password=xxxxx dbname=sb"},
		{"invalid URL", "postgres://sb:hun%zzter2@db/sb", "(a DSN that is not a valid URL)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactDSN(tt.dsn)
			if got != tt.want {
				t.Errorf("RedactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, "hunter") {
				t.Errorf("RedactDSN(%q) = %q shows the password", tt.dsn, got)
			}
		})
	}
}

func TestSummaryRedactsDSN(t *testing.T) {
	cfg, _ := parseFile(t, "testdata/valid/postgres.yaml")
	if cfg.Storage.Driver != "postgres" || cfg.Storage.MaxConns != 24 {
		t.Errorf("storage = %s with max_conns %d, want postgres with 24", cfg.Storage.Driver, cfg.Storage.MaxConns)
	}
	summary := Summary(cfg)
	if !strings.Contains(summary, "postgres://switchboard:xxxxx@db.example.com:5432/switchboard") {
		t.Errorf("summary does not show the redacted DSN:\n%s", summary)
	}
	if strings.Contains(summary, ":pw@") {
		t.Errorf("summary shows the password:\n%s", summary)
	}
}
