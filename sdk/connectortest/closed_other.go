//go:build !unix

package connectortest

import (
	"net"
	"testing"
)

// closedAddress returns a loopback address that refused connections when it
// was chosen: a listener's port, closed again. Another listener may take it.
func closedAddress(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.1: %v", err)
	}
	address := ln.Addr().String()
	ln.Close()
	return address
}
