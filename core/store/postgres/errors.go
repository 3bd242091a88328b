package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/turbocode/switchboard/core/store"
)

// unavailable wraps a database error as store.ErrUnavailable, keeping the
// cause, so that ingest answers 503 and the sender tries again.
func unavailable(op string, err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", store.ErrUnavailable, op, err)
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
