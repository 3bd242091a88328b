// Package plugintest is the conformance kit for Switchboard connector
// plugins. A plugin author calls it from the plugin's own tests:
//
//	func TestConformance(t *testing.T) {
//		plugintest.Run(t, teams.New(), cfg)   // in process, over the real gRPC layer
//	}
//
//	func TestConformanceBinary(t *testing.T) {
//		plugintest.RunBinary(t, ".", cfg)     // builds the plugin and starts it as the host does
//	}
//
// Both run the checks the host relies on: the plugin's info and config schema
// are valid; invalid configs get diagnostics at the right path; answers of a
// fake HTTP destination are classified (2xx delivered, 5xx, 408 and 429
// retried, other 4xx and 3xx permanent, Retry-After honoured); no secret
// reaches a result, a diagnostic or a log line; Deliver returns promptly when
// its context is cancelled; concurrent deliveries work, under the race
// detector when the test runs with -race. Run also checks that a panic in
// Deliver becomes a retryable error and the plugin goes on serving; RunBinary
// checks that killing the process mid-delivery yields a retryable outcome and
// that the plugin exits when its host dies.
package plugintest

import (
	"encoding/json"
	"testing"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
)

// Config holds how the checks drive the connector under test.
type Config struct {
	// Instance returns a valid instance config whose deliveries go to the HTTP
	// destination at baseURL (such as "http://127.0.0.1:41234"). Required.
	Instance func(baseURL string) json.RawMessage
	// Target returns the route target's parameters for a delivery to baseURL;
	// nil sends none.
	Target func(baseURL string) sdk.Params
	// Invalid lists configs that validation must reject, each with the path
	// of the diagnostic it must produce.
	Invalid []InvalidConfig
	// Secrets lists values in Instance's config that must never appear in a
	// result, a diagnostic or a log line. Each is at least 6 bytes long.
	Secrets []string
	// Event is the event each delivery carries. Default: an issue.created
	// event.
	Event *sdk.Event
	// Options adjust the classification checks, for example the body of a
	// successful answer.
	Options []connectortest.Option
	// Classification replaces the HTTP status classification check for a
	// connector whose outcomes do not follow HTTP statuses, such as one that
	// runs a program and classifies its exit code. It receives a function
	// that delivers through the plugin to an instance configured for a base
	// URL. Default: connectortest.CheckClassification with Options.
	Classification func(t *testing.T, deliver connectortest.DeliverFunc)
}

// InvalidConfig is a config that validation must reject.
type InvalidConfig struct {
	Name   string
	Config json.RawMessage
	// Path is the dotted config path a diagnostic must name, such as
	// "webhook_url"; empty for the config as a whole.
	Path string
}

// Run serves c in this process over the real gRPC layer, connects to it
// with the host's client, and runs the conformance checks plus the panic
// check.
func Run(t *testing.T, c sdk.Connector, cfg Config) {
	t.Helper()
	requireConfig(t, cfg)
	h := startInProcess(t, c)
	runCommon(t, h, cfg)
	t.Run("panic becomes an error", func(t *testing.T) { checkPanic(t, c, cfg) })
}

// RunBinary builds the plugin's main package at pkg (a directory, such as
// "." from the plugin's own tests), starts the executable with the host's
// launcher, and runs the conformance checks plus the process checks: kill -9
// mid-delivery, and exit when the host dies. The build uses -race when the
// test binary does.
func RunBinary(t *testing.T, pkg string, cfg Config) {
	t.Helper()
	requireConfig(t, cfg)
	path := Build(t, pkg)
	h := startBinary(t, path)
	runCommon(t, h, cfg)
	t.Run("kill -9 mid-delivery retries", func(t *testing.T) { checkKill(t, path, cfg) })
	t.Run("exits when the host dies", func(t *testing.T) { checkHostDeath(t, path) })
}

func requireConfig(t *testing.T, cfg Config) {
	t.Helper()
	if cfg.Instance == nil {
		t.Fatal("plugintest.Config.Instance is nil; set it to a function that returns a valid config for a destination URL")
	}
}

// runCommon runs the checks that need nothing but a connection.
func runCommon(t *testing.T, h *harness, cfg Config) {
	t.Run("info", func(t *testing.T) { checkInfo(t, h.connector.Info()) })
	t.Run("valid config", func(t *testing.T) { checkValidConfig(t, h, cfg) })
	t.Run("invalid configs", func(t *testing.T) { checkInvalidConfigs(t, h, cfg) })
	t.Run("classification", func(t *testing.T) {
		if cfg.Classification != nil {
			cfg.Classification(t, h.deliverFunc(t, cfg))
			return
		}
		connectortest.CheckClassification(t, h.deliverFunc(t, cfg), cfg.Options...)
	})
	t.Run("cancellation", func(t *testing.T) { connectortest.CheckCancellation(t, h.deliverFunc(t, cfg)) })
	t.Run("no secret leak", func(t *testing.T) { checkSecrets(t, h, cfg) })
	t.Run("concurrent deliveries", func(t *testing.T) { checkConcurrency(t, h, cfg) })
}
