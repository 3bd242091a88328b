//go:build unix

package connectortest

import (
	"fmt"
	"syscall"
	"testing"
)

// closedAddress returns a loopback address that refuses connections: a TCP
// socket bound to it but not listening, kept until the test ends so that no
// other listener of a parallel test can take the port meanwhile.
func closedAddress(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("open a socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind a socket to 127.0.0.1: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("read the bound address: %v", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}
