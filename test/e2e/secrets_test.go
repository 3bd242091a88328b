package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/turbocode/switchboard/connectors/discord/discordtest"
	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/connectors/slack/slackfake"
	"github.com/turbocode/switchboard/sdk/signature"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// The credentials of TestSecretsStayHidden, each a value that appears
// nowhere else, so that finding it in an output can only be a leak.
const (
	secretAdminToken     = "admin-token-7Qm2xV9pLk4sWd8n"
	secretTurboAPIToken  = "turbo-api-token-Hc3rT6yBv1qZ"
	secretSlackToken     = "xoxb-1111-2222-slackBotN4wq8Jz"
	secretSlackHookPath  = "slackHookPartR5tY7uI9oP2a"
	secretDiscordHook    = "discordHookTokenB8nM3kL6jH1g"
	secretDiscordBot     = "discordBotTokenF2dS5aQ7wE9r"
	secretSMTPPassword   = "smtp-password-Vx4Cz8Bn6Mq1"
	secretGitHubToken    = "ghp_githubTokenT3gH7jK1lZ5x"
	secretGitHubWebhook  = "github-webhook-secret-Y6uJ2mN8"
	secretHookBearer     = "hook-bearer-Pw9Oe3Ri5Tu7"
	secretHookPath       = "hookPathTokenAs4Df6Gh8Jk0"
	secretPostgres       = "pg-password-Zx1Cv3Bn5Mm7"
	secretRejectedKey    = "rejected-secret-Qa2Ws4Ed6Rf8"
	secretWrongSlack     = "xoxb-3333-4444-wrongSlackK7hG2"
	secretWrongSMTP      = "wrong-smtp-password-Lp0Ok9Ij8"
	secretWrongGitHub    = "ghp_wrongGitHubTokenUh7Yg6Tf5"
	secretRejectedHook   = "rejectedHookPartTg5Yh7Uj9"
	secretsDiscordWebhID = "1300000000000000001"
	secretsDiscordChanID = "1300000000000000042"
	secretsStaffID       = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
)

// hiddenSecrets maps each credential that the secrets test configures to
// the config key that holds it. The ingest and signing keys of the other
// e2e tests are among them.
var hiddenSecrets = map[string]string{
	secretAdminToken:    "server.admin_token",
	turboSecret:         "ingest.secrets[0]",
	standardKeyA:        "ingest.secrets[1]",
	standardKeyB:        "connectors.hook.signing.secret",
	secretTurboAPIToken: "turbo.api_token",
	secretSlackToken:    "connectors.slack-bot.token",
	secretSlackHookPath: "connectors.slack-hook.webhook_url",
	secretDiscordHook:   "connectors.discord-hook.webhook_url",
	secretDiscordBot:    "connectors.discord-bot.token",
	secretSMTPPassword:  "connectors.mail.password",
	secretGitHubToken:   "connectors.github.token",
	secretGitHubWebhook: "connectors.github.webhook_secret",
	secretHookBearer:    "connectors.hook.headers.Authorization",
	secretHookPath:      "routes.hook.to[0].url",
	secretPostgres:      "storage.dsn (the PostgreSQL password)",
	secretRejectedKey:   "ingest.secrets of the rejected reload",
	secretWrongSlack:    "connectors.slack-wrong.token",
	secretWrongSMTP:     "connectors.mail-wrong.password",
	secretWrongGitHub:   "connectors.github-wrong.token",
	secretRejectedHook:  "connectors.slack-hook.webhook_url of the rejected reload",
	strings.TrimPrefix(standardKeyA, signature.StandardPrefix): "ingest.secrets[1] without whsec_",
	strings.TrimPrefix(standardKeyB, signature.StandardPrefix): "connectors.hook.signing.secret without whsec_",
}

