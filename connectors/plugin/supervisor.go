package plugin

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turbocode/switchboard/sdk"
	"github.com/turbocode/switchboard/sdk/pluginclient"
)

// state is the stage of a plugin process's life.
type state int

const (
	stateStarting   state = iota // before the first start returned
	stateRunning                 // the process serves
	stateRestarting              // the process died; a start is scheduled
	stateFailed                  // starting did not succeed; deliveries are held
	stateStopped                 // Close stopped it
)

func (s state) String() string {
	return [...]string{"starting", "running", "restarting", "failed", "stopped"}[s]
}

// stableRun is how long a process must run before its restart backoff
// starts again from the minimum.
const stableRun = time.Minute

// supervisor runs one plugin: it starts the process, restarts it when it
// dies, and configures its instances again after each start.
type supervisor struct {
	host *Host
	exe  Executable
	pin  string
	log  *slog.Logger

	mu        sync.Mutex
	state     state
	proc      *pluginclient.Process
	err       error
	startedAt time.Time
	nextStart time.Time
	// failures counts failed starts in a row; quickCrashes counts crashes of
	// processes that ran less than stableRun, which lengthen the backoff.
	failures     int
	quickCrashes int
	restarts     int
	crashes      int
	stamp        fileStamp
	// info is the Info the last process that started returned.
	info      sdk.Info
	instances map[*instance]struct{}
	// inflight counts the calls running in the plugin; running is the same
	// count, readable without waiting.
	inflight sync.WaitGroup
	running  atomic.Int64
	poison   *crashCounter
}

func newSupervisor(h *Host, exe Executable, pin string) *supervisor {
	return &supervisor{host: h, exe: exe, pin: pin, log: h.log.With("plugin", exe.Name),
		instances: map[*instance]struct{}{}, poison: newCrashCounter()}
}

// startFirst starts the process when the config first names the plugin. A
// failure marks the plugin failed at once: the config is being loaded, and
// its error reaches the operator.
func (s *supervisor) startFirst() error {
	proc, err := s.launch()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.fail(err)
		return err
	}
	s.run(proc)
	return nil
}

// launch starts one process and checks that it serves the connector its
// file name promises.
func (s *supervisor) launch() (*pluginclient.Process, error) {
	opts := s.host.opts
	ctx, cancel := context.WithTimeout(context.Background(), opts.StartTimeout)
	defer cancel()
	proc, err := pluginclient.Start(ctx, pluginclient.Options{Name: s.exe.Name, Path: s.exe.Path, SHA256: s.pin,
		Logger: opts.Logger, LogLevel: opts.LogLevel, HostVersion: opts.HostVersion, StartTimeout: opts.StartTimeout})
	if err != nil {
		return nil, err
	}
	if name := proc.Info().Name; name != s.exe.Name {
		proc.Stop()
		return nil, &pluginclient.StartError{Plugin: s.exe.Name, Path: s.exe.Path, Handshake: true,
			Err: fmt.Errorf("the executable serves a connector named %q", name),
			Fix: fmt.Sprintf("rename the file to switchboard-connector-%s and set plugin: %s", name, name)}
	}
	return proc, nil
}

// run makes proc the serving process; the caller holds s.mu.
func (s *supervisor) run(proc *pluginclient.Process) {
	s.proc, s.state, s.err, s.failures = proc, stateRunning, nil, 0
	s.info = proc.Info()
	s.startedAt = s.host.opts.Clock.Now()
	s.log.Info("plugin started", "pid", proc.PID(), "version", proc.Info().Version,
		"protocol", proc.ProtocolVersion(), "sdk_version", proc.SDKVersion())
	s.observer().PluginFailed(s.exe.Name, false)
	go s.watch(proc)
}

// fail marks the plugin failed; the caller holds s.mu.
func (s *supervisor) fail(err error) {
	s.state, s.err, s.proc = stateFailed, err, nil
	s.stamp = stampOf(s.exe.Path)
	s.observer().PluginFailed(s.exe.Name, true)
	s.log.Error("plugin failed: its deliveries are held until the executable changes or Switchboard restarts", "err", err)
}

