package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/admin/admintest"
)

// outputEntry is one output of the process: a response body, a page, a
// command's output or the log.
type outputEntry struct{ where, text string }

// outputLog collects every output of the secrets test.
type outputLog struct{ entries []outputEntry }

func (o *outputLog) add(where, text string) { o.entries = append(o.entries, outputEntry{where, text}) }

func (o *outputLog) size() int {
	n := 0
	for _, e := range o.entries {
		n += len(e.text)
	}
	return n
}

// check fails the test for each secret found in an output, naming the
// output and the key that holds the secret, never the secret itself.
func (o *outputLog) check(t *testing.T, secrets map[string]string) {
	t.Helper()
	for _, e := range o.entries {
		for value, key := range secrets {
			if strings.Contains(e.text, value) {
				t.Errorf("%s shows the secret of %s", e.where, key)
			}
		}
	}
}

// adminClient calls the admin listener and records every response body.
type adminClient struct {
	t    *testing.T
	base string
	out  *outputLog
	// browser keeps the web UI's cookies; driveAdminUI sets it.
	browser *http.Client
}

// call sends a request to the management API with token as the bearer
// token ("" for none) and returns the status and body.
func (a *adminClient) call(method, path, token string, body any) (int, []byte) {
	a.t.Helper()
	resp := (&admintest.Instance{AdminURL: a.base}).Do(a.t, method, path, token, body)
	a.out.add(method+" "+path, string(resp.Body))
	return resp.Status, resp.Body
}

// send sends a request of the web UI with the browser's cookies.
func (a *adminClient) send(req *http.Request) (int, []byte) {
	a.t.Helper()
	resp, err := a.browser.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a.out.add(req.Method+" "+req.URL.RequestURI(), string(raw))
	return resp.StatusCode, raw
}

