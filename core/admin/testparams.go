package admin

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/turbocode/switchboard/core/config"
	"github.com/turbocode/switchboard/sdk"
)

// maxTestParams bounds the JSON of a test send's params, in bytes. Target
// parameters are short; the bound keeps the check for the admin token cheap.
const maxTestParams = 64 << 10

// checkTestParams rejects test params that are too long or contain the
// admin token, which the audit entry of the test would then record, and
// then params that the connector's kind does not declare, of another shape
// than declared, or missing a required one. The config checks route
// targets with the same rules.
func (s *server) checkTestParams(params sdk.Params, info sdk.Info) error {
	if params == nil {
		return nil
	}
	raw, err := marshalText(params)
	if err != nil {
		return invalid("params", "params cannot be encoded: %v", err)
	}
	if len(raw) > maxTestParams {
		return invalid("params", "params are longer than %d bytes as JSON; send the target parameters only", maxTestParams)
	}
	if s.token.within(string(raw)) {
		return invalid("params", "params contain the admin token; leave it out, because the audit log records the params")
	}
	return checkDeclaredParams(params, info)
}

// checkDeclaredParams rejects params that do not match the connector kind's
// declared target parameters, naming the first problem. The message of an
// unknown parameter lists the declared ones. A kind that is not known, such
// as a plugin that never started, declares nothing to check against.
func checkDeclaredParams(params sdk.Params, info sdk.Info) error {
	if info.Name == "" {
		return nil
	}
	problems := config.CheckParams(params, info)
	if len(problems) == 0 {
		return nil
	}
	p := problems[0]
	message := p.Message
	if p.Reason == config.ParamUnknown && p.Suggestion != "" {
		// The config's message gives only the suggestion here.
		known := make([]string, len(info.TargetParams))
		for i, spec := range info.TargetParams {
			known[i] = spec.Name
		}
		message += fmt.Sprintf(" Connector type %s takes: %s.", info.Name, strings.Join(known, ", "))
	}
	return invalid("params", "params: %s", message)
}

// auditParams returns params as the audit log records them: JSON, with
// every URL cut to its scheme and host. A webhook URL's path or query may
// hold a credential (Slack's and Discord's do), and the host is enough to
// tell where the test went.
func auditParams(params sdk.Params) string {
	shown := make(sdk.Params, len(params))
	for name, value := range params {
		shown[name] = auditValue(value)
	}
	raw, err := marshalText(shown)
	if err != nil {
		return "(params not shown: " + err.Error() + ")"
	}
	return string(raw)
}

func auditValue(value any) any {
	switch v := value.(type) {
	case string:
		return hostOnly(v)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = auditValue(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			out[key] = auditValue(item)
		}
		return out
	}
	return value
}

// hostOnly returns an http or https URL as scheme://host, followed by "/…"
// when it had more, and any other text as it is.
func hostOnly(text string) string {
	u, err := url.Parse(text)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return text
	}
	short := u.Scheme + "://" + u.Host
	if strings.TrimPrefix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		short += "/…"
	}
	return short
}
