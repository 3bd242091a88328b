package admin

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/turbocode/switchboard/core/store"
)

//go:embed web/templates/*.html web/static/*
var webFiles embed.FS

// ui is the web UI: server-rendered pages that need no JavaScript, styled by
// one embedded stylesheet, fetching nothing from elsewhere.
type ui struct {
	s        *server
	secure   bool
	sessions *sessions
	pages    map[string]*template.Template
	static   http.Handler
}

// pageNames are the templates under web/templates besides the layout.
var pageNames = []string{"login", "deliveries", "delivery", "event", "connectors", "test", "routes", "tester", "actions", "error"}

func newUI(s *server, secure bool) (*ui, error) {
	u := &ui{s: s, secure: secure, sessions: newSessions(s.clock), pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(webFiles, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse the UI page %s: %w", name, err)
		}
		u.pages[name] = t
	}
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		return nil, err
	}
	u.static = http.StripPrefix("/ui/static/", http.FileServerFS(static))
	return u, nil
}

// register adds the UI's pages to mux.
func (u *ui) register(mux *http.ServeMux) {
	mux.Handle("GET /ui/static/", u.static)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusSeeOther) })
	mux.HandleFunc("GET /ui/login", u.getLogin)
	mux.HandleFunc("POST /ui/login", u.postLogin)
	pages := map[string]func(http.ResponseWriter, *http.Request, *session) error{
		"GET /ui/{$}":                       u.deliveries,
		"GET /ui/deliveries/{id}":           u.delivery,
		"POST /ui/deliveries/{id}/retry":    u.retry,
		"POST /ui/deliveries/{id}/cancel":   u.cancel,
		"POST /ui/deliveries/cancel":        u.cancelMatching,
		"GET /ui/events/{id}":               u.event,
		"POST /ui/events/{id}/replay":       u.replay,
		"GET /ui/connectors":                u.connectors,
		"POST /ui/connectors/{name}/test":   u.test,
		"POST /ui/connectors/{name}/pause":  u.pause,
		"POST /ui/connectors/{name}/resume": u.resume,
		"GET /ui/routes":                    u.routes,
		"GET /ui/tester":                    u.tester,
		"POST /ui/tester":                   u.tester,
		"GET /ui/actions":                   u.actions,
		"POST /ui/logout":                   u.logout,
	}
	for pattern, serve := range pages {
		mux.Handle(pattern, u.signedIn(serve))
	}
}

// view is the data every page template receives.
type view struct {
	Title   string
	Nav     string
	Actor   string
	CSRF    string
	Version string
	Reload  ReloadStatus
	Notice  string
	Data    any
}

// contentSecurityPolicy allows the page's own stylesheet and forms, and
// nothing else: no script, no frame, no request elsewhere.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (u *ui) render(w http.ResponseWriter, status int, page string, v view) {
	v.Version, v.Reload = u.s.version, u.s.backend.Reload()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Cache-Control", "no-store")
	var b strings.Builder
	if err := u.pages[page].ExecuteTemplate(&b, "layout.html", v); err != nil {
		u.s.log.Error("render a UI page failed", "page", page, "err", err)
		http.Error(w, "internal error; the log has the cause", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write([]byte(b.String()))
}

// signedIn serves a page to a browser with a session, checking the CSRF token
// of every POST; others go to the login page.
func (u *ui) signedIn(serve func(http.ResponseWriter, *http.Request, *session) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := u.sessions.get(r)
		if sess == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			u.fail(w, r, sess, &apiError{status: http.StatusUnauthorized, code: codeUnauthorized, message: "your session ended; sign in again"})
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), sess.csrf) {
			u.s.log.Warn("UI form rejected: missing or wrong CSRF token", "path", r.URL.Path, "remote", r.RemoteAddr)
			u.fail(w, r, sess, &apiError{status: http.StatusForbidden, code: "forbidden", message: "the form has expired or did not come from this page; reload the page and try again"})
			return
		}
		if err := serve(w, r, sess); err != nil {
			u.fail(w, r, sess, err)
		}
	})
}

// fail renders an error page for err, with the status the API would give.
func (u *ui) fail(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	status, message := http.StatusInternalServerError, "internal error; the log has the cause"
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		status, message = ae.status, ae.message
	case errors.Is(err, store.ErrNotFound):
		status, message = http.StatusNotFound, err.Error()
	default:
		u.s.log.Error("UI request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	v := view{Title: http.StatusText(status), Data: message}
	if sess != nil {
		v.Actor, v.CSRF = sess.actor, sess.csrf
	}
	u.render(w, status, "error", v)
}

func (u *ui) page(sess *session, nav, title string, data any) view {
	return view{Title: title, Nav: nav, Actor: sess.actor, CSRF: sess.csrf, Data: data}
}

// templateFuncs are the helpers the templates use.
var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"whenp": func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"pretty": func(raw json.RawMessage) string {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return string(raw)
		}
		// The template escapes the text; JSON's own \u003c escapes would
		// only make it harder to read.
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(v)
		return b.String()
	},
	"percent": func(rate *float64) string {
		if rate == nil {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", *rate*100)
	},
	"join": strings.Join,
}
