package email

import (
	netmail "net/mail"

	"github.com/wneessen/go-mail"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/eventview"
)

// The headers the connector sets beyond go-mail's own.
const (
	// headerAutoSubmitted marks the message as sent by a program (RFC 3834),
	// so that vacation responders do not reply to it.
	headerAutoSubmitted mail.Header = "Auto-Submitted"
)

// message is one email ready to send: its recipients, headers and parts.
type message struct {
	To      []*netmail.Address
	Subject string
	// MessageID and ThreadID are without angle brackets; ThreadID is empty
	// when the message is about no single entity.
	MessageID string
	ThreadID  string
	Text      string
	HTML      string
	// Dropped are the templated to items left out as invalid.
	Dropped []*recipientError
}

// newMessage renders the request into a message. Its errors are permanent:
// an invalid literal recipient, no valid recipient at all, an event that does
// not parse, or errNoRecipients.
func (in *instance) newMessage(req *sdk.DeliveryRequest) (*message, error) {
	recipients, err := parseRecipients(targetRecipients(req), req.Target.String(paramSplitTemplated) == "true")
	if err != nil {
		return nil, err
	}
	c, err := in.render(req)
	if err != nil {
		return nil, err
	}

	m := &message{
		To:        recipients.Addresses,
		Dropped:   recipients.Dropped,
		Subject:   c.Subject,
		MessageID: messageID(req.DeliveryID, in.from.Address),
		Text:      c.Text,
		HTML:      c.HTML,
	}
	if len(req.Events) == 1 && req.MoreEvents() == 0 {
		m.ThreadID = threadID(entityKey(req), in.from.Address)
	}
	return m, nil
}

// targetRecipients returns the target's to list, each item marked when it
// was rendered from a template.
func targetRecipients(req *sdk.DeliveryRequest) []recipientItem {
	values := req.Target.Strings(paramTo)
	items := make([]recipientItem, len(values))
	for i, value := range values {
		items[i] = recipientItem{Value: value, Templated: req.IsUntrustedItem(paramTo, i)}
	}
	return items
}

// entityKey returns the request's entity key, or, when the host sent none,
// the key it would have: the issue a comment belongs to, else the entity.
func entityKey(req *sdk.DeliveryRequest) string {
	if req.EntityKey != "" || len(req.Events) == 0 {
		return req.EntityKey
	}
	v, err := eventview.Parse(req.Events[0].Envelope)
	if err != nil {
		return ""
	}
	if v.IssueID != "" && v.EntityType != "issue" {
		return "issue:" + v.IssueID
	}
	if v.EntityID == "" {
		return ""
	}
	return v.EntityType + ":" + v.EntityID
}

// mailMsg builds the go-mail message. Every value that may come from event
// data goes through go-mail's encoding: the subject is Q-encoded per RFC 2047
// when it is not plain ASCII, and addresses are formatted by net/mail, which
// encodes display names the same way. No value is set preformatted, and the
// subject contains no line break (headerText removed them), so no value can add
// a header.
func (in *instance) mailMsg(m *message) *mail.Msg {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(in.from)
	msg.ToMailAddress(m.To...)
	if in.replyTo != nil {
		msg.ReplyToMailAddress(in.replyTo)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(in.clock.Now())
	msg.SetMessageIDWithValue(m.MessageID)
	if m.ThreadID != "" {
		msg.SetGenHeader(mail.HeaderInReplyTo, "<"+m.ThreadID+">")
		msg.SetGenHeader(mail.HeaderReferences, "<"+m.ThreadID+">")
	}
	msg.SetUserAgent("Switchboard/" + headerText(Version))
	msg.SetGenHeader(headerAutoSubmitted, "auto-generated")
	// Exchange and Outlook read this instead of Auto-Submitted.
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")

	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg
}
