package http

import (
	"encoding/json"
	"fmt"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.TargetValidator = (*Connector)(nil)

// ValidateTarget rejects, at load, a target with nowhere to send (no url on it
// or on the connector) and a literal url that is not an absolute http or https
// URL. A templated url is checked when it renders.
func (*Connector) ValidateTarget(raw json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	cfg, _ := parseConfig(raw)
	if !target.Has("url") {
		if cfg.URL == "" {
			return []sdk.Diagnostic{{Message: "the connector has no url and this target sets none; set url on the connector or on the target"}}
		}
		return nil
	}
	if literal, ok := target.Literal["url"]; ok {
		if _, err := parseDestination(fmt.Sprint(literal)); err != nil {
			return []sdk.Diagnostic{{Path: "url", Message: err.Error()}}
		}
	}
	return nil
}
