package email

import (
	"strings"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

func TestMessageID(t *testing.T) {
	tests := []struct {
		name       string
		deliveryID string
		from       string
		want       string
	}{
		{"delivery id as it is", "dlv_a1b2_42", "turbo@example.com", "switchboard.dlv_a1b2_42@example.com"},
		{"domain lower-cased", "dlv_a1b2_42", "Turbo@Example.COM", "switchboard.dlv_a1b2_42@example.com"},
		{"internationalized domain", "dlv_1", "turbo@bücher.example", "switchboard.dlv_1@switchboard.invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := messageID(tc.deliveryID, tc.from); got != tc.want {
				t.Errorf("messageID = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMessageIDHashesUnsafeID(t *testing.T) {
	got := messageID("dlv <x>@y", "turbo@example.com")
	left, domain, _ := strings.Cut(got, "@")
	if domain != "example.com" || len(left) != len("switchboard.")+32 || !isDotAtom(left) {
		t.Errorf("messageID = %q, want switchboard.<32 hex digits>@example.com", got)
	}
	if got == messageID("dlv <x>@z", "turbo@example.com") {
		t.Errorf("two delivery ids hash to the same Message-ID %q", got)
	}
	if got != messageID("dlv <x>@y", "turbo@example.com") {
		t.Error("the hash of one delivery id differs between calls")
	}
}

func TestThreadID(t *testing.T) {
	if got := threadID("issue:3b2f8e1a-7c4d", "turbo@example.com"); got != "turbo.issue.3b2f8e1a-7c4d@example.com" {
		t.Errorf("threadID = %q", got)
	}
	if got := threadID("", "turbo@example.com"); got != "" {
		t.Errorf("threadID of no entity = %q, want empty", got)
	}
}

func TestEntityKeyWithoutHostKey(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{issueCreatedFile, "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"},
		{commentFile, "issue:3b2f8e1a-7c4d-4e5f-9a6b-8c7d6e5f4a3b"},
		{envelopeDir + "/milestone-completed.json", "milestone:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"},
	}
	for _, tc := range tests {
		req := &sdk.DeliveryRequest{Events: []sdk.Event{connectortest.LoadEvent(t, tc.file)}}
		if got := entityKey(req); got != tc.want {
			t.Errorf("entityKey(%s) = %q, want %q", tc.file, got, tc.want)
		}
	}
	req := &sdk.DeliveryRequest{EntityKey: "issue:from-host", Events: []sdk.Event{connectortest.LoadEvent(t, commentFile)}}
	if got := entityKey(req); got != "issue:from-host" {
		t.Errorf("entityKey = %q, want the host's key", got)
	}
}
