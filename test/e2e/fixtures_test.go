package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/signature"
)

const fixtureConfig = `
server:
  listen: "{{.Listen}}"
  instance_id: e2e
storage:
  dsn: "{{.Dir}}/switchboard.db"
ingest:
  secrets: ["` + turboSecret + `", "` + standardKeyA + `"]
log:
  level: debug
delivery:
  min_backoff: 100ms
  max_backoff: 1s
  poll_interval: 100ms
connectors:
  everything:
    type: http
    url: "{{.Receiver}}/all"
    signing: {scheme: standard-webhooks, secrets: ["` + standardKeyA + `", "` + standardKeyB + `"]}
  urgent:
    type: http
    url: "{{.Receiver}}/urgent"
    signing: {scheme: standard-webhooks, secret: "` + standardKeyA + `"}
  turbo-receiver:
    type: http
    url: "{{.Receiver}}/turbo"
    signing: {scheme: turbo, secret: "` + receiverSecret + `"}
  audit:
    type: file
    path: "{{.Dir}}/audit.jsonl"
  derived:
    type: http
    url: "{{.Receiver}}/derived"
routes:
  - name: everything
    events: ["*"]
    to: [{connector: everything}, {connector: audit}]
  - name: urgent
    events: ["issue.*"]
    where: {data.current.priority: [high, critical]}
    to:
      - connector: urgent
        headers: {X-Issue: "{{"{{"}} .data.current.issue_key {{"}}"}}"}
  - name: comments
    events: [comment.created]
    to: [{connector: turbo-receiver}]
  - name: big-milestones
    events: ["milestone.*"]
    if: 'data.current.issue_count > 10 && actor.type == "system"'
    to: [{connector: urgent, url: "{{.Receiver}}/milestones"}]
    template: '{"text": "{{"{{"}} .data.current.name {{"}}"}} is complete"}'
  - name: derived
    events: ["*"]
    derived: true
    if: derived
    to: [{connector: derived}]
`

// TestFixtureSequence posts every Turbo fixture in sequence order, signed as its
// sender signs it, and checks that the receivers get exactly the deliveries the
// routes call for, signed, and that the file connector wrote the same.
func TestFixtureSequence(t *testing.T) {
	recv := newReceiver(t)
	in := newInstance(t, fixtureConfig, recv.server.URL)
	in.start()

	fixtures := loadSequence(t)
	all := sendSequence(t, in, fixtures)

	want := map[string][]string{
		"/all": all,
		"/urgent": {
			"5d1e0c9b-8a7f-4e6d-9c5b-4a3f2e1d0c9b", // issue.created, high
			"1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5", // issue.updated to critical
			"d3e4f5a6-b7c8-4d9e-8f0a-2b3c4d5e6f7a", // issue.implementation_requested (native), critical
			"2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", // issue.closed, critical
		},
		"/turbo":      {"4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c"},
		"/milestones": {"8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a"},
		"/derived":    derivedGolden(t),
	}
	total := 0
	for _, ids := range want {
		total += len(ids)
	}
	waitFor(t, "every delivery", 20*time.Second, func() bool { return len(recv.requests("")) >= total }, func() string {
		return fmt.Sprintf("%d of %d requests: %d /all, %d /urgent, %d /derived", len(recv.requests("")), total,
			len(recv.requests("/all")), len(recv.requests("/urgent")), len(recv.requests("/derived")))
	})
	time.Sleep(300 * time.Millisecond) // a delivery no route calls for would arrive by now
	if got := len(recv.requests("")); got != total {
		t.Fatalf("receiver got %d requests, want exactly %d:\n%s", got, total, in.logs)
	}

	checkAll(t, recv.requests("/all"), want["/all"])
	checkDerived(t, recv.requests("/derived"), want["/derived"])
	checkUrgent(t, recv.requests("/urgent"), want["/urgent"])
	checkTurboFormat(t, recv.requests("/turbo"))
	checkMilestone(t, recv.requests("/milestones"))
	checkAuditFile(t, filepath.Join(in.dir, "audit.jsonl"), all)

	// A resend is acknowledged as a duplicate and delivers nothing again.
	first := fixtures[0]
	status, answer := in.post(first.path, standardHeaders(t, first.body), first.body)
	if status != http.StatusOK || !strings.Contains(mustJSON(answer), `"duplicate":true`) {
		t.Errorf("resend of %s: status %d, answer %v; want 200 with duplicate true", first.name, status, answer)
	}
	time.Sleep(300 * time.Millisecond)
	if got := len(recv.requests("")); got != total {
		t.Errorf("a duplicate caused %d new deliveries", got-total)
	}
	checkNoSecretsIn(t, in.logs.String())
}

