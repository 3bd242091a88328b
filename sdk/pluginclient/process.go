package pluginclient

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/hashicorp/go-plugin"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/proto/pluginv1"
)

// Process is one running plugin and its gRPC connection. Its methods may be
// called concurrently. An error from a method is a transport or protocol
// failure, not a delivery outcome.
type Process struct {
	name     string
	client   *plugin.Client
	rpc      pluginv1.ConnectorClient
	protocol int
	// runner is nil for a plugin served in this process.
	runner *processRunner
	logs   *logWriter

	info       sdk.Info
	sdkVersion string
	schema     *jsonschema.Schema
}

// describe reads the plugin's Info and config schema.
func (p *Process) describe(ctx context.Context) error {
	info, err := p.rpc.Info(ctx, &pluginv1.InfoRequest{})
	if err != nil {
		return fmt.Errorf("read the plugin's info: %w", err)
	}
	schema, err := p.rpc.ConfigSchema(ctx, &pluginv1.ConfigSchemaRequest{})
	if err != nil {
		return fmt.Errorf("read the plugin's config schema: %w", err)
	}

	p.info = infoFromProto(info, schema)
	p.sdkVersion = info.GetSdkVersion()
	if len(p.info.ConfigSchema) > 0 {
		if p.schema, err = CompileSchema(p.info.ConfigSchema); err != nil {
			return fmt.Errorf("the plugin's config schema is invalid: %w", err)
		}
	}
	return nil
}

// Name returns the plugin's name, from its executable's file name.
func (p *Process) Name() string { return p.name }

// Info returns the Info the plugin returned after the handshake, with its
// config schema and secret paths.
func (p *Process) Info() sdk.Info { return p.info }

// SDKVersion returns the SDK version the plugin reported, "" when unknown.
func (p *Process) SDKVersion() string { return p.sdkVersion }

// ProtocolVersion returns the protocol version the handshake settled on.
func (p *Process) ProtocolVersion() int { return p.protocol }

// PID returns the plugin's process id, 0 for a plugin served in this process.
func (p *Process) PID() int {
	if p.runner == nil {
		return 0
	}
	pid, _ := strconv.Atoi(p.runner.ID())
	return pid
}

// Exited returns a channel that is closed when the process has exited, or
// nil for a plugin served in this process.
func (p *Process) Exited() <-chan struct{} {
	if p.runner == nil {
		return nil
	}
	return p.runner.exited
}

// ExitError returns how the process ended, once Exited is closed: nil for a
// clean exit, an *exec.ExitError otherwise.
func (p *Process) ExitError() error {
	if p.runner == nil {
		return nil
	}
	return p.runner.exitError()
}

// Signal sends sig to the process; tests use it to crash a plugin.
func (p *Process) Signal(sig os.Signal) error {
	if p.runner == nil || p.runner.cmd.Process == nil {
		return fmt.Errorf("plugin %s has no process of its own", p.name)
	}
	return p.runner.cmd.Process.Signal(sig)
}

// Stop requests the plugin to exit and waits for it; after two seconds go-plugin
// kills it. Callers drain their deliveries first.
func (p *Process) Stop() { p.client.Kill() }

// ValidateConfig checks an instance config against the plugin's schema and
// with the plugin's own ValidateConfig. Where both find a problem at the same
// path, the plugin's message is kept, because it is the more specific one.
func (p *Process) ValidateConfig(ctx context.Context, config json.RawMessage) ([]sdk.Diagnostic, error) {
	res, err := p.rpc.ValidateConfig(ctx, &pluginv1.ValidateConfigRequest{ConfigJson: config})
	if err != nil {
		return nil, fmt.Errorf("validate config with plugin %s: %w", p.name, err)
	}
	own := make([]sdk.Diagnostic, 0, len(res.GetDiagnostics()))
	reported := map[string]bool{}
	for _, d := range res.GetDiagnostics() {
		own = append(own, sdk.Diagnostic{Path: d.GetPath(), Message: d.GetMessage()})
		reported[d.GetPath()] = true
	}

	var out []sdk.Diagnostic
	for _, d := range ValidateSchema(p.schema, config) {
		if !reported[d.Path] {
			out = append(out, d)
		}
	}
	return append(out, own...), nil
}

// Configure builds an instance in the plugin and returns its id. Logger,
// Clock and Resolver in cfg stay on the host: the plugin logs through its own
// stderr and uses its own clock and the system's resolver.
func (p *Process) Configure(ctx context.Context, cfg sdk.InstanceConfig) (string, error) {
	cidrs := make([]string, len(cfg.AllowCIDRs))
	for i, prefix := range cfg.AllowCIDRs {
		cidrs[i] = prefix.String()
	}
	res, err := p.rpc.Configure(ctx, &pluginv1.ConfigureRequest{
		InstanceName: cfg.Name,
		ConfigJson:   cfg.Config,
		AllowPrivate: cfg.AllowPrivate,
		AllowCidrs:   cidrs,
		Turbo: &pluginv1.TurboSettings{WebUrl: cfg.Turbo.WebURL, ApiUrl: cfg.Turbo.APIURL,
			ApiToken: cfg.Turbo.APIToken.Reveal()},
	})
	if err != nil {
		return "", fmt.Errorf("configure %s in plugin %s: %w", cfg.Name, p.name, err)
	}
	return res.GetInstanceId(), nil
}

// Deliver sends one delivery to an instance. The error is a failure of the
// call itself (the process died, the connection broke, the deadline passed
// before a response); the caller turns it into a retry.
func (p *Process) Deliver(ctx context.Context, instanceID string, req *sdk.DeliveryRequest) (sdk.Result, error) {
	res, err := p.rpc.Deliver(ctx, deliveryToProto(instanceID, req))
	if err != nil {
		return sdk.Result{}, err
	}
	return resultFromProto(res), nil
}

// Health requests an instance's health.
func (p *Process) Health(ctx context.Context, instanceID string) (sdk.Health, error) {
	res, err := p.rpc.Health(ctx, &pluginv1.HealthRequest{InstanceId: instanceID})
	if err != nil {
		return sdk.Health{}, err
	}
	return sdk.Health{OK: res.GetOk(), Message: res.GetMessage()}, nil
}

// CloseInstance closes an instance in the plugin.
func (p *Process) CloseInstance(ctx context.Context, instanceID string) error {
	_, err := p.rpc.CloseInstance(ctx, &pluginv1.CloseInstanceRequest{InstanceId: instanceID})
	return err
}
