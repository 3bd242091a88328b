package admin_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// browser is an HTTP client with cookies, as a browser without JavaScript.
type browser struct {
	t      *testing.T
	inst   *admintest.Instance
	client *http.Client
}

func newBrowser(t *testing.T, inst *admintest.Instance) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, inst: inst, client: &http.Client{Jar: jar}}
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.client.Get(b.inst.AdminURL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) post(path string, form url.Values) (int, string, *http.Response) {
	b.t.Helper()
	resp, err := b.client.PostForm(b.inst.AdminURL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

var hiddenInput = regexp.MustCompile(`name="(form|csrf)" value="([^"]+)"`)

// hidden returns the value of a hidden form field on a page.
func hidden(t *testing.T, page, name string) string {
	t.Helper()
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no hidden %s field on the page:\n%s", name, page)
	return ""
}

func (b *browser) login(token string) (int, string) {
	b.t.Helper()
	_, page := b.get("/ui/login")
	status, body, _ := b.post("/ui/login", url.Values{"form": {hidden(b.t, page, "form")}, "token": {token}, "name": {"ops-anna"}})
	return status, body
}

func TestUISignInAndForms(t *testing.T) {
	inst := admintest.Start(t, "")
	inst.Emit(t, "issue-x", "issue.created", "ix", map[string]any{"title": "<script>alert(1)</script>"})
	inst.WaitFor(t, "the delivery", func() bool { return len(inst.Fake.Deliveries()) == 1 })
	b := newBrowser(t, inst)

	t.Run("pages need a session", func(t *testing.T) {
		status, body := b.get("/ui/connectors")
		if status != http.StatusOK || !strings.Contains(body, `name="token"`) {
			t.Errorf("without a session: %d, want the login page", status)
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		status, body := b.login("not-the-token-not-the-token")
		if status != http.StatusUnauthorized || !strings.Contains(body, "invalid admin token") {
			t.Errorf("wrong token: %d", status)
		}
	})
	t.Run("name that is the token", func(t *testing.T) {
		_, page := b.get("/ui/login")
		status, body, _ := b.post("/ui/login", url.Values{"form": {hidden(t, page, "form")}, "token": {admintest.Token}, "name": {admintest.Token}})
		if status != http.StatusBadRequest || !strings.Contains(body, "contains the admin token") {
			t.Errorf("sign-in with the token as the name = %d, want 400 saying why", status)
		}
		if strings.Contains(body, admintest.Token) {
			t.Errorf("the sign-in page shows the admin token")
		}
	})
	t.Run("login without its form token", func(t *testing.T) {
		status, _, _ := b.post("/ui/login", url.Values{"token": {admintest.Token}})
		if status != http.StatusForbidden {
			t.Errorf("login without the form token = %d, want 403", status)
		}
	})

	status, page := b.login(admintest.Token)
	if status != http.StatusOK || !strings.Contains(page, "ops-anna") {
		t.Fatalf("login: %d\n%s", status, page)
	}
	u, _ := url.Parse(inst.AdminURL)
	for _, c := range b.client.Jar.Cookies(u) {
		if strings.Contains(c.Value, admintest.Token) {
			t.Errorf("cookie %s holds the admin token", c.Name)
		}
	}

	t.Run("escapes event data", func(t *testing.T) {
		_, body := b.get("/ui/events/issue-x")
		if strings.Contains(body, "<script>alert(1)</script>") || !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("the event page does not escape the title")
		}
		if strings.Contains(body, admintest.Channel) {
			t.Errorf("the event page shows the value of ${ADMINTEST_CHANNEL}")
		}
	})
	t.Run("content security policy", func(t *testing.T) {
		resp, err := b.client.Get(inst.AdminURL + "/ui/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP = %q", csp)
		}
	})
	t.Run("post without csrf", func(t *testing.T) {
		status, body, _ := b.post("/ui/connectors/hook/pause", url.Values{"reason": {"x"}})
		if status != http.StatusForbidden || !strings.Contains(body, "form has expired") {
			t.Errorf("pause without the CSRF token = %d", status)
		}
		var c map[string]any
		inst.API(t, "GET", "/api/v1/connectors/hook", nil).Decode(t, &c)
		if c["status"] == "paused" {
			t.Errorf("a form without the CSRF token paused the connector")
		}
	})
	t.Run("post with csrf", func(t *testing.T) {
		_, page := b.get("/ui/connectors")
		status, body, _ := b.post("/ui/connectors/hook/pause", url.Values{"csrf": {hidden(t, page, "csrf")}, "reason": {"night <b>"}})
		if status != http.StatusOK || !strings.Contains(body, "night &lt;b&gt;") {
			t.Errorf("pause with the CSRF token = %d", status)
		}
		var actions struct{ Items []map[string]any }
		inst.API(t, "GET", "/api/v1/actions", nil).Decode(t, &actions)
		if len(actions.Items) == 0 || actions.Items[0]["actor"] != "ops-anna" || actions.Items[0]["action"] != "pause" {
			t.Errorf("audit = %v, want the pause by ops-anna", actions.Items)
		}
	})
	t.Run("audit filters", func(t *testing.T) {
		status, body := b.get("/ui/actions?actor=ops-anna&action=pause")
		if status != http.StatusOK || !strings.Contains(body, "night &lt;b&gt;") || !strings.Contains(body, `<option value="pause" selected>`) {
			t.Errorf("actions by ops-anna = %d, want the pause and the filter selected:\n%s", status, body)
		}
		if _, body := b.get("/ui/actions?actor=nobody"); !strings.Contains(body, "No operator actions match.") {
			t.Errorf("actions by nobody do not say that none match:\n%s", body)
		}
		if status, body := b.get("/ui/actions?action=restart"); status != http.StatusBadRequest || !strings.Contains(body, "unknown action") {
			t.Errorf("an unknown action = %d, want 400 saying so:\n%s", status, body)
		}
	})
	t.Run("rule tester", func(t *testing.T) {
		_, page := b.get("/ui/tester")
		status, body, _ := b.post("/ui/tester", url.Values{"csrf": {hidden(t, page, "csrf")},
			"event": {`{"event_id":"t1","event_type":"comment.created","timestamp":"2026-12-01T16:00:00Z","entity_type":"comment","entity_id":"c","action":"created","data":{"current":{"content":"<i>x</i>"}}}`}})
		if status != http.StatusOK || !strings.Contains(body, "comment &lt;i&gt;x&lt;/i&gt;") || !strings.Contains(body, "Nothing was sent") {
			t.Errorf("rule tester = %d\n%s", status, body)
		}
	})
	t.Run("rule tester not JSON", func(t *testing.T) {
		_, page := b.get("/ui/tester")
		status, body, _ := b.post("/ui/tester", url.Values{"csrf": {hidden(t, page, "csrf")}, "event": {"event_type: issue.created"}})
		if status != http.StatusOK || !strings.Contains(body, "invalid JSON at byte 0: unexpected &#39;e&#39;; expected a JSON value. Write the event as JSON") {
			t.Errorf("rule tester with YAML = %d, want the problem and the fix:\n%s", status, body)
		}
	})
	t.Run("test send shows text", func(t *testing.T) {
		_, page := b.get("/ui/connectors")
		status, body, _ := b.post("/ui/connectors/hook/test", url.Values{"csrf": {hidden(t, page, "csrf")}})
		if status != http.StatusOK || !strings.Contains(body, "&lt;secret&gt;") {
			t.Errorf("test send page = %d, want the redacted channel shown as <secret>:\n%s", status, body)
		}
		if strings.Contains(body, `\u003c`) {
			t.Errorf("the test send page shows JSON escapes such as \\u003c:\n%s", body)
		}
	})
	t.Run("token on no page", func(t *testing.T) {
		for _, path := range []string{"/ui/", "/ui/connectors", "/ui/routes", "/ui/actions", "/ui/tester", "/ui/events/issue-x"} {
			if _, body := b.get(path); strings.Contains(body, admintest.Token) {
				t.Errorf("%s shows the admin token", path)
			}
		}
	})
	t.Run("sign out", func(t *testing.T) {
		_, page := b.get("/ui/routes")
		b.post("/ui/logout", url.Values{"csrf": {hidden(t, page, "csrf")}})
		if _, body := b.get("/ui/routes"); !strings.Contains(body, `name="token"`) {
			t.Errorf("after signing out the routes page is still shown")
		}
	})
	t.Run("many wrong tokens", func(t *testing.T) {
		status, body := 0, ""
		for i := 0; i < 30 && status != http.StatusTooManyRequests; i++ {
			status, body = b.login("not-the-token-not-the-token")
		}
		if status != http.StatusTooManyRequests || !strings.Contains(body, "too many sign-ins") {
			t.Errorf("after 30 wrong tokens: %d, want 429 saying why", status)
		}
		if status, _ := b.login(admintest.Token); status != http.StatusOK {
			t.Errorf("the right token from the limited address = %d, want 200", status)
		}
	})
}
