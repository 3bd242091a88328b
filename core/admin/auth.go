package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// tokenChecker compares presented tokens with server.admin_token in constant
// time. Both sides are hashed first, so the comparison also takes the same
// time whatever the presented token's length.
type tokenChecker struct {
	digest [sha256.Size]byte
}

// minTokenLength is the shortest admin token accepted, in characters. The
// config loader applies the same rule, so check and reload reject a short
// token before it reaches here.
const minTokenLength = 16

func newTokenChecker(token sdk.Secret) (tokenChecker, error) {
	value := token.Reveal()
	if value == "" {
		return tokenChecker{}, errors.New("admin: server.admin_token is empty; set it to serve the management API")
	}
	if utf8.RuneCountInString(value) < minTokenLength {
		return tokenChecker{}, errors.New("admin: server.admin_token is shorter than 16 characters; use a long random value, for example $(openssl rand -hex 24)")
	}
	return tokenChecker{digest: sha256.Sum256([]byte(value))}, nil
}

// matches reports whether presented is the admin token.
func (tc tokenChecker) matches(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], tc.digest[:]) == 1
}

// valid reports whether r carries the admin token as a bearer token.
func (tc tokenChecker) valid(r *http.Request) bool {
	token, ok := bearer(r)
	return ok && tc.matches(token)
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// actorHeader names who acts, for the audit of operator actions.
const actorHeader = "X-Switchboard-Actor"

// authenticated serves an endpoint to requests that carry the admin token.
func (s *server) authenticated(serve func(http.ResponseWriter, *http.Request, string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.token.valid(r) {
			s.writeUnauthorized(w, r)
			return
		}
		actor, err := actorOf(r.Header.Get(actorHeader), "api")
		if err == nil {
			err = serve(w, r, actor)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *server) writeUnauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
	message := "missing admin token; send the header Authorization: Bearer <server.admin_token>"
	if _, ok := bearer(r); ok {
		message = "invalid admin token; send the value of server.admin_token"
		s.log.Warn("management request with an invalid admin token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	}
	writeJSON(w, http.StatusUnauthorized, errorBody{Error: message, Code: codeUnauthorized})
}

// actorOf validates a name given for the audit: at most 64 printable
// characters. An empty name is fallback.
func actorOf(name, fallback string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return fallback, nil
	}
	if len(name) > 64 {
		return "", invalid(actorHeader, "the actor name is longer than 64 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", invalid(actorHeader, "the actor name contains a control character")
		}
	}
	return name, nil
}
