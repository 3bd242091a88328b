package postgres

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/turbocode/switchboard/core/store"
)

func TestUnavailableScrubsThePasswordFromAFailedConnection(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		pieces []string
	}{
		{"@ in the password", "postgres://switchboard:sbP@ss-w0rd_42@127.0.0.1:5432/switchboard?sslmode=disable&connect_timeout=2",
			[]string{"sbP", "ss-w0rd_42"}},
		{"two @ in the password", "postgres://sb:a1b2c3@d4e5f6@g7h8i9@127.0.0.1:5432/sb?sslmode=disable&connect_timeout=2",
			[]string{"a1b2c3", "d4e5f6", "g7h8i9"}},
		{"plain password", "postgres://sb:hunter2secret@127.0.0.1:5432/sb?sslmode=disable&connect_timeout=2",
			[]string{"hunter2secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			config, err := pgconn.ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			config.LookupFunc = func(_ context.Context, host string) ([]string, error) {
				return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			_, err = pgconn.ConnectConfig(ctx, config)
			if err == nil {
				t.Fatal("connected to a server that should not exist")
			}

			got := unavailable("connect", err)
			if !errors.Is(got, store.ErrUnavailable) {
				t.Errorf("error %q is not store.ErrUnavailable", got)
			}
			for _, piece := range tt.pieces {
				if strings.Contains(got.Error(), piece) {
					t.Errorf("error %q contains the password piece %q", got, piece)
				}
			}
		})
	}
}

func TestUnavailableTellsAMissingPrivilegeFromAnOutage(t *testing.T) {
	tests := []struct {
		name            string
		err             error
		wantUnavailable bool
		wantText        string
	}{
		{"permission denied", &pgconn.PgError{Code: "42501", Message: "permission denied for table meta"}, false,
			"read store id: the PostgreSQL role in storage.dsn may not do this: permission denied for table meta (SQLSTATE 42501); connect as a role that owns the database"},
		{"server shutting down", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true,
			"store unavailable: read store id: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unavailable("read store id", tt.err)
			if errors.Is(got, store.ErrUnavailable) != tt.wantUnavailable {
				t.Errorf("errors.Is(%q, ErrUnavailable) = %v, want %v", got, !tt.wantUnavailable, tt.wantUnavailable)
			}
			if !strings.HasPrefix(got.Error(), tt.wantText) {
				t.Errorf("error = %q, want it to start with %q", got, tt.wantText)
			}
		})
	}
}
