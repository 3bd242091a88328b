package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// maxMailBytes bounds a mail the SMTP sink accepts.
const maxMailBytes = 16 << 20

// serveSMTP accepts mail over plain SMTP on listener, without TLS or
// authentication, and prints each message. It returns a function that stops
// the server.
func (r *receiver) serveSMTP(listener net.Listener) func() {
	server := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &mailSession{receiver: r}, nil
	}))
	server.Domain = "localhost"
	server.MaxMessageBytes = maxMailBytes
	server.ReadTimeout, server.WriteTimeout = time.Minute, time.Minute
	server.ErrorLog = log.New(io.Discard, "", 0)

	done := make(chan struct{})
	go func() {
		defer close(done)
		server.Serve(listener)
	}()
	return func() {
		server.Close()
		<-done
	}
}

// smtpDescribe names the SMTP reply that --status stands for.
func (a responses) smtpDescribe() string {
	if err := a.smtpError(); err != nil {
		return fmt.Sprintf("%d %d.%d.%d", err.Code, err.EnhancedCode[0], err.EnhancedCode[1], err.EnhancedCode[2])
	}
	return "250"
}

// smtpError is the reply that --status stands for at the end of DATA: none
// for 2xx, 451 (temporary, retried) for 429 and 5xx, 550 (permanent) for the
// other statuses.
func (a responses) smtpError() *smtp.SMTPError {
	switch {
	case a.ok():
		return nil
	case a.status == http.StatusTooManyRequests || a.status >= 500:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: fmt.Sprintf("try again later (switchboard receive --status %d)", a.status)}
	default:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: fmt.Sprintf("message rejected (switchboard receive --status %d)", a.status)}
	}
}

// mailSession is one SMTP client's session.
type mailSession struct {
	receiver *receiver
	from     string
	to       []string
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data prints the message, then replies as --status says.
func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	reply := s.receiver.responses.smtpError()
	note := ""
	if reply != nil {
		note = fmt.Sprintf("answered %d %d.%d.%d", reply.Code, reply.EnhancedCode[0], reply.EnhancedCode[1], reply.EnhancedCode[2])
	}
	headline, body := describeMail(s.from, s.to, data)
	s.receiver.print(headline, note, body)
	if reply != nil {
		return reply
	}
	return nil
}

func (s *mailSession) Reset() { s.from, s.to = "", nil }

func (s *mailSession) Logout() error { return nil }

// describeMail returns the printed line of a mail (sender, recipients and
// subject) and, for --body, its threading headers and its text part.
func describeMail(from string, to []string, data []byte) (string, string) {
	headline := fmt.Sprintf("mail from %s to %s", from, strings.Join(to, ", "))
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return headline + fmt.Sprintf("  (unreadable: %v)", err), string(data)
	}
	var decoder mime.WordDecoder
	subject, err := decoder.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	headline += fmt.Sprintf(": %q", shorten(subject, 120))

	var b strings.Builder
	for _, name := range []string{"To", "Reply-To", "Message-ID", "In-Reply-To", "References"} {
		if value := msg.Header.Get(name); value != "" {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	text, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		fmt.Fprintf(&b, "\n(no readable text part: %v)", err)
	} else {
		b.WriteString("\n" + strings.ReplaceAll(text, "\r\n", "\n"))
	}
	return headline, b.String()
}

// textPart returns the first text/plain part of a body, decoded. Multipart
// bodies are searched part by part; quoted-printable is decoded by the
// multipart reader, the rest by decodeTransfer.
func textPart(contentType, encoding string, body io.Reader) (string, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("Content-Type %q: %w", contentType, err)
	}
	if mediaType == "text/plain" {
		return decodeTransfer(encoding, body)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return "", fmt.Errorf("the message is %s", mediaType)
	}

	reader := multipart.NewReader(body, params["boundary"])
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			return "", errors.New("the message has no text/plain part")
		}
		if err != nil {
			return "", err
		}
		text, err := textPart(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
		if err == nil {
			return text, nil
		}
	}
}

// decodeTransfer decodes a part's transfer encoding. The multipart reader
// has decoded quoted-printable parts already and removed their header.
func decodeTransfer(encoding string, body io.Reader) (string, error) {
	switch strings.ToLower(encoding) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	text, err := io.ReadAll(body)
	return string(text), err
}
