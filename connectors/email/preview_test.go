package email

import (
	"context"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestPreviewSendsNothing(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, map[string]any{"reply_to": "team@example.com"})
	req := request([]string{"lead@example.com"}, connectortest.LoadEvent(t, commentFile))

	preview, err := in.Preview(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{
		"SMTP 127.0.0.1:",
		"(tls: none)",
		"To: <lead@example.com>",
		"Reply-To: <team@example.com>",
		"Subject: [Turbo] Comment on issue 3b2f8e1a…",
		"Message-ID: <switchboard.dlv_test_1@example.com>",
		"References: <turbo.issue.3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b@example.com>",
		"--- text/plain ---\nComment created by dev@example.com",
		"--- text/html ---\n<!DOCTYPE html>",
	} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview does not contain %q:\n%s", want, preview)
		}
	}
	if server.Connections() != 0 {
		t.Errorf("Preview opened %d connections, want none", server.Connections())
	}
}

func TestPreviewOfEmptyRecipients(t *testing.T) {
	server := smtptest.NewServer(t)
	in, _ := configure(t, server, nil)

	preview, err := in.Preview(context.Background(), request([]string{""}, connectortest.LoadEvent(t, issueCreatedFile)))

	if err != nil || !strings.HasPrefix(preview, "skipped: no recipients") {
		t.Errorf("Preview = %q, %v; want it to say the delivery is skipped", preview, err)
	}
}
