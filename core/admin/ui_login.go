package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// loginView is the login page's data.
type loginView struct {
	Next  string
	Form  string
	Error string
}

func (u *ui) getLogin(w http.ResponseWriter, r *http.Request) {
	u.showLogin(w, r, http.StatusOK, "")
}

// showLogin renders the login form with a fresh login CSRF token, kept in a
// cookie and in the form (double submit), since no session exists yet.
func (u *ui) showLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomToken()
	http.SetCookie(w, u.cookie(loginCookie, token, 600))
	u.render(w, status, "login", view{Title: "Sign in", Data: loginView{Next: safeNext(r.FormValue("next")), Form: token, Error: problem}})
}

// postLogin checks the admin token posted in the form body (never in a URL)
// and opens a session; the token itself is not kept.
func (u *ui) postLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		u.showLogin(w, r, http.StatusBadRequest, "the form could not be read")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("form"), c.Value) {
		u.showLogin(w, r, http.StatusForbidden, "the form has expired; sign in again")
		return
	}
	if !u.s.token.matches(r.PostForm.Get("token")) {
		if wait := u.s.noteTokenFailure(r, "UI sign-in with an invalid admin token"); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(wholeSeconds(wait)))
			u.showLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf("too many sign-ins with a wrong admin token from this address; try again in %d seconds", wholeSeconds(wait)))
			return
		}
		u.showLogin(w, r, http.StatusUnauthorized, "invalid admin token; enter the value of server.admin_token")
		return
	}
	actor, err := u.s.actorOf(r.PostForm.Get("name"), "name")
	if err != nil {
		u.showLogin(w, r, http.StatusBadRequest, err.Error())
		return
	}

	sess := u.sessions.create(actor)
	http.SetCookie(w, u.cookie(loginCookie, "", -1))
	http.SetCookie(w, u.cookie(sessionCookie, sess.id, int(sessionLife.Seconds())))
	u.s.log.Info("UI session opened", "actor", actor, "remote", r.RemoteAddr)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// safeNext returns next when it is a path of the UI, so the redirect after
// sign-in can never lead to another site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/ui/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/ui/"
}

func (u *ui) logout(w http.ResponseWriter, r *http.Request, sess *session) error {
	u.sessions.remove(sess.id)
	http.SetCookie(w, u.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
	return nil
}
