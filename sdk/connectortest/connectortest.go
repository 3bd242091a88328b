// Package connectortest is the test kit that the tests of every connector run,
// built in or plugin. It provides a scripted HTTP destination on 127.0.0.1 that
// records what it receives, the shared checks of outcome classification,
// cancellation and secret leaks, and helpers to build instance configs and load
// events.
//
// A connector test points the connector at a Destination (or at the URL a check
// passes it), calls Deliver, and lets the checks judge the sdk.Result.
package connectortest

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/clock"
)

// NewInstanceConfig returns an InstanceConfig for Configure, with config encoded
// as JSON, the system clock and a logger that writes into the returned buffer.
func NewInstanceConfig(t testing.TB, name string, config any) (sdk.InstanceConfig, *LogBuffer) {
	t.Helper()
	raw, err := json.Marshal(config)
	if err != nil {
		t.Fatalf("encode the config of %s: %v", name, err)
	}
	logger, logs := NewLogger()
	return sdk.InstanceConfig{Name: name, Config: raw, Logger: logger, Clock: clock.System}, logs
}

// LoadEvent reads an envelope JSON file (such as testdata/turbo/envelope/*.json)
// and returns it as the sdk.Event a connector receives.
func LoadEvent(t testing.TB, path string) sdk.Event {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("load event: %v", err)
	}
	return ParseEvent(t, raw)
}

// ParseEvent returns the envelope in raw as the sdk.Event a connector receives.
func ParseEvent(t testing.TB, raw []byte) sdk.Event {
	t.Helper()
	var envelope struct {
		EventID       string    `json:"event_id"`
		EventType     string    `json:"event_type"`
		Timestamp     time.Time `json:"timestamp"`
		EntityType    string    `json:"entity_type"`
		EntityID      string    `json:"entity_id"`
		Action        string    `json:"action"`
		Derived       bool      `json:"derived"`
		ParentEventID string    `json:"parent_event_id"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		t.Fatalf("parse event envelope: %v", err)
	}
	return sdk.Event{
		ID:            envelope.EventID,
		Type:          envelope.EventType,
		Time:          envelope.Timestamp,
		EntityType:    envelope.EntityType,
		EntityID:      envelope.EntityID,
		Action:        envelope.Action,
		Derived:       envelope.Derived,
		ParentEventID: envelope.ParentEventID,
		Envelope:      json.RawMessage(raw),
	}
}
