// Package pluginclient starts a Switchboard connector plugin and talks to it:
// the launcher that the host in connectors/plugin and the conformance kit in
// sdk/plugintest share. It runs the handshake with mutual TLS, passes the
// plugin only an allow-listed environment, re-logs the plugin's stderr through
// the host's logger, and turns the gRPC protocol back into SDK types.
//
// A Process is one run of a plugin executable; it does not restart. The host
// builds crash handling and restarts on top of it.
package pluginclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"

	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// Options configure Start.
type Options struct {
	// Name is the plugin's name, the <name> in switchboard-connector-<name>.
	Name string
	// Path is the executable.
	Path string
	// SHA256, when set, is the checksum the executable must have, as 64
	// hexadecimal digits; it is checked before the process starts.
	SHA256 string
	// Logger receives the plugin's logs; nil discards them.
	Logger *slog.Logger
	// LogLevel is passed to the plugin (debug, info, warn, error), so that it
	// does not write lines the host drops. Default info.
	LogLevel string
	// HostVersion names the host in error messages, such as "switchboard 1.4.0".
	HostVersion string
	// StartTimeout bounds the handshake. Default 10s.
	StartTimeout time.Duration
	// Env lists extra environment entries (NAME=value) for the plugin, beside
	// the allow-listed ones taken from the host.
	Env []string
}

// AllowedEnv lists the host environment variables a plugin receives. Nothing
// else passes, so the host's secrets (SWITCHBOARD_ADMIN_TOKEN, the values
// behind ${...} references) stay out of the plugin's environment; a plugin
// gets its settings from its config block.
var AllowedEnv = []string{
	"PATH", "HOME", "USER", "TMPDIR", "TZ", "LANG", "LC_ALL", "LC_CTYPE",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
}

// Start starts the plugin executable, completes the handshake, and reads the
// plugin's Info and config schema. The error is a *StartError.
func Start(ctx context.Context, opts Options) (*Process, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 10 * time.Second
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logs := newLogWriter(logger.With("plugin", opts.Name))

	if err := checkExecutable(opts); err != nil {
		return nil, err
	}

	env := append(allowedHostEnv(), opts.Env...)
	env = append(env, pluginv1.LogLevelEnv+"="+opts.LogLevel)
	var started *processRunner
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginv1.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{pluginv1.ProtocolVersion: {pluginv1.PluginName: &clientPlugin{}}},
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
			// With SkipHostEnv, spec.Env holds only go-plugin's handshake
			// entries; the allow-listed host entries join them.
			cmd := exec.Command(opts.Path)
			cmd.Env = append(spec.Env, env...)
			r, err := newProcessRunner(cmd)
			started = r
			return r, err
		},
		SkipHostEnv:      true,
		AutoMTLS:         true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     opts.StartTimeout,
		Stderr:           logs,
		Logger:           hclog.NewNullLogger(),
		GRPCDialOptions:  dialOptions(),
	})
	p, err := connect(ctx, client, opts)
	if err != nil {
		client.Kill()
		return nil, startError(opts, err, logs.Recent())
	}
	p.runner, p.logs = started, logs
	return p, nil
}

// Attach connects to a plugin served in this process by sdk.ServeInProcess.
func Attach(ctx context.Context, name string, reattach *plugin.ReattachConfig) (*Process, error) {
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: pluginv1.Handshake,
		// A reattached client skips version negotiation, so it takes the
		// plugin set itself.
		Plugins:          plugin.PluginSet{pluginv1.PluginName: &clientPlugin{}},
		Reattach:         reattach,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
		GRPCDialOptions:  dialOptions(),
	})
	p, err := connect(ctx, client, Options{Name: name})
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("attach to plugin %s: %w", name, err)
	}
	return p, nil
}

// dialOptions raise the message limits to the protocol's, as the plugin's
// server does.
func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(pluginv1.MaxMessageBytes),
		grpc.MaxCallSendMsgSize(pluginv1.MaxMessageBytes))}
}

// connect runs the handshake and reads the plugin's description.
func connect(ctx context.Context, client *plugin.Client, opts Options) (*Process, error) {
	protocol, err := client.Client()
	if err != nil {
		return nil, err
	}
	raw, err := protocol.Dispense(pluginv1.PluginName)
	if err != nil {
		return nil, err
	}
	p := &Process{name: opts.Name, client: client, rpc: raw.(pluginv1.ConnectorClient),
		protocol: client.NegotiatedVersion()}
	if err := p.describe(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// clientPlugin is go-plugin's view of the connector on the host side.
type clientPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (clientPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the host has no connector to serve")
}

func (clientPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return pluginv1.NewConnectorClient(conn), nil
}

// allowedHostEnv returns the host's values of AllowedEnv.
func allowedHostEnv() []string {
	var env []string
	for _, name := range AllowedEnv {
		if value, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+value)
		}
	}
	return env
}

// checkExecutable checks that the file exists and, when a checksum is
// pinned, that it matches.
func checkExecutable(opts Options) error {
	if _, err := os.Stat(opts.Path); err != nil {
		return &StartError{Plugin: opts.Name, Path: opts.Path, Handshake: true, Err: err,
			Fix: "put the executable there or correct plugins.dir"}
	}
	if opts.SHA256 == "" {
		return nil
	}
	sum, err := FileSHA256(opts.Path)
	if err != nil {
		return &StartError{Plugin: opts.Name, Path: opts.Path, Handshake: true, Err: err, Fix: "check the file's permissions"}
	}
	if !strings.EqualFold(sum, opts.SHA256) {
		return &StartError{Plugin: opts.Name, Path: opts.Path, Handshake: true, Checksum: true,
			Err: fmt.Errorf("the executable's sha256 is %s, but the config pins %s", sum, strings.ToLower(opts.SHA256)),
			Fix: "install the build the pin names, or, if this build is trusted, set sha256 to its checksum (sha256sum " + opts.Path + ")"}
	}
	return nil
}

// FileSHA256 returns the SHA-256 checksum of the file at path as lowercase hex.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
