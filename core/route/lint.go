package route

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/turbocode/switchboard/core/config"
)

// Catalogue is the list of event types Lint checks route names against.
type Catalogue struct {
	// Types are the known event types: those Turbo sends, those Switchboard
	// derives and its own switchboard.* system events.
	Types []string
	// DerivedOnly reports whether only Switchboard derives events of a type,
	// so that a route matches them only as derived events.
	DerivedOnly func(eventType string) bool
}

// reservedPrefix starts the types of the scheduler's reports, which ingest
// rejects from senders, so a name under it that the catalogue lacks never
// matches anything.
const reservedPrefix = "system."

// Lint returns warnings about route event names that compile but probably
// do not do what their author meant. It warns about an exact name a few
// letters away from a catalogue type, a system.* name the catalogue lacks,
// and a glob that matches only derived types on a route without derived:
// true. They are warnings, not errors, because Turbo may send types the
// catalogue does not list.
func Lint(cfg *config.Config, catalogue Catalogue) config.Errors {
	var warnings config.Errors
	for _, r := range cfg.Routes {
		at := fieldAt(&r, "events")
		for i, pattern := range r.Events {
			message := catalogue.lintPattern(pattern, r.Derived)
			if message == "" {
				continue
			}
			itemAt := at
			itemAt.Path = fmt.Sprintf("%s[%d]", at.Path, i)
			warnings = append(warnings, &config.Error{File: cfg.File, At: itemAt, Message: message})
		}
	}
	return warnings
}

// lintPattern returns the warning about one event pattern, or "".
func (c Catalogue) lintPattern(pattern string, derived bool) string {
	if validatePattern(pattern) != "" {
		return "" // an error already
	}
	if isGlob(pattern) {
		if derived {
			return ""
		}
		return c.lintGlob(pattern)
	}
	if slices.Contains(c.Types, pattern) {
		return ""
	}

	switch suggestion := c.suggest(pattern); {
	case strings.HasPrefix(pattern, reservedPrefix):
		return fmt.Sprintf("%q is no event Switchboard raises, and ingest rejects %s* events from senders, so it never "+
			"matches; the %s* events are %s", pattern, reservedPrefix, reservedPrefix, c.typesUnder(reservedPrefix))
	case suggestion != "":
		return fmt.Sprintf("%q is not in the event catalogue; did you mean %s? Leave it if Turbo sends %s", pattern, suggestion, pattern)
	}
	return ""
}

// suggest returns the catalogue type that pattern most likely means, or ""
// when none fits. That is a type with the same action and an entity a few
// letters away, or a type of the same entity whose action is a few letters
// away, starts the pattern's action or is started by it (issue.overdue for
// issue.overdue_soon).
func (c Catalogue) suggest(pattern string) string {
	entity, action, _ := strings.Cut(pattern, ".")
	byEntity := map[string][]string{}
	for _, t := range c.Types {
		typeEntity, typeAction, _ := strings.Cut(t, ".")
		byEntity[typeEntity] = append(byEntity[typeEntity], typeAction)
	}

	actions, known := byEntity[entity]
	if !known {
		entity = config.Closest(entity, slices.Collect(maps.Keys(byEntity)))
		if slices.Contains(byEntity[entity], action) {
			return entity + "." + action
		}
		return ""
	}
	if closest := config.Closest(action, actions); closest != "" {
		return entity + "." + closest
	}
	for _, known := range actions {
		if action != "" && (strings.HasPrefix(action, known) || strings.HasPrefix(known, action)) {
			return entity + "." + known
		}
	}
	return ""
}

// typesUnder lists the catalogue's types that start with prefix.
func (c Catalogue) typesUnder(prefix string) string {
	var names []string
	for _, t := range c.Types {
		if strings.HasPrefix(t, prefix) {
			names = append(names, t)
		}
	}
	return strings.Join(names, ", ")
}

// lintGlob warns about a glob that matches catalogue types, all of them
// derived only: without derived: true it matches none of their events.
func (c Catalogue) lintGlob(pattern string) string {
	var matched []string
	for _, t := range c.Types {
		if glob(pattern).match(t) {
			matched = append(matched, t)
		}
	}
	if len(matched) == 0 || slices.ContainsFunc(matched, func(t string) bool { return !c.DerivedOnly(t) }) {
		return ""
	}
	return fmt.Sprintf("%q matches only events Switchboard derives (%s), and a glob matches derived events only "+
		"on a route with derived: true; set derived: true or name the types", pattern, strings.Join(matched, ", "))
}
