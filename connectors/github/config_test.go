package github

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
)

func validConfig() map[string]any {
	return map[string]any{
		"token": "ghp_0123456789", "webhook_secret": "secret-0123456789",
		"projects": map[string]string{testProject: testRepo},
	}
}

func TestConfigValid(t *testing.T) {
	raw, _ := json.Marshal(validConfig())
	cfg, diagnostics := parseConfig(raw)
	if len(diagnostics) != 0 {
		t.Fatalf("diagnostics: %v", diagnostics)
	}
	if cfg.APIURL != defaultAPIURL || cfg.Labels.Priorities["high"] != "priority: high" || cfg.Labels.Types["bug"] != "bug" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		name     string
		change   func(cfg map[string]any)
		wantPath string
		wantText string
	}{
		{"missing token", func(c map[string]any) { delete(c, "token") }, "token", "GITHUB_TOKEN"},
		{"token with a line break", func(c map[string]any) { c["token"] = "ghp_a\nb" }, "token", "line break"},
		{"missing projects", func(c map[string]any) { delete(c, "projects") }, "projects", "map each Turbo project"},
		{"invalid repository", func(c map[string]any) { c["projects"] = map[string]string{testProject: "not a repo"} }, "projects." + testProject, "owner/repo"},
		{"repository twice", func(c map[string]any) {
			c["projects"] = map[string]string{testProject: "a/b", otherProject: "A/b"}
		}, "projects." + testProject, "already mapped"},
		{"project key for id", func(c map[string]any) { c["projects"] = map[string]string{"ENG": "acme/web"} }, "projects.ENG", `"ENG" is not a Turbo project id`},
		{"project id in braces", func(c map[string]any) {
			c["projects"] = map[string]string{"{" + testProject + "}": "acme/web"}
		}, "projects.{" + testProject + "}", "context.project_id"},
		{"missing webhook secret", func(c map[string]any) { delete(c, "webhook_secret") }, "webhook_secret", "direction: turbo_to_github"},
		{"short webhook secret", func(c map[string]any) { c["webhook_secret"] = "hunter2hunter2" }, "webhook_secret", "openssl rand -hex 32"},
		{"short secret names its length", func(c map[string]any) { c["webhook_secret"] = "hunter2hunter2" }, "webhook_secret", "14 bytes long"},
		{"secret of 16 bytes", func(c map[string]any) { c["webhook_secret"] = "0123456789abcdef" }, "", ""},
		{"one way needs no secret", func(c map[string]any) { delete(c, "webhook_secret"); c["direction"] = "turbo_to_github" }, "", ""},
		{"unknown direction", func(c map[string]any) { c["direction"] = "up" }, "direction", "both, turbo_to_github or github_to_turbo"},
		{"unknown owned field", func(c map[string]any) { c["ownership"] = map[string]string{"colour": "both"} }, "ownership.colour", "title"},
		{"unknown owner", func(c map[string]any) { c["ownership"] = map[string]string{"title": "me"} }, "ownership.title", "turbo"},
		{"label of an unknown type", func(c map[string]any) {
			c["labels"] = map[string]any{"types": map[string]string{"epic": "epic"}}
		}, "labels.types.epic", "feature"},
		{"empty priority label", func(c map[string]any) {
			c["labels"] = map[string]any{"priorities": map[string]string{"high": " "}}
		}, "labels.priorities.high", "empty"},
		{"close reason", func(c map[string]any) { c["close_reason"] = "done" }, "close_reason", "not_planned"},
		{"min_gap too long", func(c map[string]any) { c["min_gap"] = "2m" }, "min_gap", "0 to 1m"},
		{"min_gap not a duration", func(c map[string]any) { c["min_gap"] = "soon" }, "min_gap", "500ms"},
		{"unknown key", func(c map[string]any) { c["tokens"] = "x" }, "tokens", "token"},
		{"invalid api_url", func(c map[string]any) { c["api_url"] = "ftp://x" }, "api_url", "api/v3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.change(cfg)
			raw, _ := json.Marshal(cfg)
			diagnostics := New().ValidateConfig(raw)
			if tc.wantPath == "" {
				if len(diagnostics) != 0 {
					t.Errorf("diagnostics %v, want none", diagnostics)
				}
				return
			}
			if !hasDiagnostic(diagnostics, tc.wantPath, tc.wantText) {
				t.Errorf("diagnostics %v, want one at %s naming %q", diagnostics, tc.wantPath, tc.wantText)
			}
			for _, d := range diagnostics {
				if strings.Contains(d.Message, "ghp_") || strings.Contains(d.Message, "secret-0123456789") || strings.Contains(d.Message, "hunter2") {
					t.Errorf("a message shows a secret: %q", d.Message)
				}
			}
		})
	}
}

// otherProject is a second Turbo project id.
const otherProject = "0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a"

func TestUsesTurboAPIByDirection(t *testing.T) {
	tests := []struct {
		direction string
		want      bool
	}{
		{"both", true},
		{"github_to_turbo", true},
		{"turbo_to_github", false},
	}
	for _, tc := range tests {
		t.Run(tc.direction, func(t *testing.T) {
			cfg := validConfig()
			cfg["direction"] = tc.direction
			raw, _ := json.Marshal(cfg)
			uses, alternative := New().UsesTurboAPI(raw)
			if uses != tc.want {
				t.Errorf("UsesTurboAPI = %t, want %t", uses, tc.want)
			}
			if uses && !strings.Contains(alternative, "direction: turbo_to_github") {
				t.Errorf("alternative %q does not name direction: turbo_to_github", alternative)
			}
		})
	}
}

func hasDiagnostic(diagnostics []sdk.Diagnostic, path, text string) bool {
	for _, d := range diagnostics {
		if d.Path == path && strings.Contains(d.Message, text) {
			return true
		}
	}
	return false
}

func TestValidateTarget(t *testing.T) {
	tests := []struct {
		name   string
		target sdk.TargetSpec
		want   string
	}{
		{"sync by default", sdk.TargetSpec{}, ""},
		{"dispatch with event type", sdk.TargetSpec{Literal: sdk.Params{"action": "repository_dispatch", "event_type": "run-tests"}}, ""},
		{"dispatch without event type", sdk.TargetSpec{Literal: sdk.Params{"action": "repository_dispatch"}}, "event_type"},
		{"unknown action", sdk.TargetSpec{Literal: sdk.Params{"action": "close"}}, "unknown action"},
		{"event type on sync", sdk.TargetSpec{Literal: sdk.Params{"event_type": "x"}}, "apply to action: repository_dispatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diagnostics := New().ValidateTarget(nil, tc.target)
			if (tc.want == "") != (len(diagnostics) == 0) || (tc.want != "" && !strings.Contains(diagnostics[0].Message, tc.want)) {
				t.Errorf("diagnostics %v, want %q", diagnostics, tc.want)
			}
		})
	}
}
