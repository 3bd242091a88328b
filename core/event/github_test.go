package event

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func readGitHubSample(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/github/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestFromGitHubWebhook(t *testing.T) {
	received := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, file, event  string
		wantType, wantKey  string
		wantEntity         string
		wantTime           time.Time
		wantChanges        string
		wantGitHubIssueCtx string
	}{
		{name: "issue edited", file: "issues-edited.json", event: "issues", wantType: "github.issues.edited",
			wantEntity: "github_issue", wantKey: "github_issue:acme/web#12", wantTime: time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC),
			wantChanges: `["title"]`},
		{name: "comment created", file: "issue_comment-created.json", event: "issue_comment", wantType: "github.issue_comment.created",
			wantEntity: "github_comment", wantKey: "github_issue:acme/web#12", wantTime: time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC),
			wantGitHubIssueCtx: "acme/web#12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := FromGitHubWebhook(tc.event, "72d3162e-cc78-11e3-81ab-4c9367dc0958", readGitHubSample(t, tc.file), received)
			if err != nil {
				t.Fatalf("FromGitHubWebhook: %v", err)
			}
			env := in.Envelope
			if env.EventType != tc.wantType || env.EntityType != tc.wantEntity || env.EntityKey() != tc.wantKey {
				t.Errorf("type %s, entity %s, key %s; want %s, %s, %s", env.EventType, env.EntityType, env.EntityKey(), tc.wantType, tc.wantEntity, tc.wantKey)
			}
			if !env.Timestamp.Equal(tc.wantTime) {
				t.Errorf("timestamp = %v, want the entity's updated_at %v", env.Timestamp, tc.wantTime)
			}
			if env.Actor == nil || env.Actor.Type != "user" || env.Actor.Name != "octocat" {
				t.Errorf("actor = %+v, want user octocat", env.Actor)
			}
			if env.Context["github_repository"] != "acme/web" || env.Context["github_issue"] != tc.wantGitHubIssueCtx {
				t.Errorf("context = %v", env.Context)
			}
			var data struct {
				Current json.RawMessage `json:"current"`
				Native  json.RawMessage `json:"native"`
				Changes json.RawMessage `json:"changes"`
			}
			if err := json.Unmarshal(env.Data, &data); err != nil {
				t.Fatal(err)
			}
			if len(data.Current) == 0 || len(data.Native) == 0 || string(data.Changes) != tc.wantChanges {
				t.Errorf("data = %s", env.Data)
			}
			if in.Format != FormatGitHub || len(in.Body) == 0 {
				t.Errorf("format %s, body %d bytes", in.Format, len(in.Body))
			}
		})
	}
}

func TestFromGitHubWebhookSameBodySameHash(t *testing.T) {
	body := readGitHubSample(t, "issues-edited.json")
	a, _ := FromGitHubWebhook("issues", "d-1", body, time.Now())
	b, _ := FromGitHubWebhook("issues", "d-1", []byte(strings.ReplaceAll(string(body), "\n", " ")), time.Now().Add(time.Hour))
	if a.ContentHash != b.ContentHash {
		t.Error("a redelivery that differs in whitespace and receive time has another content hash")
	}
	c, _ := FromGitHubWebhook("issue_comment", "d-1", body, time.Now())
	if a.ContentHash == c.ContentHash {
		t.Error("another X-GitHub-Event gives the same content hash")
	}
}

func TestFromGitHubWebhookRejects(t *testing.T) {
	tests := []struct {
		name, event, delivery, body, want string
	}{
		{"not an object", "issues", "d-1", `[1]`, "JSON object"},
		{"bad delivery id", "issues", "a b", `{}`, "X-GitHub-Delivery"},
		{"bad event name", "Issues!", "d-1", `{"action": "opened"}`, "X-GitHub-Event"},
		{"duplicate key", "issues", "d-1", `{"action": "opened", "action": "closed"}`, "duplicate"},
		{"issue not an object", "issues", "d-1", `{"issue": 5, "repository": {"full_name": "a/b"}}`, "issue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromGitHubWebhook(tc.event, tc.delivery, []byte(tc.body), time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func FuzzFromGitHubWebhook(f *testing.F) {
	f.Add("issues", readGitHubSample(f, "issues-edited.json"))
	f.Add("issue_comment", readGitHubSample(f, "issue_comment-created.json"))
	f.Add("ping", []byte(`{"zen": "Keep it logically awesome.", "hook_id": 1}`))
	f.Fuzz(func(t *testing.T, eventName string, body []byte) {
		in, err := FromGitHubWebhook(eventName, "d-1", body, time.Unix(0, 0))
		if err != nil {
			return
		}
		var env Envelope
		if err := json.Unmarshal(in.Body, &env); err != nil {
			t.Fatalf("the stored body does not parse back: %v", err)
		}
		if env.EventType != in.Envelope.EventType || !strings.HasPrefix(env.EventType, "github.") {
			t.Fatalf("event type %q after a round trip, %q before", env.EventType, in.Envelope.EventType)
		}
	})
}
