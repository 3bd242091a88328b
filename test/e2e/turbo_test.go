package e2e

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/slack/slackfake"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// qaLead is the staff member the triage route assigns bugs to.
const qaLead = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"

// turboActionConfig assigns every bug to the QA lead through the turbo
// connector and posts every bug event to Slack.
const turboActionConfig = `
server:
  listen: "%[1]s"
  admin_listen: "%[1]s"
  admin_token: e2e-admin-token-0123456789
  instance_id: e2e
storage:
  dsn: "%[2]s/switchboard.db"
ingest:
  secrets: ["` + turboSecret + `", "` + standardKeyA + `"]
log:
  level: debug
turbo:
  web_url: https://turbo.example
  api_url: "%[3]s"
  api_token: ` + syncTurboToken + `
delivery:
  min_backoff: 50ms
  max_backoff: 500ms
  poll_interval: 50ms
connectors:
  turbo:
    type: turbo
  slack:
    type: slack
    token: xoxb-e2e-token
    api_url: "%[4]s"
    channel: "#bugs"
routes:
  - name: triage-bugs
    events: ["issue.*"]
    where: {data.current.type: bug}
    to: [{connector: turbo, action: assign, staff_id: ` + qaLead + `}]
  - name: bugs-to-slack
    events: ["issue.*"]
    where: {data.current.type: bug}
    to: [{connector: slack}]
`

// TestTurboAssignmentEchoFiresOnlySlack runs the binary between a fake Turbo
// that posts its native webhooks and a fake Slack. A bug created in Turbo is
// assigned by a route; Turbo posts issue.assigned back. The assignment route
// must skip that echo, and the Slack route must still post it.
func TestTurboAssignmentEchoFiresOnlySlack(t *testing.T) {
	addr := freeAddr(t)
	turbo := turbofake.Start(t, turbofake.Options{Token: syncTurboToken,
		Webhook: turbofake.Webhook{URL: "http://" + addr, Secret: turboSecret, Mode: turbofake.ModeNative}})
	turbo.AddProject(syncProject, "TURBO")
	slack := slackfake.Start(t, slackfake.Options{Token: "xoxb-e2e-token"})

	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	text := fmt.Sprintf(turboActionConfig, addr, dir, turbo.URL(), slack.APIURL())
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	in := &instance{t: t, dir: dir, config: path, addr: addr}
	in.start()

	created := loadFixture(t, "envelope/issue-created-high.json")
	seedTurbo(t, turbo, created)
	if status, answer := in.post(created.path, created.headers, created.body); status != http.StatusAccepted {
		t.Fatalf("post the bug: %d %v", status, answer)
	}
	settleFakes(t, in, turbo)

	var writes []string
	for _, r := range turbo.Requests() {
		if r.Method != http.MethodGet {
			writes = append(writes, r.Method+" "+r.Path+" "+r.Body)
		}
	}
	if len(writes) != 1 || !strings.Contains(writes[0], `"assigned_to_id":"`+qaLead+`"`) {
		t.Fatalf("Turbo writes = %v, want the one assignment", writes)
	}

	got := deliveryStates(t, in)
	want := []string{
		"triage-bugs issue.created delivered",
		"bugs-to-slack issue.created delivered",
		"triage-bugs issue.assigned skipped: echo of this route's own action: it set assigned_to_id to \"" + qaLead + "\" on " + syncIssueID,
		"bugs-to-slack issue.assigned delivered",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("deliveries =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if messages := slack.Messages(); len(messages) != 2 {
		t.Errorf("Slack received %d messages, want the creation and the assignment", len(messages))
	}
	if !strings.Contains(in.logs.String(), "loop guard: skipped the echo of this route's own action") {
		t.Errorf("the skipped echo was not logged:\n%s", in.logs)
	}
	skips := `switchboard_delivery_skips_total{connector="turbo",kind="echo",route="triage-bugs"} 1`
	if metrics := scrapeMetrics(t, in); !strings.Contains(metrics, skips) {
		t.Errorf("/metrics lacks %s", skips)
	}
}

// scrapeMetrics reads the instance's /metrics.
func scrapeMetrics(t *testing.T, in *instance) string {
	t.Helper()
	resp, err := http.Get("http://" + in.addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	return string(body)
}

// syncIssueID is the id of the fixture issue TURBO-42.
const syncIssueID = "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"

// loadFixture reads one file of testdata/turbo, ready to send.
func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	for _, f := range loadSequence(t) {
		if f.name == name {
			return f
		}
	}
	t.Fatalf("no fixture %s in sequence.txt", name)
	return fixture{}
}

// webhookSender is a fake that posts webhooks to Switchboard.
type webhookSender interface {
	WaitWebhooks(timeout time.Duration) bool
	WebhookFailures() []string
}

// settleFakes waits until every fake has posted its webhooks and no delivery
// is pending, three times in a row.
func settleFakes(t *testing.T, in *instance, fakes ...webhookSender) {
	t.Helper()
	db := openReadOnly(t, in)
	quiet := 0
	waitFor(t, "the deliveries to settle", 30*time.Second, func() bool {
		var pending int
		db.QueryRow(`SELECT count(*) FROM deliveries WHERE state = 0`).Scan(&pending)
		idle := pending == 0
		for _, fake := range fakes {
			idle = fake.WaitWebhooks(5*time.Second) && idle
		}
		if idle {
			quiet++
		} else {
			quiet = 0
		}
		return quiet >= 3
	})
	for _, fake := range fakes {
		if failures := fake.WebhookFailures(); len(failures) > 0 {
			t.Fatalf("webhooks not accepted: %v\n%s", failures, in.logs)
		}
	}
}

// deliveryStates lists every delivery as "route event_type state[: reason]",
// in the order they were created.
func deliveryStates(t *testing.T, in *instance) []string {
	t.Helper()
	rows, err := openReadOnly(t, in).Query(`SELECT d.route, e.event_type, d.state, d.last_error
		FROM deliveries d JOIN events e ON e.seq = d.event_seq ORDER BY d.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	names := map[int]string{0: "scheduled", 1: "delivered", 2: "dead", 3: "skipped", 4: "cancelled"}
	var out []string
	for rows.Next() {
		var route, eventType, reason string
		var state int
		if err := rows.Scan(&route, &eventType, &state, &reason); err != nil {
			t.Fatal(err)
		}
		line := route + " " + eventType + " " + names[state]
		if reason != "" {
			line += ": " + reason
		}
		out = append(out, line)
	}
	return out
}

func openReadOnly(t *testing.T, in *instance) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+in.dbPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
