package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk/signature"
)

// TestEmitPostsEveryFormatSigned emits an envelope, a native delivery and a
// CloudEvent with the secret found in the config, as the README shows.
func TestEmitPostsEveryFormatSigned(t *testing.T) {
	recv := newReceiver(t)
	in := newInstance(t, fixtureConfig, recv.server.URL)
	in.start()

	out, err := exec.Command(binary, "emit", "--config", in.config,
		"../../testdata/turbo/envelope/issue-created-high.json",
		"../../testdata/turbo/native/issue-assigned.json",
		"../../core/event/testdata/cloudevents/issue-created.json").CombinedOutput()
	if err != nil {
		t.Fatalf("emit: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), " 202 Accepted"); n != 3 {
		t.Errorf("emit output has %d accepted answers, want 3:\n%s", n, out)
	}

	again, err := exec.Command(binary, "emit", "--config", in.config, "../../testdata/turbo/native/issue-assigned.json").CombinedOutput()
	if err != nil || !strings.Contains(string(again), "200 OK") || !strings.Contains(string(again), `"duplicate":true`) {
		t.Errorf("emitting the same delivery again: %v\n%s", err, again)
	}

	// Both were sent already. (Turbo's issue.assigned with a new id would still
	// be a duplicate: it reports the same assignment, which is one change.)
	renewed, err := exec.Command(binary, "emit", "--config", in.config, "--new-id",
		"../../core/event/testdata/cloudevents/issue-created.json", "../../testdata/turbo/envelope/issue-created-high.json").CombinedOutput()
	if err != nil || strings.Count(string(renewed), " 202 Accepted") != 2 {
		t.Errorf("emit --new-id of files already sent: %v, want both accepted as new events:\n%s", err, renewed)
	}

	bad, err := exec.Command(binary, "emit", "--config", in.config, "--secret", "not-the-configured-secret", "../../testdata/turbo/envelope/issue-created-low.json").CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(string(bad), "401") {
		t.Errorf("emit with a wrong secret: %v, want exit 1 with the 401 answer:\n%s", err, bad)
	}
	checkNoSecretsIn(t, string(out)+string(again)+string(bad))
}

// TestRoutesTestShowsDecisionsAndRequests runs `routes test` on a fixture and
// checks that it explains each route and shows the request, without sending it
// and without a secret.
func TestRoutesTestShowsDecisionsAndRequests(t *testing.T) {
	recv := newReceiver(t)
	in := newInstance(t, fixtureConfig, recv.server.URL)

	out, err := exec.Command(binary, "routes", "test", "--config", in.config,
		"--event", "../../testdata/turbo/envelope/issue-created-high.json").CombinedOutput()
	if err != nil {
		t.Fatalf("routes test: %v\n%s", err, out)
	}
	for _, want := range []string{
		"+ everything: matches",
		"+ urgent: matches",
		"X-Issue: TURBO-42",
		"Webhook-Signature: <signature, computed when sent>",
		"- comments: no match: event type issue.created does not match events [comment.created]",
		"- big-milestones: no match",
		"2 of 5 routes match; nothing was sent",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("routes test output lacks %q:\n%s", want, out)
		}
	}
	if n := len(recv.requests("")); n != 0 {
		t.Errorf("routes test sent %d requests", n)
	}
	checkNoSecretsIn(t, string(out))

	low, err := exec.Command(binary, "routes", "test", "--config", in.config,
		"--event", "../../testdata/turbo/envelope/issue-created-low.json").CombinedOutput()
	if err != nil || !strings.Contains(string(low), `- urgent: no match: where data.current.priority: "low" is not one of [high critical]`) {
		t.Errorf("routes test of a low-priority issue: %v\n%s", err, low)
	}

	update, err := exec.Command(binary, "routes", "test", "--config", in.config,
		"--event", "../../testdata/turbo/envelope/issue-updated-status.json").CombinedOutput()
	for _, want := range []string{
		"derives 3 events, from data.previous:",
		"event 7b5710f9-0af2-5e7e-baa1-d85491cf50c4  issue.status_changed  (derived)",
		"event 98ae761a-7b08-592c-9b6c-0470a45fa4b7  issue.assigned  (derived)",
		"+ derived: matches",
		"- everything: no match: derived event issue.priority_changed needs derived: true or its exact name",
	} {
		if err != nil || !strings.Contains(string(update), want) {
			t.Errorf("routes test of an update: %v; output lacks %q:\n%s", err, want, update)
		}
	}
}