func checkAll(t *testing.T, got []received, want []string) {
	t.Helper()
	keyA, _ := signature.DecodeStandardKey(standardKeyA)
	keyB, _ := signature.DecodeStandardKey(standardKeyB)
	var ids []string
	for _, r := range got {
		for name, key := range map[string][]byte{"A": keyA, "B": keyB} {
			err := signature.VerifyStandard([][]byte{key}, r.header.Get("Webhook-Id"), r.header.Get("Webhook-Timestamp"),
				r.header.Get("Webhook-Signature"), r.body, time.Now(), 5*time.Minute)
			if err != nil {
				t.Errorf("/all delivery %s: signature with key %s: %v", r.header.Get("Webhook-Id"), name, err)
			}
		}
		if !strings.HasPrefix(r.header.Get("Webhook-Id"), "dlv_") {
			t.Errorf("webhook-id = %q, want the delivery id", r.header.Get("Webhook-Id"))
		}
		ids = append(ids, eventID(t, r.body))
	}
	sameSet(t, "/all", ids, want)
}

func checkUrgent(t *testing.T, got []received, want []string) {
	t.Helper()
	key, _ := signature.DecodeStandardKey(standardKeyA)
	var ids []string
	for _, r := range got {
		if err := signature.VerifyStandard([][]byte{key}, r.header.Get("Webhook-Id"), r.header.Get("Webhook-Timestamp"),
			r.header.Get("Webhook-Signature"), r.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("/urgent signature: %v", err)
		}
		if key := r.header.Get("X-Issue"); key != "TURBO-42" {
			t.Errorf("/urgent X-Issue header = %q, want TURBO-42 from the target template", key)
		}
		ids = append(ids, eventID(t, r.body))
	}
	sameSet(t, "/urgent", ids, want)
}

// checkTurboFormat checks the delivery a Turbo webhook receiver gets: Turbo's
// own native shape, headers and signature.
func checkTurboFormat(t *testing.T, got []received) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("/turbo got %d requests, want 1", len(got))
	}
	r := got[0]
	if err := signature.VerifyTurbo([][]byte{[]byte(receiverSecret)}, r.header.Get("X-Webhook-Signature"), r.body); err != nil {
		t.Errorf("/turbo X-Webhook-Signature: %v", err)
	}
	if ev := r.header.Get("X-Webhook-Event"); ev != "comment.created" {
		t.Errorf("X-Webhook-Event = %q, want comment.created", ev)
	}
	if id := r.header.Get("X-Webhook-Delivery-Id"); !strings.HasPrefix(id, "dlv_") {
		t.Errorf("X-Webhook-Delivery-Id = %q, want the delivery id", id)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &body); err != nil || body["comment"] == nil {
		t.Errorf("/turbo body = %s, want Turbo's native shape with the entity under \"comment\"", r.body)
	}
	const commentID = "8e9f0a1b-2c3d-4e4f-8a5b-6c7d8e9f0a1b"
	if !bytes.Contains(body["comment"], []byte(commentID)) {
		t.Errorf("/turbo body does not carry comment %s: %s", commentID, r.body)
	}
}

func checkMilestone(t *testing.T, got []received) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("/milestones got %d requests, want 1 (the if: expression holds for the fixture)", len(got))
	}
	if body := string(got[0].body); body != `{"text": "v2.4 release is complete"}` {
		t.Errorf("/milestones body = %s, want the rendered template", body)
	}
}

func checkAuditFile(t *testing.T, path string, want []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("audit file: %v", err)
	}
	defer f.Close()
	var ids []string
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		var line struct {
			DeliveryID string            `json:"delivery_id"`
			Events     []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("audit line is not JSON: %v: %s", err, scanner.Bytes())
		}
		if len(line.Events) != 1 || !strings.HasPrefix(line.DeliveryID, "dlv_") {
			t.Errorf("audit line = %s", scanner.Bytes())
			continue
		}
		ids = append(ids, eventID(t, line.Events[0]))
	}
	sameSet(t, "audit file", ids, want)
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g := append([]string(nil), got...)
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, ",") != strings.Join(w, ",") {
		t.Errorf("%s event ids:\n got  %v\n want %v", what, g, w)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkNoSecretsIn fails when any configured secret appears in the output.
func checkNoSecretsIn(t *testing.T, output string) {
	t.Helper()
	for _, secret := range []string{turboSecret, standardKeyA, standardKeyB, receiverSecret,
		strings.TrimPrefix(standardKeyA, "whsec_"), strings.TrimPrefix(standardKeyB, "whsec_")} {
		if strings.Contains(output, secret) {
			t.Errorf("the process output contains a secret (%d characters)", len(secret))
		}
	}
}
