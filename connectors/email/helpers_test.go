package email

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	envelopeDir      = "../../testdata/turbo/envelope"
	issueCreatedFile = envelopeDir + "/issue-created-high.json"
	commentFile      = envelopeDir + "/comment-created.json"
	testWebURL       = "https://turbo.example"
)

// fixedNow is the fake clock's time, which the Date header shows.
var fixedNow = time.Date(2026, 12, 3, 19, 0, 0, 0, time.UTC)

// goldenHeaders are the headers the connector sets, in the order golden files
// show them.
var goldenHeaders = []string{
	"From", "To", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"Auto-Submitted", "X-Auto-Response-Suppress", "User-Agent", "X-Mailer", "MIME-Version",
}

// configure returns an instance that sends to server without TLS, with extra
// merged into its config, a fake clock at fixedNow and Turbo's web UI at
// testWebURL. It is closed when the test ends.
func configure(t testing.TB, server *smtptest.Server, extra map[string]any) (*instance, *connectortest.LogBuffer) {
	t.Helper()
	cfg := map[string]any{
		"host": server.Host(),
		"port": server.Port(),
		"tls":  "none",
		"from": "Turbo <turbo@example.com>",
	}
	maps.Copy(cfg, extra)
	return configureRaw(t, cfg)
}

func configureRaw(t testing.TB, cfg map[string]any) (*instance, *connectortest.LogBuffer) {
	t.Helper()
	ic, logs := connectortest.NewInstanceConfig(t, "team-mail", cfg)
	ic.Clock = clock.NewFake(fixedNow)
	ic.Turbo.WebURL = testWebURL
	if diagnostics := New().ValidateConfig(ic.Config); len(diagnostics) > 0 {
		t.Fatalf("config is invalid: %+v", diagnostics)
	}
	configured, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { configured.Close() })
	return configured.(*instance), logs
}

// request returns a delivery of the events to the recipients.
func request(to []string, events ...sdk.Event) *sdk.DeliveryRequest {
	return &sdk.DeliveryRequest{
		DeliveryID: "dlv_test_1",
		Attempt:    1,
		Route:      "team-mail",
		Events:     events,
		Target:     sdk.Params{"to": to},
	}
}

func deliver(t testing.TB, in sdk.Instance, req *sdk.DeliveryRequest) sdk.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return in.Deliver(ctx, req)
}

// mustDeliver delivers req and fails the test unless it was delivered.
func mustDeliver(t testing.TB, in sdk.Instance, req *sdk.DeliveryRequest) sdk.Result {
	t.Helper()
	result := deliver(t, in, req)
	if result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v, want delivered (reason %q)", result.Outcome, result.Reason)
	}
	return result
}

// lastMessage parses the last message server accepted.
func lastMessage(t testing.TB, server *smtptest.Server) (*smtptest.ParsedMessage, smtptest.Message) {
	t.Helper()
	messages := server.Messages()
	if len(messages) == 0 {
		t.Fatal("the server accepted no message")
	}
	last := messages[len(messages)-1]
	parsed, err := smtptest.Parse(last.Data)
	if err != nil {
		t.Fatalf("parse the message: %v\n%s", err, last.Data)
	}
	return parsed, last
}

// eventWith loads the issue fixture with data.current fields replaced.
func eventWith(t testing.TB, fields map[string]any) sdk.Event {
	t.Helper()
	raw, err := os.ReadFile(issueCreatedFile)
	if err != nil {
		t.Fatal(err)
	}
	return connectortest.ParseEvent(t, replaceCurrent(t, raw, fields))
}

// compareGolden compares got with the golden file at path, or rewrites the
// file with -update.
func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to write it): %v", err)
	}
	if got != string(want) {
		t.Errorf("message differs from %s (run go test -update to accept it):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines of want and got that differ, by line number.
func lineDiff(want, got string) string {
	wantLines, gotLines := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(wantLines), len(gotLines)) {
		var w, g string
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want: %s\n  got:  %s\n", i+1, w, g)
		}
	}
	return b.String()
}

// replaceCurrent returns the envelope in raw with the fields set in
// data.current.
func replaceCurrent(t testing.TB, raw []byte, fields map[string]any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	current := doc["data"].(map[string]any)["current"].(map[string]any)
	maps.Copy(current, fields)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeFile writes content to a file in a temporary directory and returns its
// path.
func writeFile(t testing.TB, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// partBody returns the decoded body of the message's part of mediaType, with
// line ends as "\n", and fails the test when there is none.
func partBody(t testing.TB, parsed *smtptest.ParsedMessage, mediaType string) string {
	t.Helper()
	part, ok := parsed.Part(mediaType)
	if !ok {
		t.Fatalf("message has no %s part", mediaType)
	}
	return strings.ReplaceAll(part.Body, "\r\n", "\n")
}
