package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// createPrivate creates the database file readable by its owner only (0600),
// before SQLite opens it, because the store holds target credentials in
// clear. SQLite creates the -wal and -shm files with the database file's
// mode, so they are private too. An existing file keeps its mode, and when
// other users may read it, a warning tells how to fix that.
func createPrivate(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the database file %s: %w", path, err)
	}

	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("read the mode of %s: %w", path, err)
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		log.Warn("the store is readable by other users, and it holds target credentials in clear; "+
			"make it private with chmod 600 on the file and its -wal and -shm files", "path", path, "mode", fmt.Sprintf("%04o", mode))
	}
	return nil
}
