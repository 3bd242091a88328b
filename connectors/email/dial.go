package email

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/turbocode/switchboard/sdk/netguard"
)

// commandTimeout bounds each SMTP command and its reply. It is generous
// because some servers scan a message before they reply to its DATA. The
// delivery's context bounds the whole attempt anyway.
const commandTimeout = 2 * time.Minute

// dialTimeout bounds the TCP connection, over all the server's addresses.
const dialTimeout = 15 * time.Second

// quitTimeout bounds the QUIT exchange when a connection is closed.
const quitTimeout = 5 * time.Second

// autoMechanisms are the SASL mechanisms auth: auto tries, strongest first.
// The PLAIN and LOGIN of go-mail refuse to send a password over a connection
// without TLS unless the server is on localhost.
var autoMechanisms = []mail.SMTPAuthType{
	mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthPlain, mail.SMTPAuthLogin, mail.SMTPAuthCramMD5,
}

// authTypes maps the auth key to go-mail's mechanisms.
var authTypes = map[string]mail.SMTPAuthType{
	authPlain:       mail.SMTPAuthPlain,
	authLogin:       mail.SMTPAuthLogin,
	authCRAMMD5:     mail.SMTPAuthCramMD5,
	authSCRAMSHA1:   mail.SMTPAuthSCRAMSHA1,
	authSCRAMSHA256: mail.SMTPAuthSCRAMSHA256,
	authXOAUTH2:     mail.SMTPAuthXOAUTH2,
}

// dialer opens authenticated SMTP sessions to the configured server.
type dialer struct {
	host      string
	port      int
	policy    string
	tlsConfig *tls.Config
	guard     *netguard.Guard
	// options are the go-mail client options every session shares: port,
	// TLS policy, credentials and timeouts.
	options []mail.Option
}

// newDialer prepares sessions for cfg. Every connection dials through the
// network guard, with its timeouts. The host is written in the config, so the
// guard lets it resolve to private and loopback addresses.
func newDialer(cfg config, resolver netguard.Resolver) *dialer {
	tlsConfig := newTLSConfig(cfg)
	d := &dialer{
		host:      cfg.Host,
		port:      cfg.Port,
		policy:    cfg.TLS,
		tlsConfig: tlsConfig,
		guard:     netguard.New(netguard.Options{AllowPrivate: true, DialTimeout: dialTimeout, Resolver: resolver}),
	}

	d.options = []mail.Option{mail.WithTimeout(commandTimeout), mail.WithTLSConfig(tlsConfig)}
	switch cfg.TLS {
	case tlsImplicit:
		// WithSSL only stops go-mail from attempting STARTTLS, because with a
		// dial function of its own, go-mail leaves the TLS connection to it.
		d.options = append(d.options, mail.WithSSL())
	case tlsNone:
		d.options = append(d.options, mail.WithTLSPolicy(mail.NoTLS))
	default:
		d.options = append(d.options, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	d.options = append(d.options, mail.WithPort(cfg.Port))
	d.options = append(d.options, authOptions(cfg)...)
	return d
}

// newTLSConfig returns the client TLS config: TLS 1.2 or later, the server's
// certificate checked for host, against ca_file's certificates when it is set.
func newTLSConfig(cfg config) *tls.Config {
	return &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: cfg.roots}
}

func authOptions(cfg config) []mail.Option {
	if cfg.Username == "" {
		return nil
	}
	options := []mail.Option{mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password.Reveal())}
	if cfg.Auth == authAuto {
		return append(options, mail.WithOpportunisticSMTPAuth(autoMechanisms...))
	}
	return append(options, mail.WithSMTPAuth(authTypes[cfg.Auth]))
}

// address returns host:port for messages.
func (d *dialer) address() string {
	return net.JoinHostPort(d.host, fmt.Sprint(d.port))
}

// dial opens one session: TCP (and TLS for implicit), greeting, EHLO,
// STARTTLS when the policy requires it, and AUTH. It returns when ctx is done,
// whatever step is waiting.
func (d *dialer) dial(ctx context.Context) (*session, error) {
	s := &session{}
	options := append(append([]mail.Option(nil), d.options...), mail.WithDialContextFunc(s.dialFunc(d)))
	// Each session gets a go-mail client of its own, because the client
	// writes the negotiated auth mechanism into its fields while it dials.
	client, err := mail.NewClient(d.host, options...)
	if err != nil {
		return nil, fmt.Errorf("set up the SMTP client: %w", err)
	}
	s.client = client

	stop := context.AfterFunc(ctx, s.abort)
	smtpClient, err := client.DialToSMTPClientWithContext(ctx)
	aborted := !stop()
	if err != nil || aborted {
		s.abort()
		if ctxErr := context.Cause(ctx); aborted && ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	s.smtp = smtpClient
	return s, nil
}

// session is one open SMTP connection.
type session struct {
	client *mail.Client
	smtp   *smtp.Client

	mu sync.Mutex
	// raw is the TCP connection under any TLS layer. Closing it ends a
	// command that waits for the server at once, where closing the TLS layer
	// would first try to send an alert.
	raw     net.Conn
	aborted bool

	// sent counts the messages sent or attempted on the session, and
	// idleSince is when it was last returned to the pool. The pool reads and
	// writes both.
	sent      int
	idleSince time.Time
}

// dialFunc returns the dial function go-mail calls: through the guard, then
// TLS for the implicit policy. It keeps the TCP connection for abort.
func (s *session) dialFunc(d *dialer) mail.DialContextFunc {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		conn, err := d.guard.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		if !s.keep(conn) {
			return nil, context.Cause(ctx)
		}
		if d.policy != tlsImplicit {
			return conn, nil
		}
		tlsConn := tls.Client(conn, d.tlsConfig)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tlsConn, nil
	}
}

// keep records the TCP connection, or closes it and returns false when the
// session was aborted meanwhile.
func (s *session) keep(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		conn.Close()
		return false
	}
	s.raw = conn
	return true
}

// abort closes the TCP connection, which makes any command waiting on it
// fail at once. The session cannot be used afterwards.
func (s *session) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	if s.raw != nil {
		s.raw.Close()
	}
}

// isAborted reports whether abort was called.
func (s *session) isAborted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aborted
}

// send sends msg on the session. When ctx ends first, it aborts the session:
// the send fails with an error that wraps ctx's cause, unless the server had
// accepted the message already.
func (s *session) send(ctx context.Context, msg *mail.Msg) error {
	stop := context.AfterFunc(ctx, s.abort)
	err := s.client.SendWithSMTPClient(s.smtp, msg)
	s.sent++
	if !stop() && err != nil {
		return &abortedError{cause: context.Cause(ctx), err: err}
	}
	return err
}

// abortedError is a send that failed because the delivery's context ended.
type abortedError struct {
	cause error
	err   error
}

func (e *abortedError) Error() string {
	return fmt.Sprintf("%v before the SMTP server replied (%v)", e.cause, e.err)
}

// Unwrap returns the context's cause, so that errors.Is finds
// context.DeadlineExceeded or context.Canceled.
func (e *abortedError) Unwrap() error { return e.cause }

// close sends QUIT, waits at most quitTimeout for the reply, and closes the
// connection. It returns the error of QUIT, which is common when the session
// is broken.
func (s *session) close() error {
	s.mu.Lock()
	raw, aborted := s.raw, s.aborted
	s.mu.Unlock()
	if raw == nil {
		return nil
	}
	defer raw.Close()
	if aborted || s.smtp == nil {
		return nil
	}
	if err := raw.SetDeadline(time.Now().Add(quitTimeout)); err != nil {
		return err
	}
	return s.smtp.Quit()
}
