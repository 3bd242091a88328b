package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// Cookie names of the web UI.
const (
	sessionCookie = "sb_session"
	loginCookie   = "sb_login"
)

// sessionLife bounds how long a UI session lasts without activity.
const sessionLife = 12 * time.Hour

// maxSessions bounds the sessions kept; the oldest go first.
const maxSessions = 1000

// session is one signed-in browser: who it is and its CSRF token.
type session struct {
	id      string
	actor   string
	csrf    string
	expires time.Time
}

// sessions keeps the UI's sessions in memory; a restart signs everyone out.
// The admin token itself is never stored in a cookie or a URL.
type sessions struct {
	mu    sync.Mutex
	clock sdk.Clock
	byID  map[string]*session
}

func newSessions(clock sdk.Clock) *sessions {
	return &sessions{clock: clock, byID: map[string]*session{}}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *sessions) create(actor string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for id, sess := range s.byID {
		if now.After(sess.expires) {
			delete(s.byID, id)
		}
	}
	if len(s.byID) >= maxSessions {
		s.dropOldest()
	}
	sess := &session{id: randomToken(), actor: actor, csrf: randomToken(), expires: now.Add(sessionLife)}
	s.byID[sess.id] = sess
	return sess
}

func (s *sessions) dropOldest() {
	var oldest *session
	for _, sess := range s.byID {
		if oldest == nil || sess.expires.Before(oldest.expires) {
			oldest = sess
		}
	}
	if oldest != nil {
		delete(s.byID, oldest.id)
	}
}

// get returns the live session of the request's cookie and extends it.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[c.Value]
	if !ok {
		return nil
	}
	now := s.clock.Now()
	if now.After(sess.expires) {
		delete(s.byID, sess.id)
		return nil
	}
	sess.expires = now.Add(sessionLife)
	return sess
}

func (s *sessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// cookie returns a cookie of the UI: HttpOnly, SameSite=Strict, Secure
// when the listener is served over TLS.
func (u *ui) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: u.secure}
}
