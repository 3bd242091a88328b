package command

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/turbocode/switchboard/sdk"
)

// minRedactedLength is the shortest env value the connector removes from the
// output it reports. A shorter one, such as a mode switch, would match
// ordinary text by chance.
const minRedactedLength = 8

// instance is one configured command connector.
type instance struct {
	name    string
	program string
	args    []string
	dir     string
	// env is the command's base environment: the plugin's own without the
	// plugin protocol's variables, then the config's env.
	env []string
	// secrets are the config's env values, removed from reported output.
	secrets []string
	// configEnvNames names the config's env variables, for previews.
	configEnvNames []string
	retryCodes     map[int]bool
	retryCodeOrder []int
	maxOutput      int
	logger         *slog.Logger
}

var _ sdk.Instance = (*instance)(nil)

func newInstance(cfg config, ic sdk.InstanceConfig) (*instance, error) {
	program, err := resolveProgram(cfg.Command[0], cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("configure command connector %s: command[0]: %w", ic.Name, err)
	}
	in := &instance{
		name:       ic.Name,
		program:    program,
		args:       cfg.Command[1:],
		dir:        cfg.Dir,
		env:        inheritedEnv(os.Environ()),
		retryCodes: map[int]bool{},
		maxOutput:  cfg.MaxOutputBytes,
		logger:     ic.Logger,
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Env)) {
		value := cfg.Env[name].Reveal()
		in.env = append(in.env, name+"="+value)
		in.configEnvNames = append(in.configEnvNames, name)
		if len(value) >= minRedactedLength {
			in.secrets = append(in.secrets, value)
		}
	}
	for _, code := range cfg.RetryExitCodes {
		if !in.retryCodes[code] {
			in.retryCodes[code] = true
			in.retryCodeOrder = append(in.retryCodeOrder, code)
		}
	}
	slices.Sort(in.retryCodeOrder)
	return in, nil
}

// inheritedEnv returns environ without the variables whose names the
// connector reserves: go-plugin's handshake variables would make a command
// built with go-plugin act as a plugin.
func inheritedEnv(environ []string) []string {
	kept := make([]string, 0, len(environ))
	for _, entry := range environ {
		name, _, _ := strings.Cut(entry, "=")
		if !hasReservedPrefix(name) {
			kept = append(kept, entry)
		}
	}
	return kept
}

// Deliver runs the command once with the event on its standard input and
// classifies how it ended.
func (in *instance) Deliver(ctx context.Context, req *sdk.DeliveryRequest) sdk.Result {
	stdin, err := standardInput(req)
	if err != nil {
		return sdk.Permanent(err.Error())
	}

	report := in.runCommand(ctx, req, stdin)
	result := in.classify(report)
	in.log(req, report, result)
	return result
}

// log writes a line per run: at debug level for a delivered one, at warn
// level with the end of the output for a failed one.
func (in *instance) log(req *sdk.DeliveryRequest, r runReport, result sdk.Result) {
	attrs := []any{
		slog.String("delivery_id", req.DeliveryID), slog.String("route", req.Route), slog.Int("attempt", req.Attempt),
		slog.String("program", in.program), slog.Int64("duration_ms", r.elapsed.Milliseconds()),
		slog.Int64("output_bytes", r.output.Total()),
	}
	if result.Outcome == sdk.OutcomeDelivered {
		in.logger.Debug("command delivered", attrs...)
		return
	}
	tail, _ := r.output.Tail(in.maxOutput)
	attrs = append(attrs, slog.String("outcome", result.Outcome.String()), slog.String("err", result.Reason),
		slog.String("output", in.redact(tail)))
	in.logger.Warn("command failed", attrs...)
}

// redact replaces every env value of the config with <redacted>.
func (in *instance) redact(text string) string {
	for _, secret := range in.secrets {
		text = strings.ReplaceAll(text, secret, "<redacted>")
	}
	return text
}

// Health checks that the program still exists and is executable.
func (in *instance) Health(context.Context) sdk.Health {
	if _, err := resolveProgram(in.program, in.dir); err != nil {
		return sdk.Health{OK: false, Message: err.Error()}
	}
	return sdk.Health{OK: true, Message: "runs " + in.program}
}

// Close does nothing: every run ends before Deliver returns.
func (in *instance) Close() error { return nil }
