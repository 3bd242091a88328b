package config

import (
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

// Redacted is shown in place of a value that may be a credential.
const Redacted = "<secret>"

// Redact returns params with Redacted in place of every value that the
// target took from a ${...} reference, which may be a credential. Params may
// hold the values as rendered ([]string, map[string]string) or as decoded
// from JSON ([]any, map[string]any).
func (t Target) Redact(params sdk.Params) sdk.Params {
	return redactParams(params, func(path string) bool { return t.Referenced[path] })
}

// RedactAll returns params with Redacted in place of every value, for stored
// targets whose route is no longer in the config, so nothing tells which of
// their values came from a reference.
func RedactAll(params sdk.Params) sdk.Params {
	return redactParams(params, func(string) bool { return true })
}

func redactParams(params sdk.Params, secret func(path string) bool) sdk.Params {
	out := make(sdk.Params, len(params))
	for name, value := range params {
		out[name] = redactValue(name, value, secret)
	}
	return out
}

func redactValue(path string, value any, secret func(string) bool) any {
	switch v := value.(type) {
	case []string:
		list := make([]string, len(v))
		for i, item := range v {
			list[i] = redactText(fmt.Sprintf("%s[%d]", path, i), item, secret)
		}
		return list
	case []any:
		list := make([]any, len(v))
		for i, item := range v {
			list[i] = redactValue(fmt.Sprintf("%s[%d]", path, i), item, secret)
		}
		return list
	case map[string]string:
		m := make(map[string]string, len(v))
		for key, item := range v {
			m[key] = redactText(path+"."+key, item, secret)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(v))
		for key, item := range v {
			m[key] = redactValue(path+"."+key, item, secret)
		}
		return m
	default:
		if secret(path) {
			return Redacted
		}
		return value
	}
}

func redactText(path, value string, secret func(string) bool) string {
	if secret(path) {
		return Redacted
	}
	return value
}
