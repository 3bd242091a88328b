package connectortest

import (
	"net"
	"net/http"
	"net/http/httptest"
)

// ServeOn serves handler on listener as an httptest.Server, or on a free
// port of 127.0.0.1 when listener is nil, so that a fake runs the same way in
// a test and in a program such as tools/fakes.
func ServeOn(listener net.Listener, handler http.Handler) *httptest.Server {
	if listener == nil {
		return httptest.NewServer(handler)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener.Close()
	srv.Listener = listener
	srv.Start()
	return srv
}
