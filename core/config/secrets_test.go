package config

import (
	"strings"
	"testing"
)

// leakyConfig puts environment secrets into every kind of value that a check can
// reject, so that each message would show a secret if any quoted an expanded value.
const leakyConfig = `
server:
  listen: ${CANARY}
  admin_listen: "${CANARY}:x"
  admin_token: ${CANARY}
  instance_id: ${CANARY}
  shutdown_timeout: ${CANARY}
storage:
  driver: ${CANARY}
ingest:
  secrets: ["${SHORT_CANARY}", "${WHSEC_CANARY}", "${CANARY}"]
  max_batch: ${CANARY}
  insecure: ${CANARY}
turbo:
  web_url: ${CANARY}
  api_token: ${CANARY}
delivery:
  workers: ${CANARY}
  lease: 1s
log:
  level: ${CANARY}
  format: ${CANARY}
connectors:
  hook:
    type: ${CANARY}
    url: ${CANARY}
  web:
    type: http
    timeout: ${CANARY}
    signing: {secret: "${SHORT_CANARY}"}
  bad-url:
    type: http
    url: "${CANARY} is not a URL"
  archive:
    type: file
    path: /var/lib/switchboard/events.jsonl
    mode: ${CANARY}
routes:
  - name: ${CANARY}
    events: ["${CANARY}"]
    where: {data.current.priority: "${CANARY}"}
    to: [{connector: "${CANARY}"}, {connector: web, unknown: "${CANARY}", headers: "${CANARY}"}]
  - name: ${CANARY}
    to: [{connector: web}]
`

func TestErrorsNeverShowSecrets(t *testing.T) {
	env := map[string]string{
		"CANARY":       "Canary-Secret-Value-0123456789",
		"SHORT_CANARY": "CanaryShort",
		"WHSEC_CANARY": "whsec_Q2FuYXJ5",
	}

	_, err := Parse("leaky.yaml", []byte(leakyConfig), testCatalog(), envOf(env))

	if err == nil {
		t.Fatal("Parse accepted a config full of errors")
	}
	text := err.Error()
	if want := `connectors.bad-url.url: URL /<redacted> has scheme`; !strings.Contains(text, want) {
		t.Errorf("errors do not show the connector's URL redacted (%s):\n%s", want, text)
	}
	if count := strings.Count(text, "\n") + 1; count < 20 {
		t.Errorf("got %d errors, want at least 20, one per rejected value:\n%s", count, text)
	}
	for name, secret := range env {
		if strings.Contains(text, secret) {
			t.Errorf("an error shows the value of %s:\n%s", name, text)
		}
		for _, part := range []string{"Canary", "Q2FuYXJ5"} {
			if strings.Contains(text, part) {
				t.Errorf("an error shows part of a secret (%q):\n%s", part, text)
			}
		}
	}
}

func TestSummaryShowsNoSecret(t *testing.T) {
	cfg, _ := parseFile(t, "testdata/valid/full.yaml")

	summary := Summary(cfg)

	for name, value := range testEnv {
		if len(value) >= 16 && strings.Contains(summary, value) {
			t.Errorf("the summary shows the value of %s:\n%s", name, summary)
		}
	}
}
