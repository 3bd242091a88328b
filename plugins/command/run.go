package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/turbocode/switchboard/sdk"
)

// pipeWait bounds how long a run waits for the command's output pipes to
// close after the command exited or was killed: a process it started in the
// background, outside its process group, may hold them open.
const pipeWait = 2 * time.Second

// runReport is the outcome of one run of the command.
type runReport struct {
	// started is false when the command could not be started; startErr says
	// why.
	started  bool
	startErr error
	// waitErr is the error of exec.Cmd.Wait, nil when the command exited 0.
	waitErr error
	state   processState
	// ctxErr is the context's error when the run was cancelled or timed out.
	ctxErr  error
	elapsed time.Duration
	output  *tailBuffer
}

// processState is the state of the finished process as the run records it.
type processState struct {
	// exited is set when the process ended by exiting, not by a signal.
	exited   bool
	exitCode int
	// description is Go's text for the end, such as "signal: killed".
	description string
}

// runCommand runs the command for req with stdin as its standard input. The
// command runs in a process group of its own; when ctx ends, the whole group
// is killed.
func (in *instance) runCommand(ctx context.Context, req *sdk.DeliveryRequest, stdin []byte) runReport {
	output := newTailBuffer(in.maxOutput)
	cmd := exec.CommandContext(ctx, in.program, in.args...)
	cmd.Dir = in.dir
	cmd.Env = in.environment(req)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = output, output
	startInGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = pipeWait

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return runReport{startErr: err, ctxErr: ctx.Err(), output: output}
	}
	waitErr := cmd.Wait()
	report := runReport{started: true, waitErr: waitErr, elapsed: time.Since(start), output: output}
	if waitErr != nil {
		report.ctxErr = ctx.Err()
	}
	if cmd.ProcessState != nil {
		report.state = processState{exited: cmd.ProcessState.Exited(), exitCode: cmd.ProcessState.ExitCode(),
			description: cmd.ProcessState.String()}
	}
	return report
}

// environment returns the command's environment: the plugin's own without
// the plugin protocol's variables, then the config's env, then the
// delivery's SWITCHBOARD_ variables.
func (in *instance) environment(req *sdk.DeliveryRequest) []string {
	env := append([]string(nil), in.env...)
	env = append(env,
		"SWITCHBOARD_DELIVERY_ID="+req.DeliveryID,
		"SWITCHBOARD_ATTEMPT="+strconv.Itoa(req.Attempt),
		"SWITCHBOARD_ROUTE="+req.Route,
		"SWITCHBOARD_ENTITY_KEY="+req.EntityKey,
		"SWITCHBOARD_EVENT_COUNT="+strconv.Itoa(len(req.Events)),
	)
	if len(req.Events) > 0 {
		env = append(env, "SWITCHBOARD_EVENT_ID="+req.Events[0].ID, "SWITCHBOARD_EVENT_TYPE="+req.Events[0].Type)
	}
	return env
}

// standardInput returns what the command reads: the route template's output
// when the route has one, else the event's envelope, or a JSON array of the
// envelopes of a digest.
func standardInput(req *sdk.DeliveryRequest) ([]byte, error) {
	switch {
	case req.Message != "":
		return []byte(req.Message), nil
	case len(req.Events) == 0:
		return nil, errors.New("the delivery has no events and no message to send")
	case len(req.Events) == 1:
		return req.Events[0].Envelope, nil
	}

	var b bytes.Buffer
	b.WriteByte('[')
	for i, event := range req.Events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(event.Envelope)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// classify turns a run into a result: exit 0 is delivered, an exit code of
// retry_exit_codes, a kill by a signal, a timeout and a cancellation are
// retried, and any other exit code or a command that cannot start is
// permanent. StatusCode is the exit code, and Response the end of the
// output.
func (in *instance) classify(r runReport) sdk.Result {
	var result sdk.Result
	switch {
	case r.ctxErr != nil:
		result = sdk.Retry(in.stoppedReason(r), 0)
	case !r.started:
		result = sdk.Permanent(fmt.Sprintf("start %s: %v; check the connector's command", in.program, r.startErr))
	case r.state.exited && r.state.exitCode == 0:
		result = sdk.Delivered(0, "")
	case r.state.exited && in.retryCodes[r.state.exitCode]:
		result = sdk.Retry(fmt.Sprintf("%s exited with %d, a code in retry_exit_codes", in.program, r.state.exitCode), 0)
	case r.state.exited:
		result = sdk.Permanent(fmt.Sprintf("%s exited with %d; the codes that ask for a retry are %s", in.program, r.state.exitCode, in.retryCodeList()))
	default:
		// A signal from outside, such as the kernel's out-of-memory killer,
		// may not strike again.
		result = sdk.Retry(fmt.Sprintf("%s ended by %s", in.program, describeEnd(r)), 0)
	}

	if r.state.exited {
		result.StatusCode = r.state.exitCode
	}
	result.Response = in.redact(r.output.excerpt())
	return result
}

// stoppedReason returns the reason a run whose context ended was stopped.
func (in *instance) stoppedReason(r runReport) string {
	what := "cancelled"
	if errors.Is(r.ctxErr, context.DeadlineExceeded) {
		what = "timed out after " + r.elapsed.Round(time.Millisecond).String() + " (the connector's timeout)"
	}
	if !r.started {
		return fmt.Sprintf("%s before %s started", what, in.program)
	}
	return fmt.Sprintf("%s %s; its process group was killed", in.program, what)
}

func describeEnd(r runReport) string {
	if r.state.description != "" {
		return r.state.description
	}
	return fmt.Sprint(r.waitErr)
}

func (in *instance) retryCodeList() string {
	if len(in.retryCodeOrder) == 0 {
		return "none"
	}
	codes := make([]string, len(in.retryCodeOrder))
	for i, code := range in.retryCodeOrder {
		codes[i] = strconv.Itoa(code)
	}
	return strings.Join(codes, ", ")
}
