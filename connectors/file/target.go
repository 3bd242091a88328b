package file

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/turbocode/switchboard/sdk"
)

var _ sdk.TargetValidator = (*Connector)(nil)

// ValidateTarget rejects, at load, a target path on a connector without dir and
// a literal target path that leaves dir. A templated path is checked when it
// renders.
func (*Connector) ValidateTarget(raw json.RawMessage, target sdk.TargetSpec) []sdk.Diagnostic {
	cfg, _ := parseConfig(raw)
	if !target.Has("path") {
		return nil
	}
	if cfg.Dir == "" {
		return []sdk.Diagnostic{{Path: "path", Message: "the target sets path, but the connector has no dir to keep it in; set dir on the connector"}}
	}
	if literal, ok := target.Literal["path"]; ok {
		if err := checkRelative(fmt.Sprint(literal)); err != nil {
			return []sdk.Diagnostic{{Path: "path", Message: err.Error()}}
		}
	}
	return nil
}

// checkRelative accepts a path that stays inside the directory it is joined to.
func checkRelative(path string) error {
	rel := filepath.Clean(filepath.FromSlash(path))
	if rel == "." || !filepath.IsLocal(rel) {
		return fmt.Errorf("path %q is not a file inside dir; use a relative path such as team/deliveries.jsonl", path)
	}
	return nil
}
