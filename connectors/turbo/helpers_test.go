package turbo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/turboapi/turbofake"
)

// The fixture issue TURBO-42 and the ids the tests give Turbo's objects.
const (
	apiToken   = "turbo-api-token-0123"
	projectID  = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
	issueID    = "3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"
	issueKey   = "TURBO-42"
	tagID      = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	staffID    = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
	milestoneA = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	milestoneB = "7b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	unknownID  = "99999999-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

var testStart = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// fixturePath is the repository's Turbo fixtures seen from this package.
const fixturePath = "../../testdata/turbo/envelope/"

// env is a fake Turbo holding TURBO-42 with its project, a tag and two
// milestones, and a connector instance that calls it.
type env struct {
	t     *testing.T
	fake  *turbofake.Server
	in    *instance
	clock *clock.Fake
	logs  *connectortest.LogBuffer
}

func newEnv(t *testing.T, config map[string]any) *env {
	t.Helper()
	fake := turbofake.Start(t, turbofake.Options{Token: apiToken})
	fake.AddProject(projectID, "TURBO")
	fake.AddTag(tagID, "backend")
	fake.AddMilestone(milestoneA, projectID, "Beta")
	fake.AddMilestone(milestoneB, projectID, "GA")
	if err := fake.PutIssue(fixtureCurrent(t, "issue-created-high.json")); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, fake: fake, clock: clock.NewFake(testStart)}
	e.in, e.logs = configure(t, fake.URL(), e.clock, config)
	return e
}

// configure builds an instance that calls the API at apiURL.
func configure(t *testing.T, apiURL string, c sdk.Clock, config map[string]any) (*instance, *connectortest.LogBuffer) {
	t.Helper()
	if config == nil {
		config = map[string]any{}
	}
	ic, logs := connectortest.NewInstanceConfig(t, "turbo", config)
	ic.Clock = c
	ic.Turbo = sdk.TurboSettings{APIURL: apiURL, APIToken: sdk.Secret(apiToken)}
	inst, err := New().Configure(context.Background(), ic)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst.(*instance), logs
}

// fixtureCurrent returns a fixture's data.current.
func fixtureCurrent(t *testing.T, name string) json.RawMessage {
	t.Helper()
	var doc struct {
		Data struct {
			Current json.RawMessage `json:"current"`
		} `json:"data"`
	}
	raw, err := os.ReadFile(fixturePath + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Data.Current
}

// request is what the host would pass for one delivery.
type request struct {
	route   string
	event   sdk.Event
	target  sdk.Params
	state   []byte
	current json.RawMessage
}

// deliver runs one delivery on route with the fixture issue.created event,
// unless r names another event.
func (e *env) deliver(r request) sdk.Result {
	e.t.Helper()
	if r.route == "" {
		r.route = "triage"
	}
	if r.event.ID == "" {
		r.event = connectortest.LoadEvent(e.t, fixturePath+"issue-created-high.json")
	}
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_test_" + r.event.ID, Attempt: 1, Route: r.route,
		Events: []sdk.Event{r.event}, Target: r.target, EntityKey: "issue:" + issueID, State: r.state, Current: r.current}
	return e.in.Deliver(context.Background(), req)
}

// event returns an issue event about TURBO-42 whose data holds previous,
// current and changes.
func issueEvent(t *testing.T, id, eventType string, previous, current map[string]any, changes ...string) sdk.Event {
	t.Helper()
	data := map[string]any{"current": current}
	if previous != nil {
		data["previous"] = previous
	}
	if changes != nil {
		data["changes"] = changes
	}
	raw, err := json.Marshal(map[string]any{"event_id": id, "event_type": eventType, "timestamp": testStart.Format(time.RFC3339),
		"entity_type": "issue", "entity_id": issueID, "data": data, "context": map[string]string{"project_id": projectID}})
	if err != nil {
		t.Fatal(err)
	}
	return connectortest.ParseEvent(t, raw)
}

// requestsTo returns the fake's requests, as "METHOD path" lines.
func (e *env) requestsTo() []string {
	var out []string
	for _, r := range e.fake.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func turbofakeFailure(status int) turbofake.Failure {
	return turbofake.Failure{Status: status, Detail: http.StatusText(status)}
}

// resolveUnderRoot resolves a request path against an API root the way
// turboapi does, and returns the resulting URL path.
func resolveUnderRoot(path string) (string, error) {
	base, err := url.Parse("http://turbo.example/api/v1/")
	if err != nil {
		return "", err
	}
	ref := &url.URL{Path: strings.TrimPrefix(path, "/")}
	if p, query, ok := strings.Cut(ref.Path, "?"); ok {
		ref = &url.URL{Path: p, RawQuery: query}
	}
	return base.ResolveReference(ref).Path, nil
}