// usable returns why the plugin cannot serve a new config now, or nil. A
// plugin that failed is started again, here and now, when its executable
// changed since; the caller holds h.mu.
func (s *supervisor) usable() error {
	s.mu.Lock()
	replaced := s.state == stateFailed && stampOf(s.exe.Path) != s.stamp
	s.mu.Unlock()
	if replaced {
		s.log.Info("plugin executable changed; starting it again")
		return s.startFirst()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateFailed || s.info.Name == "" {
		return s.unavailable()
	}
	return nil
}

// watch waits for proc to exit and handles the exit.
func (s *supervisor) watch(proc *pluginclient.Process) {
	<-proc.Exited()
	go proc.Stop() // frees go-plugin's connection and temporary directory
	s.exited(proc)
}

// exited schedules a restart after proc exited, unless it was stopped on
// purpose or its exit is handled already. A delivery that saw the process
// die calls it too, so that the plugin is restarting before the delivery
// returns.
func (s *supervisor) exited(proc *pluginclient.Process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != proc || s.state == stateStopped {
		return
	}
	now := s.host.opts.Clock.Now()
	s.crashes++
	if now.Sub(s.startedAt) < stableRun {
		s.quickCrashes++
	} else {
		s.quickCrashes = 1
	}
	s.proc, s.state = nil, stateRestarting
	s.err = fmt.Errorf("the process exited unexpectedly: %v", exitText(proc.ExitError()))
	delay := s.backoff(s.quickCrashes)
	s.nextStart = now.Add(delay)
	s.log.Error("plugin process died; deliveries in flight are retried, the plugin restarts",
		"pid", proc.PID(), "err", s.err, "restart_in", delay.String())
	go s.restartAfter(delay)
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// backoff returns the wait before restart number n (from 1): exponential
// from MinRestartDelay up to MaxRestartDelay, with full jitter over its upper
// half, so that plugins that crashed together do not restart together.
func (s *supervisor) backoff(n int) time.Duration {
	opts := s.host.opts
	delay := opts.MinRestartDelay
	for i := 1; i < n && delay < opts.MaxRestartDelay; i++ {
		delay *= 2
	}
	delay = min(delay, opts.MaxRestartDelay)
	return delay/2 + rand.N(delay/2+1)
}

// restartAfter starts the process again after delay and configures every
// instance in it.
func (s *supervisor) restartAfter(delay time.Duration) {
	timer := s.host.opts.Clock.NewTimer(delay)
	<-timer.C()

	s.mu.Lock()
	if s.state != stateRestarting {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()

	proc, err := s.launch()
	if err == nil {
		err = s.replayConfigure(proc)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateRestarting {
		if proc != nil {
			go proc.Stop()
		}
		return
	}
	if err == nil {
		s.restarts++
		s.observer().PluginRestarted(s.exe.Name)
		s.run(proc)
		return
	}
	s.startFailed(err)
}

// startFailed schedules another start, or marks the plugin failed after a
// handshake failure or too many failed starts; the caller holds s.mu.
func (s *supervisor) startFailed(err error) {
	s.failures++
	se, isStartErr := asStartError(err)
	if (isStartErr && se.Handshake) || s.failures >= s.host.opts.MaxStartFailures {
		s.fail(err)
		return
	}
	delay := s.backoff(s.quickCrashes + s.failures)
	s.err, s.nextStart = err, s.host.opts.Clock.Now().Add(delay)
	s.log.Warn("plugin restart failed; trying again", "err", err, "failures", s.failures, "restart_in", delay.String())
	go s.restartAfter(delay)
}

// replayConfigure configures every instance in a new process. On a failure
// the process is stopped and the start counts as failed.
func (s *supervisor) replayConfigure(proc *pluginclient.Process) error {
	s.mu.Lock()
	instances := make([]*instance, 0, len(s.instances))
	for inst := range s.instances {
		instances = append(instances, inst)
	}
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), s.host.opts.StartTimeout)
	defer cancel()
	for _, inst := range instances {
		id, err := proc.Configure(ctx, inst.cfg)
		if err != nil {
			proc.Stop()
			return fmt.Errorf("configure %s again after the restart: %w", inst.cfg.Name, err)
		}
		inst.setRemote(proc, id)
	}
	return nil
}

// retryIfReplaced schedules a start of a failed plugin whose executable
// changed since it failed, and reports whether it did; the caller holds s.mu.
func (s *supervisor) retryIfReplaced() bool {
	if s.state != stateFailed || stampOf(s.exe.Path) == s.stamp {
		return false
	}
	s.log.Info("plugin executable changed; starting it again")
	s.state, s.failures, s.nextStart = stateRestarting, 0, s.host.opts.Clock.Now()
	go s.restartAfter(0)
	return true
}

// acquire returns the serving process for a delivery and counts the delivery
// in flight until release.
func (s *supervisor) acquire() (*pluginclient.Process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateRunning {
		return nil, s.unavailable()
	}
	select {
	case <-s.proc.Exited():
		return nil, fmt.Errorf("plugin %s: the process exited; it restarts", s.exe.Name)
	default:
	}
	s.inflight.Add(1)
	s.running.Add(1)
	return s.proc, nil
}

func (s *supervisor) release() {
	s.running.Add(-1)
	s.inflight.Done()
}

// unavailable returns why the plugin cannot deliver; the caller holds s.mu.
func (s *supervisor) unavailable() error {
	if s.err != nil {
		return fmt.Errorf("plugin %s is %s: %w", s.exe.Name, s.state, s.err)
	}
	return fmt.Errorf("plugin %s is %s", s.exe.Name, s.state)
}

// The waits Hold requests while the plugin cannot deliver.
const (
	failedHoldWait  = 30 * time.Second
	restartHoldWait = time.Second
	minHoldWait     = 100 * time.Millisecond
)

// hold reports whether deliveries must wait, and for how long.
func (s *supervisor) hold() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateRunning:
		select {
		case <-s.proc.Exited():
			// The exit is not handled yet; the restart follows at once.
			return minHoldWait, true
		default:
			return 0, false
		}
	case stateRestarting, stateStarting:
		return max(s.nextStart.Sub(s.host.opts.Clock.Now()), minHoldWait), true
	case stateFailed:
		if s.retryIfReplaced() {
			// The start is under way; look again soon, not in 30s.
			return restartHoldWait, true
		}
		return failedHoldWait, true
	default:
		return failedHoldWait, true
	}
}

