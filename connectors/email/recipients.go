package email

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// maxRecipients bounds the recipients of one message. Mail servers commonly
// accept at least 100 RCPT commands per message, the minimum RFC 5321
// requires of them.
const maxRecipients = 100

// errNoRecipients reports that every item of the target's to list rendered
// empty, such as an assignee template on an unassigned issue.
var errNoRecipients = errors.New("no recipients: every item of the route's to list is empty for this event")

// recipientError reports an item of the to list that is not a valid address.
type recipientError struct {
	// Index is the item's position in the to list.
	Index int
	// Value is the item as rendered.
	Value string
	Err   error
}

func (e *recipientError) Error() string {
	return fmt.Sprintf("invalid recipient %q in to[%d]: %v; fix the route's to list or the event field it is rendered from", e.Value, e.Index, e.Err)
}

func (e *recipientError) Unwrap() error { return e.Err }

// parseRecipients parses the items of a to list with net/mail, the parser
// go-mail uses. An item may contain one address or several separated by
// commas, each with or without a display name. Empty items are skipped, and
// an address listed twice is kept once. Control characters are rejected
// before parsing, so no item can add a header line.
func parseRecipients(items []string) ([]*mail.Address, error) {
	var recipients []*mail.Address
	seen := map[string]bool{}
	for i, item := range items {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if hasControl(item) {
			return nil, &recipientError{Index: i, Value: item, Err: errors.New("it contains a line break or another control character")}
		}
		addresses, err := mail.ParseAddressList(item)
		if err != nil {
			return nil, &recipientError{Index: i, Value: item, Err: err}
		}

		for _, address := range addresses {
			key := strings.ToLower(address.Address)
			if seen[key] {
				continue
			}
			seen[key] = true
			recipients = append(recipients, address)
		}
	}

	if len(recipients) == 0 {
		return nil, errNoRecipients
	}
	if len(recipients) > maxRecipients {
		return nil, fmt.Errorf("%d recipients, more than the %d one message may have; split the route's to list across targets", len(recipients), maxRecipients)
	}
	return recipients, nil
}
