package file

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

// defaultMode is the permission of new files: the owner writes, its group reads.
const defaultMode fileMode = 0o640

// config is an instance's config.
type config struct {
	// Path is the file each delivery is appended to, unless the target sets
	// path. Relative to the working directory. Required unless Dir is set.
	Path string `json:"path"`
	// Dir is the directory that route targets' path values are resolved in;
	// they must stay inside it. Created at Configure when missing.
	Dir string `json:"dir"`
	// Sync calls fsync after each line, so that a line is on disk before the
	// delivery counts as delivered. Default true.
	Sync bool `json:"sync"`
	// Mode is the permission of files the connector creates, before the
	// process umask. Default 0640.
	Mode fileMode `json:"mode"`
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{Sync: true, Mode: defaultMode}
	diagnostics := sdk.DecodeConfig(raw, &cfg)

	if cfg.Path == "" && cfg.Dir == "" {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "path", Message: "missing; set path to the file to append to, or dir for route targets that set path"})
	}
	if strings.HasSuffix(cfg.Path, "/") {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "path", Message: fmt.Sprintf("path %q names a directory; name the file to append to, or set dir", cfg.Path)})
	}
	if cfg.Mode&0o200 == 0 {
		diagnostics = append(diagnostics, sdk.Diagnostic{Path: "mode", Message: fmt.Sprintf("mode %s does not let the owner write, so the file could not be reopened after a restart; use 0640 or 0600", cfg.Mode)})
	}
	return cfg, diagnostics
}

// fileMode is a permission in the config: a number (YAML reads 0640 as octal)
// or a string of octal digits ("0640", "640", "0o640").
type fileMode fs.FileMode

// ambiguousModes are numbers that are valid permissions in decimal but far more
// likely octal spellings whose leading zero is missing (400 is meant as 0400,
// yet reads as 0620).
var ambiguousModes = map[uint64]bool{400: true, 440: true, 444: true, 500: true}

// UnmarshalJSON reads a number or a string of octal digits.
func (m *fileMode) UnmarshalJSON(raw []byte) error {
	var value uint64
	var err error
	if len(raw) > 0 && raw[0] == '"' {
		var text string
		if err = json.Unmarshal(raw, &text); err == nil {
			text = strings.TrimPrefix(strings.TrimPrefix(text, "0o"), "0O")
			value, err = strconv.ParseUint(text, 8, 32)
		}
	} else {
		err = json.Unmarshal(raw, &value)
		if err == nil && ambiguousModes[value] {
			return fmt.Errorf("mode %d reads as decimal; write it in octal with a leading zero, such as 0%d", value, value)
		}
	}

	if err != nil || value > 0o777 {
		return fmt.Errorf("invalid mode; write permission bits in octal, such as 0640")
	}
	*m = fileMode(value)
	return nil
}

// String formats the mode in octal with a leading zero, such as "0640".
func (m fileMode) String() string { return fmt.Sprintf("%#o", uint32(m)) }
