package admin

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/core/store"
	"github.com/turbocode/switchboard/sdk"
)

// redactTarget returns a stored delivery's target parameters with every
// value that the config took from a ${...} reference shown as <secret>: a
// stored target holds rendered values in clear, credentials included. The
// references are those of the route's targets to the same connector; when
// the route is no longer in the config, every value is redacted.
func redactTarget(d *store.Delivery, cfg *config.Config) (json.RawMessage, string) {
	var params sdk.Params
	if err := json.Unmarshal(d.Target, &params); err != nil {
		return json.RawMessage(`{}`), config.Redacted
	}
	redacted := redactParams(d.Route, d.Connector, params, cfg)
	out, err := marshalText(redacted)
	if err != nil {
		return json.RawMessage(`{}`), config.Redacted
	}
	return out, redactDestination(d.Destination, params, redacted)
}

// redactDestination hides in a destination key the values that the target's
// redaction hid: the key holds destination parameters as rendered (a URL by
// its scheme and host).
func redactDestination(destination string, raw, redacted sdk.Params) string {
	for name, value := range raw {
		text, ok := value.(string)
		if !ok || text == "" || redacted[name] != config.Redacted {
			continue
		}
		destination = strings.ReplaceAll(destination, text, config.Redacted)
		if u, err := url.Parse(text); err == nil && u.Host != "" {
			destination = strings.ReplaceAll(destination, u.Scheme+"://"+u.Host, config.Redacted)
		}
	}
	return destination
}

// redactParams redacts params planned for route and connector.
func redactParams(routeName, connector string, params sdk.Params, cfg *config.Config) sdk.Params {
	targets, known := targetsOf(cfg, routeName, connector)
	if !known {
		return config.RedactAll(params)
	}
	for _, t := range targets {
		params = t.Redact(params)
	}
	return params
}

// targetsOf returns the targets of the named route that go to connector, and
// whether the route is in the config.
func targetsOf(cfg *config.Config, routeName, connector string) ([]config.Target, bool) {
	for _, r := range cfg.Routes {
		if r.Name != routeName {
			continue
		}
		var out []config.Target
		for _, t := range r.To {
			if t.Connector == connector {
				out = append(out, t)
			}
		}
		return out, true
	}
	return nil, false
}
