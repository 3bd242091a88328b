package command

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

// Defaults and bounds of the config.
const (
	// exitTempFail is EX_TEMPFAIL of sysexits.h, "temporary failure; the
	// user is invited to retry", the default retryable exit code.
	exitTempFail = 75

	DefaultMaxOutputBytes = 16 << 10
	minMaxOutputBytes     = 1 << 10
	maxMaxOutputBytes     = 16 << 20
)

// reservedEnvPrefixes start the names of the variables the connector sets
// itself (SWITCHBOARD_DELIVERY_ID and the others) or removes from the
// command's environment (go-plugin's PLUGIN_ handshake variables).
var reservedEnvPrefixes = []string{"SWITCHBOARD_", "PLUGIN_"}

// config is an instance's config.
type config struct {
	// Command is the program and its arguments, such as
	// ["/usr/local/bin/assistant", "--reply"]. No shell runs it, so its
	// words are passed as written. The program is an absolute path or a
	// name looked up in PATH. Required.
	Command []string `json:"command"`
	// Dir is the working directory of the command. Default: the plugin's.
	Dir string `json:"dir"`
	// Env holds variables added to the command's environment. Their values
	// are secrets: they never appear in logs or results.
	Env map[string]sdk.Secret `json:"env"`
	// RetryExitCodes are the exit codes that ask for another attempt; any
	// other code but 0 is a permanent failure. Default [75].
	RetryExitCodes []int `json:"retry_exit_codes"`
	// MaxOutputBytes bounds the output kept of one run, stdout and stderr
	// together; the end is kept. Default 16384 bytes.
	MaxOutputBytes int `json:"max_output_bytes"`
}

// parseConfig decodes raw with the defaults applied and checks every rule.
func parseConfig(raw json.RawMessage) (config, []sdk.Diagnostic) {
	cfg := config{RetryExitCodes: []int{exitTempFail}, MaxOutputBytes: DefaultMaxOutputBytes}
	diagnostics := sdk.DecodeConfig(raw, &cfg)
	if len(diagnostics) > 0 {
		return cfg, diagnostics
	}

	for _, rule := range configRules {
		diagnostics = append(diagnostics, rule(cfg)...)
	}
	return cfg, diagnostics
}

// configRules are the checks of a decoded config, one rule each.
var configRules = []func(config) []sdk.Diagnostic{
	checkCommand,
	checkDir,
	checkEnv,
	checkRetryExitCodes,
	checkMaxOutput,
}

func checkCommand(cfg config) []sdk.Diagnostic {
	if len(cfg.Command) == 0 || strings.TrimSpace(cfg.Command[0]) == "" {
		return []sdk.Diagnostic{{Path: "command", Message: `missing; set the program and its arguments as a list, such as ["/usr/local/bin/assistant", "--reply"]`}}
	}
	for i, word := range cfg.Command {
		if strings.ContainsRune(word, 0) {
			return []sdk.Diagnostic{{Path: fmt.Sprintf("command[%d]", i), Message: "contains a NUL character, which no argument may hold"}}
		}
	}
	if _, err := resolveProgram(cfg.Command[0], cfg.Dir); err != nil {
		return []sdk.Diagnostic{{Path: "command[0]", Message: err.Error()}}
	}
	return nil
}

// resolveProgram returns the path of the program to run: name itself when it
// holds a slash (relative to dir when not absolute), else the file PATH
// finds. The file must be executable.
func resolveProgram(name, dir string) (string, error) {
	if !strings.Contains(name, "/") {
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("%q is not found in PATH (%s); write the program's absolute path", name, os.Getenv("PATH"))
		}
		return path, nil
	}

	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return "", fmt.Errorf("%q does not exist; write the path of an executable file", name)
	case info.IsDir():
		return "", fmt.Errorf("%q is a directory; write the path of an executable file", name)
	case info.Mode()&0o111 == 0:
		return "", fmt.Errorf("%q is not executable; run chmod +x on it", name)
	}
	return path, nil
}

func checkDir(cfg config) []sdk.Diagnostic {
	if cfg.Dir == "" {
		return nil
	}
	info, err := os.Stat(cfg.Dir)
	if err != nil || !info.IsDir() {
		return []sdk.Diagnostic{{Path: "dir", Message: fmt.Sprintf("%q is not a directory; set the command's working directory, or remove dir to use the plugin's", cfg.Dir)}}
	}
	return nil
}

func checkEnv(cfg config) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	for _, name := range slices.Sorted(maps.Keys(cfg.Env)) {
		path := "env." + name
		switch {
		case name == "" || strings.ContainsAny(name, "=\x00"):
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: path, Message: "invalid variable name; use letters, digits and _"})
		case hasReservedPrefix(name):
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: path, Message: "names starting with SWITCHBOARD_ or PLUGIN_ are set by the connector; choose another name"})
		case strings.ContainsRune(cfg.Env[name].Reveal(), 0):
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: path, Message: "the value contains a NUL character, which no environment variable may hold"})
		}
	}
	return diagnostics
}

func hasReservedPrefix(name string) bool {
	for _, prefix := range reservedEnvPrefixes {
		if strings.HasPrefix(strings.ToUpper(name), prefix) {
			return true
		}
	}
	return false
}

func checkRetryExitCodes(cfg config) []sdk.Diagnostic {
	var diagnostics []sdk.Diagnostic
	for i, code := range cfg.RetryExitCodes {
		if code < 1 || code > 255 {
			diagnostics = append(diagnostics, sdk.Diagnostic{Path: fmt.Sprintf("retry_exit_codes[%d]", i),
				Message: fmt.Sprintf("%d is not a failing exit code; use 1 to 255 (0 means delivered)", code)})
		}
	}
	return diagnostics
}

func checkMaxOutput(cfg config) []sdk.Diagnostic {
	if cfg.MaxOutputBytes < minMaxOutputBytes || cfg.MaxOutputBytes > maxMaxOutputBytes {
		return []sdk.Diagnostic{{Path: "max_output_bytes",
			Message: fmt.Sprintf("%d is out of range; set %d to %d bytes", cfg.MaxOutputBytes, minMaxOutputBytes, maxMaxOutputBytes)}}
	}
	return nil
}
