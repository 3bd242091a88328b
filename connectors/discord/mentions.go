package discord

import (
	"fmt"
	"strings"
)

// mentions are the pings a route target allows: the mention text put before
// the message content, and the allowed_mentions lists that let exactly those
// ping.
type mentions struct {
	Users []string
	Roles []string
	// Everyone allows @everyone and @here, which Discord controls together.
	Everyone bool
	// Text holds each mention as written in the content, in target order.
	Text []string
}

// prefix returns the mentions as the start of a message's content.
func (m mentions) prefix() string {
	return strings.Join(m.Text, " ")
}

// mentionError is an item of the mentions target parameter that cannot be
// used.
type mentionError struct {
	Value  string
	Reason string
}

func (e *mentionError) Error() string {
	return fmt.Sprintf("mention %q %s", e.Value, e.Reason)
}

// parseMention reads one item of the mentions parameter: a user "<@ID>" (or
// "<@!ID>"), a role "<@&ID>", "@everyone" or "@here". It returns the kind
// ("user", "role" or "everyone"), the id and the mention's text.
func parseMention(item string) (kind, id, text string, err error) {
	item = strings.TrimSpace(item)
	switch item {
	case "@everyone", "@here":
		return "everyone", "", item, nil
	}
	inner, ok := strings.CutPrefix(item, "<@")
	if ok {
		inner, ok = strings.CutSuffix(inner, ">")
	}
	if !ok {
		return "", "", "", &mentionError{Value: item, Reason: `is not a mention; write "<@USER_ID>", "<@&ROLE_ID>", "@everyone" or "@here"`}
	}

	kind = "user"
	if rest, isRole := strings.CutPrefix(inner, "&"); isRole {
		kind, inner = "role", rest
	} else {
		inner = strings.TrimPrefix(inner, "!")
	}
	if !isSnowflake(inner) {
		return "", "", "", &mentionError{Value: item, Reason: "does not hold a numeric Discord id; copy the id with Discord's developer mode"}
	}
	if kind == "role" {
		return kind, inner, "<@&" + inner + ">", nil
	}
	return kind, inner, "<@" + inner + ">", nil
}

// buildMentions reads the mentions parameter. fromTemplate reports that the
// items were rendered from a template. Their values may then come from event
// data, so they may name users and roles but not @everyone or @here. It returns the usable
// mentions and an error for each item it left out.
func buildMentions(items []string, fromTemplate bool) (mentions, []error) {
	var m mentions
	var errs []error
	seen := map[string]bool{}

	for _, item := range items {
		if strings.TrimSpace(item) == "" {
			continue
		}
		kind, id, text, err := parseMention(item)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if kind == "everyone" && fromTemplate {
			errs = append(errs, &mentionError{Value: item, Reason: "came from a template; @everyone and @here are allowed only as literal values in the route"})
			continue
		}
		if seen[text] {
			continue
		}
		seen[text] = true

		switch kind {
		case "user":
			m.Users = append(m.Users, id)
		case "role":
			m.Roles = append(m.Roles, id)
		case "everyone":
			m.Everyone = true
		}
		m.Text = append(m.Text, text)
	}

	if len(m.Users) > maxMentionsEachKind || len(m.Roles) > maxMentionsEachKind {
		errs = append(errs, fmt.Errorf("mentions name %d users and %d roles; Discord allows at most %d of each", len(m.Users), len(m.Roles), maxMentionsEachKind))
		m = mentions{}
	}
	return m, errs
}
