package connectortest

import (
	"strings"
	"sync"
)

// Script holds scripted responses of a platform fake: each is used once, by
// the next request with its method whose path starts with its prefix. It is
// safe for concurrent use.
type Script[F any] struct {
	mu      sync.Mutex
	entries []scriptEntry[F]
}

type scriptEntry[F any] struct {
	method, pathPrefix string
	response           F
}

// Add scripts response for the next n matching requests.
func (s *Script[F]) Add(method, pathPrefix string, n int, response F) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.entries = append(s.entries, scriptEntry[F]{method: method, pathPrefix: pathPrefix, response: response})
	}
}

// Take removes and returns the first response scripted for the request.
func (s *Script[F]) Take(method, path string) (F, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.entries {
		if e.method == method && strings.HasPrefix(path, e.pathPrefix) {
			s.entries = append(s.entries[:i], s.entries[i+1:]...)
			return e.response, true
		}
	}
	var none F
	return none, false
}