// diedDuring reports whether proc exited, waiting briefly: a broken
// connection is seen a moment before the exit is.
func diedDuring(proc *pluginclient.Process) bool {
	exited := proc.Exited()
	if exited == nil {
		return false
	}
	timer := time.NewTimer(2 * time.Second)
	defer timer.Stop()
	select {
	case <-exited:
		return true
	case <-timer.C:
		return false
	}
}

func (s *supervisor) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Name: s.exe.Name, Path: s.exe.Path, State: s.state.String(), Err: s.err,
		Restarts: s.restarts, Crashes: s.crashes, Instances: len(s.instances)}
	if s.proc != nil {
		info := s.proc.Info()
		st.Version, st.Protocol, st.SDKVersion, st.PID = info.Version, s.proc.ProtocolVersion(), s.proc.SDKVersion(), s.proc.PID()
	}
	return st
}

// stop waits until ctx ends for the deliveries in flight, then stops the
// process.
func (s *supervisor) stop(ctx context.Context) {
	s.mu.Lock()
	proc := s.proc
	s.state, s.proc = stateStopped, nil
	s.mu.Unlock()

	drained := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(drained)
	}()
	if s.running.Load() > 0 {
		select {
		case <-drained:
		case <-ctx.Done():
			s.log.Warn("stopping the plugin with deliveries still in flight; they are retried at the next start",
				"in_flight", s.running.Load())
		}
	}
	if proc != nil {
		proc.Stop()
		s.log.Info("plugin stopped", "pid", proc.PID())
	}
}

// observer returns the host's observer; it takes no lock.
func (s *supervisor) observer() Observer { return s.host.observe() }

// fileStamp identifies a version of the executable.
type fileStamp struct {
	size    int64
	modTime time.Time
}

func stampOf(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: info.Size(), modTime: info.ModTime()}
}
