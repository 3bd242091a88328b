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