// secretsConfig has a credential in every place the config takes one: some
// written in the file, some from ${ENV} and some from ${file:...}. The
// connectors whose names end in -wrong have a credential their destination
// rejects, and no route: the test sends through them. The HTTP and Slack
// webhook destinations respond 500 and the Discord webhook's port is
// closed, so that these failures are logged and shown too.
const secretsConfig = `
server:
  listen: "{{.Listen}}"
  admin_listen: "{{.AdminListen}}"
  admin_token: ${SECRETS_TEST_ADMIN_TOKEN}
  instance_id: secrets
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["${SECRETS_TEST_TURBO_SECRET}", "` + standardKeyA + `"]
log:
  level: debug
turbo:
  web_url: https://turbo.example
  api_url: "{{.TurboAPI}}"
  api_token: ${file:{{.Dir}}/turbo-api-token}
delivery:
  max_attempts: 2
  min_backoff: 50ms
  max_backoff: 200ms
  poll_interval: 50ms
  circuit_threshold: 1000
connectors:
  slack-bot:
    type: slack
    token: ` + secretSlackToken + `
    api_url: "{{.SlackAPI}}"
    channel: "#ops"
  slack-hook:
    type: slack
    webhook_url: ${SECRETS_TEST_SLACK_WEBHOOK}
  discord-hook:
    type: discord
    webhook_url: ${file:{{.Dir}}/discord-webhook}
  discord-bot:
    type: discord
    token: ` + secretDiscordBot + `
    api_url: "{{.DiscordAPI}}"
  mail:
    type: email
    host: 127.0.0.1
    port: {{.SMTPPort}}
    tls: none
    username: turbo
    password: ${SECRETS_TEST_SMTP_PASSWORD}
    from: "Turbo <turbo@example.com>"
  hook:
    type: http
    url: "{{.Receiver}}/hook"
    allow_private: true
    headers: {Authorization: "Bearer ${SECRETS_TEST_HOOK_BEARER}"}
    signing: {scheme: standard-webhooks, secret: "` + standardKeyB + `"}
  github:
    type: github
    token: ${SECRETS_TEST_GITHUB_TOKEN}
    api_url: "{{.GitHubAPI}}"
    webhook_secret: ` + secretGitHubWebhook + `
    min_gap: 20ms
    projects: {"` + syncProject + `": ` + syncRepo + `}
  turbo:
    type: turbo
  slack-wrong:
    type: slack
    token: ` + secretWrongSlack + `
    api_url: "{{.SlackAPI}}"
    channel: "#ops"
  mail-wrong:
    type: email
    host: 127.0.0.1
    port: {{.SMTPPort}}
    tls: none
    username: turbo
    password: ` + secretWrongSMTP + `
    from: "Turbo <turbo@example.com>"
  github-wrong:
    type: github
    token: ` + secretWrongGitHub + `
    api_url: "{{.GitHubAPI}}"
    direction: turbo_to_github
    projects: {"` + syncProject + `": ` + syncRepo + `}
routes:
  - name: chat
    events: ["comment.created"]
    to:
      - {connector: slack-bot}
      - {connector: slack-hook}
      - {connector: discord-hook}
      - {connector: discord-bot, channel_id: "` + secretsDiscordChanID + `"}
  - name: mail
    events: ["issue.*"]
    to: [{connector: mail, to: [team@example.com]}]
  - name: hook
    events: ["*"]
    to: [{connector: hook, url: "{{.Receiver}}/hook/${SECRETS_TEST_HOOK_PATH}"}]
  - name: github-sync
    events: ["issue.*", "comment.*", "github.*"]
    to: [{connector: github}]
  - name: triage
    events: ["issue.created"]
    to: [{connector: turbo, action: assign, staff_id: ` + secretsStaffID + `}]
`

// secretsValues are the addresses secretsConfig refers to.
type secretsValues struct {
	Listen, AdminListen, Dir, Receiver        string
	TurboAPI, SlackAPI, DiscordAPI, GitHubAPI string
	SMTPPort                                  int
}

