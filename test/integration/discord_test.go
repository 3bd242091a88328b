package integration

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/core/event"
)

var updateDiscordNatives = flag.Bool("update-discord-natives", false,
	"rewrite connectors/discord/testdata/native from testdata/turbo/native")

// discordReceived is the time the native fixtures are stamped with: native
// payloads carry no time of their own.
var discordReceived = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// TestDiscordNativeEnvelopes converts Turbo's native fixtures with the
// daemon's own normaliser into the envelopes the discord connector's golden
// test renders, and fails when the stored ones are out of date.
func TestDiscordNativeEnvelopes(t *testing.T) {
	files, err := filepath.Glob("../../testdata/turbo/native/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no native fixtures: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			got := discordNativeEnvelope(t, file)
			path := filepath.Join("../../connectors/discord/testdata/native", name)
			if *updateDiscordNatives {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read %s (run with -update-discord-natives to write it): %v", path, err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("%s is out of date; run go test ./test/integration -run TestDiscordNativeEnvelopes -update-discord-natives", path)
			}
		})
	}
}

// discordNativeEnvelope returns the envelope of one native fixture, indented,
// as ingest would store it, received at discordReceived.
func discordNativeEnvelope(t *testing.T, file string) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	in, err := event.FromTurboWebhook(fixture.Headers["X-Webhook-Event"], fixture.Headers["X-Webhook-Delivery-Id"], fixture.Body, discordReceived)
	if err != nil {
		t.Fatalf("normalise %s: %v", file, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, in.Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteString("\n")
	return out.Bytes()
}
