package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func runBackup(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	flags := newFlags("backup", "backup FILE [flags]",
		"Saves an online copy of a running instance's SQLite store to FILE, which must not exist.\n"+
			"The copy is consistent and Switchboard keeps running while it is taken. It holds stored\n"+
			"targets in clear, credentials included: keep it as safe as the database.\n"+
			"An instance on PostgreSQL takes no such copy: back up its database with pg_dump.\n"+
			"Exit codes: 0 saved, 1 failed, 2 bad flags or arguments, FILE exists or its directory cannot be written,\n"+
			"4 missing or wrong admin token.", stderr)
	af := addAdminFlags(flags)
	files, code := parseInterleaved(flags, args, stdout)
	if code >= 0 {
		return code
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "switchboard backup: name the file to write")
		return exitUsage
	}
	path := files[0]
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "switchboard backup: %s exists; name a new file\n", path)
		return exitUsage
	}
	c, err := af.client()
	if err != nil {
		return failed(stderr, "backup", err)
	}
	// The file is created before the server is asked, so that a destination
	// that cannot be written costs no copy and leaves no audit entry.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".switchboard-backup-*")
	if err != nil {
		fmt.Fprintf(stderr, "switchboard backup: cannot create a file in %s: %v; name a file in a directory that exists "+
			"and that you can write to\n", filepath.Dir(path), pathErrorCause(err))
		return exitUsage
	}
	defer os.Remove(tmp.Name())

	size, err := saveBackup(c, tmp, path)
	if err != nil {
		return failed(stderr, "backup", err)
	}
	if *af.json {
		printJSON(stdout, map[string]any{"file": path, "bytes": size})
		return exitOK
	}
	fmt.Fprintf(stdout, "saved a copy of the store to %s (%d bytes)\n", path, size)
	return exitOK
}

// saveBackup downloads the copy into tmp, a temporary file beside path, and
// renames it into place once it is complete, so path never holds half a
// database. It closes tmp.
func saveBackup(c *adminClient, tmp *os.File, path string) (int64, error) {
	resp, err := c.send("GET", "/api/v1/backup", nil)
	if err != nil {
		tmp.Close()
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tmp.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, failureOf(resp.StatusCode, raw)
	}

	size, err := io.Copy(tmp, resp.Body)
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return 0, fmt.Errorf("write the backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("move the backup to %s: %w", path, err)
	}
	return size, nil
}

// pathErrorCause drops the operation and path from an *fs.PathError, for a
// message that names the path itself.
func pathErrorCause(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}
