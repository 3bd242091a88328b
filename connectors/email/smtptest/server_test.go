package smtptest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// send sends one message with go-smtp's client and returns the error of the
// first command that failed.
func send(t *testing.T, s *Server, from string, to []string, body string) error {
	t.Helper()
	client, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr(), err)
	}
	defer client.Close()
	return client.SendMail(from, to, strings.NewReader(body))
}

func TestServerScriptRejectAndRecord(t *testing.T) {
	s := NewServer(t)
	s.Script(Reply{Stage: StageData, Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "try later"})
	s.Reject("gone@example.com", Reply{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "no such user"})
	body := "Subject: hi\r\n\r\nhello\r\n"

	first := send(t, s, "a@example.com", []string{"b@example.com"}, body)
	second := send(t, s, "a@example.com", []string{"gone@example.com"}, body)
	third := send(t, s, "a@example.com", []string{"b@example.com", "c@example.com"}, body)

	checkCode(t, "first", first, 451)
	checkCode(t, "second", second, 550)
	if third != nil {
		t.Fatalf("third message: %v", third)
	}
	messages := s.WaitMessages(t, 1, 5*time.Second)
	if len(messages) != 1 || strings.Join(messages[0].To, ",") != "b@example.com,c@example.com" || messages[0].From != "a@example.com" {
		t.Errorf("messages = %+v, want the third one only", messages)
	}
	if !strings.Contains(string(messages[0].Data), "hello") || messages[0].TLS {
		t.Errorf("message = %q, TLS %t", messages[0].Data, messages[0].TLS)
	}
	if s.Connections() != 3 {
		t.Errorf("Connections = %d, want 3", s.Connections())
	}
	s.WaitOpenConnections(t, 0, 5*time.Second)
}

func TestServerRequiresAuth(t *testing.T) {
	s := NewServer(t, WithAuth("user", "secret-password"))

	err := send(t, s, "a@example.com", []string{"b@example.com"}, "Subject: x\r\n\r\nx\r\n")

	checkCode(t, "unauthenticated", err, 502)
}

func checkCode(t *testing.T, name string, err error, code int) {
	t.Helper()
	var smtpErr *smtp.SMTPError
	if !errors.As(err, &smtpErr) || smtpErr.Code != code {
		t.Errorf("%s message: error %v, want SMTP %d", name, err, code)
	}
}
