package plugintest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/connectortest"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

// pluginNameSyntax is the syntax of a connector type, the <name> in
// switchboard-connector-<name>.
var pluginNameSyntax = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// reservedNames are the connector types Switchboard builds in, and "plugin"
// itself; a plugin may not take them.
var reservedNames = []string{"discord", "email", "file", "github", "http", "plugin", "slack", "turbo"}

var knownMarkups = []sdk.Markup{"", sdk.MarkupText, sdk.MarkupJSON, sdk.MarkupHTML, sdk.MarkupSlack, sdk.MarkupDiscord}

// checkInfo checks the Info the plugin returns.
func checkInfo(t *testing.T, info sdk.Info) {
	if !pluginNameSyntax.MatchString(info.Name) {
		t.Errorf("Info.Name = %q; use 1 to 63 lowercase letters, digits, - and _", info.Name)
	}
	if slices.Contains(reservedNames, info.Name) {
		t.Errorf("Info.Name = %q is a built-in connector type; choose another name", info.Name)
	}
	if strings.TrimSpace(info.Version) == "" {
		t.Error("Info.Version is empty; set the plugin's version, such as 0.1.0")
	}
	if !slices.Contains(knownMarkups, info.Markup) {
		t.Errorf("Info.Markup = %q; use one of text, json, html, slack, discord", info.Markup)
	}
	checkParams(t, info)
	if rl := info.Capabilities.RateLimit; rl != nil && (rl.PerSecond <= 0 || rl.Burst < 1) {
		t.Errorf("Info.Capabilities.RateLimit = %+v; want PerSecond > 0 and Burst >= 1", *rl)
	}
	if len(info.ConfigSchema) == 0 {
		t.Error("Info.ConfigSchema is empty; the host validates configs against it, so describe the config's keys")
	} else if _, err := pluginclient.CompileSchema(info.ConfigSchema); err != nil {
		t.Errorf("Info.ConfigSchema does not compile: %v", err)
	}
	for _, path := range info.SecretPaths {
		if strings.TrimSpace(path) == "" {
			t.Error("Info.SecretPaths contains an empty path")
		}
	}
}

func checkParams(t *testing.T, info sdk.Info) {
	seen := map[string]bool{}
	for _, p := range info.TargetParams {
		if p.Name == "" || seen[p.Name] {
			t.Errorf("Info.TargetParams: name %q is empty or repeated", p.Name)
		}
		seen[p.Name] = true
		if p.Kind < sdk.ParamString || p.Kind > sdk.ParamMap {
			t.Errorf("Info.TargetParams: %s has unknown kind %d", p.Name, p.Kind)
		}
	}
	for _, name := range info.DestinationParams {
		if !seen[name] {
			t.Errorf("Info.DestinationParams names %q, which is not among TargetParams", name)
		}
	}
}

// checkValidConfig checks that the config from Config.Instance passes both
// the schema and the plugin's own validation.
func checkValidConfig(t *testing.T, h *harness, cfg Config) {
	config := cfg.Instance("http://127.0.0.1:9")
	for _, d := range h.connector.ValidateConfig(config) {
		t.Errorf("valid config rejected at %q: %s", d.Path, d.Message)
	}
}

// checkInvalidConfigs checks each invalid config's diagnostic path.
func checkInvalidConfigs(t *testing.T, h *harness, cfg Config) {
	if len(cfg.Invalid) == 0 {
		t.Skip("Config.Invalid is empty; list configs that validation must reject")
	}
	for _, tc := range cfg.Invalid {
		t.Run(tc.Name, func(t *testing.T) {
			diagnostics := h.connector.ValidateConfig(tc.Config)
			if len(diagnostics) == 0 {
				t.Fatalf("config accepted, want a diagnostic at %q", tc.Path)
			}
			var paths []string
			for _, d := range diagnostics {
				if d.Path == tc.Path {
					return
				}
				paths = append(paths, fmt.Sprintf("%q", d.Path))
			}
			t.Errorf("diagnostics at %s, want one at %q", strings.Join(paths, ", "), tc.Path)
		})
	}
}

// checkSecrets fails when a secret reaches a result, a diagnostic or a log
// line, on failures that tempt a connector to show its config: an error
// answer, an unreachable destination, an invalid config.
func checkSecrets(t *testing.T, h *harness, cfg Config) {
	if len(cfg.Secrets) == 0 {
		t.Skip("Config.Secrets is empty; list the secret values in the instance config")
	}
	dest := connectortest.NewDestination(t)
	dest.Script(
		connectortest.Response{Status: 401, Body: "invalid token"},
		connectortest.Response{Status: 500, Body: "internal error"},
	)
	deliver := h.deliverFunc(t, cfg)
	var results []sdk.Result
	for range 2 {
		results = append(results, deliverWithin(deliver, dest.URL(), 10*time.Second))
	}
	results = append(results, deliverWithin(deliver, connectortest.ClosedURL(t), 10*time.Second))

	var diagnostics []string
	for _, tc := range cfg.Invalid {
		for _, d := range h.connector.ValidateConfig(tc.Config) {
			diagnostics = append(diagnostics, d.Path+": "+d.Message)
		}
	}
	logs := h.logs() + "\n" + strings.Join(diagnostics, "\n")
	for _, r := range results {
		connectortest.CheckNoSecretLeak(t, cfg.Secrets, r, logs)
	}
}

func deliverWithin(deliver connectortest.DeliverFunc, baseURL string, timeout time.Duration) sdk.Result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return deliver(ctx, baseURL)
}

// concurrentDeliveries is how many deliveries checkConcurrency runs at once.
const concurrentDeliveries = 32

// checkConcurrency delivers from many goroutines to one instance.
func checkConcurrency(t *testing.T, h *harness, cfg Config) {
	dest := connectortest.NewDestination(t)
	dest.SetDefault(connectortest.Response{Status: 200, Body: `{"ok":true}`})
	inst := h.configure(t, cfg, dest.URL())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	results := make([]sdk.Result, concurrentDeliveries)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = inst.Deliver(ctx, h.request(t, cfg, dest.URL(), deadline))
		}()
	}
	wg.Wait()

	for i, r := range results {
		if r.Outcome != sdk.OutcomeDelivered {
			t.Errorf("delivery %d: outcome %v (%s), want delivered", i, r.Outcome, r.Reason)
		}
	}
	if n := len(dest.Requests()); n < concurrentDeliveries {
		t.Errorf("destination received %d requests, want at least %d", n, concurrentDeliveries)
	}
}