// TestSecretsStayHidden runs the binary with a credential in every place
// the config takes one, at debug level. It sends events and GitHub
// webhooks, and lets some destinations fail. It calls every endpoint of the
// management API and every page of the web UI (signed in with the cookie
// flow) with valid and invalid input. It reads /metrics, has a reload
// rejected, and runs `check` and `routes test`. No credential may appear in
// any response body, page, command output or log line. The backup, a copy
// of the store, may hold only the route target's credential, which
// deliveries store in clear by design.
func TestSecretsStayHidden(t *testing.T) {
	recv := newReceiver(t)
	recv.status.Store(http.StatusInternalServerError)
	in, values, github := startSecretsInstance(t, recv)
	out := &outputLog{}

	postSecretsEvents(t, in, out)
	settleFakes(t, in, github)

	admin := &adminClient{t: t, base: "http://" + values.AdminListen, out: out}
	driveAdminAPI(t, admin)
	csrf := driveAdminUI(t, admin)
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		admin.call(http.MethodGet, path, "", nil)
	}
	rejectReload(t, in, admin, values)
	admin.form("/ui/logout", url.Values{"csrf": {csrf}})
	runSecretsCommands(t, in, values, out)

	checkSecretsSent(t, recv)

	in.stop()
	out.add("the process's log", in.logs.String())
	if !strings.Contains(in.logs.String(), `"level":"DEBUG"`) {
		t.Error("the log has no debug lines; the secrets check needs the debug level")
	}
	out.check(t, hiddenSecrets)
	t.Logf("checked %d outputs (%d bytes) for %d secrets", len(out.entries), out.size(), len(hiddenSecrets))
}

// startSecretsInstance starts the fakes of every destination and the binary
// on secretsConfig, with its credentials in the environment and in files.
func startSecretsInstance(t *testing.T, recv *receiver) (*instance, secretsValues, *githubfake.Server) {
	t.Helper()
	dir := t.TempDir()
	values := secretsValues{Listen: freeAddr(t), AdminListen: freeAddr(t), Dir: dir, Receiver: recv.server.URL}

	turbo := turbofake.Start(t, turbofake.Options{Token: secretTurboAPIToken})
	turbo.AddProject(syncProject, "TURBO")
	values.TurboAPI = turbo.URL()
	values.SlackAPI = slackfake.Start(t, slackfake.Options{Token: secretSlackToken}).APIURL()
	discord := discordtest.NewServer(t)
	discord.SetBotToken(secretDiscordBot)
	discord.AddChannel(discordtest.Channel{ID: secretsDiscordChanID, CanAccess: true})
	values.DiscordAPI = discord.APIURL()
	values.SMTPPort = smtptest.NewServer(t, smtptest.WithAuth("turbo", secretSMTPPassword)).Port()
	github := githubfake.Start(t, githubfake.Options{WebhookURL: "http://" + values.Listen + "/v1/github/webhook",
		WebhookSecret: secretGitHubWebhook})
	github.AddUser("switchboard-bot", secretGitHubToken, "User")
	github.AddRepo(syncRepo)
	values.GitHubAPI = github.URL()

	t.Setenv("SECRETS_TEST_ADMIN_TOKEN", secretAdminToken)
	t.Setenv("SECRETS_TEST_TURBO_SECRET", turboSecret)
	t.Setenv("SECRETS_TEST_SLACK_WEBHOOK", recv.server.URL+"/services/T0001/B0001/"+secretSlackHookPath)
	t.Setenv("SECRETS_TEST_SMTP_PASSWORD", secretSMTPPassword)
	t.Setenv("SECRETS_TEST_HOOK_BEARER", secretHookBearer)
	t.Setenv("SECRETS_TEST_HOOK_PATH", secretHookPath)
	t.Setenv("SECRETS_TEST_GITHUB_TOKEN", secretGitHubToken)
	writeSecretFile(t, dir, "turbo-api-token", secretTurboAPIToken+"\n")
	writeSecretFile(t, dir, "discord-webhook", "http://"+closedPort(t)+"/api/webhooks/"+secretsDiscordWebhID+"/"+secretDiscordHook+"\n")

	path := renderSecretsConfig(t, secretsConfig, values)
	in := &instance{t: t, dir: dir, config: path, addr: values.Listen}
	in.start()
	return in, values, github
}

