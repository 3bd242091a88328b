// Package plugin is the host side of out-of-process connectors. A Host is
// the connector kind `type: plugin`: for each block it selects the plugin
// named by the block's `plugin:` key, found as switchboard-connector-<name>
// in plugins.dir, and starts it the first time a block names it, so only
// plugins named in the config run.
//
// The host validates a block's keys against the schema the plugin returned
// and the plugin's own ValidateConfig, checks an optional sha256 pin before
// each start, and supervises each plugin process: when it dies, the
// deliveries it was running come back as retries with the same delivery id,
// a delivery that was in flight during three crashes goes dead as a poison
// message, and the process is restarted with jittered backoff with every
// instance configured again. A plugin that cannot be started is marked
// failed, and its deliveries are held, not attempted, until its executable
// changes. Close drains the deliveries in flight before it stops the
// processes.
package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

// TypeName is the connector type of plugin blocks: `type: plugin`.
const TypeName = "plugin"

// Options configure NewHost.
type Options struct {
	// Dir is the plugins directory.
	Dir string
	// Reserved lists the built-in connector types, which no plugin may take.
	Reserved []string
	// Logger receives the host's messages and the plugins' logs.
	Logger *slog.Logger
	// LogLevel is passed to plugins, so that they skip lines the host drops.
	LogLevel string
	// HostVersion names the host in error messages.
	HostVersion string
	// Clock times restarts. Default: the system clock.
	Clock sdk.Clock
	// MinRestartDelay and MaxRestartDelay bound the backoff between restarts
	// of a crashed plugin. Defaults 200ms and 30s.
	MinRestartDelay time.Duration
	MaxRestartDelay time.Duration
	// MaxStartFailures is the number of failed starts in a row after which a
	// plugin is marked failed. Default 5.
	MaxStartFailures int
	// PoisonCrashes is the number of crashes during one delivery that make
	// it dead as a poison message. Default 3.
	PoisonCrashes int
	// StartTimeout bounds one start's handshake. Default 10s.
	StartTimeout time.Duration
	// KeepFailed makes a plugin that cannot start no config error: its
	// blocks are configured all the same, their deliveries held, so that the
	// daemon starts with its other connectors. `serve` sets it; `check`
	// leaves it unset, so that the failure is seen before a deploy.
	KeepFailed bool
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = sdk.SystemClock
	}
	if o.MinRestartDelay <= 0 {
		o.MinRestartDelay = 200 * time.Millisecond
	}
	if o.MaxRestartDelay <= 0 {
		o.MaxRestartDelay = 30 * time.Second
	}
	if o.MaxStartFailures <= 0 {
		o.MaxStartFailures = 5
	}
	if o.PoisonCrashes <= 0 {
		o.PoisonCrashes = 3
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Second
	}
	return o
}

// Observer receives the plugins' restarts and failures, for metrics.
type Observer interface {
	PluginRestarted(plugin string)
	PluginFailed(plugin string, failed bool)
}

type noObserver struct{}

func (noObserver) PluginRestarted(string)    {}
func (noObserver) PluginFailed(string, bool) {}

// Host runs the plugins the config names. It implements sdk.Connector for
// blocks whose plugin cannot be selected, so that their problems are
// reported at the block, and config.KindSelector for the others.
type Host struct {
	opts Options
	log  *slog.Logger

	mu          sync.Mutex
	supervisors map[string]*supervisor
	// observer holds an Observer; it is read while supervisor locks are held,
	// so it takes no lock.
	observer atomic.Value
}

var _ sdk.Connector = (*Host)(nil)

// NewHost returns a host; it starts nothing until a block names a plugin.
func NewHost(opts Options) *Host {
	opts = opts.withDefaults()
	h := &Host{opts: opts, log: opts.Logger, supervisors: map[string]*supervisor{}}
	h.observer.Store(observerBox{noObserver{}})
	return h
}

// observerBox gives every Observer stored in the atomic.Value one type.
type observerBox struct{ Observer }

// Observe sends the plugins' restarts and failures to o from now on, and the
// current failures at once.
func (h *Host) Observe(o Observer) {
	h.observer.Store(observerBox{o})
	for _, st := range h.Status() {
		o.PluginFailed(st.Name, st.State == stateFailed.String())
	}
}