// api calls the management API with the admin token and requires want.
func (a *adminClient) api(method, path string, body any, want int) []byte {
	a.t.Helper()
	status, raw := a.call(method, path, secretAdminToken, body)
	if status != want {
		a.t.Errorf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	return raw
}

// ids returns the field name of every item of a list response.
func (a *adminClient) ids(raw []byte, name string) []string {
	a.t.Helper()
	var page struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(raw, &page); err != nil {
		a.t.Fatalf("list answer is not JSON: %v: %s", err, raw)
	}
	var out []string
	for _, item := range page.Items {
		if id, ok := item[name].(string); ok {
			out = append(out, id)
		}
	}
	return out
}

// secretsConnectors are the connectors of secretsConfig.
var secretsConnectors = []string{"slack-bot", "slack-hook", "discord-hook", "discord-bot", "mail", "hook", "github", "turbo",
	"slack-wrong", "mail-wrong", "github-wrong"}

// testParams returns the target parameters of a test send through a
// connector: the email connectors need a recipient, which mail-wrong has no
// route to give.
func testParams(name string) map[string]any {
	if strings.HasPrefix(name, "mail") {
		return map[string]any{"params": map[string]any{"to": []string{"team@example.com"}}}
	}
	return map[string]any{}
}

// driveAdminAPI calls every endpoint of the management API: each list,
// each event, delivery and connector, the actions, and requests that fail.
func driveAdminAPI(t *testing.T, a *adminClient) {
	t.Helper()
	a.api("GET", "/api/v1/status", nil, http.StatusOK)
	events := a.ids(a.api("GET", "/api/v1/events?limit=500", nil, http.StatusOK), "event_id")
	deliveries := a.ids(a.api("GET", "/api/v1/deliveries?limit=500", nil, http.StatusOK), "id")
	dead := a.ids(a.api("GET", "/api/v1/deliveries?status=dead&limit=500", nil, http.StatusOK), "id")
	if len(events) == 0 || len(deliveries) == 0 || len(dead) == 0 {
		t.Fatalf("%d events, %d deliveries, %d dead; the run needs some of each", len(events), len(deliveries), len(dead))
	}
	for _, id := range events {
		a.api("GET", "/api/v1/events/"+url.PathEscape(id), nil, http.StatusOK)
	}
	for _, id := range deliveries {
		a.api("GET", "/api/v1/deliveries/"+url.PathEscape(id), nil, http.StatusOK)
	}
	for _, name := range secretsConnectors {
		a.api("GET", "/api/v1/connectors/"+name, nil, http.StatusOK)
		a.api("GET", "/api/v1/deliveries?connector="+name, nil, http.StatusOK)
		a.api("POST", "/api/v1/connectors/"+name+"/test", testParams(name), http.StatusOK)
	}
	a.api("GET", "/api/v1/connectors", nil, http.StatusOK)
	a.api("GET", "/api/v1/routes", nil, http.StatusOK)

	a.api("POST", "/api/v1/deliveries/"+url.PathEscape(dead[0])+"/retry", nil, http.StatusAccepted)
	a.api("POST", "/api/v1/deliveries/retry", map[string]any{"connector": "discord-hook"}, http.StatusOK)
	a.api("POST", "/api/v1/events/"+url.PathEscape(events[0])+"/replay", nil, http.StatusAccepted)
	a.api("POST", "/api/v1/events/"+url.PathEscape(events[1])+"/replay", map[string]any{"connector": "hook"}, http.StatusAccepted)
	a.api("POST", "/api/v1/connectors/slack-hook/pause", map[string]any{"reason": "rotating the webhook"}, http.StatusOK)
	a.api("POST", "/api/v1/connectors/slack-hook/resume", nil, http.StatusOK)
	a.api("POST", "/api/v1/dry-run", json.RawMessage(readFixture(t, "envelope/issue-created-high.json")), http.StatusOK)
	a.api("POST", "/api/v1/dry-run", json.RawMessage(readFixture(t, "native/issue-assigned.json")), http.StatusOK)
	a.api("GET", "/api/v1/actions", nil, http.StatusOK)
	checkBackup(t, a)

	for _, bad := range []struct {
		method, path, token string
		body                any
		status              int
	}{
		{"GET", "/api/v1/status", "", nil, http.StatusUnauthorized},
		{"GET", "/api/v1/deliveries", "wrong-admin-token-000000", nil, http.StatusUnauthorized},
		{"GET", "/api/v1/events/no-such-event", secretAdminToken, nil, http.StatusNotFound},
		{"GET", "/api/v1/deliveries/dlv_0_1", secretAdminToken, nil, http.StatusNotFound},
		{"GET", "/api/v1/connectors/no-such-connector", secretAdminToken, nil, http.StatusNotFound},
		{"POST", "/api/v1/connectors/no-such-connector/test", secretAdminToken, map[string]any{}, http.StatusNotFound},
		{"GET", "/api/v1/deliveries?limit=many", secretAdminToken, nil, http.StatusBadRequest},
		{"GET", "/api/v1/events?colour=red", secretAdminToken, nil, http.StatusBadRequest},
		{"POST", "/api/v1/dry-run", secretAdminToken, "{not json", http.StatusBadRequest},
		{"POST", "/api/v1/dry-run", secretAdminToken, map[string]any{"event_type": "issue.created"}, http.StatusBadRequest},
		{"POST", "/api/v1/deliveries/retry", secretAdminToken, map[string]any{"colour": "red"}, http.StatusBadRequest},
		{"POST", "/api/v1/events/" + url.PathEscape(events[0]) + "/replay", secretAdminToken, map[string]any{"connector": "no-such-connector"}, http.StatusNotFound},
		{"GET", "/api/v1/no-such-endpoint", secretAdminToken, nil, http.StatusNotFound},
	} {
		if status, raw := a.call(bad.method, bad.path, bad.token, bad.body); status != bad.status {
			t.Errorf("%s %s: status %d, want %d: %s", bad.method, bad.path, status, bad.status, raw)
		}
	}
}

// checkBackup fetches the backup and reads its deliveries. The backup is a
// copy of the store, where a delivery keeps its rendered target in clear,
// so the route target's credential is there by design. No other credential
// may be.
func checkBackup(t *testing.T, a *adminClient) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.base+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer "+secretAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/backup: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/backup: status %d: %s", resp.StatusCode, raw)
	}
	for value, key := range hiddenSecrets {
		if value != secretHookPath && bytes.Contains(raw, []byte(value)) {
			t.Errorf("the backup holds the secret of %s", key)
		}
	}

	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored int
	if err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE route = 'hook'`).Scan(&stored); err != nil || stored == 0 {
		t.Errorf("the backup has %d deliveries of the route hook (%v); want the store's", stored, err)
	}
}

// formField matches the hidden form and csrf fields of the UI's forms.
var formField = regexp.MustCompile(`name="(form|csrf)" value="([^"]+)"`)

