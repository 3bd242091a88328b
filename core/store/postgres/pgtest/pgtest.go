// Package pgtest gives tests a PostgreSQL schema of their own on the server
// that SWITCHBOARD_TEST_POSTGRES names, such as the one scripts/pg-test-cluster
// starts.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable that holds the test server's DSN.
const EnvVar = "SWITCHBOARD_TEST_POSTGRES"

// ServerDSN returns the test server's DSN. Without one it skips the test,
// except in CI (CI=true), where the PostgreSQL tests must run and the test
// fails.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn != "" {
		return dsn
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set, and CI=true requires the PostgreSQL tests; .ci/run starts a server with scripts/pg-test-cluster", EnvVar)
	}
	t.Skipf("PostgreSQL tests skipped: %s is not set; run them with scripts/pg-test-cluster run go test ./...", EnvVar)
	return ""
}

// DSN returns the DSN of a new, empty schema on the test server, dropped when
// the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := ServerDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, drop, err := NewSchema(ctx, server, "test_"+randomSuffix())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return dsn
}

// NewSchema creates schema name on the server at server and returns a DSN
// whose search_path selects it, and a function that drops the schema with
// everything in it.
func NewSchema(ctx context.Context, server, name string) (string, func(), error) {
	dsn, err := WithSearchPath(server, name)
	if err != nil {
		return "", nil, err
	}
	if err := exec(ctx, server, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", name, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		exec(ctx, server, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE")
	}
	return dsn, drop, nil
}

// WithSearchPath returns the URL dsn with its search_path set to schema.
func WithSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL", EnvVar)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Connect opens a connection of its own to dsn, closed when the test ends,
// for a test that plays another session of the database.
func Connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomSuffix() string {
	var raw [6]byte
	rand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}
