package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// sdkModule is the module path whose version a plugin reports as its SDK version.
const sdkModule = "github.com/turbocode/switchboard"

// Serve runs c as a plugin: it is the whole main() of a plugin executable
// named switchboard-connector-<name>, where name is c.Info().Name.
//
// Started by a Switchboard host, Serve completes go-plugin's handshake
// (protocol version 1, mutual TLS set up by the host) and serves the connector
// over gRPC until the host closes it. Logs written with log/slog's default
// logger, and the loggers Configure receives, go to stderr as JSON, and the
// host re-logs each line at its level with the plugin's name. A panic in a
// call becomes an error for that call instead of ending the process. When the
// host process dies, the plugin exits within a second.
//
// Run by hand with the flag --describe, the executable prints its name,
// version, protocol versions and config schema as JSON and exits. Run by hand
// without it, it explains that it is a plugin and exits with status 1.
func Serve(c Connector) {
	if len(os.Args) > 1 && (os.Args[1] == pluginv1.DescribeFlag || os.Args[1] == "-describe") {
		os.Exit(describe(os.Stdout, c))
	}

	// go-plugin replaces os.Stderr with a pipe once it serves; logs go to the
	// stderr the host reads.
	stderr := os.Stderr
	logger := newPluginLogger(stderr, os.Getenv(pluginv1.LogLevelEnv))
	setDefaultLogger(logger)
	// The parent is read here, before anything can block, because the host
	// may die before the watchdog goroutine first runs.
	go watchParent(logger, os.Getppid())

	plugin.Serve(serveConfig(c, logger, stderr, nil))
}

// ServeInProcess serves c over gRPC from this process, as Serve does from a
// plugin's own, until ctx ends. It returns the address a host client attaches
// to and a channel closed once the server stopped. The connection has no TLS
// and no process to watch. sdk/plugintest uses it to test a connector through
// the real gRPC layer without building an executable. Logs go to logs as JSON.
func ServeInProcess(ctx context.Context, c Connector, logs io.Writer) (*plugin.ReattachConfig, <-chan struct{}, error) {
	logger := newPluginLogger(logs, "debug")
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	test := &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}
	go plugin.Serve(serveConfig(c, logger, logs, test))

	select {
	case cfg := <-reattach:
		return cfg, closed, nil
	case <-closed:
		return nil, nil, fmt.Errorf("serve %s in process: the server stopped before it listened", c.Info().Name)
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// serveConfig returns go-plugin's configuration for serving c: protocol
// version 1 in a versioned plugin set, raised message limits and the panic
// interceptor.
func serveConfig(c Connector, logger *pluginLogger, stderr io.Writer, test *plugin.ServeTestConfig) *plugin.ServeConfig {
	server := newConnectorServer(c, logger)
	return &plugin.ServeConfig{
		HandshakeConfig: pluginv1.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			pluginv1.ProtocolVersion: {pluginv1.PluginName: &servedPlugin{server: server}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts,
				grpc.MaxRecvMsgSize(pluginv1.MaxMessageBytes),
				grpc.MaxSendMsgSize(pluginv1.MaxMessageBytes),
				grpc.ChainUnaryInterceptor(recoverInterceptor(logger.Logger)))
			return grpc.NewServer(opts...)
		},
		// go-plugin's own messages: warnings and errors only, as JSON that the
		// host reads like the plugin's logs.
		Logger: hclog.New(&hclog.LoggerOptions{Name: "go-plugin", Output: stderr, JSONFormat: true, Level: hclog.Warn}),
		Test:   test,
	}
}

// servedPlugin registers the connector server with go-plugin's gRPC server.
type servedPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	server *connectorServer
}

func (p *servedPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterConnectorServer(s, p.server)
	return nil
}

func (p *servedPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, fmt.Errorf("a plugin serves its connector; it has no client side")
}

// describe prints c's description as JSON and returns the exit status.
func describe(w io.Writer, c Connector) int {
	info := c.Info()
	out, err := json.MarshalIndent(pluginv1.Description{
		Name:             info.Name,
		Version:          info.Version,
		Description:      info.Description,
		ProtocolVersions: []int{pluginv1.ProtocolVersion},
		SDKVersion:       SDKVersion(),
		ConfigSchema:     info.ConfigSchema,
		SecretPaths:      info.SecretPaths,
	}, "", "  ")
	if err != nil {
		fmt.Fprintf(os.Stderr, "describe %s: %v; check that Info().ConfigSchema is valid JSON\n", info.Name, err)
		return 1
	}
	fmt.Fprintf(w, "%s\n", out)
	return 0
}

// SDKVersion returns the version of the Switchboard module this binary was
// built with, "(devel)" when it was built inside that module, or "" when the
// binary carries no build information.
func SDKVersion() string {
	build, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if build.Main.Path == sdkModule {
		return build.Main.Version
	}
	for _, dep := range build.Deps {
		if dep.Path == sdkModule {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return ""
}
