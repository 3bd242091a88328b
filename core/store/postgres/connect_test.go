package postgres

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/turbocode/switchboard/core/store"
)

// serveWrongPassword serves every connection on l as a PostgreSQL server
// that asks for a password and rejects it, until l is closed.
func serveWrongPassword(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			backend := pgproto3.NewBackend(conn, conn)
			msg, err := backend.ReceiveStartupMessage()
			if _, ssl := msg.(*pgproto3.SSLRequest); ssl {
				conn.Write([]byte("N"))
				msg, err = backend.ReceiveStartupMessage()
			}
			if _, ok := msg.(*pgproto3.StartupMessage); !ok || err != nil {
				return
			}
			backend.Send(&pgproto3.AuthenticationCleartextPassword{})
			if backend.Flush() != nil {
				return
			}
			backend.SetAuthType(pgproto3.AuthTypeCleartextPassword)
			if _, err := backend.Receive(); err != nil {
				return
			}
			backend.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: codeInvalidPassword,
				Message: `password authentication failed for user "switchboard"`})
			backend.Flush()
		}()
	}
}

func TestWrongPasswordNamesUserAndServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go serveWrongPassword(l)
	address := l.Addr().String()
	_, port, _ := net.SplitHostPort(address)

	dsns := map[string]string{
		"url":       "postgres://switchboard:secret-password@" + address + "/switchboard?sslmode=disable&connect_timeout=5",
		"key=value": "host=127.0.0.1 port=" + port + " user=switchboard password=secret-password dbname=switchboard sslmode=disable connect_timeout=5",
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			_, err := Open(context.Background(), Options{DSN: dsn, Logger: quiet})
			if err == nil {
				t.Fatal("Open with a rejected password succeeded")
			}
			msg := err.Error()
			for _, want := range []string{`user "switchboard"`, address, "password in storage.dsn", "PGPASSWORD", strconv.Quote("switchboard")} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %s", msg, want)
				}
			}
			if strings.Contains(msg, "secret-password") {
				t.Errorf("the error shows the password: %s", msg)
			}
			if errors.Is(err, store.ErrUnavailable) {
				t.Errorf("a rejected password is reported as the store being unavailable: %s", msg)
			}
		})
	}
}
