package email

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.Previewer = (*instance)(nil)

// Preview shows the message Deliver would send: the SMTP server, the headers
// the connector sets (the subject decoded), and both parts. The password is
// never shown.
func (in *instance) Preview(_ context.Context, req *sdk.DeliveryRequest) (string, error) {
	m, err := in.newMessage(req)
	if errors.Is(err, errNoRecipients) {
		return "skipped: " + err.Error(), nil
	}
	if err != nil {
		return "", err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "SMTP %s (tls: %s", in.dialer.address(), in.tls)
	if in.username != "" {
		fmt.Fprintf(&b, ", as %s", in.username)
	}
	b.WriteString(")\n")

	fmt.Fprintf(&b, "From: %s\n", in.from)
	fmt.Fprintf(&b, "To: %s\n", joinAddresses(m))
	if len(m.Dropped) > 0 {
		fmt.Fprintf(&b, "(%s)\n", droppedNote(m.Dropped))
	}
	if in.replyTo != nil {
		fmt.Fprintf(&b, "Reply-To: %s\n", in.replyTo)
	}
	fmt.Fprintf(&b, "Subject: %s\n", m.Subject)
	fmt.Fprintf(&b, "Message-ID: <%s>\n", m.MessageID)
	if m.ThreadID != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\nReferences: <%s>\n", m.ThreadID, m.ThreadID)
	}

	b.WriteString("\n--- text/plain ---\n")
	b.WriteString(m.Text)
	b.WriteString("\n--- text/html ---\n")
	b.WriteString(m.HTML)
	return b.String(), nil
}

func joinAddresses(m *message) string {
	parts := make([]string, len(m.To))
	for i, address := range m.To {
		parts[i] = address.String()
	}
	return strings.Join(parts, ", ")
}