// hiddenField returns the value of a hidden field of a page.
func hiddenField(t *testing.T, page []byte, name string) string {
	t.Helper()
	for _, m := range formField.FindAllSubmatch(page, -1) {
		if string(m[1]) == name {
			return string(m[2])
		}
	}
	t.Fatalf("no hidden %s field on the page:\n%s", name, page)
	return ""
}

// page fetches a UI page with the browser's cookies.
func (a *adminClient) page(path string, want int) []byte {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.base+path, nil)
	status, raw := a.send(req)
	if status != want {
		a.t.Errorf("GET %s: status %d, want %d", path, status, want)
	}
	return raw
}

// form posts a UI form with the browser's cookies; redirects are followed.
func (a *adminClient) form(path string, values url.Values) (int, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.base+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.send(req)
}

// driveAdminUI signs in as a browser does (a wrong token first), fetches
// every page and posts every form. It returns the session's CSRF token; the
// session stays open.
func driveAdminUI(t *testing.T, a *adminClient) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a.browser = &http.Client{Jar: jar}

	login := a.page("/ui/login", http.StatusOK)
	if status, _ := a.form("/ui/login", url.Values{"form": {hiddenField(t, login, "form")}, "token": {"wrong-admin-token-000000"}, "name": {"ops"}}); status != http.StatusUnauthorized {
		t.Errorf("sign-in with a wrong token: status %d, want 401", status)
	}
	login = a.page("/ui/login", http.StatusOK)
	status, home := a.form("/ui/login", url.Values{"form": {hiddenField(t, login, "form")}, "token": {secretAdminToken}, "name": {"ops"}})
	if status != http.StatusOK || !bytes.Contains(home, []byte(`name="csrf"`)) {
		t.Fatalf("sign-in: status %d, want the delivery log:\n%s", status, home)
	}
	csrf := hiddenField(t, home, "csrf")

	events := a.ids(a.api("GET", "/api/v1/events?limit=500", nil, http.StatusOK), "event_id")
	deliveries := a.ids(a.api("GET", "/api/v1/deliveries?limit=500", nil, http.StatusOK), "id")
	for _, path := range []string{"/ui/", "/ui/?status=dead", "/ui/?connector=hook", "/ui/connectors", "/ui/routes", "/ui/tester", "/ui/actions"} {
		a.page(path, http.StatusOK)
	}
	for _, id := range events {
		a.page("/ui/events/"+url.PathEscape(id), http.StatusOK)
	}
	for _, id := range deliveries {
		a.page("/ui/deliveries/"+url.PathEscape(id), http.StatusOK)
	}
	a.page("/ui/deliveries/dlv_0_1", http.StatusNotFound)
	a.page("/ui/events/no-such-event", http.StatusNotFound)

	forms := []struct {
		path   string
		values url.Values
	}{
		{"/ui/tester", url.Values{"event": {string(readFixture(t, "envelope/issue-created-high.json"))}}},
		{"/ui/tester", url.Values{"event": {"{not json"}}},
		{"/ui/deliveries/" + url.PathEscape(deliveries[0]) + "/retry", url.Values{}},
		{"/ui/events/" + url.PathEscape(events[0]) + "/replay", url.Values{"connector": {"hook"}}},
		{"/ui/connectors/slack-hook/pause", url.Values{"reason": {"rotating"}}},
		{"/ui/connectors/slack-hook/resume", url.Values{}},
	}
	for _, name := range secretsConnectors {
		forms = append(forms, struct {
			path   string
			values url.Values
		}{"/ui/connectors/" + name + "/test", url.Values{}})
	}
	for _, f := range forms {
		f.values.Set("csrf", csrf)
		if status, raw := a.form(f.path, f.values); status >= 500 {
			t.Errorf("POST %s: status %d: %s", f.path, status, raw)
		}
	}
	return csrf
}