// TestReceiveChecksSignatures runs the local receiver and sends it a signed and
// a tampered request.
func TestReceiveChecksSignatures(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "receive", "--listen", addr, "--secret", standardKeyA, "--status", "503")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.Contains(lines.Text(), "receiving on http://"+addr) {
		t.Fatalf("first line = %q", lines.Text())
	}

	body := []byte(`{"event_id":"e-1","event_type":"issue.created"}`)
	key, _ := signature.DecodeStandardKey(standardKeyA)
	send := func(sig string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hook", bytes.NewReader(body))
		req.Header.Set("Webhook-Id", "dlv_test_1")
		req.Header.Set("Webhook-Timestamp", fmt.Sprint(time.Now().Unix()))
		req.Header.Set("Webhook-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	if status := send(signature.SignStandard([][]byte{key}, "dlv_test_1", time.Now(), body)); status != 503 {
		t.Errorf("receive answered %d, want the --status 503", status)
	}
	if !lines.Scan() || !strings.Contains(lines.Text(), "issue.created e-1  signature valid") {
		t.Errorf("line for a signed request = %q", lines.Text())
	}
	if status := send("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="); status != http.StatusUnauthorized {
		t.Errorf("receive answered a tampered request with %d, want 401", status)
	}
	if !lines.Scan() || !strings.Contains(lines.Text(), "SIGNATURE INVALID") {
		t.Errorf("line for a tampered request = %q", lines.Text())
	}
}

// TestRoutesTestHidesReferencedValues checks that a target value taken from
// the environment, which may be a credential, shows as <secret>.
func TestRoutesTestHidesReferencedValues(t *testing.T) {
	dir := t.TempDir()
	path := writeConfig(t, dir, `
ingest: {insecure: true}
connectors:
  hook: {type: http, url: "https://hooks.example.com/turbo"}
routes:
  - name: all
    to: [{connector: hook, headers: {X-Api-Key: "${HDR_TOKEN}", X-Issue: "{{"{{"}} .data.current.issue_key {{"}}"}}"}}]
`, configValues{})
	cmd := exec.Command(binary, "routes", "test", "--config", path, "--event", "../../testdata/turbo/envelope/issue-created-high.json")
	cmd.Env = append(cmd.Environ(), "HDR_TOKEN=token-from-the-environment")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("routes test: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "token-from-the-environment") {
		t.Errorf("routes test shows a value from the environment:\n%s", out)
	}
	for _, want := range []string{`"X-Api-Key":"<secret>"`, "X-Api-Key: <secret>", "X-Issue: TURBO-42"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("routes test output lacks %q:\n%s", want, out)
		}
	}
}

// TestExampleConfig checks that config.example.yaml loads with the built-in
// connectors and sends a high-priority issue to the audit trail, the webhook,
// Slack and Discord.
func TestExampleConfig(t *testing.T) {
	out, err := exec.Command(binary, "check", "--config", "../../config.example.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("check config.example.yaml: %v\n%s", err, out)
	}
	out, err = exec.Command(binary, "routes", "test", "--config", "../../config.example.yaml",
		"--event", "../../testdata/turbo/envelope/issue-created-high.json").CombinedOutput()
	if err != nil {
		t.Fatalf("routes test: %v\n%s", err, out)
	}
	for _, want := range []string{"+ audit-everything: matches", "+ urgent: matches", "-> urgent-hook", "-> slack", "-> discord"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("routes test output lacks %q:\n%s", want, out)
		}
	}
}
