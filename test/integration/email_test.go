package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/email"
	"github.com/turbocode/switchboard/connectors/email/smtptest"
	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/event"
	"github.com/turbocode/switchboard/core/render"
	"github.com/turbocode/switchboard/core/route"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

var updateEmailNatives = flag.Bool("update-email-natives", false,
	"rewrite connectors/email/testdata/native from testdata/turbo/native")

// emailReceived is the time the native fixtures are stamped with: native
// payloads carry no time of their own.
var emailReceived = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// TestEmailNativeEnvelopes converts Turbo's native fixtures with the daemon's
// own normaliser into the envelopes the email connector's golden test renders,
// and fails when the stored ones are out of date.
func TestEmailNativeEnvelopes(t *testing.T) {
	files, err := filepath.Glob("../../testdata/turbo/native/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no native fixtures: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			got := emailNativeEnvelope(t, file)
			path := filepath.Join("../../connectors/email/testdata/native", name)
			if *updateEmailNatives {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s (run with -update-email-natives to write it): %v", path, err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("%s is out of date; run go test ./test/integration -run TestEmailNativeEnvelopes -update-email-natives", path)
			}
		})
	}
}

// emailNativeEnvelope returns the envelope of one native fixture, indented,
// as ingest would store it, received at emailReceived.
func emailNativeEnvelope(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	in, err := event.FromTurboWebhook(fixture.Headers["X-Webhook-Event"], fixture.Headers["X-Webhook-Delivery-Id"], fixture.Body, emailReceived)
	if err != nil {
		t.Fatalf("normalise %s: %v", file, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, in.Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	return out.Bytes()
}

// TestEmailRouteTemplateEscapedByHost renders a route template with the
// daemon's engine and the markup the email connector declares, and checks
// that user text arrives as text in both parts: escaped in the HTML part,
// as written in the plain-text part.
func TestEmailRouteTemplateEscapedByHost(t *testing.T) {
	const title = `<script>alert("x")</script> & <b>@everyone</b>`
	raw, err := os.ReadFile("../../testdata/turbo/envelope/issue-created-high.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["data"].(map[string]any)["current"].(map[string]any)["title"] = title
	envelope, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}

	connector := email.New()
	tmpl, err := render.New(render.Options{WebURL: "https://turbo.example"}).Parse("urgent",
		`<p><b>Urgent:</b> {{ .data.current.title }}</p><p><a href="{{ link . }}">Open it in Turbo</a></p>`, connector.Info().Markup)
	if err != nil {
		t.Fatal(err)
	}
	message, err := tmpl.Execute(doc)
	if err != nil {
		t.Fatal(err)
	}

	server := smtptest.NewServer(t)
	ic, _ := connectortest.NewInstanceConfig(t, "team-mail", map[string]any{
		"host": server.Host(), "port": server.Port(), "tls": "none", "from": "turbo@example.com",
	})
	instance, err := connector.Configure(context.Background(), ic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { instance.Close() })
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_template_1", Attempt: 1, Route: "urgent", Message: message,
		Events: []sdk.Event{connectortest.ParseEvent(t, envelope)}, Target: sdk.Params{"to": []string{"lead@example.com"}}}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if result := instance.Deliver(ctx, req); result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}

	parsed, err := smtptest.Parse(server.WaitMessages(t, 1, 5*time.Second)[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := parsed.Part("text/html")
	if strings.Contains(html.Body, "<script>") || !strings.Contains(html.Body, "<b>Urgent:</b> &lt;script&gt;") {
		t.Errorf("HTML part does not escape the title:\n%s", html.Body)
	}
	text, _ := parsed.Part("text/plain")
	want := "Urgent: " + title + "\r\n\r\nOpen it in Turbo (https://turbo.example/issues/TURBO-42)"
	if got := strings.TrimSpace(text.Body); got != want {
		t.Errorf("plain-text part = %q, want %q", got, want)
	}
}

// emailConfig is the email pack as config.example.yaml shows it, pointed at a
// local relay: the test's SMTP server, whose port is %d.
const emailConfig = `
ingest:
  insecure: true
turbo:
  web_url: https://turbo.example
connectors:
  team-mail:
    type: email
    host: 127.0.0.1
    port: %d
    tls: none
    from: "Turbo <turbo@example.com>"
    reply_to: team@example.com
routes:
  - name: urgent-email
    events: ["issue.*"]
    where: {data.current.priority: [high, critical]}
    to:
      - connector: team-mail
        to: [team@example.com, "{{ .data.current.assignee }}"]
`

// emailCatalog offers the email connector kind to the config loader.
type emailCatalog struct{}

func (emailCatalog) Connector(typeName string) (sdk.Connector, bool) {
	if typeName == "email" {
		return email.New(), true
	}
	return nil, false
}

func (emailCatalog) Types() []string { return []string{"email"} }

// TestEmailPackFromConfig loads the email pack from YAML, routes fixtures
// with the daemon's router, and delivers what it plans: a high-priority issue
// goes to the team and to the assignee, a low-priority one goes nowhere.
func TestEmailPackFromConfig(t *testing.T) {
	server := smtptest.NewServer(t)
	cfg, err := config.Parse("switchboard.yaml", []byte(fmt.Sprintf(emailConfig, server.Port())), emailCatalog{}, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	info := email.New().Info()
	routes, errs := route.Compile(cfg, func(string) (sdk.Info, bool) { return info, true }, render.New(render.Options{WebURL: cfg.Turbo.WebURL}))
	if len(errs) > 0 {
		t.Fatalf("routes: %v", errs)
	}
	options, err := json.Marshal(cfg.Connectors[0].Options)
	if err != nil {
		t.Fatal(err)
	}
	ic, _ := connectortest.NewInstanceConfig(t, "team-mail", nil)
	ic.Config = options
	ic.Turbo.WebURL = cfg.Turbo.WebURL
	instance, err := email.New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("configure: %v", err)
	}
	t.Cleanup(func() { instance.Close() })

	urgent := emailIncoming(t, "../../testdata/turbo/envelope/issue-updated-status.json")
	if planned := routes.Evaluate(emailIncoming(t, "../../testdata/turbo/envelope/issue-created-low.json")); len(planned) != 0 {
		t.Errorf("a low-priority issue planned %d deliveries, want none", len(planned))
	}
	planned := routes.Evaluate(urgent)
	if len(planned) != 1 || planned[0].Err != nil {
		t.Fatalf("planned = %+v, want one delivery", planned)
	}

	req := &sdk.DeliveryRequest{DeliveryID: "dlv_pack_1", Attempt: 1, Route: planned[0].Route, Target: planned[0].Params,
		Untrusted: planned[0].Untrusted, EntityKey: planned[0].EntityKey, Events: []sdk.Event{connectortest.ParseEvent(t, urgent.Body)}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if result := instance.Deliver(ctx, req); result.Outcome != sdk.OutcomeDelivered {
		t.Fatalf("Outcome = %v (%s)", result.Outcome, result.Reason)
	}

	received := server.WaitMessages(t, 1, 5*time.Second)[0]
	if got := strings.Join(received.To, ","); got != "team@example.com,lead@example.com" {
		t.Errorf("RCPT TO = %s, want the team and the assignee", got)
	}
	parsed, err := smtptest.Parse(received.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Header.Get("References"); got != "<turbo.issue.3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b@example.com>" {
		t.Errorf("References = %q, want the issue's root id from the router's entity key", got)
	}
}

// emailIncoming reads an envelope fixture as ingest would accept it.
func emailIncoming(t *testing.T, path string) *event.Incoming {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := event.ParseEnvelopes(raw, 1)
	if err != nil || len(in) != 1 {
		t.Fatalf("parse %s: %v", path, err)
	}
	return in[0]
}