// renderSecretsConfig writes text with values into values.Dir and returns
// the file's path.
func renderSecretsConfig(t *testing.T, text string, values secretsValues) string {
	t.Helper()
	var b bytes.Buffer
	if err := template.Must(template.New("config").Parse(text)).Execute(&b, values); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(values.Dir, "switchboard.yaml")
	writeSecretFile(t, values.Dir, "switchboard.yaml", b.String())
	return path
}

func writeSecretFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// postSecretsEvents posts the Turbo fixtures, a GitHub webhook, and
// requests that ingest rejects: a wrong signature on each endpoint.
func postSecretsEvents(t *testing.T, in *instance, out *outputLog) {
	t.Helper()
	for _, f := range loadSequence(t) {
		resp, body := postFull(t, in, f.path, f.headers, f.body)
		out.add("POST "+f.path+" "+f.name, body)
		if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d %s", f.name, resp.StatusCode, body)
		}
	}

	webhook, err := os.ReadFile("../../testdata/github/issues-edited.json")
	if err != nil {
		t.Fatal(err)
	}
	githubHeaders := map[string]string{"Content-Type": "application/json", "X-GitHub-Event": "issues",
		"X-GitHub-Delivery":             "5d3c1b2a-0000-4000-8000-00000000c0de",
		signature.HeaderGitHubSignature: signature.SignTurbo([]byte(secretGitHubWebhook), webhook)}
	wrongGitHub := map[string]string{"Content-Type": "application/json", "X-GitHub-Event": "issues",
		"X-GitHub-Delivery":             "5d3c1b2a-0000-4000-8000-00000000c0df",
		signature.HeaderGitHubSignature: signature.SignTurbo([]byte("not-the-webhook-secret"), webhook)}
	wrongTurbo := map[string]string{"Content-Type": "application/json", "X-Webhook-Event": "issue.created",
		"X-Webhook-Delivery-Id":        "5d3c1b2a-0000-4000-8000-00000000c0e0",
		signature.HeaderTurboSignature: signature.SignTurbo([]byte("not-the-turbo-secret-0123"), []byte(`{"issue":{}}`))}
	for _, req := range []struct {
		name, path string
		headers    map[string]string
		body       []byte
		status     int
	}{
		{"signed GitHub webhook", "/v1/github/webhook", githubHeaders, webhook, http.StatusAccepted},
		{"GitHub webhook with a wrong signature", "/v1/github/webhook", wrongGitHub, webhook, http.StatusUnauthorized},
		{"native delivery with a wrong signature", "/v1/turbo/webhook", wrongTurbo, []byte(`{"issue":{}}`), http.StatusUnauthorized},
		{"envelope without a signature", "/v1/events", map[string]string{"Content-Type": "application/json"}, webhook, http.StatusUnauthorized},
	} {
		resp, body := postFull(t, in, req.path, req.headers, req.body)
		out.add(req.name, body)
		if resp.StatusCode != req.status {
			t.Errorf("%s: status %d, want %d: %s", req.name, resp.StatusCode, req.status, body)
		}
	}
}

// checkSecretsSent checks that the receiver got the credentials the config
// gives its destinations, so that the run used them and the check for
// their leaks means something.
func checkSecretsSent(t *testing.T, recv *receiver) {
	t.Helper()
	hook := recv.requests("/hook/" + secretHookPath)
	if len(hook) == 0 || hook[0].header.Get("Authorization") != "Bearer "+secretHookBearer {
		t.Errorf("the receiver got %d requests at the route's URL, want some with the configured Authorization", len(hook))
	}
	if len(recv.requests("/services/T0001/B0001/"+secretSlackHookPath)) == 0 {
		t.Error("the Slack webhook URL got no request")
	}
}