func (h *Host) observe() Observer { return h.observer.Load().(observerBox).Observer }

// Dir returns the plugins directory.
func (h *Host) Dir() string { return h.opts.Dir }

// SelectKind implements config.KindSelector: it returns the kind of the
// plugin the block names, starting the plugin the first time. It reports
// false when the block names no plugin that runs; ValidateConfig reports why.
func (h *Host) SelectKind(options map[string]any) (sdk.Connector, bool) {
	keys, diagnostics := readHostKeys(options)
	if len(diagnostics) > 0 {
		return nil, false
	}
	sup, err := h.supervisor(keys)
	if err != nil && (sup == nil || !h.opts.KeepFailed) {
		return nil, false
	}
	return &kind{sup: sup}, true
}

// supervisor returns the named plugin's supervisor, starting the plugin on
// first use. A plugin whose start failed is not started again until its
// executable changes; its supervisor comes with the error.
func (h *Host) supervisor(keys hostKeys) (*supervisor, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if sup, ok := h.supervisors[keys.Plugin]; ok {
		return sup, sup.usable()
	}

	exe, err := find(h.opts.Dir, keys.Plugin, h.opts.Reserved)
	if err != nil {
		return nil, err
	}
	sup := newSupervisor(h, exe, keys.SHA256)
	h.supervisors[keys.Plugin] = sup
	return sup, sup.startFirst()
}

// Info implements sdk.Connector for `type: plugin` blocks whose plugin does
// not run.
func (h *Host) Info() sdk.Info {
	return sdk.Info{Name: TypeName, Description: "an out-of-process connector from plugins.dir"}
}

// ValidateConfig implements sdk.Connector: it explains why a block's plugin
// could not be selected, at the key at fault.
func (h *Host) ValidateConfig(raw json.RawMessage) []sdk.Diagnostic {
	keys, _, diagnostics := splitConfig(raw)
	if len(diagnostics) > 0 {
		return diagnostics
	}
	_, err := h.supervisor(keys)
	if err == nil {
		return []sdk.Diagnostic{{Path: keyPlugin, Message: fmt.Sprintf("plugin %s started only now; check the config again", keys.Plugin)}}
	}
	path := keyPlugin
	if se, ok := asStartError(err); ok && se.Checksum {
		path = keySHA256
	}
	return []sdk.Diagnostic{{Path: path, Message: err.Error()}}
}

// Configure implements sdk.Connector; it fails for a block whose plugin does
// not run, which validation reports first.
func (h *Host) Configure(_ context.Context, cfg sdk.InstanceConfig) (sdk.Instance, error) {
	keys, _, _ := splitConfig(cfg.Config)
	_, err := h.supervisor(keys)
	return nil, fmt.Errorf("plugin %q is not available: %v", keys.Plugin, err)
}

// Status is one plugin's state, for health checks and `switchboard plugins`.
type Status struct {
	Name       string
	Path       string
	Version    string
	Protocol   int
	SDKVersion string
	// State is running, restarting, failed or stopped.
	State string
	// Err says why the plugin is restarting or failed.
	Err       error
	PID       int
	Restarts  int
	Crashes   int
	Instances int
}

// Status returns the state of every plugin the config named, by name.
func (h *Host) Status() []Status {
	h.mu.Lock()
	sups := make([]*supervisor, 0, len(h.supervisors))
	for _, sup := range h.supervisors {
		sups = append(sups, sup)
	}
	h.mu.Unlock()

	out := make([]Status, 0, len(sups))
	for _, sup := range sups {
		out = append(out, sup.status())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Close waits until ctx ends for the deliveries in flight to return, then
// stops every plugin process and waits for it to exit.
func (h *Host) Close(ctx context.Context) {
	h.mu.Lock()
	sups := make([]*supervisor, 0, len(h.supervisors))
	for _, sup := range h.supervisors {
		sups = append(sups, sup)
	}
	h.mu.Unlock()

	var wg sync.WaitGroup
	for _, sup := range sups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sup.stop(ctx)
		}()
	}
	wg.Wait()
}

func asStartError(err error) (*pluginclient.StartError, bool) {
	return errors.AsType[*pluginclient.StartError](err)
}
