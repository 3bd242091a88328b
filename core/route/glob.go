package route

import (
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/core/config"
)

// glob is one event-type pattern with wildcards: `*` matches any run of
// characters, dots included, and `?` matches one character.
type glob string

// globCharacters are the characters a pattern may contain.
const globCharacters = "abcdefghijklmnopqrstuvwxyz0123456789_.-*?"

// validatePattern returns what is wrong with an event-type pattern, or "".
func validatePattern(pattern string) string {
	if pattern == "" {
		return "an event pattern is empty; write an event type such as issue.created or a glob such as issue.*"
	}
	for i, r := range pattern {
		if !strings.ContainsRune(globCharacters, r) {
			return fmt.Sprintf("event pattern %q has %q at position %d; use only a-z, 0-9, _, ., - and the wildcards * and ?", pattern, r, i+1)
		}
	}
	return ""
}

func isGlob(pattern string) bool {
	return strings.ContainsAny(pattern, "*?")
}

// match reports whether eventType matches the pattern. It walks both strings once,
// going back only to the last `*`, so its cost is at most the product of their
// lengths and usually linear.
func (g glob) match(eventType string) bool {
	pattern := []rune(string(g))
	name := []rune(eventType)
	p, n := 0, 0
	star, starName := -1, 0

	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, starName = p, n
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == name[n]):
			p++
			n++
		case star >= 0:
			starName++
			p, n = star+1, starName
		default:
			return false
		}
	}

	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// compileEvents sorts the route's patterns into exact types and globs.
func (c *compiler) compileEvents(r *route, cr *config.Route) {
	at := fieldAt(cr, "events")
	if len(cr.Events) == 0 {
		r.globs = []glob{"*"}
		return
	}

	for _, pattern := range cr.Events {
		if problem := validatePattern(pattern); problem != "" {
			c.errorf(at, "%s", problem)
			continue
		}
		if isGlob(pattern) {
			r.globs = append(r.globs, glob(pattern))
		} else {
			r.exactTypes = append(r.exactTypes, pattern)
		}
	}
}

// matchType reports whether the route's events match eventType, and whether
// one of them names it exactly.
func (r *route) matchType(eventType string) (matched, exact bool) {
	for _, name := range r.exactTypes {
		if name == eventType {
			return true, true
		}
	}
	for _, g := range r.globs {
		if g.match(eventType) {
			return true, false
		}
	}
	return false, false
}
