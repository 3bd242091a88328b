package command_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/turbocode/switchboard/plugins/command"
	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/plugintest"
)

// conformanceToken is the secret the program receives in its environment,
// which no result or log line may show.
const conformanceToken = "conformance-token-8Rk3vN1q"

// conformance runs this test binary as the connector's program in its "post"
// mode (see helper_test.go): it posts the event to the check's destination
// and exits 0 on 2xx, 75 on 408, 429, 5xx and network errors, 1 otherwise.
func conformance(t *testing.T) plugintest.Config {
	program, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	event := connectortest.LoadEvent(t, "../../testdata/turbo/envelope/comment-created.json")
	return plugintest.Config{
		Event: &event,
		Instance: func(baseURL string) json.RawMessage {
			config, _ := json.Marshal(map[string]any{
				"command": []string{program},
				"env": map[string]string{"COMMANDTEST_MODE": "post", "COMMANDTEST_URL": baseURL + "/hook",
					"COMMANDTEST_TOKEN": conformanceToken, "GORACE": "atexit_sleep_ms=0"},
			})
			return config
		},
		Invalid: []plugintest.InvalidConfig{
			{Name: "missing command", Config: json.RawMessage(`{"env": {"TOKEN": "` + conformanceToken + `"}}`), Path: "command"},
			{Name: "program not found", Config: json.RawMessage(`{"command": ["/no/such/program"]}`), Path: "command[0]"},
			{Name: "reserved variable", Config: json.RawMessage(`{"command": ["sh"], "env": {"SWITCHBOARD_ROUTE": "x"}}`), Path: "env.SWITCHBOARD_ROUTE"},
			{Name: "exit code 0", Config: json.RawMessage(`{"command": ["sh"], "retry_exit_codes": [0]}`), Path: "retry_exit_codes[0]"},
		},
		Secrets: []string{conformanceToken},
		Classification: func(t *testing.T, deliver connectortest.DeliverFunc) {
			checkExitCodes(t, deliver, event)
		},
	}
}

// checkExitCodes replaces the HTTP status check: the outcome follows
// the program's exit code, which the program derives from the destination's
// status. It also checks that event reached the program intact.
func checkExitCodes(t *testing.T, deliver connectortest.DeliverFunc, event sdk.Event) {
	tests := []struct {
		name     string
		response *connectortest.Response
		timeout  time.Duration
		want     sdk.Outcome
		wantCode int
		wantText string
	}{
		{name: "exit 0 delivered", response: &connectortest.Response{Status: 200, Body: "ok"}, want: sdk.OutcomeDelivered, wantCode: 0},
		{name: "exit 75 retried", response: &connectortest.Response{Status: 503, Body: "busy"}, want: sdk.OutcomeRetry, wantCode: 75, wantText: "status 503: busy"},
		{name: "exit 1 permanent", response: &connectortest.Response{Status: 404, Body: "no such hook"}, want: sdk.OutcomePermanent, wantCode: 1, wantText: "status 404"},
		{name: "network error retried", want: sdk.OutcomeRetry, wantCode: 75, wantText: "post failed"},
		// The host's call ends at the same deadline as the run, so the
		// reason may be the host's deadline error instead of the plugin's.
		{name: "timeout retried", response: &connectortest.Response{Delay: time.Minute}, timeout: time.Second, want: sdk.OutcomeRetry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := connectortest.ClosedURL(t)
			var dest *connectortest.Destination
			if tc.response != nil {
				dest = connectortest.NewDestination(t)
				dest.SetDefault(*tc.response)
				target = dest.URL()
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 30 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()

			result := deliver(ctx, target)

			if result.Outcome != tc.want || result.StatusCode != tc.wantCode {
				t.Errorf("result = %+v, want %v with exit code %d", result, tc.want, tc.wantCode)
			}
			if !strings.Contains(result.Response+result.Reason, tc.wantText) {
				t.Errorf("result = %+v, want %q in its response or reason", result, tc.wantText)
			}
			if tc.want == sdk.OutcomeDelivered {
				checkPosted(t, dest.Requests(), event)
			}
		})
	}
}

func TestConformanceInProcess(t *testing.T) {
	plugintest.Run(t, command.New(), conformance(t))
}

func TestConformanceBinary(t *testing.T) {
	plugintest.RunBinary(t, "./cmd/switchboard-connector-command", conformance(t))
}

// checkPosted checks that the program received the event's envelope on its
// standard input and the token from the config's env.
func checkPosted(t *testing.T, requests []connectortest.Request, event sdk.Event) {
	t.Helper()
	if len(requests) != 1 {
		t.Fatalf("the program posted %d requests, want 1", len(requests))
	}
	if requests[0].Method != http.MethodPost || string(requests[0].Body) != string(event.Envelope) {
		t.Errorf("the program posted %s %q, want POST with the envelope", requests[0].Method, requests[0].Body)
	}
	if got := requests[0].Header.Get("Authorization"); got != "Bearer "+conformanceToken {
		t.Error("the program did not receive the token from the config's env")
	}
}
