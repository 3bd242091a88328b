package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

// statusView is the instance's state: version, config and its last reload.
type statusView struct {
	Version     string     `json:"version"`
	ConfigFile  string     `json:"config_file"`
	LoadedAt    time.Time  `json:"loaded_at"`
	ReloadError string     `json:"reload_error,omitempty"`
	ReloadedAt  *time.Time `json:"reload_failed_at,omitempty"`
	Ready       bool       `json:"ready"`
	NotReady    string     `json:"not_ready,omitempty"`
	Backlog     int64      `json:"backlog"`
	StoreID     string     `json:"store_id"`
	// SettingsDiffer lists the storage settings that differ on another
	// running instance. It is a warning: the instance stays ready.
	SettingsDiffer []settingDifferenceView `json:"settings_differ,omitempty"`
}

// settingDifferenceView is one storage setting whose value differs on
// another running instance.
type settingDifferenceView struct {
	Setting    string `json:"setting"`
	Value      string `json:"value"`
	InstanceID string `json:"other_instance_id"`
	OtherValue string `json:"other_value"`
}

// getStatus serves GET /api/v1/status.
func (s *server) getStatus(w http.ResponseWriter, _ *http.Request, _ string) error {
	writeJSON(w, http.StatusOK, s.status())
	return nil
}

func (s *server) status() statusView {
	rs := s.backend.Reload()
	v := statusView{Version: s.version, ConfigFile: rs.File, LoadedAt: rs.LoadedAt, ReloadError: rs.Error,
		ReloadedAt: timeOrNil(rs.FailedAt), Ready: true, Backlog: s.backend.Store().Backlog(), StoreID: s.backend.Store().StoreID()}
	if err := s.backend.Ready(); err != nil {
		v.Ready, v.NotReady = false, err.Error()
	}
	for _, d := range s.backend.SettingsDifferences() {
		v.SettingsDiffer = append(v.SettingsDiffer, settingDifferenceView{Setting: d.Setting, Value: d.Value,
			InstanceID: d.Instance, OtherValue: d.OtherValue})
	}
	return v
}

// listActions serves GET /api/v1/actions.
func (s *server) listActions(w http.ResponseWriter, r *http.Request, _ string) error {
	filter, err := actionFilter(r.URL.Query())
	if err != nil {
		return err
	}
	items, next, err := s.actionPage(r.Context(), filter)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
	return nil
}

// actionPage returns one page of the audit entries that match filter and
// the cursor of the next.
func (s *server) actionPage(ctx context.Context, filter store.ActionFilter) ([]actionView, string, error) {
	limit := filter.Limit
	filter.Limit++
	found, err := s.backend.Store().Actions(ctx, filter)
	if err != nil {
		return nil, "", err
	}
	found, cursor := trimPage(found, limit, func(a *store.Action) int64 { return a.ID })
	items := make([]actionView, len(found))
	for i, a := range found {
		items[i] = actionView{At: a.At, Actor: a.Actor, Action: a.Action, Target: a.Target, Detail: a.Detail}
	}
	return items, cursor, nil
}

// ErrNoBackup is the error Backend.Backup returns for a store that cannot copy
// itself while it runs. The API responds to it with 501.
var ErrNoBackup = errors.New("this store takes no online backup")

// getBackup serves GET /api/v1/backup: an online copy of the store, written
// to a temporary file next to nothing the client names, then streamed. The
// audit log records the backup once the whole copy was sent, so a client
// that could not take it leaves no entry.
func (s *server) getBackup(w http.ResponseWriter, r *http.Request, actor string) error {
	dir, err := os.MkdirTemp("", "switchboard-backup-")
	if err != nil {
		return fmt.Errorf("create a directory for the backup: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "switchboard.db")
	if err := s.backend.Backup(r.Context(), path); errors.Is(err, ErrNoBackup) {
		return &apiError{status: http.StatusNotImplemented, code: codeNotImplemented, message: err.Error()}
	} else if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open the backup: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read the backup's size: %w", err)
	}

	w.Header().Set("Content-Type", "application/vnd.sqlite3")
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	w.Header().Set("Content-Disposition", `attachment; filename="switchboard-backup.db"`)
	w.WriteHeader(http.StatusOK)
	sent, err := io.Copy(w, f)
	if err != nil || sent != info.Size() {
		s.log.Warn("sending the backup failed; the client has no complete copy, so no audit entry is recorded",
			"actor", actor, "sent_bytes", sent, "bytes", info.Size(), "err", err)
		return nil
	}
	if err := s.record(context.WithoutCancel(r.Context()), actor, "backup", "store", strconv.FormatInt(sent, 10)+" bytes sent"); err != nil {
		s.log.Error("the backup was sent, but recording it in the audit log failed", "actor", actor, "err", err)
	}
	return nil
}
