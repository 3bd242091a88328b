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
			"Exit codes: 0 saved, 1 failed, 2 bad flags or arguments or FILE exists, 4 missing or wrong admin token.", stderr)
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

	size, err := saveBackup(c, path)
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

// saveBackup downloads the copy into a temporary file beside path and
// renames it into place once it is complete, so path never holds half a
// database.
func saveBackup(c *adminClient, path string) (int64, error) {
	resp, err := c.send("GET", "/api/v1/backup", nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, failureOf(resp.StatusCode, raw)
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), ".switchboard-backup-*")
	if err != nil {
		return 0, fmt.Errorf("create a file beside %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
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
