package email

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// pool keeps SMTP sessions open between deliveries, so that a burst of
// messages does not pay for TCP, TLS and AUTH each time. At most
// max_connections sessions exist at once, busy or idle. An idle session is
// closed after idle_timeout, and a session after max_messages_per_connection
// messages. go-mail checks a reused session with NOOP before each message and
// resets it with RSET after.
type pool struct {
	dialer      *dialer
	clock       sdk.Clock
	logger      *slog.Logger
	idleTimeout time.Duration
	maxMessages int

	// slots contains one token per busy session.
	slots chan struct{}

	mu sync.Mutex
	// idle contains the sessions ready for reuse, the most recently used last.
	idle   []*session
	closed bool
	// lastDialErr is the error of the latest dial, nil after a success, and
	// lastDialAt its time; Health reports them.
	lastDialErr error
	lastDialAt  time.Time
	dialed      bool

	// wake signals the reaper that a session became idle.
	wake       chan struct{}
	done       chan struct{}
	reaperDone chan struct{}
}

func newPool(d *dialer, cfg config, ic sdk.InstanceConfig) *pool {
	p := &pool{
		dialer:      d,
		clock:       ic.Clock,
		logger:      ic.Logger.With(slog.String("smtp_server", d.address())),
		idleTimeout: time.Duration(cfg.IdleTimeout),
		maxMessages: cfg.MaxMessagesPerConnection,
		slots:       make(chan struct{}, cfg.MaxConnections),
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
		reaperDone:  make(chan struct{}),
	}
	go p.reap()
	return p
}

// get returns a session for one message: the most recently used idle one
// that is still fresh, or a new one. While max_connections sessions are busy
// it waits, until ctx ends. reused reports that the session was idle before.
func (p *pool) get(ctx context.Context) (s *session, reused bool, err error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, false, fmt.Errorf("wait for a free SMTP connection (all %d busy): %w", cap(p.slots), context.Cause(ctx))
	}

	if s := p.takeIdle(); s != nil {
		return s, true, nil
	}
	s, err = p.dialer.dial(ctx)
	if ctx.Err() == nil {
		// Health ignores a dial that the delivery's own deadline cut short,
		// because its failure is no fault of the server.
		p.recordDial(err)
	}
	if err != nil {
		<-p.slots
		return nil, false, &dialError{err: err}
	}
	p.logger.Debug("SMTP connection opened")
	return s, false, nil
}

// takeIdle pops the most recently used idle session, closing the ones that
// have been idle for too long on the way.
func (p *pool) takeIdle() *session {
	p.mu.Lock()
	var stale []*session
	var fresh *session
	now := p.clock.Now()
	for len(p.idle) > 0 && fresh == nil {
		s := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(s.idleSince) >= p.idleTimeout {
			stale = append(stale, s)
			continue
		}
		fresh = s
	}
	p.mu.Unlock()

	p.closeAll(stale, "idle timeout")
	return fresh
}

// put returns a busy session: kept for reuse when reusable is true and the
// session has room for more messages, closed otherwise.
func (p *pool) put(s *session, reusable bool) {
	defer func() { <-p.slots }()

	p.mu.Lock()
	keep := reusable && !p.closed && s.sent < p.maxMessages && !s.isAborted()
	if keep {
		s.idleSince = p.clock.Now()
		p.idle = append(p.idle, s)
	}
	p.mu.Unlock()

	if !keep {
		p.closeAll([]*session{s}, closeReason(reusable, s, p.maxMessages))
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func closeReason(reusable bool, s *session, maxMessages int) string {
	switch {
	case s.isAborted():
		return "delivery cancelled"
	case !reusable:
		return "connection failed"
	case s.sent >= maxMessages:
		return "max_messages_per_connection reached"
	default:
		return "connector closing"
	}
}

// reap closes idle sessions when their idle timeout passes, until Close.
func (p *pool) reap() {
	defer close(p.reaperDone)
	for {
		var fired <-chan time.Time
		var timer sdk.Timer
		if wait, ok := p.nextExpiry(); ok {
			timer = p.clock.NewTimer(wait)
			fired = timer.C()
		}

		select {
		case <-fired:
			p.closeExpired()
		case <-p.wake:
		case <-p.done:
		}
		if timer != nil {
			timer.Stop()
		}
		select {
		case <-p.done:
			return
		default:
		}
	}
}

// nextExpiry returns the time until the oldest idle session expires, and
// false when no session is idle.
func (p *pool) nextExpiry() (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) == 0 {
		return 0, false
	}
	// idle is in order of use, so the first is the oldest.
	wait := p.idle[0].idleSince.Add(p.idleTimeout).Sub(p.clock.Now())
	return max(wait, 0), true
}

// closeExpired closes the sessions idle for idle_timeout or longer.
func (p *pool) closeExpired() {
	p.mu.Lock()
	now := p.clock.Now()
	var expired []*session
	kept := p.idle[:0]
	for _, s := range p.idle {
		if now.Sub(s.idleSince) >= p.idleTimeout {
			expired = append(expired, s)
			continue
		}
		kept = append(kept, s)
	}
	p.idle = kept
	p.mu.Unlock()

	p.closeAll(expired, "idle timeout")
}

func (p *pool) closeAll(sessions []*session, reason string) {
	for _, s := range sessions {
		attrs := []any{slog.String("reason", reason), slog.Int("messages", s.sent)}
		if err := s.close(); err != nil {
			attrs = append(attrs, slog.Any("err", err))
		}
		p.logger.Debug("SMTP connection closed", attrs...)
	}
}

// recordDial keeps the outcome of a dial for Health.
func (p *pool) recordDial(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dialed = true
	p.lastDialErr = err
	p.lastDialAt = p.clock.Now()
}

// health reports the outcome of the latest dial.
func (p *pool) health() sdk.Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.dialed:
		return sdk.Health{OK: true, Message: "no connection made yet"}
	case p.lastDialErr != nil:
		return sdk.Health{OK: false, Message: fmt.Sprintf("the last connection to %s, at %s, failed: %v",
			p.dialer.address(), p.lastDialAt.UTC().Format(time.RFC3339), p.lastDialErr)}
	default:
		return sdk.Health{OK: true, Message: fmt.Sprintf("%d idle connections to %s", len(p.idle), p.dialer.address())}
	}
}

// close stops the reaper and closes the idle sessions. Busy sessions are
// closed when they are put back.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()

	close(p.done)
	<-p.reaperDone
	p.closeAll(idle, "connector closing")
}

// dialError is a failure to open a session: connecting, TLS, the greeting,
// EHLO or AUTH.
type dialError struct {
	err error
}

func (e *dialError) Error() string { return e.err.Error() }

func (e *dialError) Unwrap() error { return e.err }
