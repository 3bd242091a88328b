package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

// kind is one plugin's connector kind, as the blocks that name the plugin
// use it.
type kind struct {
	sup *supervisor
}

var _ sdk.Connector = (*kind)(nil)

// Info implements sdk.Connector with the Info the plugin returned.
func (k *kind) Info() sdk.Info {
	k.sup.mu.Lock()
	defer k.sup.mu.Unlock()
	return k.sup.info
}

// ValidateConfig implements sdk.Connector: the host's keys, the checksum pin
// against the executable, then the plugin's schema and its own validation
// of the other keys.
func (k *kind) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	keys, rest, diagnostics := splitConfig(raw)
	if len(diagnostics) > 0 {
		return diagnostics
	}
	proc, err := k.sup.acquire()
	if err != nil && k.sup.host.opts.KeepFailed {
		k.sup.log.Warn("the plugin does not run, so the block's own keys are not checked; they are when it starts", "err", err)
		return nil
	}
	if err != nil {
		return []sdk.Diagnostic{{Path: keyPlugin, Message: err.Error()}}
	}
	defer k.sup.release()
	if d, ok := k.checkPin(keys); !ok {
		return []sdk.Diagnostic{d}
	}

	ctx, cancel := context.WithTimeout(context.Background(), k.sup.host.opts.StartTimeout)
	defer cancel()
	out, err := proc.ValidateConfig(ctx, rest)
	if err != nil {
		return []sdk.Diagnostic{{Path: keyPlugin, Message: err.Error()}}
	}
	return out
}

// checkPin compares a block's sha256 with the executable's.
func (k *kind) checkPin(keys hostKeys) (sdk.Diagnostic, bool) {
	if keys.SHA256 == "" {
		return sdk.Diagnostic{}, true
	}
	path := k.sup.exe.Path
	sum, err := pluginclient.FileSHA256(path)
	if err != nil {
		return sdk.Diagnostic{Path: keySHA256, Message: fmt.Sprintf("read %s to check its checksum: %v", path, err)}, false
	}
	if !strings.EqualFold(sum, keys.SHA256) {
		return sdk.Diagnostic{Path: keySHA256, Message: fmt.Sprintf("%s has sha256 %s, not the pinned one; install the build the pin names, or, if this build is trusted, set sha256: %s", path, sum, sum)}, false
	}
	return sdk.Diagnostic{}, true
}

// Configure implements sdk.Connector: it configures the instance in the
// running process and remembers its config, so that a restart configures it
// again. With Options.KeepFailed, a plugin that does not run gives an
// instance whose deliveries are held until the plugin starts.
func (k *kind) Configure(ctx context.Context, cfg sdk.InstanceConfig) (sdk.Instance, error) {
	_, rest, diagnostics := splitConfig(cfg.Config)
	if len(diagnostics) > 0 {
		return nil, sdk.DiagnosticsError(diagnostics)
	}
	cfg.Config = rest

	inst := &instance{sup: k.sup, cfg: cfg}
	proc, err := k.sup.acquire()
	if err != nil && !k.sup.host.opts.KeepFailed {
		return nil, err
	}
	if err == nil {
		defer k.sup.release()
		id, err := proc.Configure(ctx, cfg)
		if err != nil {
			return nil, err
		}
		inst.setRemote(proc, id)
	}

	k.sup.mu.Lock()
	k.sup.instances[inst] = struct{}{}
	k.sup.mu.Unlock()
	return inst, nil
}