// rejectReload replaces the config with one whose new credentials are
// invalid, sends SIGHUP, and reads the rejection where the API and the UI
// show it. Then it puts the valid config back.
func rejectReload(t *testing.T, in *instance, a *adminClient, values secretsValues) {
	t.Helper()
	valid, err := os.ReadFile(in.config)
	if err != nil {
		t.Fatal(err)
	}
	invalid := strings.NewReplacer(
		`"${SECRETS_TEST_TURBO_SECRET}"`, `"whsec_`+secretRejectedKey+`"`,
		"webhook_url: ${SECRETS_TEST_SLACK_WEBHOOK}", "webhook_url: ftp://hooks.example/services/"+secretRejectedHook,
	).Replace(string(valid))
	if invalid == string(valid) {
		t.Fatal("the rejected config is the same as the valid one")
	}
	writeSecretFile(t, values.Dir, "switchboard.yaml", invalid)
	in.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the reload to be rejected", 10*time.Second, func() bool { return reloadError(t, a) != "" })
	if page := a.page("/ui/connectors", http.StatusOK); !bytes.Contains(page, []byte("ingest.secrets[0]")) {
		t.Errorf("the UI page does not show the rejected reload:\n%s", page)
	}

	writeSecretFile(t, values.Dir, "switchboard.yaml", string(valid))
	in.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "the valid config to be reloaded", 10*time.Second, func() bool { return reloadError(t, a) == "" })
	out, _ := exec.Command(binary, "check", "--config", writeRejected(t, invalid)).CombinedOutput()
	a.out.add("switchboard check on the rejected config", string(out))
}

// reloadError returns the error of the last reload that GET /api/v1/status
// shows, "" when it succeeded.
func reloadError(t *testing.T, a *adminClient) string {
	t.Helper()
	var status struct {
		ReloadError string `json:"reload_error"`
	}
	if err := json.Unmarshal(a.api("GET", "/api/v1/status", nil, http.StatusOK), &status); err != nil {
		t.Fatalf("GET /api/v1/status: %v", err)
	}
	return status.ReloadError
}

// writeRejected writes the rejected config into a directory of its own and
// returns its path.
func writeRejected(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	writeSecretFile(t, dir, "switchboard.yaml", text)
	return filepath.Join(dir, "switchboard.yaml")
}

// runSecretsCommands runs `check` and `routes test` on the config. It also
// runs `check` and `serve` on the config with a PostgreSQL DSN whose port is
// closed, so that the connection error is shown too.
func runSecretsCommands(t *testing.T, in *instance, values secretsValues, out *outputLog) {
	t.Helper()
	for _, args := range [][]string{
		{"check", "--config", in.config},
		{"routes", "test", "--config", in.config, "--event", "../../testdata/turbo/envelope/issue-created-high.json"},
	} {
		output, err := exec.Command(binary, args...).CombinedOutput()
		if err != nil {
			t.Errorf("switchboard %s: %v\n%s", strings.Join(args[:2], " "), err, output)
		}
		out.add("switchboard "+strings.Join(args[:2], " "), string(output))
	}

	valid, err := os.ReadFile(in.config)
	if err != nil {
		t.Fatal(err)
	}
	dsn := "postgres://switchboard:" + secretPostgres + "@" + closedPort(t) + "/switchboard?sslmode=disable&connect_timeout=2"
	postgres := strings.Replace(string(valid), `  dsn: "`+in.dir+`/switchboard.db"`, "  driver: postgres\n  dsn: \""+dsn+"\"", 1)
	if postgres == string(valid) {
		t.Fatal("the storage block of the config was not found")
	}
	elsewhere := strings.NewReplacer(values.Listen, closedPort(t), values.AdminListen, closedPort(t))
	path := writeRejected(t, elsewhere.Replace(postgres))
	for _, command := range []string{"check", "serve"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		output, _ := exec.CommandContext(ctx, binary, command, "--config", path).CombinedOutput()
		cancel()
		out.add("switchboard "+command+" with a PostgreSQL DSN", string(output))
		if command == "serve" && !strings.Contains(string(output), "127.0.0.1") {
			t.Errorf("serve with an unreachable PostgreSQL server did not report the connection failure:\n%s", output)
		}
	}
}
