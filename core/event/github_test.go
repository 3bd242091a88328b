package event

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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

// FuzzFromGitHubWebhook converts arbitrary bodies under arbitrary
// X-GitHub-Event names. A converted webhook must be a github.* event under
// its delivery id, about one of the GitHub entity types, with a body that
// checkBodies accepts. It keeps the body as sent under data.native, and only
// its whitespace changed must give the same content hash.
func FuzzFromGitHubWebhook(f *testing.F) {
	paths, err := filepath.Glob("../../testdata/github/*.json")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no GitHub samples in testdata/github (%v)", err)
	}
	for _, path := range paths {
		name, _, _ := strings.Cut(filepath.Base(path), "-")
		f.Add(name, readGitHubSample(f, filepath.Base(path)))
	}
	f.Add("ping", []byte(`{"zen": "Keep it logically awesome.", "hook_id": 1}`))
	f.Add("issues", []byte(`{"action": "edited", "issue": {"number": 1}, "repository": {"full_name": "a/b"}, "changes": {"body": {"from": null}}}`))
	f.Add("issue_comment", []byte(`{"action": "created", "issue": {"number": 1}, "comment": {"id": 1, "updated_at": "not a time"}, "repository": {"full_name": "a/b"}}`))

	f.Fuzz(func(t *testing.T, eventName string, body []byte) {
		const deliveryID = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
		in, err := FromGitHubWebhook(eventName, deliveryID, body, time.Unix(0, 0))
		if err != nil {
			return
		}
		checkBodies(t, []*Incoming{in})
		env := in.Envelope
		if env.EventID != deliveryID || !strings.HasPrefix(env.EventType, "github."+eventName) {
			t.Fatalf("event %s of type %s, want %s of type github.%s...", env.EventID, env.EventType, deliveryID, eventName)
		}
		checkGitHubEntity(t, env, eventName)
		checkNativeBody(t, env, body)

		var indented bytes.Buffer
		if err := json.Indent(&indented, body, "", "  "); err != nil {
			t.Fatalf("the body converted but is not JSON: %v", err)
		}
		again, err := FromGitHubWebhook(eventName, deliveryID, indented.Bytes(), time.Unix(3600, 0))
		if err != nil {
			t.Fatalf("the body indented does not convert: %v", err)
		}
		if again.ContentHash != in.ContentHash {
			t.Fatal("the same webhook with other whitespace has another content hash, so its redelivery would conflict")
		}
	})
}

// checkGitHubEntity checks that a converted webhook is about one of the
// entity types of GitHub events, and that a comment names its issue, on
// which its ordering and state are keyed.
func checkGitHubEntity(t *testing.T, env *Envelope, eventName string) {
	t.Helper()
	switch env.EntityType {
	case GitHubIssueEntity, GitHubRepositoryEntity, "github_" + eventName:
	case GitHubCommentEntity:
		if env.Context["github_issue"] == "" {
			t.Fatalf("comment %s names no github_issue in its context %v", env.EntityID, env.Context)
		}
	default:
		t.Fatalf("entity type %q is not a GitHub entity type", env.EntityType)
	}
	if env.EntityID == "" {
		t.Fatal("the event has no entity id")
	}
}

// checkNativeBody checks that data.native holds the body as sent, compacted.
func checkNativeBody(t *testing.T, env *Envelope, body []byte) {
	t.Helper()
	var data struct {
		Native json.RawMessage `json:"native"`
	}
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatalf("data does not decode: %v", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		t.Fatalf("the body converted but is not JSON: %v", err)
	}
	if !bytes.Equal(data.Native, compact.Bytes()) {
		t.Fatalf("data.native differs from the body sent:\n native %s\n body   %s", data.Native, compact.Bytes())
	}
}
