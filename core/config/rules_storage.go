package config

import (
	"net/url"
	"strings"
)

// checkStorageDriver accepts sqlite and postgres, and postgresql as another
// name of postgres (the spelling of PostgreSQL's URL scheme), which it
// replaces with postgres.
func checkStorageDriver(d *decoder, cfg *Config) {
	const path = "storage.driver"
	switch {
	case d.failed[path] || cfg.Storage.Driver == "sqlite" || cfg.Storage.Driver == "postgres":
	case cfg.Storage.Driver == "postgresql":
		cfg.Storage.Driver = "postgres"
	default:
		d.errorAt(path, "unknown storage driver %s; use sqlite or postgres", d.writtenValue(path, ""))
		// The DSN's checks depend on the driver, so they would only add an
		// error that repeats this one.
		d.failed["storage.dsn"] = true
	}
}

// checkStorageDSN requires a database location that fits the driver: a file
// path for sqlite, a postgres:// URL or key=value string for postgres. Its
// messages never show the DSN, which may hold a password.
func checkStorageDSN(d *decoder, cfg *Config) {
	const path = "storage.dsn"
	if d.failed[path] {
		return
	}
	dsn := strings.TrimSpace(cfg.Storage.DSN)
	postgresURL := strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	switch cfg.Storage.Driver {
	case "postgres":
		checkPostgresDSN(d, path, dsn, postgresURL)
	default:
		switch {
		case dsn == "":
			d.errorAt(path, "empty DSN; set the database file path, such as data/switchboard.db")
		case postgresURL:
			d.errorAt(path, "a PostgreSQL URL, but storage.driver is sqlite; set storage.driver: postgres")
		}
	}
}

// checkPostgresDSN accepts a postgres:// URL or a key=value string that the
// driver can parse.
func checkPostgresDSN(d *decoder, path, dsn string, postgresURL bool) {
	switch {
	case dsn == "":
		d.errorAt(path, "empty DSN; set a PostgreSQL URL such as postgres://switchboard@db.example.com:5432/switchboard")
	case postgresURL:
		if _, err := url.Parse(dsn); err != nil {
			d.errorAt(path, "not a valid URL; write it as postgres://user:password@host:port/database, with special characters in the password percent-encoded")
		} else if strings.Count(urlAuthority(dsn), "@") > 1 {
			d.errorAt(path, "more than one @ before the host; percent-encode an @ in the user or password as %%40, or leave the password out of the URL and set PGPASSWORD or ~/.pgpass")
		} else if problem := postgresDSNProblem(dsn); problem != "" {
			d.errorAt(path, "invalid PostgreSQL URL: %s; see the connection parameters in PostgreSQL's libpq documentation", problem)
		}
	case strings.Contains(dsn, "://"):
		d.errorAt(path, "not a PostgreSQL URL; it must start with postgres:// or postgresql://")
	case !strings.Contains(dsn, "="):
		d.errorAt(path, "not a PostgreSQL DSN; set a URL such as postgres://switchboard@db.example.com:5432/switchboard or a key=value string such as \"host=db dbname=switchboard\"")
	default:
		if problem := postgresDSNProblem(dsn); problem != "" {
			d.errorAt(path, "invalid key=value DSN: %s; write key=value pairs separated by spaces, such as \"host=db dbname=switchboard\", with a value that holds spaces or quotes in single quotes", problem)
		}
	}
}

// checkStorageMaxConns bounds the pool size, which only the postgres driver
// has.
func checkStorageMaxConns(d *decoder, cfg *Config) {
	const path = "storage.max_conns"
	if cfg.Storage.Driver == "postgres" {
		d.checkRange(path, int64(cfg.Storage.MaxConns), 1, 1000)
		return
	}
	if d.isSet(path) && cfg.Storage.Driver == "sqlite" {
		d.errorAt(path, "only used with storage.driver postgres; remove it, or set storage.driver: postgres")
	}
}

// urlAuthority returns the user, password and hosts of a URL: the text
// between "://" and the path, query or fragment. The driver splits it at its
// first @, not its last as url.Parse does, so an @ in the password would send
// the password's tail to DNS as a host name.
func urlAuthority(dsn string) string {
	_, rest, _ := strings.Cut(dsn, "://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
