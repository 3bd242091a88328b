package main

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/core/event"
)

func TestReadDeliveryFile(t *testing.T) {
	tests := []struct {
		name       string
		file       string
		wantFormat event.Format
		wantPath   string
		wantErr    string
	}{
		{name: "Turbo delivery", file: `{"headers": {"X-Webhook-Event": "note.created", "X-Webhook-Delivery-Id": "d-1"}, "body": {"note_id": "n"}}`,
			wantFormat: event.FormatTurbo, wantPath: "/v1/turbo/webhook"},
		{name: "GitHub webhook", file: `{"headers": {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "g-1"}, "body": {"action": "edited"}}`,
			wantFormat: event.FormatGitHub, wantPath: "/v1/github/webhook"},
		{name: "GitHub header in lower case", file: `{"headers": {"x-github-event": "issues"}, "body": {"action": "edited"}}`,
			wantFormat: event.FormatGitHub, wantPath: "/v1/github/webhook"},
		{name: "neither", file: `{"headers": {"Content-Type": "application/json"}, "body": {}}`,
			wantErr: "X-Webhook-Event and X-Webhook-Delivery-Id (Turbo) or X-GitHub-Event (GitHub)"},
		{name: "YAML", file: "event_type: issue.created\n",
			wantErr: "-: invalid JSON at byte 0: unexpected 'e'; expected a JSON value. Write the event as JSON: an envelope"},
		{name: "array cut short", file: `[{"event_type": "issue.created"},`,
			wantErr: "-: invalid JSON at byte 33 (in events[1]): unexpected end of input; the JSON text is cut short. Write the event as JSON"},
		{name: "trailing comma", file: `{"event_type": "issue.created",}`,
			wantErr: "invalid JSON at byte 31: unexpected '}'; expected a string key in double quotes. Write the event as JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := readEventFile("-", strings.NewReader(tc.file))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("readEventFile: %v, want an error naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("readEventFile: %v", err)
			}
			if f.format != tc.wantFormat || f.path != tc.wantPath {
				t.Errorf("format %s, path %s; want %s, %s", f.format, f.path, tc.wantFormat, tc.wantPath)
			}
		})
	}
}

func TestGitHubFileGetsDeliveryID(t *testing.T) {
	f, err := readEventFile("-", strings.NewReader(`{"headers": {"X-GitHub-Event": "issues"}, "body": {"action": "edited"}}`))
	if err != nil {
		t.Fatal(err)
	}
	id := header(f.headers, "X-GitHub-Delivery")
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("X-GitHub-Delivery = %q, want a new UUID", id)
	}
	if err := f.renew(); err != nil {
		t.Fatal(err)
	}
	if renewed := header(f.headers, "X-GitHub-Delivery"); renewed == id {
		t.Errorf("renew kept X-GitHub-Delivery %s", id)
	}
}
