package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// backupBackend writes a backup of size bytes; its store records actions.
type backupBackend struct {
	Backend
	size  int
	store *actionStore
}

func (b backupBackend) Backup(_ context.Context, path string) error {
	return os.WriteFile(path, make([]byte, b.size), 0o600)
}

func (b backupBackend) Store() store.Store { return b.store }

// actionStore is a store with only the audit log.
type actionStore struct {
	store.Store
	actions []*store.Action
}

func (s *actionStore) RecordAction(_ context.Context, a *store.Action) error {
	s.actions = append(s.actions, a)
	return nil
}

// brokenPipe is a response writer whose client went away after limit bytes.
type brokenPipe struct {
	*httptest.ResponseRecorder
	limit int
}

func (w *brokenPipe) Write(p []byte) (int, error) {
	if w.Body.Len()+len(p) > w.limit {
		return 0, errors.New("write: broken pipe")
	}
	return w.ResponseRecorder.Write(p)
}

func TestBackupAuditedOnlyWhenSent(t *testing.T) {
	tc, err := newTokenChecker(sdk.Secret(testToken))
	if err != nil {
		t.Fatal(err)
	}
	actions := &actionStore{}
	s := &server{backend: backupBackend{size: 1 << 20, store: actions}, token: tc, log: slog.New(slog.DiscardHandler),
		clock: clock.NewFake(time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC))}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/backup", nil)

	if err := s.getBackup(&brokenPipe{ResponseRecorder: httptest.NewRecorder(), limit: 64 << 10}, req, "ops"); err != nil {
		t.Fatal(err)
	}
	if len(actions.actions) != 0 {
		t.Errorf("a backup the client did not take is in the audit log: %+v", actions.actions[0])
	}

	if err := s.getBackup(httptest.NewRecorder(), req, "ops"); err != nil {
		t.Fatal(err)
	}
	if len(actions.actions) != 1 || actions.actions[0].Detail != "1048576 bytes sent" {
		t.Errorf("audit after a backup sent whole = %+v, want one entry with its size", actions.actions)
	}
}
