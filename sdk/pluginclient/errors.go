package pluginclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// StartError is a plugin that could not be started.
type StartError struct {
	Plugin string
	Path   string
	// Handshake is true when starting again cannot help until the executable
	// or the config changes. Such failures are a missing file, a checksum
	// that does not match, a process that is not a Switchboard plugin or
	// speaks another protocol version, and one that exits during start-up.
	Handshake bool
	// Checksum is true when the executable does not match the pinned sha256.
	Checksum bool
	// PluginVersion and PluginProtocols come from the executable's
	// --describe output, when it gave one.
	PluginVersion   string
	PluginProtocols []int
	// Output holds the last lines the process wrote to stderr.
	Output []string
	Err    error
	// Fix is what the operator can do.
	Fix string
}

// Error names the plugin, both sides' versions, the cause and the fix.
func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "start plugin %s (%s): %v", e.Plugin, e.Path, e.Err)
	if e.PluginVersion != "" || len(e.PluginProtocols) > 0 {
		fmt.Fprintf(&b, "; the plugin is version %s and speaks protocol %s", orUnknown(e.PluginVersion), formatProtocols(e.PluginProtocols))
	}
	if e.Handshake && !e.Checksum {
		fmt.Fprintf(&b, "; this host speaks protocol %d", pluginv1.ProtocolVersion)
	}
	if len(e.Output) > 0 {
		fmt.Fprintf(&b, "; its last output: %s", strings.Join(e.Output, " | "))
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, "; %s", e.Fix)
	}
	return b.String()
}

func (e *StartError) Unwrap() error { return e.Err }

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func formatProtocols(versions []int) string {
	if len(versions) == 0 {
		return "unknown"
	}
	parts := make([]string, len(versions))
	for i, v := range versions {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// incompatibleVersion matches go-plugin v1.8.0's error for a plugin that
// speaks another protocol version.
var incompatibleVersion = regexp.MustCompile(`incompatible API version with plugin`)

// maxOutputLines bounds the stderr lines an error message quotes.
const maxOutputLines = 5

// startError explains why the handshake failed, with the executable's own
// description when it can give one.
func startError(opts Options, err error, output []string) *StartError {
	if se, ok := errors.AsType[*StartError](err); ok {
		return se
	}
	if len(output) > maxOutputLines {
		output = output[len(output)-maxOutputLines:]
	}
	e := &StartError{Plugin: opts.Name, Path: opts.Path, Err: err, Output: output}
	if desc, derr := Describe(context.Background(), opts.Path); derr == nil {
		e.PluginVersion, e.PluginProtocols = desc.Version, desc.ProtocolVersions
	}

	text := err.Error()
	switch {
	case incompatibleVersion.MatchString(text):
		e.Handshake = true
		e.Fix = fmt.Sprintf("rebuild the plugin with a Switchboard SDK that speaks protocol %d, or run a Switchboard release that speaks the plugin's", pluginv1.ProtocolVersion)
	case strings.Contains(text, "exited before we could connect"), strings.Contains(text, unrecognizedLine):
		e.Handshake = true
		e.Err = errors.New("the process exited or wrote something else before the handshake")
		if line := stdoutExcerpt(text); line != "" {
			e.Err = fmt.Errorf("the process wrote %s to stdout before the handshake; a plugin writes only the handshake there and logs to stderr", line)
		}
		e.Fix = handshakeFix(output)
	case strings.Contains(text, "timeout while waiting for plugin to start"):
		e.Err = fmt.Errorf("no handshake within %s", opts.StartTimeout)
		e.Fix = "check that the plugin calls sdk.Serve in main and that the machine is not overloaded"
	}
	return e
}

// unrecognizedLine starts go-plugin v1.8.0's error for a first stdout line
// that is not a handshake; the line follows it, up to a newline.
const unrecognizedLine = "Unrecognized remote plugin message: "

// maxStdoutExcerpt bounds the part of that line an error message quotes.
const maxStdoutExcerpt = 200

// stdoutExcerpt returns the line of go-plugin's error text, cut to
// maxStdoutExcerpt bytes and quoted, so that control characters show as
// escapes; "" when there is no line.
func stdoutExcerpt(text string) string {
	_, line, _ := strings.Cut(text, unrecognizedLine)
	line, _, _ = strings.Cut(line, "\n")
	if strings.TrimSpace(line) == "" {
		return ""
	}
	if len(line) > maxStdoutExcerpt {
		return strconv.Quote(strings.ToValidUTF8(line[:maxStdoutExcerpt], "")) + "…"
	}
	return strconv.Quote(line)
}

// handshakeFix returns the fix for a start-up panic, or for a process that
// is not a Switchboard plugin of this protocol.
func handshakeFix(output []string) string {
	for _, line := range output {
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
			return "the plugin panicked during start-up; fix it and install the new build"
		}
	}
	return "check that it is a Switchboard connector plugin whose main calls sdk.Serve, built with the current SDK (a plugin built with another handshake cookie exits at once)"
}

// describeTimeout bounds a --describe run.
const describeTimeout = 5 * time.Second

// Describe runs the executable with --describe, which needs no handshake, and
// returns its description.
func Describe(ctx context.Context, path string) (*pluginv1.Description, error) {
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, pluginv1.DescribeFlag)
	cmd.Env = allowedHostEnv()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("run %s %s: %w", path, pluginv1.DescribeFlag, err)
	}
	var desc pluginv1.Description
	if err := json.Unmarshal(out, &desc); err != nil {
		return nil, fmt.Errorf("read the output of %s %s: %w", path, pluginv1.DescribeFlag, err)
	}
	return &desc, nil
}
