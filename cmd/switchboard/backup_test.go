package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
)

const postgresBackupConfig = `
server:
  admin_token: "` + admintest.Token + `"
  instance_id: backup-test
storage:
  driver: postgres
  dsn: %q
ingest:
  insecure: true
connectors:
  hook:
    type: fake
`

func TestBackupOnPostgresPointsToPgDump(t *testing.T) {
	inst := admintest.Start(t, fmt.Sprintf(postgresBackupConfig, pgtest.DSN(t)))
	t.Setenv("SWITCHBOARD_ADMIN_TOKEN", admintest.Token)

	resp := inst.API(t, http.MethodGet, "/api/v1/backup", nil)
	var body struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	resp.Decode(t, &body)
	if resp.Status != http.StatusNotImplemented || body.Code != "not_implemented" || !strings.Contains(body.Error, "pg_dump") {
		t.Errorf("GET /api/v1/backup on PostgreSQL = %d %+v, want 501 not_implemented naming pg_dump", resp.Status, body)
	}

	path := filepath.Join(t.TempDir(), "copy.db")
	code, _, errOut := cli{t: t, inst: inst}.run("backup", path)
	if code == exitOK {
		t.Errorf("switchboard backup on PostgreSQL exited 0")
	}
	if !strings.Contains(errOut, "pg_dump") || !strings.Contains(errOut, "SQLite") {
		t.Errorf("switchboard backup on PostgreSQL printed %q, want the reason and pg_dump", errOut)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("switchboard backup on PostgreSQL left a file: %v", err)
	}
}
