package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/turbocode/switchboard/sdk"
)

// tokenChecker compares presented tokens with server.admin_token in constant
// time. Both sides are hashed first, so the comparison also takes the same
// time whatever the presented token's length. The token itself is not kept.
type tokenChecker struct {
	digest [sha256.Size]byte
	// length is the token's length in bytes, to find it inside a longer text.
	length int
	// fingerprint names the token in the audit log without revealing it.
	fingerprint string
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
	return tokenChecker{digest: sha256.Sum256([]byte(value)), length: len(value), fingerprint: tokenFingerprint(value)}, nil
}

// tokenFingerprint returns the first 8 hex digits of SHA-256 over a fixed
// prefix and the token. It distinguishes the audit entries made with one
// token from those made with the next after a rotation. 32 bits of a hash
// cannot be turned back into a token of 16 or more characters, and the
// prefix keeps it apart from any other hash of the token.
func tokenFingerprint(token string) string {
	sum := sha256.Sum256([]byte("switchboard admin token fingerprint\x00" + token))
	return hex.EncodeToString(sum[:4])
}

// matches reports whether presented is the admin token.
func (tc tokenChecker) matches(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], tc.digest[:]) == 1
}

// within reports whether text contains the admin token. It hashes every
// substring of the token's length, so it is meant for short texts such as
// an actor name.
func (tc tokenChecker) within(text string) bool {
	for i := 0; i+tc.length <= len(text); i++ {
		if tc.matches(text[i : i+tc.length]) {
			return true
		}
	}
	return false
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
		actor, err := s.actorOf(r.Header.Get(actorHeader), actorHeader)
		if err == nil {
			err = serve(w, r, actor)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// writeUnauthorized rejects a request without the admin token: 401 with
// what to send, or 429 once its address sent too many wrong tokens. A
// request without an Authorization header is not counted as a wrong token.
func (s *server) writeUnauthorized(w http.ResponseWriter, r *http.Request) {
	header := r.Header.Get("Authorization")
	message := "missing admin token; send the header Authorization: Bearer <server.admin_token>"
	if header != "" {
		message = "invalid admin token; send the value of server.admin_token"
		if _, ok := bearer(r); !ok {
			scheme, _, _ := strings.Cut(header, " ")
			message = fmt.Sprintf("the management API does not take the %q authorization scheme; send the header Authorization: Bearer <server.admin_token>", scheme)
		}
		if wait := s.noteTokenFailure(r, "management request with an invalid admin token"); wait > 0 {
			writeTooManyFailures(w, wait)
			return
		}
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard"`)
	writeJSON(w, http.StatusUnauthorized, errorBody{Error: message, Code: codeUnauthorized})
}

// writeTooManyFailures rejects a request from an address that sent too
// many wrong admin tokens in the current window.
func writeTooManyFailures(w http.ResponseWriter, wait time.Duration) {
	seconds := wholeSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	writeJSON(w, http.StatusTooManyRequests, errorBody{Code: codeRateLimited,
		Error: fmt.Sprintf("too many requests with a wrong admin token from this address; send the value of server.admin_token, and try again in %d seconds", seconds)})
}

// actorOf validates a name given for the audit, from the header or form
// field source: at most 64 printable characters, and never the admin token.
// Without a name the actor is "admin:" and the token's fingerprint.
func (s *server) actorOf(name, source string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "admin:" + s.token.fingerprint, nil
	}
	if len(name) > 64 {
		return "", invalid(source, "the actor name is longer than 64 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", invalid(source, "the actor name contains a control character")
		}
	}
	if s.token.within(name) {
		return "", invalid(source, "the actor name contains the admin token; give the name of a person or script, or none")
	}
	return name, nil
}

// redactedToken is the text redact puts in place of the admin token.
const redactedToken = "<admin token>"

// redact returns text with every copy of the admin token replaced by
// redactedToken. Like within, it hashes every substring of the token's
// length, so it is meant for bounded texts.
func (tc tokenChecker) redact(text string) string {
	if tc.length == 0 || !tc.within(text) {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		if i+tc.length <= len(text) && tc.matches(text[i:i+tc.length]) {
			b.WriteString(redactedToken)
			i += tc.length
			continue
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String()
}
