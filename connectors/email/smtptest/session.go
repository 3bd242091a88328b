package smtptest

import (
	"io"
	"net"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// newSession starts the session of one client connection; go-smtp calls it
// after EHLO.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{server: s, tls: isTLS}, nil
}

// session is one client's SMTP session.
type session struct {
	server   *Server
	tls      bool
	username string

	reply Reply
	from  string
	to    []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.server.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.server.username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.server.username || password != ss.server.password {
			return smtp.ErrAuthFailed
		}
		ss.username = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.server.username != "" && ss.username == "" {
		return smtp.ErrAuthRequired
	}
	ss.reply = ss.server.nextReply()
	if err := ss.server.answer(ss.reply, StageMail); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if reply, rejected := ss.server.rejection(to); rejected {
		return ss.server.answer(reply, StageRcpt)
	}
	if err := ss.server.answer(ss.reply, StageRcpt); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.server.answer(ss.reply, StageData); err != nil {
		return err
	}

	message := Message{From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: ss.tls, Username: ss.username}
	ss.server.update(func() { ss.server.messages = append(ss.server.messages, message) })
	return nil
}

func (ss *session) Reset() {
	ss.reply = Reply{}
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// countingListener counts the connections it accepts and those still open.
type countingListener struct {
	net.Listener
	server *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	counted := &countedConn{Conn: conn, server: l.server}
	l.server.update(func() {
		l.server.accepted++
		l.server.open++
		l.server.conns[counted] = true
	})
	return counted, nil
}

type countedConn struct {
	net.Conn
	server *Server
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.server.update(func() {
			c.server.open--
			delete(c.server.conns, c)
		})
	})
	return c.Conn.Close()
}
