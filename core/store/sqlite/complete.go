package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/turbocode/switchboard/core/store"
)

// Complete implements store.Store.
func (s *Store) Complete(ctx context.Context, updates []*store.Update) ([]error, error) {
	results := make([]error, len(updates))
	err := s.writer.do(ctx, func(tx *txn) error {
		finished := map[int64]int64{}
		for i, u := range updates {
			done, err := s.completeOne(tx, u)
			if err != nil {
				return err
			}
			results[i] = done.err
			if done.finished {
				finished[done.destID]--
			}
		}
		tx.req.onCommit(func() { s.addPending(finished) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// completion is what completeOne did: err is the update's own failure
// (ErrLeaseLost, ErrStateConflict), finished whether the delivery left the
// backlog of destination destID.
type completion struct {
	err      error
	finished bool
	destID   int64
}

// completeOne applies one update if its lease token still holds. The attempt is
// recorded only then: an attempt whose lease was lost belongs to a delivery
// another worker owns now, and the dispatcher logs it instead.
func (s *Store) completeOne(tx *txn, u *store.Update) (completion, error) {
	counted := 0
	if u.Attempt != nil {
		counted = 1
	}
	var destID int64
	var orderingKey sql.NullString
	err := s.stmts.complete.QueryRowContext(tx.ctx, stateCodes[u.State], counted, nanos(u.NextAt), u.HoldReason,
		int64(u.HeldFor), u.Reason, nanos(u.At), u.DeliveryID, u.LeaseToken).Scan(&destID, &orderingKey)
	if errors.Is(err, sql.ErrNoRows) {
		return completion{err: store.ErrLeaseLost}, nil
	}
	if err != nil {
		return completion{}, fmt.Errorf("update delivery %d: %w", u.DeliveryID, err)
	}

	if u.Attempt != nil {
		if err := s.insertAttempt(tx, u); err != nil {
			return completion{}, err
		}
	}
	done := completion{finished: u.State.Final(), destID: destID}
	if done.finished && orderingKey.Valid {
		if _, err := s.stmts.promoteNext.ExecContext(tx.ctx, nanos(u.At), orderingKey.String); err != nil {
			return completion{}, fmt.Errorf("make the next delivery of ordering key %s due: %w", orderingKey.String, err)
		}
	}
	if u.EntityState != nil {
		done.err, err = s.writeEntityState(tx, u)
	}
	return done, err
}

func (s *Store) insertAttempt(tx *txn, u *store.Update) error {
	a := u.Attempt
	_, err := s.stmts.insertAttempt.ExecContext(tx.ctx, u.DeliveryID, a.Number, nanos(a.StartedAt),
		a.Duration.Microseconds(), a.Outcome, a.StatusCode, a.Response, a.Error, a.ExternalRef)
	if err != nil {
		return fmt.Errorf("record attempt %d of delivery %d: %w", a.Number, u.DeliveryID, err)
	}
	return nil
}

// writeEntityState stores a connector's new state for an entity (the entity an
// alias stands for, when the key is one) if the version it read still holds,
// and then the state's aliases. A changed version is the update's own error, not the
// transaction's: the delivery's outcome is recorded all the same, because its
// effect at the destination has happened.
func (s *Store) writeEntityState(tx *txn, u *store.Update) (error, error) {
	st := u.EntityState
	key, err := s.resolveInTx(tx, st.Connector, st.EntityKey)
	if err != nil {
		return nil, err
	}
	var changed int64
	if st.Version == 0 {
		changed, err = rowsAffected(s.stmts.insertState.ExecContext(tx.ctx, st.Connector, key, st.Data, nanos(u.At)))
	} else {
		changed, err = rowsAffected(s.stmts.updateState.ExecContext(tx.ctx, st.Data, nanos(u.At), st.Connector, key, st.Version))
	}
	if err != nil {
		return nil, fmt.Errorf("write %s state of %s: %w", st.Connector, key, err)
	}
	if changed == 0 {
		return store.ErrStateConflict, nil
	}
	return nil, s.writeAliases(tx, st, key)
}

type execResult interface{ RowsAffected() (int64, error) }

func rowsAffected(res execResult, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
