package admin

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// Limits on requests with a wrong admin token, per client address.
const (
	// tokenFailureWindow is the fixed window the failures are counted in.
	tokenFailureWindow = time.Minute
	// tokenFailureLimit is how many failures of a window get 401; the ones
	// after it get 429 until the window ends.
	tokenFailureLimit = 20
	// maxFailureAddresses bounds the addresses counted one by one; further
	// addresses share one count.
	maxFailureAddresses = 10000
)

// tokenFailures counts requests with a wrong admin token per client address
// in fixed windows. A script with a stale token, or someone guessing, gets
// 429 after tokenFailureLimit of them, and the log gets at most two lines per
// address and window instead of one per request. A request with the right
// token is served even from a limited address, because the token's length is
// what makes guessing hopeless. A limit that also rejected the right token
// would let anyone on a shared address lock the operators out.
type tokenFailures struct {
	mu      sync.Mutex
	clock   sdk.Clock
	windows map[string]*failureWindow
}

// failureWindow is one address's count in the window that started at start.
type failureWindow struct {
	start time.Time
	count int
}

// overflowAddress is the shared key of the addresses counted after
// maxFailureAddresses.
const overflowAddress = "(other addresses)"

func newTokenFailures(clock sdk.Clock) *tokenFailures {
	return &tokenFailures{clock: clock, windows: map[string]*failureWindow{}}
}

// add counts a failure from address and returns the failure's number in
// the current window and when that window ends.
func (f *tokenFailures) add(address string) (count int, windowEnd time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	w, ok := f.windows[address]
	if !ok && len(f.windows) >= maxFailureAddresses {
		f.dropEnded(now)
		if len(f.windows) >= maxFailureAddresses {
			address = overflowAddress
			w, ok = f.windows[address]
		}
	}
	if !ok || !now.Before(w.start.Add(tokenFailureWindow)) {
		w = &failureWindow{start: now}
		f.windows[address] = w
	}
	w.count++
	return w.count, w.start.Add(tokenFailureWindow)
}

// dropEnded deletes the windows that ended; the caller holds f.mu.
func (f *tokenFailures) dropEnded(now time.Time) {
	for address, w := range f.windows {
		if !now.Before(w.start.Add(tokenFailureWindow)) {
			delete(f.windows, address)
		}
	}
}

// clientAddress is the request's remote IP address, without the port.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// noteTokenFailure counts a request with a wrong admin token and logs the
// first of its address's window and the first one over the limit. It
// returns how long the client must wait, or 0 while it is under the limit.
func (s *server) noteTokenFailure(r *http.Request, message string) time.Duration {
	address := clientAddress(r)
	count, windowEnd := s.failures.add(address)
	switch {
	case count == 1:
		s.log.Warn(message, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	case count == tokenFailureLimit+1:
		s.log.Warn(message+"; too many from this address, so the others of this window get 429 and are not logged",
			"remote", r.RemoteAddr, "failures", count, "until", windowEnd)
	}
	if count <= tokenFailureLimit {
		return 0
	}
	return max(windowEnd.Sub(s.clock.Now()), time.Second)
}

// wholeSeconds rounds wait up to whole seconds, for Retry-After.
func wholeSeconds(wait time.Duration) int { return int((wait + time.Second - 1) / time.Second) }
