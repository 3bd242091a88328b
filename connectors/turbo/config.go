package turbo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/turbocode/switchboard/sdk"
)

// Defaults of the config.
const (
	defaultAuthorName = "Switchboard"
	defaultHopLimit   = 5
	defaultHopWindow  = 10 * time.Minute
	defaultEchoWindow = 10 * time.Minute

	maxHopLimit = 1000
	maxWindow   = 24 * time.Hour
)

// config is an instance's config. The Turbo API's address and token come
// from the top-level turbo block (turbo.api_url, turbo.api_token).
type config struct {
	// AuthorName is the author of the comments the connector writes, unless
	// a target sets author_name. Default "Switchboard".
	AuthorName string `json:"author_name"`
	// Tags maps tag names to their ids in Turbo, so that a target can name
	// a tag (tag: urgent) instead of writing its id.
	Tags map[string]string `json:"tags"`
	// HopLimit is the most actions the connector takes on one entity within
	// HopWindow, over all its routes; a further action is skipped. It stops
	// chains in which routes keep reacting to each other's changes. Default 5.
	HopLimit int `json:"hop_limit"`
	// HopWindow is the window of HopLimit. Default 10m.
	HopWindow sdk.Duration `json:"hop_window"`
	// EchoWindow is how long an action's expected echo (the event Turbo
	// sends back for the change) is remembered. Default 10m.
	EchoWindow sdk.Duration `json:"echo_window"`
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{AuthorName: defaultAuthorName, HopLimit: defaultHopLimit,
		HopWindow: sdk.Duration(defaultHopWindow), EchoWindow: sdk.Duration(defaultEchoWindow)}
	diagnostics := sdk.DecodeConfig(raw, &cfg)
	if len(diagnostics) > 0 {
		return cfg, movedKeys(diagnostics)
	}
	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(cfg)...)
	}
	return cfg, diagnostics
}

// movedKeys explains the keys of the top-level turbo block written on the
// connector instead.
func movedKeys(diagnostics []sdk.Diagnostic) []sdk.Diagnostic {
	for i, d := range diagnostics {
		if d.Path == "api_url" || d.Path == "api_token" {
			diagnostics[i].Message = fmt.Sprintf("the turbo connector reads %s from the top-level turbo block; move it to turbo.%s", d.Path, d.Path)
		}
	}
	return diagnostics
}

// configRules are the checks of a decoded config, one rule each.
var configRules = []func(config) []sdk.Diagnostic{
	checkAuthorName,
	checkTags,
	checkHopLimit,
	checkWindows,
}

func checkAuthorName(cfg config) []sdk.Diagnostic {
	if strings.TrimSpace(cfg.AuthorName) == "" {
		return []sdk.Diagnostic{{Path: "author_name", Message: "empty; write the name Turbo shows as the author of the connector's comments, or remove the key for \"Switchboard\""}}
	}
	return nil
}

func checkTags(cfg config) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	for _, name := range sortedKeys(cfg.Tags) {
		if _, err := uuid.Parse(cfg.Tags[name]); err != nil {
			out = append(out, sdk.Diagnostic{Path: "tags." + name, Message: fmt.Sprintf("%q is not a tag id; write the tag's UUID as Turbo shows it", cfg.Tags[name])})
		}
	}
	return out
}

func checkHopLimit(cfg config) []sdk.Diagnostic {
	if cfg.HopLimit < 1 || cfg.HopLimit > maxHopLimit {
		return []sdk.Diagnostic{{Path: "hop_limit", Message: fmt.Sprintf("%d is out of range; allow 1 to %d actions on one entity per hop_window", cfg.HopLimit, maxHopLimit)}}
	}
	return nil
}

func checkWindows(cfg config) []sdk.Diagnostic {
	var out []sdk.Diagnostic
	for _, w := range []struct {
		key   string
		value sdk.Duration
	}{{"hop_window", cfg.HopWindow}, {"echo_window", cfg.EchoWindow}} {
		if w.value.Std() < time.Second || w.value.Std() > maxWindow {
			out = append(out, sdk.Diagnostic{Path: w.key, Message: fmt.Sprintf("%s is out of range; use 1s to 24h", w.value.Std())})
		}
	}
	return out
}

// tagID returns the id of a tag given by id or by a name in Tags.
func (c config) tagID(tag string) (string, bool) {
	if id, ok := c.Tags[tag]; ok {
		return id, true
	}
	if _, err := uuid.Parse(tag); err == nil {
		return tag, true
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
