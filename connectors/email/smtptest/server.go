// Package smtptest runs a real SMTP server inside a test process, on
// 127.0.0.1, for the email connector's tests. It records every message it
// accepts and replies as the test scripts it: a reply code for the next
// transactions, a rejection for one recipient, or a stall. It is built on
// github.com/emersion/go-smtp and supports plain SMTP, STARTTLS, implicit TLS and
// AUTH PLAIN.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// maxMessageBytes bounds the messages the server accepts.
const maxMessageBytes = 16 << 20

// Stage is the SMTP command that a scripted Reply replies to.
type Stage int

// The stages of one mail transaction.
const (
	StageMail Stage = iota + 1 // MAIL FROM
	StageRcpt                  // RCPT TO
	StageData                  // the end of DATA, after the message was read
)

// Reply is the scripted reply to one command. A zero Code with Stall unset
// accepts the command.
type Reply struct {
	Stage Stage
	// Code is the SMTP reply code, such as 451 or 550.
	Code int
	// EnhancedCode is the RFC 3463 status, such as {4, 3, 0}; the zero value
	// lets the server derive X.0.0 from Code.
	EnhancedCode [3]int
	Message      string
	// Stall makes the server send no reply until the test ends.
	Stall bool
}

func (r Reply) err() error {
	return &smtp.SMTPError{
		Code:         r.Code,
		EnhancedCode: smtp.EnhancedCode(r.EnhancedCode),
		Message:      r.Message,
	}
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	// Data is the message as transmitted, headers and body, with CRLF line ends.
	Data []byte
	// TLS reports whether the session was encrypted, by STARTTLS or implicit TLS.
	TLS bool
	// Username is the authenticated user, or empty.
	Username string
}

// Option configures a Server.
type Option func(*Server)

// WithAuth makes the server offer AUTH PLAIN and reject MAIL FROM before a
// successful login with username and password. Plain-text sessions may log in,
// as a local relay would allow.
func WithAuth(username, password string) Option {
	return func(s *Server) {
		s.username = username
		s.password = password
	}
}

// WithSTARTTLS makes the server offer STARTTLS with config.
func WithSTARTTLS(config *tls.Config) Option {
	return func(s *Server) { s.tlsConfig = config }
}

// WithImplicitTLS makes the server speak TLS from the first byte with config,
// as on port 465.
func WithImplicitTLS(config *tls.Config) Option {
	return func(s *Server) {
		s.tlsConfig = config
		s.implicitTLS = true
	}
}

// Server is an SMTP server on 127.0.0.1 that accepts every message unless a
// scripted Reply rejects it. It stops when the test ends.
type Server struct {
	server   *smtp.Server
	listener net.Listener

	username, password string
	tlsConfig          *tls.Config
	implicitTLS        bool

	mu        sync.Mutex
	script    []Reply
	rejected  map[string]Reply
	messages  []Message
	accepted  int
	open      int
	conns     map[*countedConn]bool
	stalls    int
	changed   chan struct{} // closed and replaced on every recorded change
	released  chan struct{} // closed when the test ends, to end stalls
	closeOnce sync.Once
}

// NewServer starts a server on 127.0.0.1 with a random port.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		rejected: map[string]Reply{},
		conns:    map[*countedConn]bool{},
		changed:  make(chan struct{}),
		released: make(chan struct{}),
	}
	for _, opt := range opts {
		opt(s)
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen on 127.0.0.1: %v", err)
	}
	s.listener = &countingListener{Listener: listener, server: s}
	if s.implicitTLS {
		s.listener = tls.NewListener(s.listener, s.tlsConfig)
	}

	s.server = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.server.Domain = "smtptest.localhost"
	s.server.MaxMessageBytes = maxMessageBytes
	s.server.AllowInsecureAuth = true
	s.server.ReadTimeout = time.Minute
	s.server.WriteTimeout = time.Minute
	// The server logs connections that clients drop, which the tests do on
	// purpose. Its log also outlives the test, whose log then panics.
	s.server.ErrorLog = log.New(io.Discard, "", 0)
	if !s.implicitTLS {
		s.server.TLSConfig = s.tlsConfig
	}

	go s.server.Serve(s.listener)
	t.Cleanup(s.Close)
	return s
}

// Close ends every stall and stops the server. The test's cleanup calls it.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.released)
		s.server.Close()
	})
}

// Host returns "127.0.0.1".
func (s *Server) Host() string { return "127.0.0.1" }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.listener.Addr().(*net.TCPAddr).Port }

// Addr returns the server's address as host:port.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Script appends replies for the next mail transactions, one per transaction,
// in order. A transaction with no scripted reply left is accepted, unless a
// recipient is rejected by Reject.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Reject replies to RCPT TO for address (compared without regard to case) with
// reply, in every transaction.
func (s *Server) Reject(address string, reply Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply.Stage = StageRcpt
	s.rejected[strings.ToLower(address)] = reply
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Connections returns how many connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// OpenConnections returns how many connections are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// DropConnections closes every open connection without a word, as a server
// does with sessions it has kept idle for too long.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := make([]*countedConn, 0, len(s.conns))
	for conn := range s.conns {
		conns = append(conns, conn)
	}
	s.mu.Unlock()
	for _, conn := range conns {
		conn.Close()
	}
}

// WaitStalls waits until at least n commands are stalled by a Reply with
// Stall set, or fails the test after timeout.
func (s *Server) WaitStalls(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	if !s.waitFor(timeout, func() bool { return s.stalls >= n }) {
		t.Fatalf("smtptest: no stalled command after %s, want %d", timeout, n)
	}
}

// WaitMessages waits until at least n messages have been accepted and returns
// them, or fails the test after timeout.
func (s *Server) WaitMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	if !s.waitFor(timeout, func() bool { return len(s.messages) >= n }) {
		t.Fatalf("smtptest: %d messages accepted in %s, want %d", len(s.Messages()), timeout, n)
	}
	return s.Messages()
}

// WaitOpenConnections waits until exactly n connections are open, or fails the
// test after timeout.
func (s *Server) WaitOpenConnections(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	if !s.waitFor(timeout, func() bool { return s.open == n }) {
		t.Fatalf("smtptest: %d connections open after %s, want %d", s.OpenConnections(), timeout, n)
	}
}

// waitFor waits until done, called with s.mu held, returns true, or until
// timeout.
func (s *Server) waitFor(timeout time.Duration, done func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if done() {
			s.mu.Unlock()
			return true
		}
		changed := s.changed
		s.mu.Unlock()

		select {
		case <-changed:
		case <-timer.C:
			return false
		}
	}
}

// update runs change with s.mu held and wakes the waiters.
func (s *Server) update(change func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change()
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextReply pops the reply scripted for a new transaction.
func (s *Server) nextReply() Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return Reply{}
	}
	reply := s.script[0]
	s.script = s.script[1:]
	return reply
}

func (s *Server) rejection(address string) (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply, ok := s.rejected[strings.ToLower(address)]
	return reply, ok
}

// answer returns the error that reply sets for stage, after a stall when
// reply requests one. It returns nil when reply does not concern stage.
func (s *Server) answer(reply Reply, stage Stage) error {
	if reply.Stage != stage {
		return nil
	}
	if reply.Stall {
		s.update(func() { s.stalls++ })
		<-s.released
		return errors.New("the test ended")
	}
	if reply.Code == 0 {
		return nil
	}
	return reply.err()
}
