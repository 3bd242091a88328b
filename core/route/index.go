package route

import (
	"sort"
	"sync"
)

// maxCachedTypes bounds the event types whose candidate routes are cached.
// Event types come from outside, so past the bound candidates are computed for
// each event instead of growing the cache.
const maxCachedTypes = 4096

// candidate is a route whose events match an event type.
type candidate struct {
	route *route
	// exact reports that the route names the type exactly rather than by a
	// glob, which lets it match derived events without `derived: true`.
	exact bool
}

// index finds the routes whose events can match an event type: routes naming
// the type exactly through a map, and routes with globs by trying each glob.
type index struct {
	exact map[string][]*route
	globs []*route

	mu    sync.RWMutex
	cache map[string][]candidate
}

func newIndex(routes []*route) *index {
	ix := &index{exact: map[string][]*route{}, cache: map[string][]candidate{}}
	for _, r := range routes {
		for _, name := range r.exactTypes {
			if list := ix.exact[name]; len(list) == 0 || list[len(list)-1] != r {
				ix.exact[name] = append(list, r)
			}
		}
		if len(r.globs) > 0 {
			ix.globs = append(ix.globs, r)
		}
	}
	return ix
}

// candidates returns the routes that can match eventType, in file order. The
// result is shared and must not be modified.
func (ix *index) candidates(eventType string) []candidate {
	ix.mu.RLock()
	list, ok := ix.cache[eventType]
	ix.mu.RUnlock()
	if ok {
		return list
	}

	list = ix.compute(eventType)
	ix.mu.Lock()
	if len(ix.cache) < maxCachedTypes {
		ix.cache[eventType] = list
	}
	ix.mu.Unlock()
	return list
}

func (ix *index) compute(eventType string) []candidate {
	var list []candidate
	for _, r := range ix.exact[eventType] {
		list = append(list, candidate{route: r, exact: true})
	}

	exactCount := len(list)
	for _, r := range ix.globs {
		if containsRoute(list[:exactCount], r) {
			continue
		}
		if matched, _ := r.matchType(eventType); matched {
			list = append(list, candidate{route: r})
		}
	}

	sort.Slice(list, func(i, j int) bool { return list[i].route.index < list[j].route.index })
	return list
}

func containsRoute(list []candidate, r *route) bool {
	for _, c := range list {
		if c.route == r {
			return true
		}
	}
	return false
}

// cachedTypes returns the number of cached event types, for tests.
func (ix *index) cachedTypes() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.cache)
}
