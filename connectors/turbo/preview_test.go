package turbo

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestPreviewShowsCall(t *testing.T) {
	e := newEnv(t, nil)
	req := &sdk.DeliveryRequest{DeliveryID: "dlv_preview", Route: "triage",
		Events: []sdk.Event{connectortest.LoadEvent(t, fixturePath+"issue-created-high.json")},
		Target: sdk.Params{"action": "assign", "assignee": "qa@example.com", "only_if": "current.assignee == null"}}
	got, err := e.in.Preview(t.Context(), req)
	if err != nil {
		t.Fatalf("Preview: %v", err)
	}
	want := "assign on issue " + issueID + `: POST issues/` + issueID + `/assign {"assignee":"qa@example.com"}` +
		"\nonly if current.assignee == null is true on the issue's stored state just before the call"
	if got != want {
		t.Errorf("Preview =\n%s\nwant\n%s", got, want)
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("Preview sent %d requests to Turbo", n)
	}

	req.Target = sdk.Params{"action": "set_priority", "priority": "urgent"}
	if _, err := e.in.Preview(t.Context(), req); err == nil || !strings.Contains(err.Error(), `"urgent" is not one of`) {
		t.Errorf("Preview of an invalid target: %v", err)
	}
}
