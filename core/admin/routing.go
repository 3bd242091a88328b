package admin

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
)

// apiHeader marks every response under /api as the management API's, so a
// client pointed at another server (the ingest listener, a proxy's error
// page) can report that instead of failing to decode the response.
const (
	apiHeader  = "X-Switchboard-API"
	apiVersion = "admin/v1"
)

// guardAPI responds in JSON where ServeMux would respond to a path under
// /api with a redirect or plain text: /api itself and paths that are not
// clean get a 404, and a path served with other methods gets a 405 with an
// Allow header. The endpoint with the most literal segments decides which
// methods a path has, so GET /api/v1/deliveries/retry is 405 (the bulk retry
// takes POST) rather than a lookup of a delivery with the id "retry".
func (s *server) guardAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p != "/api" && !strings.HasPrefix(p, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set(apiHeader, apiVersion)
		if p == "/api" || cleanPath(p) != p {
			s.unknownEndpoint(w, r)
			return
		}
		allowed := s.allowedMethods(p)
		if len(allowed) > 0 && !methodAllowed(r.Method, allowed) {
			s.methodNotAllowed(w, r, allowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath returns p as ServeMux cleans it before matching: no empty, "."
// or ".." segments, a trailing slash kept.
func cleanPath(p string) string {
	cleaned := path.Clean(p)
	if strings.HasSuffix(p, "/") && cleaned != "/" {
		cleaned += "/"
	}
	return cleaned
}

// methodAllowed reports whether method is in allowed; HEAD goes with GET, as
// in ServeMux.
func methodAllowed(method string, allowed []string) bool {
	return slices.Contains(allowed, method) || (method == http.MethodHead && slices.Contains(allowed, http.MethodGet))
}

// allowedMethods returns the methods of the most specific endpoint pattern
// that matches path, or nil when none does.
func (s *server) allowedMethods(p string) []string {
	var best string
	var methods []string
	for _, ep := range s.endpoints() {
		switch {
		case !matchPattern(ep.pattern, p):
		case best == "" || moreSpecific(ep.pattern, best):
			best, methods = ep.pattern, []string{ep.method}
		case ep.pattern == best:
			methods = append(methods, ep.method)
		}
	}
	return methods
}

// moreSpecific reports whether pattern a has a literal segment where b has
// a {name} wildcard, at the first segment where the two differ in kind. Both
// patterns match one path, so they have as many segments.
func moreSpecific(a, b string) bool {
	as, bs := splitPath(a), splitPath(b)
	for i := range min(len(as), len(bs)) {
		if aw, bw := isWildcard(as[i]), isWildcard(bs[i]); aw != bw {
			return bw
		}
	}
	return false
}

func isWildcard(segment string) bool { return len(segment) > 1 && segment[0] == '{' }

func (s *server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allowed []string) {
	if !s.token.valid(r) {
		s.writeUnauthorized(w, r)
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, errorBody{Code: codeMethodNotAllowed,
		Error: fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allowed, ", "))})
}

// unknownEndpoint responds to a path under /api that no endpoint serves.
func (s *server) unknownEndpoint(w http.ResponseWriter, r *http.Request) {
	if !s.token.valid(r) {
		s.writeUnauthorized(w, r)
		return
	}
	p := r.URL.Path
	if clean := cleanPath(p); p != "/api" && clean != p {
		if len(s.allowedMethods(clean)) > 0 {
			s.writeError(w, r, noEndpoint("no endpoint at %s; write the path without empty, . or .. segments, as %s", p, clean))
			return
		}
		s.writeError(w, r, noEndpoint("no endpoint at %s; write the path without empty, . or .. segments; "+
			"docs/openapi/admin.yaml lists the management API", p))
		return
	}
	s.writeError(w, r, noEndpoint("no endpoint at %s; docs/openapi/admin.yaml lists the management API", p))
}

// noEndpoint is the error of a path under /api that no endpoint serves. Its
// code tells a client that the address or the path is wrong, not that the
// delivery, event or connector it named does not exist.
func noEndpoint(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeNoEndpoint, message: fmt.Sprintf(format, args...)}
}

// matchPattern reports whether path fits a ServeMux pattern path with
// {name} segments.
func matchPattern(pattern, path string) bool {
	ps, xs := splitPath(pattern), splitPath(path)
	if len(ps) != len(xs) || strings.HasSuffix(pattern, "/") != strings.HasSuffix(path, "/") {
		return false
	}
	for i := range ps {
		if isWildcard(ps[i]) {
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if i > start {
				out = append(out, p[start:i])
			}
			start = i + 1
		}
	}
	return out
}
