package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// githubTrialConfig holds three mistakes a first GitHub setup makes: no
// Turbo API token although GitHub's changes go to Turbo, a project key where
// the project id belongs, and a short webhook secret. %s is the storage
// directory.
const githubTrialConfig = `
ingest:
  secrets: ["turbo-webhook-secret-0123"]
storage:
  dsn: %s/switchboard.db
turbo:
  api_token: ""
connectors:
  github:
    type: github
    token: ghp_trial-token-0123456789
    webhook_secret: tiny-secret
    projects: {ENG: acme/web}
routes:
  - name: github-sync
    events: ["issue.*", "github.*"]
    to: [{connector: github}]
`

func TestCheckRejectsGitHubTrialMistakes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(githubTrialConfig, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer

	code := run([]string{"check", "--config", path}, nil, &stdout, &stderr)

	if code != exitUsage {
		t.Errorf("check exited %d, want %d; stdout:\n%s", code, exitUsage, stdout.String())
	}
	for _, want := range []string{
		"connectors.github: the github connector calls Turbo's API",
		"turbo.api_token is not set",
		"set direction: turbo_to_github",
		`connectors.github.projects.ENG: "ENG" is not a Turbo project id`,
		"connectors.github.webhook_secret: the secret is 11 bytes long",
		"openssl rand -hex 32",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "tiny-secret") || strings.Contains(stderr.String(), "ghp_trial") {
		t.Errorf("check output shows a secret:\n%s", stderr.String())
	}
}

// githubTrialConfig2 holds the mistakes of a later GitHub setup; %s is the
// storage directory.
const githubTrialConfig2 = `
ingest:
  secrets: ["turbo-webhook-secret-0123"]
storage:
  dsn: %s/switchboard.db
turbo:
  api_token: turbo-api-token
connectors:
  github:
    type: github
    token: ${GITHUB_TOKEN}
    webhook_secret: github-webhook-secret-0123
    projects: {"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f": acme/web, "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a": "${GITHUB_TOKEN}"}
    tags: {frontend: not-a-uuid}
    assignees: {dev: "not a login!"}
    ownership: {titel: turbo}
  github-api:
    type: github
    token: ${GITHUB_TOKEN}
    direction: turbo_to_github
    import: true
    projects: {"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f": acme/api}
routes:
  - name: github-sync
    events: ["issue.*", "github.*"]
    to: [{connector: github}, {connector: github-api, action: repository_dispatch}]
`

func TestCheckRejectsMoreGitHubMistakes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(githubTrialConfig2, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_TOKEN", "ghp_trialtoken0123456789")
	var stdout, stderr bytes.Buffer

	code := run([]string{"check", "--config", path}, nil, &stdout, &stderr)

	if code != exitUsage {
		t.Errorf("check exited %d, want %d; stdout:\n%s", code, exitUsage, stdout.String())
	}
	for _, want := range []string{
		`connectors.github.projects.0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a: invalid repository "<secret>"`,
		`connectors.github.tags.frontend: "not-a-uuid" is not a Turbo tag id`,
		`connectors.github.assignees.dev: "dev" is not an email`,
		`connectors.github.assignees.dev: invalid GitHub login "not a login!"`,
		`connectors.github.ownership.titel: unknown key "titel"; did you mean "title"?`,
		"connectors.github-api.import: import creates Turbo issues from GitHub",
		"connectors.github-api.projects.6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f: project 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f is mapped to acme/web by github connector github",
		"routes[0].to[1].event_type: missing",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "ghp_trial") {
		t.Errorf("check output shows the token:\n%s", stderr.String())
	}
}
