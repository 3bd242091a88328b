package smtptest

import (
	"strings"
	"testing"
)

const nestedMessage = "From: a@example.com\r\n" +
	"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Gr=C3=BC=C3=9Fe, a long line that is soft=\r\n" +
	" broken\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+R3LDvMOf\r\n" +
	"ZTwvcD4=\r\n" +
	"--inner--\r\n" +
	"--outer--\r\n"

func TestParseNestedMultipart(t *testing.T) {
	parsed, err := Parse([]byte(nestedMessage))
	if err != nil {
		t.Fatal(err)
	}

	if parsed.MediaType != "multipart/mixed" || len(parsed.Parts) != 2 {
		t.Fatalf("MediaType %q with %d parts, want multipart/mixed with 2", parsed.MediaType, len(parsed.Parts))
	}
	text, _ := parsed.Part("text/plain")
	if text.Body != "Grüße, a long line that is soft broken" {
		t.Errorf("text/plain body = %q", text.Body)
	}
	html, _ := parsed.Part("text/html")
	if html.Body != "<p>Grüße</p>" || html.Encoding != "base64" {
		t.Errorf("text/html body = %q (%s)", html.Body, html.Encoding)
	}
	if subject, err := parsed.DecodedHeader("Subject"); err != nil || subject != "Grüße" {
		t.Errorf("decoded Subject = %q, %v", subject, err)
	}
	summary := parsed.Summary("Subject", "X-Absent")
	if !strings.HasPrefix(summary, "Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\n(message: multipart/mixed)\n\n===== text/plain") {
		t.Errorf("Summary =\n%s", summary)
	}
}

func TestParseRejectsBrokenMessages(t *testing.T) {
	tests := map[string]string{
		"no boundary":    "Content-Type: multipart/alternative\r\n\r\nbody",
		"bad encoding":   "Content-Type: text/plain\r\nContent-Transfer-Encoding: uuencode\r\n\r\nbody",
		"bad base64":     "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
		"bad media type": "Content-Type: text/\r\n\r\nbody",
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(raw)); err == nil {
				t.Error("Parse succeeded, want an error")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(nestedMessage))
	f.Add([]byte("Content-Type: text/plain\r\n\r\nhello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parsed, err := Parse(data)
		if err != nil {
			return
		}
		parsed.Summary("Subject")
	})
}
