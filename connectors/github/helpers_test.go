package github

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/connectors/github/githubfake"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// Fixed values of the tests.
const (
	testToken   = "ghp_connector-test-token-0123456789"
	testSecret  = "github-webhook-secret-0123"
	testProject = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
	testRepo    = "acme/web"
	testIssue   = "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"
	botLogin    = "switchboard-bot"
)

var testStart = time.Date(2026, 12, 1, 16, 5, 0, 0, time.UTC)

// harness is one configured instance against a fake GitHub and a fake
// Turbo, with the host's part played by the test: it keeps the entity state
// between deliveries, under its key and its aliases.
type harness struct {
	t      testing.TB
	clock  *clock.Fake
	github *githubfake.Server
	turbo  *turbofake.Server
	inst   *instance
	logs   *connectortest.LogBuffer

	mu      sync.Mutex
	states  map[string][]byte
	aliases map[string]string
	ids     int
}

// newHarness configures an instance; change edits the default config.
func newHarness(t testing.TB, fakeOpts githubfake.Options, change func(cfg map[string]any)) *harness {
	t.Helper()
	h := &harness{t: t, clock: clock.NewFake(testStart), states: map[string][]byte{}, aliases: map[string]string{}}
	fakeOpts.Clock = h.clock
	h.github = githubfake.Start(t, fakeOpts)
	h.github.AddUser(botLogin, testToken, "User")
	h.github.AddUser("lead", "ghp_lead", "User")
	h.github.AddRepo(testRepo)
	h.turbo = turbofake.Start(t, turbofake.Options{Token: "turbo-token", Clock: h.clock})
	h.turbo.AddProject(testProject, "TURBO")

	cfg := map[string]any{
		"token": testToken, "api_url": h.github.URL(), "webhook_secret": testSecret,
		"projects": map[string]string{testProject: testRepo}, "assignees": map[string]string{"lead@example.com": "lead"},
		"min_gap": "0s",
	}
	if change != nil {
		change(cfg)
	}
	ic, logs := connectortest.NewInstanceConfig(t, "github", cfg)
	ic.Clock = h.clock
	// The host names the connector in every line of its instance's log.
	ic.Logger = ic.Logger.With("connector", "github")
	ic.Turbo = sdk.TurboSettings{WebURL: "https://turbo.example", APIURL: h.turbo.URL(), APIToken: "turbo-token"}
	inst, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	h.inst, h.logs = inst.(*instance), logs
	return h
}

// deliver runs one delivery of ev with the stored state of its entity and
// stores the state the result returns, as the host does.
func (h *harness) deliver(ctx context.Context, ev sdk.Event, target sdk.Params) sdk.Result {
	h.t.Helper()
	key := h.resolve(entityKeyOf(h.t, ev))
	h.mu.Lock()
	h.ids++
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_test_" + itoa(h.ids), Attempt: 1, Events: []sdk.Event{ev},
		Target: target, EntityKey: key, State: h.states[key]}
	h.mu.Unlock()

	result := h.inst.Deliver(ctx, req)
	if result.UpdateState {
		h.mu.Lock()
		h.states[key] = result.State
		for _, alias := range result.StateAliases {
			if alias != key {
				h.aliases[alias] = key
			}
		}
		h.mu.Unlock()
	}
	return result
}

func (h *harness) resolve(key string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if target, ok := h.aliases[key]; ok {
		return target
	}
	return key
}

// mustDeliver delivers within 10 seconds and requires the outcome.
func (h *harness) mustDeliver(ev sdk.Event, want sdk.Outcome) sdk.Result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result := h.deliver(ctx, ev, nil)
	if result.Outcome != want {
		h.t.Fatalf("Deliver %s = %v (%s), want %v\nlogs:\n%s", ev.Type, result.Outcome, result.Reason, want, h.logs)
	}
	return result
}

// entityKeyOf returns the key the host routes an event under.
func entityKeyOf(t testing.TB, ev sdk.Event) string {
	var env struct {
		EntityType string            `json:"entity_type"`
		EntityID   string            `json:"entity_id"`
		Context    map[string]string `json:"context"`
	}
	if err := json.Unmarshal(ev.Envelope, &env); err != nil {
		t.Fatal(err)
	}
	switch {
	case env.EntityType != "issue" && env.Context["issue_id"] != "":
		return "issue:" + env.Context["issue_id"]
	case env.EntityType != "github_issue" && env.Context["github_issue"] != "":
		return "github_issue:" + env.Context["github_issue"]
	}
	return env.EntityType + ":" + env.EntityID
}

// turboEvent loads a fixture envelope, with edit applied to its data.current.
func turboEvent(t testing.TB, name string, edit func(current map[string]any)) sdk.Event {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/turbo/envelope/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		return connectortest.ParseEvent(t, raw)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	data := doc["data"].(map[string]any)
	edit(data["current"].(map[string]any))
	if current, ok := data["current"].(map[string]any); ok && doc["entity_type"] == "issue" {
		doc["entity_id"] = current["id"]
	}
	raw, _ = json.Marshal(doc)
	return connectortest.ParseEvent(t, raw)
}

// requests returns the fake GitHub's requests with the method whose path
// contains part.
func (h *harness) requests(method, part string) []githubfake.Request {
	var out []githubfake.Request
	for _, r := range h.github.Requests() {
		if r.Method == method && strings.Contains(r.Path, part) {
			out = append(out, r)
		}
	}
	return out
}
