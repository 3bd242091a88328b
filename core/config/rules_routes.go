package config

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	// routeName is the syntax of a route's name, which labels its deliveries in
	// logs, metrics and the management API.
	routeName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
	// eventGlob is the syntax of an `events:` entry: event-type characters plus
	// the wildcards * and ?.
	eventGlob = regexp.MustCompile(`^[a-z0-9_.*?-]+$`)
	// fieldSegment is the syntax of one segment of a `where:` path.
	fieldSegment = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// routesToCheck returns the routes that decoded as mappings. A route that is not a
// mapping was reported already and has nothing more to check.
func routesToCheck(d *decoder, cfg *Config) []Route {
	var out []Route
	for _, r := range cfg.Routes {
		if !d.failed[r.At.Path] {
			out = append(out, r)
		}
	}
	return out
}

// checkRouteNames requires a unique name of routeName's syntax on every route.
func checkRouteNames(d *decoder, cfg *Config) {
	firstLine := map[string]int{}
	for _, r := range routesToCheck(d, cfg) {
		path := childPath(r.At.Path, "name")
		switch {
		case d.failed[path]:
		case r.Name == "":
			d.errorAt(path, "missing route name; give the route a name: it labels its deliveries in the log")
		case !routeName.MatchString(r.Name):
			d.errorAt(path, "invalid route name %s; use 1 to 63 lowercase letters, digits, ., - and _, starting with a letter or digit", d.writtenValue(path, ""))
		case firstLine[r.Name] > 0:
			d.errorAt(path, "duplicate route name %s; the route on line %d already uses it", d.writtenValue(path, ""), firstLine[r.Name])
		default:
			firstLine[r.Name] = d.at(path).Line
		}
	}
}

// checkEventGlobs checks each `events:` entry's syntax.
func checkEventGlobs(d *decoder, cfg *Config) {
	for _, r := range routesToCheck(d, cfg) {
		path := childPath(r.At.Path, "events")
		if r.Events != nil && len(r.Events) == 0 && !d.failed[path] {
			d.errorAt(path, "empty list; list at least one event type such as issue.*, or remove events: to match every event type")
		}
		for i, glob := range r.Events {
			globPath := itemPath(path, i)
			if !d.failed[globPath] && !eventGlob.MatchString(glob) {
				d.errorAt(globPath, "invalid event type pattern %s; use lowercase letters, digits, ., _ and -, with * and ? as wildcards", d.writtenValue(globPath, ""))
			}
		}
	}
}

// checkWherePaths checks each `where:` key: names joined by dots.
func checkWherePaths(d *decoder, cfg *Config) {
	for _, r := range routesToCheck(d, cfg) {
		for _, m := range r.Where {
			if validFieldPath(m.Path) {
				continue
			}
			at := m.At
			if key, ok := d.keys[m.At.Path]; ok {
				at = positionOf(key, m.At.Path)
			}
			d.add(at, "invalid field path "+strconv.Quote(shorten(m.Path))+"; join names of letters, digits, _ and - with dots, such as data.current.priority")
		}
	}
}

func validFieldPath(path string) bool {
	for _, segment := range strings.Split(path, ".") {
		if !fieldSegment.MatchString(segment) {
			return false
		}
	}
	return true
}
