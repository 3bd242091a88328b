package turbofake_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/signature"
	"github.com/turbocode/switchboard/sdk/turboapi"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

type received struct {
	path, event string
	body        map[string]any
}

// receiver records the webhooks the fake posts, checking their signature.
func receiver(t *testing.T, secret string) (string, func() []received) {
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if signature.VerifyTurbo([][]byte{[]byte(secret)}, r.Header.Get(signature.HeaderTurboSignature), body) != nil {
			t.Errorf("webhook %s has a wrong signature", r.Header.Get(signature.HeaderTurboEvent))
		}
		var doc map[string]any
		json.Unmarshal(body, &doc)
		mu.Lock()
		got = append(got, received{path: r.URL.Path, event: r.Header.Get(signature.HeaderTurboEvent), body: doc})
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func seeded(t *testing.T, mode string) (*turbofake.Server, *turboapi.Client, func() []received) {
	url, got := receiver(t, "webhook-secret-0123456")
	fake := turbofake.Start(t, turbofake.Options{Webhook: turbofake.Webhook{URL: url, Secret: "webhook-secret-0123456", Mode: mode}})
	raw, _ := os.ReadFile("../../../testdata/turbo/native/issue-ready.json")
	var file struct {
		Body struct {
			Issue json.RawMessage `json:"issue"`
		} `json:"body"`
	}
	json.Unmarshal(raw, &file)
	fake.PutIssue(file.Body.Issue)
	client, _ := turboapi.New(turboapi.Options{BaseURL: fake.URL(), Token: sdk.Secret("any")})
	return fake, client, got
}

func TestNativeWebhooksLikeTurbo(t *testing.T) {
	fake, client, got := seeded(t, turbofake.ModeNative)
	ctx := context.Background()
	const id = "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f"
	open, title := "open", "Renamed"
	client.UpdateIssue(ctx, id, turboapi.IssueUpdate{Status: &open})
	client.UpdateIssue(ctx, id, turboapi.IssueUpdate{Title: &title})
	ready := "ready"
	client.UpdateIssue(ctx, id, turboapi.IssueUpdate{Status: &ready})
	if !fake.WaitWebhooks(5 * time.Second) {
		t.Fatal("webhooks still queued")
	}
	hooks := got()
	if len(hooks) != 1 || hooks[0].event != "issue.ready" || hooks[0].path != "/v1/turbo/webhook" || hooks[0].body["old_status"] != "open" {
		t.Errorf("native webhooks = %+v, want one issue.ready from open", hooks)
	}
}

func TestEnvelopeWebhooksForEveryChange(t *testing.T) {
	fake, client, got := seeded(t, turbofake.ModeEnvelope)
	ctx := context.Background()
	const id = "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f"
	priority := "high"
	client.UpdateIssue(ctx, id, turboapi.IssueUpdate{Priority: &priority})
	client.CloseIssue(ctx, id)
	client.ReopenIssue(ctx, id)
	c, _ := client.CreateComment(ctx, turboapi.CommentCreate{EntityType: "issue", EntityID: id, Content: "x", AuthorName: "a", AuthorType: "user"})
	client.DeleteComment(ctx, c.ID)
	if !fake.WaitWebhooks(5 * time.Second) {
		t.Fatal("webhooks still queued")
	}
	var events []string
	for _, h := range got() {
		events = append(events, h.event)
	}
	want := []string{"issue.updated", "issue.closed", "issue.reopened", "comment.created", "comment.deleted"}
	if len(events) != len(want) {
		t.Fatalf("events = %v, want %v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Errorf("event %d = %s, want %s", i, events[i], want[i])
		}
	}
	if changes, _ := got()[0].body["data"].(map[string]any)["changes"].([]any); len(changes) != 1 || changes[0] != "priority" {
		t.Errorf("issue.updated changes = %v, want [priority]", changes)
	}
}
