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

// recipientItem is one rendered item of a target's to list.
type recipientItem struct {
	Value string
	// Templated reports an item rendered from a template, whose value may come
	// from event data: an assignee field could hold "a@example.com,
	// b@example.com". Such an item is read as one address unless the target
	// sets split_templated, and when it is invalid it is left out instead of
	// failing the delivery.
	Templated bool
}

// literalItems returns values as items written in the config.
func literalItems(values []string) []recipientItem {
	items := make([]recipientItem, len(values))
	for i, value := range values {
		items[i] = recipientItem{Value: value}
	}
	return items
}

// recipients are the addresses of a to list, and the templated items left out.
type recipients struct {
	Addresses []*mail.Address
	Dropped   []*recipientError
}

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

// droppedNote describes the templated items left out, for the delivery log.
func droppedNote(dropped []*recipientError) string {
	parts := make([]string, len(dropped))
	for i, e := range dropped {
		parts[i] = fmt.Sprintf("to[%d] %q (%v)", e.Index, e.Value, e.Err)
	}
	return "left out invalid templated recipients: " + strings.Join(parts, "; ") + "; fix the event field the route's to list is rendered from"
}

// parseRecipients parses the items of a to list with net/mail, the parser
// go-mail uses. A literal item may contain several addresses separated by
// commas, each with or without a display name, and an invalid one is an error.
// A templated item is one address, or a list when splitTemplated is set. An
// invalid templated item is left out and listed in Dropped. Empty items are
// skipped, and an address listed twice is kept once. Control characters are
// rejected before parsing, so no item can add a header line. When every item
// is empty, the error is errNoRecipients.
func parseRecipients(items []recipientItem, splitTemplated bool) (*recipients, error) {
	result := &recipients{}
	seen := map[string]bool{}
	for i, item := range items {
		value := strings.TrimSpace(item.Value)
		if value == "" {
			continue
		}
		addresses, err := parseItem(value, item.Templated && !splitTemplated)
		if err != nil {
			invalid := &recipientError{Index: i, Value: value, Err: err}
			if !item.Templated {
				return nil, invalid
			}
			result.Dropped = append(result.Dropped, invalid)
			continue
		}

		for _, address := range addresses {
			key := strings.ToLower(address.Address)
			if seen[key] {
				continue
			}
			seen[key] = true
			result.Addresses = append(result.Addresses, address)
		}
	}

	switch {
	case len(result.Addresses) == 0 && len(result.Dropped) > 0:
		return nil, fmt.Errorf("no valid recipient: %s", droppedNote(result.Dropped))
	case len(result.Addresses) == 0:
		return nil, errNoRecipients
	case len(result.Addresses) > maxRecipients:
		return nil, fmt.Errorf("%d recipients, more than the %d one message may have; split the route's to list across targets", len(result.Addresses), maxRecipients)
	}
	return result, nil
}

// parseItem parses one non-empty item: a single address when single is set,
// else a comma-separated list.
func parseItem(value string, single bool) ([]*mail.Address, error) {
	if hasControl(value) {
		return nil, errors.New("it contains a line break or another control character")
	}
	addresses, err := mail.ParseAddressList(value)
	if err != nil {
		return nil, err
	}
	if single && len(addresses) > 1 {
		return nil, fmt.Errorf("it contains %d addresses, but a templated item must be one; set split_templated: true on the target to accept a list", len(addresses))
	}
	return addresses, nil
}
