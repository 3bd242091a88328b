package postgres

import (
	"context"
	"testing"

	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/core/store/postgres/pgtest"
	"github.com/turbocode/switchboard/core/store/storetest"
)

func openTest(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DSN: dsn, MaxConns: 8})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, pgtest.DSN(t)) })
}
