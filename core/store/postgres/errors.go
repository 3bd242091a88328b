package postgres

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/turbocode/switchboard/core/store"
)

// unavailable wraps a database error as store.ErrUnavailable, keeping the
// cause, so that ingest answers 503 and the sender tries again. The text of a
// failed connection is scrubbed of the password (see scrubConnectError).
func unavailable(op string, err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if denied := permissionDenied(op, err); denied != nil {
		return denied
	}
	return fmt.Errorf("%w: %s: %w", store.ErrUnavailable, op, scrubConnectError(err))
}

// SQLSTATE codes of errors after which a transaction is run again.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// retryable reports whether a transaction failed only because another
// transaction ran at the same time: two instances stored the same event id
// (the unique index refuses the second, whose check ran before the first
// committed), or PostgreSQL broke a deadlock. Running it again sees the other
// transaction's outcome.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case codeUniqueViolation, codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// codeInsufficientPrivilege is the SQLSTATE of a statement the role may not
// run.
const codeInsufficientPrivilege = "42501"

// permissionDenied describes a statement refused for lack of a privilege, or
// returns nil for any other error. Retrying cannot fix it, so it is not
// store.ErrUnavailable: the role needs to own the database.
func permissionDenied(op string, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != codeInsufficientPrivilege {
		return nil
	}
	return fmt.Errorf("%s: the PostgreSQL role in storage.dsn may not do this: %s (SQLSTATE %s); connect as a role that owns the database and its tables, as docs/deployment.md describes (ALTER DATABASE ... OWNER TO ...)",
		op, pgErr.Message, pgErr.Code)
}

// SQLSTATE codes of a rejected login: a wrong password, or a user the server
// does not let in (pg_hba.conf, or no such role).
const (
	codeInvalidPassword      = "28P01"
	codeInvalidAuthorization = "28000"
)

// connectFailed describes a failed connection. The error for a rejected login
// names the user and the server and where the password comes from, because
// retrying cannot fix it. Like pgx's own errors, it never contains the
// password. Any other failure is store.ErrUnavailable.
func connectFailed(config *pgconn.Config, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code != codeInvalidPassword && pgErr.Code != codeInvalidAuthorization) {
		return unavailable("connect", err)
	}
	return fmt.Errorf("the PostgreSQL server at %s rejected the login of user %q to database %q: %s (SQLSTATE %s); check the user and password in storage.dsn, or PGPASSWORD or ~/.pgpass when the DSN has no password",
		serverAddress(config), config.User, config.Database, pgErr.Message, pgErr.Code)
}

// serverAddress returns where config connects: host:port, or the Unix socket.
func serverAddress(config *pgconn.Config) string {
	if strings.HasPrefix(config.Host, "/") {
		return fmt.Sprintf("%s/.s.PGSQL.%d", config.Host, config.Port)
	}
	return net.JoinHostPort(config.Host, strconv.Itoa(int(config.Port)))
}
